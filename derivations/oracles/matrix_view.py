"""Independent values for general/matrix-view.md: exact Fractions, from the definitions.

The page builds J, X_col and Jᵀδ with numpy index arithmetic. Here: o¹ is the forward
definition (a loop over windows and taps), J[k,l] is the exact change of o¹_k when i_l goes
up by one (o¹ is linear in i, so that difference is the derivative), X_col[t,k] is the
input that tap t meets in window k found by differencing o¹_k in the weight, and ∂C/∂i,
∂C/∂w¹ are exact differences of C = Σ δ¹·o¹ (whose ∂C/∂o¹ is δ¹). δ¹ itself comes from
sympy differentiating the question's cost (o² − y)².
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from derivations.examples import matrix_view as example
from derivations.examples import seed as seed_example
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)
from derivations.oracles import array_quantities

PREFIX = "matrix_view"


def _grid(nested):
    return [[Fraction(v) for v in row] for row in nested]


def _forward(i, w):
    rows, cols = len(i) - len(w) + 1, len(i[0]) - len(w[0]) + 1
    return [[sum((w[m][n] * i[p + m][q + n] for m in range(len(w)) for n in range(len(w[0]))),
                 Fraction(0)) for q in range(cols)] for p in range(rows)]


def _flat(nested):
    return [v for row in nested for v in row]


def _bump(grid, index, amount=1):
    out = [row[:] for row in grid]
    r, c = divmod(index, len(grid[0]))
    out[r][c] += amount
    return out


def _delta1(i, w1, w2, y):
    o = sympy.symbols("o1:5")
    cost = (sum(Fraction(w) * s for w, s in zip(_flat(w2), o, strict=True)) - y) ** 2
    at = dict(zip(o, _flat(_forward(i, w1)), strict=True))
    values = [Fraction(str(sympy.diff(cost, s).subs(at))) for s in o]
    return [values[0:2], values[2:4]]


def quantities():
    i, w1, w2 = _grid(seed_example.I), _grid(seed_example.W1), _grid(seed_example.W2)
    y = Fraction(seed_example.TARGET)
    delta1 = _delta1(i, w1, w2, y)
    o1 = _flat(_forward(i, w1))
    n_out, n_in, n_taps = len(o1), len(i) * len(i[0]), len(w1) * len(w1[0])
    jac = [[_flat(_forward(_bump(i, e), w1))[k] - o1[k] for e in range(n_in)]
           for k in range(n_out)]
    cols = [[_flat(_forward(i, _bump(w1, t)))[k] - o1[k] for k in range(n_out)]
            for t in range(n_taps)]

    def cost(i_, w_):
        return sum((d * o for d, o in zip(_flat(delta1), _flat(_forward(i_, w_)), strict=True)),
                   Fraction(0))

    base = cost(i, w1)
    grad_i = [cost(_bump(i, e), w1) - base for e in range(n_in)]
    grad_w = [cost(i, _bump(w1, t)) - base for t in range(n_taps)]
    # each stamp: the part of ∂C/∂i that flows through output k alone
    stamps = [[jac[k][e] * _flat(delta1)[k] for e in range(n_in)] for k in range(n_out)]
    roundtrip = [sum((jac[k][e] * grad_i[e] for e in range(n_in)), Fraction(0))
                 for k in range(n_out)]
    width, k_w = len(i[0]), len(w1[0])

    def as_grid(flat, row_length):
        return [flat[r : r + row_length] for r in range(0, len(flat), row_length)]

    k_h = len(w1)
    padded = [[delta1[r - k_h + 1][c - k_w + 1]
               if 0 <= r - k_h + 1 < len(delta1) and 0 <= c - k_w + 1 < len(delta1[0]) else 0
               for c in range(len(delta1[0]) + 2 * (k_w - 1))]
              for r in range(len(delta1) + 2 * (k_h - 1))]
    out = {
        f"{PREFIX}.n_windows": n_out, f"{PREFIX}.n_taps": n_taps,
    }
    out.update(array_quantities(f"{PREFIX}.i", i))
    out.update(array_quantities(f"{PREFIX}.w1", w1))
    out.update(array_quantities(f"{PREFIX}.delta1", delta1))
    out.update(array_quantities(f"{PREFIX}.delta1_vec", _flat(delta1)))
    out.update(array_quantities(f"{PREFIX}.w1_vec", _flat(w1)))
    out.update(array_quantities(f"{PREFIX}.o1_vec", o1))
    out.update(array_quantities(f"{PREFIX}.w1_shape", [k_h, k_w]))
    out.update(array_quantities(f"{PREFIX}.i_shape", [len(i), width]))
    out.update(array_quantities(f"{PREFIX}.j_shape", [n_out, n_in]))
    out.update(array_quantities(f"{PREFIX}.cols", cols))
    out.update(array_quantities(f"{PREFIX}.jacobian", jac))
    out.update(array_quantities(f"{PREFIX}.grad_w1", as_grid(grad_w, k_w)))
    out.update(array_quantities(f"{PREFIX}.grad_i", as_grid(grad_i, width)))
    out.update(array_quantities(f"{PREFIX}.delta1_padded", padded))
    out.update(array_quantities(f"{PREFIX}.w1_rot", [row[::-1] for row in w1[::-1]]))
    for k, stamp in enumerate(stamps):
        out.update(array_quantities(f"{PREFIX}.stamp{k}", as_grid(stamp, width)))
    out.update(array_quantities(f"{PREFIX}.roundtrip", roundtrip))
    out.update(array_quantities(f"{PREFIX}.cols_shape", [n_taps, n_out]))
    out.update(_strided())
    out.update(_im2col())
    out.update(_col2im())
    return out


def _forward_biased(x, w, b):
    return [[v + b for v in row] for row in _forward(x, w)]


def _im2col():
    """im2col of the general layer's example, each entry found as the change of Y_k when one
    weight goes up by one (Y is linear in W: that difference is the input the weight meets)."""
    x, w, delta = _grid(example.IM2COL_X), _grid(example.IM2COL_W), _grid(example.IM2COL_DELTA)
    b = Fraction(example.IM2COL_B)
    y = _flat(_forward_biased(x, w, b))
    n_taps = len(w) * len(w[0])
    cols = [[_flat(_forward_biased(x, _bump(w, t), b))[k] - y[k] for k in range(len(y))]
            for t in range(n_taps)]

    def cost(w_):  # C = Σ δ·Y, whose ∂C/∂Y is δ
        return sum((d * v for d, v in zip(_flat(delta), _flat(_forward_biased(x, w_, b)),
                                          strict=True)), Fraction(0))

    grad_w = [cost(_bump(w, t)) - cost(w) for t in range(n_taps)]
    q = f"{PREFIX}.im2col"
    out = {f"{q}.n_windows": len(y), f"{q}.n_taps": n_taps, f"{q}.b": b}
    for name, value in (("w_shape", [len(w), len(w[0])]), ("x_shape", [len(x), len(x[0])]),
                        ("cols", cols), ("w_vec", _flat(w)), ("y_vec", y), ("delta", delta),
                        ("delta_vec", _flat(delta)),
                        ("grad_w", [grad_w[r : r + len(w[0])]
                                    for r in range(0, n_taps, len(w[0]))])):
        out.update(array_quantities(f"{q}.{name}", value))
    return out


def _strided():
    """The strided example through the loop-by-definition reference, on Fractions."""
    delta, w = _grid(example.STRIDED_DELTA), _grid(example.STRIDED_W)
    s, (h, width) = example.STRIDED_STRIDE, example.STRIDED_X_SHAPE
    x = [[Fraction(0)] * width for _ in range(h)]  # ∂C/∂X does not depend on X's values
    grad = conv2d_backward_reference([[x]], [[w]], [[delta]], stride=s).grad_input[0][0]
    k_h, k_w = len(w), len(w[0])
    rows = (len(delta) - 1) * s + 1 + 2 * (k_h - 1)
    cols = (len(delta[0]) - 1) * s + 1 + 2 * (k_w - 1)
    spread = [[Fraction(0)] * cols for _ in range(rows)]
    for i, row in enumerate(delta):
        for j, value in enumerate(row):
            spread[k_h - 1 + s * i][k_w - 1 + s * j] = value
    q = f"{PREFIX}.strided"
    out = {f"{q}.stride": s}
    out.update(array_quantities(f"{q}.x_shape", [h, width]))
    out.update(array_quantities(f"{q}.w_shape", [k_h, k_w]))
    out.update(array_quantities(f"{q}.delta_shape", [len(delta), len(delta[0])]))
    out.update(array_quantities(f"{q}.delta", delta))
    out.update(array_quantities(f"{q}.w", w))
    out.update(array_quantities(f"{q}.grad_x", grad.tolist()))
    out.update(array_quantities(f"{q}.delta_spread_padded", spread))
    # stamp k: the part of ∂C/∂X that flows through output k alone (δ zero elsewhere)
    for k in range(len(delta) * len(delta[0])):
        alone = [[value if (i, j) == divmod(k, len(delta[0])) else Fraction(0)
                  for j, value in enumerate(row)] for i, row in enumerate(delta)]
        stamp = conv2d_backward_reference([[x]], [[w]], [[alone]], stride=s).grad_input[0][0]
        out.update(array_quantities(f"{q}.stamp{k}", stamp.tolist()))
    return out


def _exact(nested):
    if isinstance(nested, list | tuple):
        return [_exact(item) for item in nested]
    return Fraction(nested)


def _col2im():
    """The batched, multi-channel example through the loop-by-definition reference.

    X_col's entry (tap t, column (b, i, j)) is how much Y[b, o, i, j] moves when weight t of
    filter o moves by one (the forward pass is linear in the weights): the input the tap met.
    ∂C/∂X_col is the chain rule through Y = W_mat·X_col written as a sum over output channels;
    ∂C/∂X_pad and ∂C/∂X, ∂C/∂W and ∂C/∂b come from the reference's backward pass, on the
    padded input (padding 0) and on the input (padding p).
    """
    x, w, delta = _exact(example.COL2IM_X), _exact(example.COL2IM_W), _exact(example.COL2IM_DELTA)
    s, p = example.COL2IM_STRIDE, example.COL2IM_PADDING
    n_batch, c_in, h, width = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    c_out, k_h, k_w = len(w), len(w[0][0]), len(w[0][0][0])
    base = conv2d_forward_reference(x, w, stride=s, padding=p).tolist()
    out_h, out_w = len(base[0][0]), len(base[0][0][0])
    columns = [(b, i, j) for b in range(n_batch) for i in range(out_h) for j in range(out_w)]
    taps = [(c, m, n) for c in range(c_in) for m in range(k_h) for n in range(k_w)]
    cols = []
    for c, m, n in taps:
        bumped = [[[[v for v in row] for row in ch] for ch in filt] for filt in w]
        bumped[0][c][m][n] += 1
        moved = conv2d_forward_reference(x, bumped, stride=s, padding=p).tolist()
        cols.append([moved[b][0][i][j] - base[b][0][i][j] for b, i, j in columns])
    grad_cols = [[sum((w[o][c][m][n] * delta[b][o][i][j] for o in range(c_out)), Fraction(0))
                  for b, i, j in columns] for c, m, n in taps]
    x_pad = [[[[x[b][c][r - p][q - p] if 0 <= r - p < h and 0 <= q - p < width else Fraction(0)
                for q in range(width + 2 * p)] for r in range(h + 2 * p)] for c in range(c_in)]
             for b in range(n_batch)]
    on_padded = conv2d_backward_reference(x_pad, w, delta, stride=s).grad_input.tolist()
    grads = conv2d_backward_reference(x, w, delta, stride=s, padding=p, with_bias=True)
    q = f"{PREFIX}.col2im"
    out = {f"{q}.n": n_batch, f"{q}.c_out": c_out, f"{q}.s": s, f"{q}.p": p,
           f"{q}.windows": out_h * out_w, f"{q}.dim[K]": len(taps), f"{q}.dim[P]": len(columns),
           f"{q}.dim[D_Y]": c_out, f"{q}.copies": sum(
               1 for i in range(out_h) for j in range(out_w)  # windows covering padded (1, 2)
               if 0 <= 1 - s * i < k_h and 0 <= 2 - s * j < k_w)}
    out.update(array_quantities(f"{q}.x_shape", [h, width]))
    out.update(array_quantities(f"{q}.k", [k_h, k_w]))
    out.update(array_quantities(f"{q}.cols", cols))
    out.update(array_quantities(f"{q}.w_mat", [[w[o][c][m][n] for c, m, n in taps]
                                               for o in range(c_out)]))
    out.update(array_quantities(f"{q}.delta_mat", [[delta[b][o][i][j] for b, i, j in columns]
                                                   for o in range(c_out)]))
    out.update(array_quantities(f"{q}.grad_cols", grad_cols))
    out.update(array_quantities(f"{q}.grad_w_mat", [[g for ch in filt for row in ch for g in row]
                                                    for filt in grads.grad_weight.tolist()]))
    out.update(array_quantities(f"{q}.grad_b", [[g] for g in grads.grad_bias.tolist()]))
    for b in range(n_batch):
        out.update(array_quantities(f"{q}.x[{b}]", x[b][0]))
        out.update(array_quantities(f"{q}.grad_pad[{b}]", on_padded[b][0]))
        out.update(array_quantities(f"{q}.grad_x[{b}]", grads.grad_input.tolist()[b][0]))
    for o in range(c_out):
        out.update(array_quantities(f"{q}.w[{o}]", w[o][0]))
    return out
