"""Independent values for general/gradient-checking.md: the seed's cost on exact Fractions.

The page's numbers come from float64 code (derivations/mathematics/gradient_check.py). Here the cost
C(w¹) = (Σ_k w²_k o¹_k − y)² is written from its definition with loops on Fractions, and
every derivative is an exact difference: C is quadratic in each weight, so the central
difference with step one *is* the derivative, and the second difference is C''. The
one-sided estimate uses the same step h as the page, as an exact Fraction.
"""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import gradient_check as example
from derivations.examples import seed as seed_example
from derivations.oracles import array_quantities

PREFIX = "gradient_check"


def _grid(nested):
    return [[Fraction(v) for v in row] for row in nested]


def _o1(i, w1):
    return [[sum((w1[m][n] * i[p + m][q + n] for m in range(2) for n in range(2)), Fraction(0))
             for q in range(2)] for p in range(2)]


def _cost(i, w1, w2, y):
    o2 = sum((w2[p][q] * o for p, row in enumerate(_o1(i, w1)) for q, o in enumerate(row)),
             Fraction(0))
    return (o2 - y) ** 2


def _moved(w1, r, c, amount):
    out = [row[:] for row in w1]
    out[r][c] += amount
    return out


def _relative(a, b):
    scale = max(abs(a), abs(b))
    return Fraction(0) if scale == 0 else abs(a - b) / scale


def quantities():
    i, w1, w2 = _grid(seed_example.I), _grid(seed_example.W1), _grid(seed_example.W2)
    y = Fraction(seed_example.TARGET)
    h = Fraction(example.STEP)
    base = _cost(i, w1, w2, y)
    o1 = _o1(i, w1)
    o2 = sum((w2[p][q] * o1[p][q] for p in range(2) for q in range(2)), Fraction(0))

    # δ¹ = ∂C/∂o¹ by exact central differences of (Σ w² o − y)² in each o
    def cost_of_o(o):
        return (sum((w2[p][q] * o[p][q] for p in range(2) for q in range(2)), Fraction(0))
                - y) ** 2

    delta1 = [[(cost_of_o(_moved(o1, p, q, 1)) - cost_of_o(_moved(o1, p, q, -1))) / 2
               for q in range(2)] for p in range(2)]
    derivative, forward, curvature, product = [], [], [], []
    for r in range(2):
        d_row, f_row, c_row, p_row = [], [], [], []
        for c in range(2):
            up, down = _cost(i, _moved(w1, r, c, 1), w2, y), _cost(i, _moved(w1, r, c, -1), w2, y)
            d_row.append((up - down) / 2)
            c_row.append(up - 2 * base + down)
            f_row.append((_cost(i, _moved(w1, r, c, h), w2, y) - base) / h)
            # the question, literally: (inputs this weight touched) × (Σ of ∂C/∂o¹)
            touched = sum((i[p + r][q + c] for p in range(2) for q in range(2)), Fraction(0))
            p_row.append(touched * sum((v for row in delta1 for v in row), Fraction(0)))
        derivative.append(d_row)
        forward.append(f_row)
        curvature.append(c_row)
        product.append(p_row)
    out = {f"{PREFIX}.step": h, f"{PREFIX}.y": y, f"{PREFIX}.o2": o2}
    out.update(array_quantities(f"{PREFIX}.i", i))
    out.update(array_quantities(f"{PREFIX}.w1", w1))
    out.update(array_quantities(f"{PREFIX}.w2", w2))
    out.update(array_quantities(f"{PREFIX}.delta1", delta1))
    out.update(array_quantities(f"{PREFIX}.derived", derivative))
    out.update(array_quantities(f"{PREFIX}.central", derivative))  # exact for a quadratic
    out.update(array_quantities(f"{PREFIX}.central_error", [[0, 0], [0, 0]]))
    out.update(array_quantities(f"{PREFIX}.forward", forward))
    out.update(array_quantities(f"{PREFIX}.forward_error",
                                [[_relative(derivative[r][c], forward[r][c]) for c in range(2)]
                                 for r in range(2)]))
    out.update(array_quantities(f"{PREFIX}.curvature", curvature))
    out.update(array_quantities(f"{PREFIX}.forward_offset",
                                [[abs(forward[r][c] - derivative[r][c]) for c in range(2)]
                                 for r in range(2)]))
    out.update(array_quantities(f"{PREFIX}.product_of_sums", product))
    out.update(array_quantities(f"{PREFIX}.product_error",
                                [[_relative(product[r][c], derivative[r][c]) for c in range(2)]
                                 for r in range(2)]))
    return out
