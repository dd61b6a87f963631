"""Independent values for the written forms on seed/conventions.md.

Every printed matrix is one of a few exact quantities, reached without the page's
convolve/correlate definitions: δ = ∂C/∂o¹ by sympy from the question's cost, ∂C/∂w¹ and
∂C/∂i as exact differences of C = Σ δ·o¹ (o¹ by the loop definition), the flipped-kernel
forms as their half-turns, and the batch sums from the loop-by-definition reference layer on
Fractions (one example at a time, paired as stated).
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from derivations.examples import conventions as batch
from derivations.examples import seed
from derivations.mathematics.conv2d_reference import conv2d_backward_reference
from derivations.oracles import array_quantities

PREFIX = "conventions"


def _grid(nested):
    return [[Fraction(v) for v in row] for row in nested]


def _o1(i, w):
    return [[sum((w[m][n] * i[p + m][q + n] for m in range(2) for n in range(2)), Fraction(0))
             for q in range(2)] for p in range(2)]


def _half_turn(grid):
    return [row[::-1] for row in grid[::-1]]


def _bumped(grid, r, c):
    out = [row[:] for row in grid]
    out[r][c] += 1
    return out


def _filter_gradient(a, d):
    """Σ_{p,q} d[p,q] a[p+m, q+n] for each (m, n): the reference layer's weight gradient."""
    zero = [[Fraction(0)] * 2 for _ in range(2)]
    return conv2d_backward_reference([[a]], [[zero]], [[d]]).grad_weight[0][0].tolist()


def quantities():
    i, w1, w2 = _grid(seed.I), _grid(seed.W1), _grid(seed.W2)
    o1 = _o1(i, w1)
    symbols = sympy.symbols("o0:4")
    cost = (sum(w2[k // 2][k % 2] * s for k, s in enumerate(symbols)) - seed.TARGET) ** 2
    at = {s: o1[k // 2][k % 2] for k, s in enumerate(symbols)}
    delta = [[Fraction(str(sympy.diff(cost, symbols[2 * r + c]).subs(at))) for c in range(2)]
             for r in range(2)]

    def linear_cost(i_, w_):  # C = Σ δ·o¹ has ∂C/∂o¹ = δ and is linear in i and in w¹
        o = _o1(i_, w_)
        return sum((delta[r][c] * o[r][c] for r in range(2) for c in range(2)), Fraction(0))

    base = linear_cost(i, w1)
    grad_w1 = [[linear_cost(i, _bumped(w1, r, c)) - base for c in range(2)] for r in range(2)]
    grad_i = [[linear_cost(_bumped(i, r, c), w1) - base for c in range(3)] for r in range(3)]
    inputs = [_grid(a) for a in batch.BATCH_INPUTS]
    deltas = [_grid(d) for d in batch.BATCH_DELTAS]
    terms = [_filter_gradient(a, d) for a, d in zip(inputs, deltas, strict=True)]
    crossed = [_filter_gradient(a, d) for a, d in zip(inputs[::-1], deltas, strict=True)]

    def total(grids):
        return [[sum((g[r][c] for g in grids), Fraction(0)) for c in range(2)] for r in range(2)]

    padded = [[delta[r - 1][c - 1] if 1 <= r <= 2 and 1 <= c <= 2 else 0 for c in range(4)]
              for r in range(4)]
    out = {f"{PREFIX}.forward_rot": sum((w2[r][c] * o1[r][c] for r in range(2)
                                         for c in range(2)), Fraction(0)),
           f"{PREFIX}.o2": sum((w2[r][c] * o1[r][c] for r in range(2) for c in range(2)),
                               Fraction(0))}
    for name, value in (
        ("delta", delta), ("grad_w1", grad_w1), ("swapped", _half_turn(grad_w1)),
        ("rot_i_conv_delta", _half_turn(grad_w1)), ("rot_of_correlation", _half_turn(grad_w1)),
        ("k1", _half_turn(w1)), ("conv2_full", grad_i), ("padded_correlation", grad_i),
        ("conv2_book", grad_i), ("padded_delta", padded),
        ("convn_flipall", _half_turn(total(terms))), ("convn_rot_only", _half_turn(total(crossed))),
    ):
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    for n in range(len(inputs)):
        out.update(array_quantities(f"{PREFIX}.a[{n}]", inputs[n]))
        out.update(array_quantities(f"{PREFIX}.d[{n}]", deltas[n]))
        out.update(array_quantities(f"{PREFIX}.batch_term[{n}]", terms[n]))
        out.update(array_quantities(f"{PREFIX}.crossed_term[{n}]", crossed[n]))
    return out
