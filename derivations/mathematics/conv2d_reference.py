"""conv2d forward and backward by definition: every sum written out, index by index.

The independent oracle for derivations/mathematics/conv2d.py (it imports nothing from it)
and for the book's audit. Generic over the number type: give nested lists or numpy arrays of
`fractions.Fraction` for exact arithmetic, or of floats/ints. Only `+` and `*` are used, so
Fractions stay Fractions. Results are numpy object arrays (dtype=object) whose entries have
the input's number type (`.tolist()` gives nested lists); an entry that no term reaches is
`0 * X[0,0,0,0]` (Fraction(0) for Fractions, 0.0 for floats).

Shapes and conventions are PyTorch's: x (N, C_in, H, W), weight (C_out, C_in/G, kH, kW) for
G groups, cross-correlation (no flip), stride/padding/dilation an int or an (h, w) pair. The
transposed convolution is written as its own definition, a scatter: input entry X[b,c,i,j]
adds X·W[c,o,m,n] to output (i·s + m·d − p, j·s + n·d − p), weight (C_in, C_out/G, kH, kW).
Slow on purpose (seven nested loops): use it on small layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReferenceGradients:
    """∂C/∂X, ∂C/∂W and ∂C/∂b (None without bias) as numpy object arrays."""

    grad_input: np.ndarray
    grad_weight: np.ndarray
    grad_bias: np.ndarray | None


def _pair(value) -> tuple[int, int]:
    h, w = (value, value) if isinstance(value, int) else tuple(value)
    return int(h), int(w)


def _nested(a) -> list:
    return a.tolist() if isinstance(a, np.ndarray) else a


def _shape4(a) -> tuple[int, int, int, int]:
    return len(a), len(a[0]), len(a[0][0]), len(a[0][0][0])


def _zeros(shape, zero) -> list:
    if len(shape) == 1:
        return [zero] * shape[0]
    return [_zeros(shape[1:], zero) for _ in range(shape[0])]


def _output_positions(size: int, pad: int, k: int, s: int, d: int) -> int:
    """How many window starts 0, s, 2s, … keep the last tap (start + d(k−1)) inside."""
    return len(range(0, size + 2 * pad - d * (k - 1), s))


def _layer(x, weight, stride, padding, dilation, groups=1):
    x, weight = _nested(x), _nested(weight)
    (n_batch, c_in, h, w), (c_out, c_in_w, kh, kw) = _shape4(x), _shape4(weight)
    if c_in % groups or c_out % groups or c_in_w != c_in // groups:
        raise ValueError(f"channel mismatch: x has C_in={c_in}, weight has C_out={c_out} and "
                         f"C_in/G={c_in_w}, groups={groups}")
    s, p, d = _pair(stride), _pair(padding), _pair(dilation)
    h_out = _output_positions(h, p[0], kh, s[0], d[0])
    w_out = _output_positions(w, p[1], kw, s[1], d[1])
    if h_out < 1 or w_out < 1:
        raise ValueError("the dilated kernel does not fit inside the padded input")
    zero = x[0][0][0][0] * 0
    return x, weight, (n_batch, c_in, h, w), (c_out, kh, kw), (h_out, w_out), s, p, d, zero


def _x_pad(x, b, c, r, q, h, w, p, zero):
    """X_pad[b,c,r,q]: X shifted by the padding, zero outside."""
    r, q = r - p[0], q - p[1]
    return x[b][c][r][q] if 0 <= r < h and 0 <= q < w else zero


def _input_channel(o: int, c: int, c_out: int, c_in: int, groups: int) -> int:
    """The input channel that the c-th weight channel of output channel o reads."""
    return (o // (c_out // groups)) * (c_in // groups) + c


def conv2d_forward_reference(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Eq: Y[b,o,i,j] = b[o] + Σ_c Σ_m Σ_n W[o,c,m,n] X_pad[b,g(o,c), i·s+m·d, j·s+n·d]."""
    x, weight, (n_batch, c_in, h, w), (c_out, kh, kw), (h_out, w_out), s, p, d, zero = \
        _layer(x, weight, stride, padding, dilation, groups)
    bias = _nested(bias)
    y = _zeros((n_batch, c_out, h_out, w_out), zero)
    for b in range(n_batch):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    total = bias[o] if bias is not None else zero
                    for c in range(c_in // groups):
                        g = _input_channel(o, c, c_out, c_in, groups)
                        for m in range(kh):
                            for n in range(kw):
                                total = total + weight[o][c][m][n] * _x_pad(
                                    x, b, g, i * s[0] + m * d[0], j * s[1] + n * d[1],
                                    h, w, p, zero)
                    y[b][o][i][j] = total
    return _object_array(y)


def conv2d_backward_reference(x, weight, grad_output, stride=1, padding=0, dilation=1,
                              with_bias=False, groups=1) -> ReferenceGradients:
    """Eq: ∂C/∂θ = Σ_{b,o,i,j} δ[b,o,i,j] ∂Y[b,o,i,j]/∂θ, term by term of the forward sum."""
    x, weight, (n_batch, c_in, h, w), (c_out, kh, kw), (h_out, w_out), s, p, d, zero = \
        _layer(x, weight, stride, padding, dilation, groups)
    delta = _nested(grad_output)
    if _shape4(delta) != (n_batch, c_out, h_out, w_out):
        raise ValueError(f"grad_output has shape {_shape4(delta)}, the output has "
                         f"{(n_batch, c_out, h_out, w_out)}")
    grad_x = _zeros((n_batch, c_in, h, w), zero)
    grad_w = _zeros((c_out, c_in // groups, kh, kw), zero)
    grad_b = _zeros((c_out,), zero)
    for b in range(n_batch):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    g = delta[b][o][i][j]
                    grad_b[o] = grad_b[o] + g  # ∂Y[b,o,i,j]/∂b[o] = 1
                    for c in range(c_in // groups):
                        cx = _input_channel(o, c, c_out, c_in, groups)
                        for m in range(kh):
                            for n in range(kw):
                                r = i * s[0] + m * d[0] - p[0]
                                q = j * s[1] + n * d[1] - p[1]
                                if not (0 <= r < h and 0 <= q < w):
                                    continue  # the term reads padding: no X, and W·0
                                # Term W[o,c,m,n]·X[b,cx,r,q]: each factor's partial is the other.
                                grad_w[o][c][m][n] = grad_w[o][c][m][n] + g * x[b][cx][r][q]
                                grad_x[b][cx][r][q] = grad_x[b][cx][r][q] + g * weight[o][c][m][n]
    return ReferenceGradients(_object_array(grad_x), _object_array(grad_w),
                              _object_array(grad_b) if with_bias else None)


def _transposed_layer(x, weight, stride, padding, output_padding, dilation, groups):
    x, weight = _nested(x), _nested(weight)
    (n_batch, c_in, h, w), (c_in_w, c_out_g, kh, kw) = _shape4(x), _shape4(weight)
    if c_in != c_in_w or c_in % groups:
        raise ValueError(f"channel mismatch: x has C_in={c_in}, weight has {c_in_w}, "
                         f"groups={groups}")
    s, p, d, op = _pair(stride), _pair(padding), _pair(dilation), _pair(output_padding)
    h_out = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    w_out = (w - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    zero = x[0][0][0][0] * 0
    return (x, weight, (n_batch, c_in, h, w), (c_out_g * groups, c_out_g, kh, kw),
            (h_out, w_out), s, p, d, zero)


def _scatter_targets(shapes, s, p, d, groups):
    """Every term X[b,c,i,j]·W[c,o_g,m,n] of the transposed convolution, with where it lands:
    (b, c, i, j, o_g, o, m, n, r, q), output (r, q) inside the output only."""
    (n_batch, c_in, h, w), (_, c_out_g, kh, kw), (h_out, w_out) = shapes
    for b in range(n_batch):
        for c in range(c_in):
            group = c // (c_in // groups)
            for i in range(h):
                for j in range(w):
                    for o_g in range(c_out_g):
                        for m in range(kh):
                            for n in range(kw):
                                r = i * s[0] + m * d[0] - p[0]
                                q = j * s[1] + n * d[1] - p[1]
                                if 0 <= r < h_out and 0 <= q < w_out:
                                    yield b, c, i, j, o_g, group * c_out_g + o_g, m, n, r, q


def conv_transpose2d_forward_reference(x, weight, bias=None, stride=1, padding=0,
                                       output_padding=0, groups=1, dilation=1):
    """Eq: Y[b,o,r,q] = b[o] + Σ X[b,c,i,j] W[c,o,m,n] over i·s+m·d−p = r, j·s+n·d−p = q."""
    x, weight, x_shape, w_shape, out_hw, s, p, d, zero = _transposed_layer(
        x, weight, stride, padding, output_padding, dilation, groups)
    bias = _nested(bias)
    n_batch, c_out = x_shape[0], w_shape[0]
    y = _zeros((n_batch, c_out, *out_hw), zero)
    if bias is not None:
        for b in range(n_batch):
            for o in range(c_out):
                y[b][o] = [[bias[o] + zero for _ in range(out_hw[1])] for _ in range(out_hw[0])]
    for b, c, i, j, o_g, o, m, n, r, q in _scatter_targets((x_shape, w_shape, out_hw),
                                                           s, p, d, groups):
        y[b][o][r][q] = y[b][o][r][q] + x[b][c][i][j] * weight[c][o_g][m][n]
    return _object_array(y)


def conv_transpose2d_backward_reference(x, weight, grad_output, stride=1, padding=0,
                                        output_padding=0, groups=1, dilation=1,
                                        with_bias=False) -> ReferenceGradients:
    """Eq: ∂C/∂θ = Σ δ[b,o,r,q] ∂Y[b,o,r,q]/∂θ, term by term of the scatter."""
    x, weight, x_shape, w_shape, out_hw, s, p, d, zero = _transposed_layer(
        x, weight, stride, padding, output_padding, dilation, groups)
    delta = _nested(grad_output)
    if _shape4(delta) != (x_shape[0], w_shape[0], *out_hw):
        raise ValueError(f"grad_output has shape {_shape4(delta)}, the output has "
                         f"{(x_shape[0], w_shape[0], *out_hw)}")
    grad_x = _zeros(x_shape, zero)
    grad_w = _zeros((x_shape[1], *w_shape[1:]), zero)
    grad_b = _zeros((w_shape[0],), zero)
    for b in range(x_shape[0]):
        for o in range(w_shape[0]):
            for r in range(out_hw[0]):
                for q in range(out_hw[1]):
                    grad_b[o] = grad_b[o] + delta[b][o][r][q]  # ∂Y[b,o,r,q]/∂b[o] = 1
    for b, c, i, j, o_g, o, m, n, r, q in _scatter_targets((x_shape, w_shape, out_hw),
                                                           s, p, d, groups):
        g = delta[b][o][r][q]
        # Term X[b,c,i,j]·W[c,o_g,m,n]: each factor's partial is the other.
        grad_x[b][c][i][j] = grad_x[b][c][i][j] + g * weight[c][o_g][m][n]
        grad_w[c][o_g][m][n] = grad_w[c][o_g][m][n] + g * x[b][c][i][j]
    return ReferenceGradients(_object_array(grad_x), _object_array(grad_w),
                              _object_array(grad_b) if with_bias else None)


def _object_array(nested: list) -> np.ndarray:
    """Nested lists -> object array without numpy guessing (or converting) the entry type."""
    shape, probe = [], nested
    while isinstance(probe, list):
        shape.append(len(probe))
        probe = probe[0]
    out = np.empty(tuple(shape), dtype=object)
    for index in np.ndindex(*shape):
        entry = nested
        for k in index:
            entry = entry[k]
        out[index] = entry
    return out
