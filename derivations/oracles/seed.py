"""Independent values for every `seed.` number: exact Fractions, loops from the definitions.

Shares no code with derivations/mathematics/seed.py. Forward passes are the sums written out
index by index; every derivative is an exact central difference of the cost in Fractions,
which for a cost quadratic in the perturbed variable *is* the derivative (no chain rule
involved). The question's formula is recomputed from its own text: (sum of the four inputs
the weight multiplies) × (w²₁ + w²₂ + w²₃ + w²₄) × 2(o² − y)."""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import seed as seed_example
from derivations.oracles import array_quantities

PREFIX = "seed"
STEP = Fraction(1, 1000)


def _exact(nested):
    return [[Fraction(v) for v in row] for row in nested]


def _forward(i, w1):
    """o¹[p][q] = Σ_m Σ_n w¹[m][n] · i[p+m][q+n] (cross-correlation, as in the question)."""
    return [[sum(w1[m][n] * i[p + m][q + n] for m in range(2) for n in range(2))
             for q in range(2)] for p in range(2)]


def _cost_from_o1(o1, w2, y):
    o2 = sum(w2[p][q] * o1[p][q] for p in range(2) for q in range(2))
    return (o2 - y) ** 2


def _cost(i, w1, w2, y):
    return _cost_from_o1(_forward(i, w1), w2, y)


def _bumped(matrix, r, c, delta):
    out = [row[:] for row in matrix]
    out[r][c] += delta
    return out


def _derivative(cost_of_matrix, matrix):
    """Exact central difference of a quadratic, entry by entry."""
    return [[(cost_of_matrix(_bumped(matrix, r, c, STEP))
              - cost_of_matrix(_bumped(matrix, r, c, -STEP))) / (2 * STEP)
             for c in range(len(matrix[0]))] for r in range(len(matrix))]


def _rotated(matrix):
    return [row[::-1] for row in matrix[::-1]]


def _convolution_forward(x, k):
    """(x ∗ k)[p][q] = Σ k[m][n] · x[p+1−m][q+1−n]: true convolution, 2×2 kernel."""
    rows, cols = len(x) - 1, len(x[0]) - 1
    return [[sum(k[m][n] * x[p + 1 - m][q + 1 - n] for m in range(2) for n in range(2))
             for q in range(cols)] for p in range(rows)]


def _article_cost(i, k1, k2, y):
    o2 = _convolution_forward(_convolution_forward(i, k1), k2)[0][0]
    return (o2 - y) ** 2


def quantities() -> dict:
    i, w1, w2 = _exact(seed_example.I), _exact(seed_example.W1), _exact(seed_example.W2)
    y = Fraction(seed_example.TARGET)
    o1 = _forward(i, w1)
    o2 = sum(w2[p][q] * o1[p][q] for p in range(2) for q in range(2))
    grad_o2 = (((o2 + STEP) - y) ** 2 - ((o2 - STEP) - y) ** 2) / (2 * STEP)
    grad_o1 = _derivative(lambda m: _cost_from_o1(m, w2, y), o1)
    grad_w1 = _derivative(lambda m: _cost(i, m, w2, y), w1)
    grad_w2 = _derivative(lambda m: _cost(i, w1, m, y), w2)
    grad_input = _derivative(lambda m: _cost(m, w1, w2, y), i)
    # The question: ∂o¹/∂w¹_j = the sum of the inputs w¹_j multiplies, times
    # ∂C/∂o¹ = w²₁·2(o²−y) + w²₂·2(o²−y) + w²₃·2(o²−y) + w²₄·2(o²−y).
    question_dc_do1 = sum(w2[p][q] * 2 * (o2 - y) for p in range(2) for q in range(2))
    touched_sums = [[sum(i[p + r][q + c] for p in range(2) for q in range(2))
                     for c in range(2)] for r in range(2)]
    question = [[touched_sums[r][c] * question_dc_do1 for c in range(2)] for r in range(2)]
    scatter = [[[[grad_o1[p][q] * w1[a - p][b - q] if 0 <= a - p < 2 and 0 <= b - q < 2 else 0
                  for b in range(3)] for a in range(3)] for q in range(2)] for p in range(2)]
    padded = [[grad_o1[a - 1][b - 1] if 1 <= a <= 2 and 1 <= b <= 2 else 0
               for b in range(4)] for a in range(4)]
    k1, k2 = _rotated(w1), _rotated(w2)
    out = {
        "seed.y": y, "seed.o2": o2, "seed.cost": (o2 - y) ** 2, "seed.grad_o2": grad_o2,
        "seed.question_dc_do1": question_dc_do1,
        "seed.w2_sum": sum(w2[p][q] for p in range(2) for q in range(2)), "seed.fd_step": STEP,
        "seed.article_o2": _convolution_forward(_convolution_forward(i, k1), k2)[0][0],
    }
    for name, value in {
        "input": i, "w1": w1, "w2": w2, "o1": o1, "grad_w2": grad_w2, "grad_o1": grad_o1,
        "grad_w1": grad_w1, "grad_input": grad_input, "question_grad_w1": question,
        "touched_sums": touched_sums, "fd_grad_w1": grad_w1,
        "grad_o1_padded": padded, "w1_rot180": k1,
        "difference": [[question[r][c] - grad_w1[r][c] for c in range(2)] for r in range(2)],
        "cross_sum": [[sum(i[p + r][q + c] * w2[a][b] for p in range(2) for q in range(2)
                           for a in range(2) for b in range(2) if (a, b) != (p, q))
                       for c in range(2)] for r in range(2)],
        "k1": k1, "k2": k2, "article_o1": _convolution_forward(i, k1),
        "article_grad_k1": _derivative(lambda m: _article_cost(i, m, k2, y), k1),
        "article_grad_k2": _derivative(lambda m: _article_cost(i, k1, m, y), k2),
        "article_grad_input": _derivative(lambda m: _article_cost(m, k1, k2, y), i),
    }.items():
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    for p in range(2):
        for q in range(2):  # keyed like the page's matrices: seed.scatter[p,q][a,b]
            out.update(array_quantities(f"{PREFIX}.scatter[{p},{q}]", scatter[p][q]))
    return out
