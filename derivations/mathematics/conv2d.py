"""conv2d forward and backward in numpy, with PyTorch's conventions (NCHW, cross-correlation).

Notation (as in the book): X is the input (N, C_in, H, W), W the weight (C_out, C_in, kH, kW),
b the bias (C_out,), s/p/d stride/padding/dilation per axis, X_pad the input zero-padded by p,
Y the output (N, C_out, H_out, W_out) and δ = ∂C/∂Y the upstream gradient.

Forward and backward share one im2col view, so each gradient is one matmul next to the
forward one:

    Y[b,o,i,j]      = b[o] + Σ_{c,m,n} W[o,c,m,n] X_pad[b,c, i·s+m·d, j·s+n·d]
    ∂C/∂W[o,c,m,n] = Σ_{b,i,j} δ[b,o,i,j] X_pad[b,c, i·s+m·d, j·s+n·d]
    ∂C/∂X_pad[b,c,r,q] = Σ_{o,m,n,i,j: i·s+m·d=r, j·s+n·d=q} δ[b,o,i,j] W[o,c,m,n]
    ∂C/∂b[o]       = Σ_{b,i,j} δ[b,o,i,j]

∂C/∂X is ∂C/∂X_pad with the padding cropped off. Rows/columns of X_pad that no window
reaches (when (H + 2p − d(k−1) − 1) mod s ≠ 0) appear in no sum, so their gradient is 0,
as in PyTorch. The loop-by-definition twin is derivations/mathematics/conv2d_reference.py.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided


def pair(value, name) -> tuple[int, int]:
    """An int or an (h, w) pair of ints -> (h, w); bools and floats are refused."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2:
        raise ValueError(f"{name}: got {len(items)} values {value!r}; "
                         "give one int or an (h, w) pair of two ints")
    out = []
    for item in items:
        # bool is an int subclass, but stride=True is a bug, not a stride of 1.
        if isinstance(item, (bool, np.bool_)):
            raise ValueError(f"{name}: got {value!r}; give one int or an (h, w) pair of ints")
        try:
            out.append(operator.index(item))
        except TypeError:
            raise ValueError(f"{name}: got {value!r}; give one int or an (h, w) pair of "
                             "ints") from None
    return out[0], out[1]


def _hyper(stride, padding, dilation) -> tuple[tuple[int, int], ...]:
    """Validated (stride, padding, dilation) pairs: s ≥ 1, p ≥ 0, d ≥ 1."""
    s, p, d = pair(stride, "stride"), pair(padding, "padding"), pair(dilation, "dilation")
    for name, value, low in (("stride", s, 1), ("padding", p, 0), ("dilation", d, 1)):
        if min(value) < low:
            raise ValueError(f"{name}: got {value}; every entry must be ≥ {low}")
    return s, p, d


def conv2d_output_size(in_hw, kernel_hw, stride=1, padding=0, dilation=1) -> tuple[int, int]:
    """Eq: H_out = ⌊(H + 2p − d(k−1) − 1) / s⌋ + 1, per axis."""
    hw, k = pair(in_hw, "input size"), pair(kernel_hw, "kernel size")
    if min(hw) < 1 or min(k) < 1:
        raise ValueError(f"input size {hw} and kernel size {k}: every entry must be ≥ 1")
    s, p, d = _hyper(stride, padding, dilation)
    out = []
    for axis in (0, 1):
        padded, span = hw[axis] + 2 * p[axis], d[axis] * (k[axis] - 1) + 1
        if span > padded:
            raise ValueError(
                f"kernel {k} with dilation {d} spans {span} {('rows', 'columns')[axis]}, "
                f"more than the padded input's {padded} (size {hw} + 2×padding {p}); "
                "the dilated kernel must fit inside the padded input")
        out.append((padded - span) // s[axis] + 1)
    return out[0], out[1]


def _as_array(a, name: str, ndim: int) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != ndim:
        raise ValueError(f"{name}: got {a.ndim}-D shape {a.shape}; expected {ndim}-D")
    return a


def _check(x, weight, stride, padding, dilation):
    x, weight = _as_array(x, "x", 4), _as_array(weight, "weight", 4)
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"channel mismatch: x {x.shape} has C_in={x.shape[1]} but weight "
                         f"{weight.shape} expects C_in={weight.shape[1]}; they must be equal")
    if 0 in x.shape or 0 in weight.shape:
        raise ValueError(f"x {x.shape} and weight {weight.shape}: no dimension may be 0")
    s, p, d = _hyper(stride, padding, dilation)
    out_hw = conv2d_output_size(x.shape[2:], weight.shape[2:], s, p, d)
    return x, weight, s, p, d, out_hw


def _windows(x_pad, k, s, d, out_hw) -> np.ndarray:
    """Read-only view V[c,m,n,b,i,j] = X_pad[b,c, i·s+m·d, j·s+n·d] (no copy)."""
    sb, sc, sh, sw = x_pad.strides
    shape = (x_pad.shape[1], *k, x_pad.shape[0], *out_hw)
    strides = (sc, sh * d[0], sw * d[1], sb, sh * s[0], sw * s[1])
    return as_strided(x_pad, shape, strides, writeable=False)


def _im2col(x, k, s, p, d, out_hw) -> np.ndarray:
    """(C_in·kH·kW, N·H_out·W_out) copy of the windows, so every sum is one big matmul."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    return np.ascontiguousarray(_windows(x_pad, k, s, d, out_hw)).reshape(
        x.shape[1] * k[0] * k[1], -1)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Eq: Y[b,o,i,j] = b[o] + Σ_{c,m,n} W[o,c,m,n] X_pad[b,c, i·s+m·d, j·s+n·d]."""
    x, weight, s, p, d, out_hw = _check(x, weight, stride, padding, dilation)
    c_out = weight.shape[0]
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        if bias.shape != (c_out,):
            raise ValueError(f"bias: got shape {bias.shape}; expected ({c_out},), one per "
                             "output channel")
    # One (C_out, C_in·kH·kW) × (C_in·kH·kW, N·H_out·W_out) matmul: a single large GEMM
    # runs several times faster than N small ones.
    y = weight.reshape(c_out, -1) @ _im2col(x, weight.shape[2:], s, p, d, out_hw)
    y = np.ascontiguousarray(y.reshape(c_out, x.shape[0], *out_hw).transpose(1, 0, 2, 3))
    if bias is not None:
        y += bias[:, None, None]
    return y


@dataclass(frozen=True)
class Conv2dGradients:
    """∂C/∂X (shape of x), ∂C/∂W (shape of weight), ∂C/∂b (C_out,) or None without bias."""

    grad_input: np.ndarray
    grad_weight: np.ndarray
    grad_bias: np.ndarray | None


def conv2d_backward(x, weight, grad_output, stride=1, padding=0, dilation=1,
                    with_bias=False) -> Conv2dGradients:
    """Eq: ∂C/∂W[o,c,m,n] = Σ_{b,i,j} δ[b,o,i,j] X_pad[b,c,i·s+m·d, j·s+n·d]; ∂C/∂X by scatter."""
    x, weight, s, p, d, out_hw = _check(x, weight, stride, padding, dilation)
    (n_batch, c_in, h, w), (c_out, _, kh, kw) = x.shape, weight.shape
    delta = _as_array(grad_output, "grad_output", 4)
    if delta.shape != (n_batch, c_out, *out_hw):
        raise ValueError(f"grad_output: got shape {delta.shape}; expected the output's shape "
                         f"{(n_batch, c_out, *out_hw)}")
    delta = np.ascontiguousarray(delta.transpose(1, 0, 2, 3)).reshape(c_out, -1)
    cols = _im2col(x, (kh, kw), s, p, d, out_hw)
    # Eq: ∂C/∂W = δ · colsᵀ, the forward's Y = W · cols read backwards.
    grad_weight = (delta @ cols.T).reshape(weight.shape)
    # Eq: ∂C/∂cols = Wᵀ · δ; each column entry is one X_pad entry seen by one window.
    grad_cols = (weight.reshape(c_out, -1).T @ delta).reshape(c_in, kh, kw, n_batch, *out_hw)
    grad_pad = np.zeros((c_in, n_batch, h + 2 * p[0], w + 2 * p[1]))
    # col2im: windows overlap, so add kernel offset by kernel offset (kH·kW vectorised slices,
    # never a loop over pixels); entries no window reaches keep their 0.
    for m in range(kh):
        rows = slice(m * d[0], m * d[0] + s[0] * (out_hw[0] - 1) + 1, s[0])
        for n in range(kw):
            cols_ = slice(n * d[1], n * d[1] + s[1] * (out_hw[1] - 1) + 1, s[1])
            grad_pad[:, :, rows, cols_] += grad_cols[:, m, n]
    grad_input = np.ascontiguousarray(
        grad_pad[:, :, p[0]:p[0] + h, p[1]:p[1] + w].transpose(1, 0, 2, 3))
    # Eq: ∂C/∂b[o] = Σ_{b,i,j} δ[b,o,i,j]: b[o] is added to every output of channel o.
    grad_bias = delta.sum(axis=1) if with_bias else None
    return Conv2dGradients(grad_input, grad_weight, grad_bias)
