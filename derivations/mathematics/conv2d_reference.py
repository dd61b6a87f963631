"""conv2d forward and backward by definition: every sum written out, index by index.

The independent oracle for derivations/mathematics/conv2d.py (it imports nothing from it)
and for the book's audit. Generic over the number type: give nested lists or numpy arrays of
`fractions.Fraction` for exact arithmetic, or of floats/ints. Only `+` and `*` are used, so
Fractions stay Fractions. Results are numpy object arrays (dtype=object) whose entries have
the input's number type (`.tolist()` gives nested lists); an entry that no term reaches is
`0 * X[0,0,0,0]` (Fraction(0) for Fractions, 0.0 for floats).

Shapes and conventions are PyTorch's: x (N, C_in, H, W), weight (C_out, C_in, kH, kW),
cross-correlation (no flip), stride/padding/dilation an int or an (h, w) pair. Slow on
purpose (seven nested loops): use it on small layers.
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


def _layer(x, weight, stride, padding, dilation):
    x, weight = _nested(x), _nested(weight)
    (n_batch, c_in, h, w), (c_out, c_in_w, kh, kw) = _shape4(x), _shape4(weight)
    if c_in != c_in_w:
        raise ValueError(f"channel mismatch: x has C_in={c_in}, weight has C_in={c_in_w}")
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


def conv2d_forward_reference(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Eq: Y[b,o,i,j] = b[o] + Σ_c Σ_m Σ_n W[o,c,m,n] X_pad[b,c, i·s+m·d, j·s+n·d]."""
    x, weight, (n_batch, c_in, h, w), (c_out, kh, kw), (h_out, w_out), s, p, d, zero = \
        _layer(x, weight, stride, padding, dilation)
    bias = _nested(bias)
    y = _zeros((n_batch, c_out, h_out, w_out), zero)
    for b in range(n_batch):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    total = bias[o] if bias is not None else zero
                    for c in range(c_in):
                        for m in range(kh):
                            for n in range(kw):
                                total = total + weight[o][c][m][n] * _x_pad(
                                    x, b, c, i * s[0] + m * d[0], j * s[1] + n * d[1],
                                    h, w, p, zero)
                    y[b][o][i][j] = total
    return _object_array(y)


def conv2d_backward_reference(x, weight, grad_output, stride=1, padding=0, dilation=1,
                              with_bias=False) -> ReferenceGradients:
    """Eq: ∂C/∂θ = Σ_{b,o,i,j} δ[b,o,i,j] ∂Y[b,o,i,j]/∂θ, term by term of the forward sum."""
    x, weight, (n_batch, c_in, h, w), (c_out, kh, kw), (h_out, w_out), s, p, d, zero = \
        _layer(x, weight, stride, padding, dilation)
    delta = _nested(grad_output)
    if _shape4(delta) != (n_batch, c_out, h_out, w_out):
        raise ValueError(f"grad_output has shape {_shape4(delta)}, the output has "
                         f"{(n_batch, c_out, h_out, w_out)}")
    grad_x = _zeros((n_batch, c_in, h, w), zero)
    grad_w = _zeros((c_out, c_in, kh, kw), zero)
    grad_b = _zeros((c_out,), zero)
    for b in range(n_batch):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    g = delta[b][o][i][j]
                    grad_b[o] = grad_b[o] + g  # ∂Y[b,o,i,j]/∂b[o] = 1
                    for c in range(c_in):
                        for m in range(kh):
                            for n in range(kw):
                                r = i * s[0] + m * d[0] - p[0]
                                q = j * s[1] + n * d[1] - p[1]
                                if not (0 <= r < h and 0 <= q < w):
                                    continue  # the term reads padding: no X, and W·0
                                # Term W[o,c,m,n]·X[b,c,r,q]: each factor's partial is the other.
                                grad_w[o][c][m][n] = grad_w[o][c][m][n] + g * x[b][c][r][q]
                                grad_x[b][c][r][q] = grad_x[b][c][r][q] + g * weight[o][c][m][n]
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
