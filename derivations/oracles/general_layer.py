"""Independent values for general/layer.md, and the exact route the general chapters share.

The route: the forward pass written as the definition (a loop over every output, every
channel and every kernel tap, zero outside the input), on exact Fractions, and gradients as
exact differences. The cost C = Σ δ·Y is affine in every single input, weight and bias, so
C(θ + 1) − C(θ) *is* ∂C/∂θ, with no step size and no rounding. Nothing here pads, rotates,
dilates or correlates, which is what the chapters' own formulas do.
"""

from __future__ import annotations

import copy
from fractions import Fraction
from itertools import product

import sympy

from derivations.examples import general_layer as example
from derivations.examples import seed
from derivations.oracles import array_quantities

PREFIX = "general_layer"


def exact(nested):
    """Nested lists of Fractions from nested tuples/lists of ints."""
    if isinstance(nested, list | tuple):
        return [exact(item) for item in nested]
    return Fraction(nested)


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def forward_4d(x, w, b, stride=1, padding=0, dilation=1):
    """Y[n][o][i][j] = b[o] + Σ_{c,m,k} W[o][c][m][k] X[n][c][s·i+d·m−p][s·j+d·k−p], 0 outside."""
    batch, channels_in, height, width = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    channels_out, k_h, k_w = len(w), len(w[0][0]), len(w[0][0][0])
    out_h = output_size(height, k_h, stride, padding, dilation)
    out_w = output_size(width, k_w, stride, padding, dilation)
    y = [[[[Fraction(0)] * out_w for _ in range(out_h)] for _ in range(channels_out)]
         for _ in range(batch)]
    for n, o, i, j in product(range(batch), range(channels_out), range(out_h), range(out_w)):
        total = Fraction(b[o])
        for c, m, k in product(range(channels_in), range(k_h), range(k_w)):
            row, col = stride * i + dilation * m - padding, stride * j + dilation * k - padding
            if 0 <= row < height and 0 <= col < width:
                total += w[o][c][m][k] * x[n][c][row][col]
        y[n][o][i][j] = total
    return y


def _cost(x, w, b, delta, conv):
    y = forward_4d(x, w, b, **conv)
    return sum(
        (y[n][o][i][j] * delta[n][o][i][j]
         for n in range(len(y)) for o in range(len(y[0]))
         for i in range(len(y[0][0])) for j in range(len(y[0][0][0]))),
        Fraction(0),
    )


def _indices(nested, prefix=()):
    if isinstance(nested, list):
        for position, child in enumerate(nested):
            yield from _indices(child, (*prefix, position))
    else:
        yield prefix


def _bumped(nested, index):
    out = copy.deepcopy(nested)
    node = out
    for position in index[:-1]:
        node = node[position]
    node[index[-1]] += 1
    return out


def _set(nested, index, value):
    for position in index[:-1]:
        nested = nested[position]
    nested[index[-1]] = value


def exact_gradients_4d(x, w, b, delta, **conv):
    """(∂C/∂X, ∂C/∂W, ∂C/∂b) for C = Σ δ·Y, each entry C(θ+1) − C(θ) on Fractions."""
    base = _cost(x, w, b, delta, conv)
    grads = []
    for which, tensor in enumerate((x, w, b)):
        grad = copy.deepcopy(tensor)
        for index in _indices(tensor):
            args = [x, w, b]
            args[which] = _bumped(tensor, index)
            _set(grad, index, _cost(*args, delta, conv) - base)
        grads.append(grad)
    return tuple(grads)


def exact_gradients_2d(x, w, b, delta, **conv):
    """Single channel, single example: the 4-D route with every extra axis of length one."""
    gx, gw, gb = exact_gradients_4d([[x]], [[w]], [b], [[delta]], **conv)
    return gx[0][0], gw[0][0], gb[0]


def seed_quantities(i, w1, w2, y) -> dict:
    """The seed network differentiated by sympy: C = (Σ_k w²_k o¹_k − y)², o¹ by definition."""
    sym_i = sympy.Matrix(3, 3, lambda r, c: sympy.Symbol(f"i{r}{c}"))
    sym_w1 = sympy.Matrix(2, 2, lambda r, c: sympy.Symbol(f"a{r}{c}"))
    o1 = sympy.Matrix(2, 2, lambda r, c: sum(sym_w1[m, n] * sym_i[r + m, c + n]
                                             for m in range(2) for n in range(2)))
    o2 = sum(Fraction(w2[r][c]) * o1[r, c] for r in range(2) for c in range(2))
    cost = (o2 - Fraction(y)) ** 2
    values = {sym_i[r, c]: sympy.Rational(i[r][c]) for r in range(3) for c in range(3)}
    values.update({sym_w1[r, c]: sympy.Rational(w1[r][c]) for r in range(2) for c in range(2)})

    def at(expression):
        value = sympy.Rational(expression.subs(values))
        return Fraction(int(value.p), int(value.q))

    o1_values = [[at(o1[r, c]) for c in range(2)] for r in range(2)]
    o2_value = at(o2)
    # ∂C/∂o¹_k by sympy, treating o¹ as free symbols
    free = sympy.Matrix(2, 2, lambda r, c: sympy.Symbol(f"o{r}{c}"))
    cost_o = (sum(Fraction(w2[r][c]) * free[r, c] for r in range(2) for c in range(2))
              - Fraction(y)) ** 2
    at_o = {free[r, c]: sympy.Rational(o1_values[r][c]) for r in range(2) for c in range(2)}
    delta1 = [[Fraction(str(sympy.diff(cost_o, free[r, c]).subs(at_o))) for c in range(2)]
              for r in range(2)]
    q = f"{PREFIX}.seed"
    out = {f"{q}.y": Fraction(y), f"{q}.o2": o2_value, f"{q}.dc_do2": 2 * (o2_value - Fraction(y))}
    out.update(array_quantities(f"{q}.i", i))
    out.update(array_quantities(f"{q}.w1", w1))
    out.update(array_quantities(f"{q}.w2", w2))
    out.update(array_quantities(f"{q}.o1", o1_values))
    out.update(array_quantities(f"{q}.delta1", delta1))
    out.update(array_quantities(f"{q}.grad_w1", [[at(sympy.diff(cost, sym_w1[r, c]))
                                                   for c in range(2)] for r in range(2)]))
    out.update(array_quantities(f"{q}.grad_i", [[at(sympy.diff(cost, sym_i[r, c]))
                                                  for c in range(3)] for r in range(3)]))
    # what the question computes for w¹₁: a product of two sums, taken literally
    window = sum((Fraction(i[r][c]) for r in range(2) for c in range(2)), Fraction(0))
    out[f"{q}.question_product"] = window * sum(
        (Fraction(w2[r][c]) * 2 * (o2_value - Fraction(y)) for r in range(2) for c in range(2)),
        Fraction(0))
    return out


def quantities():
    x, w, b, delta = (exact(example.EXAMPLE_X), exact(example.EXAMPLE_W),
                      Fraction(example.EXAMPLE_B), exact(example.EXAMPLE_DELTA))
    k_h, k_w = len(w), len(w[0])
    gx, gw, gb = exact_gradients_2d(x, w, b, delta)
    y = forward_4d([[x]], [[w]], [b])[0][0]
    size = len(delta) * len(delta[0])
    padded = [
        [delta[r - k_h + 1][c - k_w + 1]
         if 0 <= r - k_h + 1 < len(delta) and 0 <= c - k_w + 1 < len(delta[0]) else 0
         for c in range(len(delta[0]) + 2 * (k_w - 1))]
        for r in range(len(delta) + 2 * (k_h - 1))
    ]
    m, n = example.FD_WEIGHT
    out = {}
    out.update(array_quantities(f"{PREFIX}.x", x))
    out.update(array_quantities(f"{PREFIX}.w", w))
    out.update(array_quantities(f"{PREFIX}.delta", delta))
    out.update(array_quantities(f"{PREFIX}.y", y))
    out.update(array_quantities(f"{PREFIX}.grad_w", gw))
    out.update(array_quantities(f"{PREFIX}.grad_x", gx))
    out.update(array_quantities(f"{PREFIX}.delta_padded", padded))
    # the scatter's term (i, j): the input gradient when δ is zero except at (i, j)
    for i in range(len(delta)):
        for j in range(len(delta[0])):
            alone = [[value if (r, c) == (i, j) else Fraction(0) for c, value in enumerate(row)]
                     for r, row in enumerate(delta)]
            out.update(array_quantities(f"{PREFIX}.scatter[{i},{j}]",
                                        exact_gradients_2d(x, w, b, alone)[0]))
    out.update(array_quantities(f"{PREFIX}.w_rot",
                                [[w[k_h - 1 - r][k_w - 1 - c] for c in range(k_w)]
                                 for r in range(k_h)]))
    out.update(array_quantities(f"{PREFIX}.x_shape", [len(x), len(x[0])]))
    out.update(array_quantities(f"{PREFIX}.w_shape", [k_h, k_w]))
    out[f"{PREFIX}.b"] = b
    out[f"{PREFIX}.grad_b"] = gb
    out[f"{PREFIX}.delta_size"] = size
    out[f"{PREFIX}.grad_w_mean[{m},{n}]"] = gw[m][n] / size
    out[f"{PREFIX}.fd_grad_w[{m},{n}]"] = gw[m][n]  # the exact derivative the estimate must show
    # How many windows cover an input entry: the outputs whose window (u..u+M_W−1, v..v+N_W−1)
    # contains it, counted from the definition of a window.
    for a, c in ((0, 0), (1, 2)):
        out[f"{PREFIX}.windows_at[{a},{c}]"] = sum(
            1 for u in range(len(y)) for v in range(len(y[0]))
            if u <= a < u + k_h and v <= c < v + k_w)
    out.update(seed_quantities(seed.I, seed.W1, seed.W2, seed.TARGET))
    return out
