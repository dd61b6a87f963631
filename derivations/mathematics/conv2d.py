"""conv2d and conv_transpose2d, forward and backward in numpy, with PyTorch's conventions.

Notation (as in the book): X is the input (N, C_in, H, W), W the weight (C_out, C_in/G, kH, kW)
for G groups, b the bias (C_out,), s/p/d stride/padding/dilation per axis, X_pad the input
zero-padded by p, Y the output (N, C_out, H_out, W_out) and δ = ∂C/∂Y the upstream gradient.
With G groups, output channel o sees only the input channels of its group g = o // (C_out/G),
so every sum over c below runs over that group's C_in/G channels (G = C_in: depthwise).

Forward and backward share one im2col view, so each gradient is one matmul next to the
forward one:

    Y[b,o,i,j]      = b[o] + Σ_{c,m,n} W[o,c,m,n] X_pad[b,c, i·s+m·d, j·s+n·d]
    ∂C/∂W[o,c,m,n] = Σ_{b,i,j} δ[b,o,i,j] X_pad[b,c, i·s+m·d, j·s+n·d]
    ∂C/∂X_pad[b,c,r,q] = Σ_{o,m,n,i,j: i·s+m·d=r, j·s+n·d=q} δ[b,o,i,j] W[o,c,m,n]
    ∂C/∂b[o]       = Σ_{b,i,j} δ[b,o,i,j]

∂C/∂X is ∂C/∂X_pad with the padding cropped off. Rows/columns of X_pad that no window
reaches (when (H + 2p − d(k−1) − 1) mod s ≠ 0) appear in no sum, so their gradient is 0,
as in PyTorch.

The transposed convolution (PyTorch's conv_transpose2d, weight (C_in, C_out/G, kH, kW)) is
the convolution's input gradient used as a forward pass, so its three gradients are the
convolution's other two operations: ∂C/∂X is a convolution of δ with W, ∂C/∂W a convolution
weight gradient with the roles of input and upstream gradient exchanged. output_padding adds
the rows that the floor in H_out forgets: H_out = (H − 1)s − 2p + d(k − 1) + output_padding + 1.
The loop-by-definition twin of everything here is derivations/mathematics/conv2d_reference.py.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from derivations.mathematics.conv2d_blocked import (
    blocked_forward,
    blocked_grad_input,
    blocked_grad_weight,
)


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


def _groups(groups) -> int:
    if isinstance(groups, (bool, np.bool_)):
        raise ValueError(f"groups: got {groups!r}; give an int ≥ 1")
    try:
        g = operator.index(groups)
    except TypeError:
        raise ValueError(f"groups: got {groups!r}; give an int ≥ 1") from None
    if g < 1:
        raise ValueError(f"groups: got {g}; it must be ≥ 1")
    return g


def _check_channels(c_in: int, c_out: int, weight_c_in: int, groups: int, what: str) -> None:
    """C_in and C_out split into `groups` equal groups; the weight sees C_in/groups channels."""
    for name, count in (("C_in", c_in), ("C_out", c_out)):
        if count % groups:
            raise ValueError(f"groups: {name}={count} is not divisible by groups={groups}; "
                             "both channel counts must be")
    if weight_c_in != c_in // groups:
        raise ValueError(f"channel mismatch: x has C_in={c_in}, so with groups={groups} the "
                         f"{what} must have {c_in // groups} input channel(s) per group, "
                         f"not {weight_c_in}")


def _check(x, weight, stride, padding, dilation, groups=1):
    x, weight = _as_array(x, "x", 4), _as_array(weight, "weight", 4)
    if 0 in x.shape or 0 in weight.shape:
        raise ValueError(f"x {x.shape} and weight {weight.shape}: no dimension may be 0")
    g = _groups(groups)
    _check_channels(x.shape[1], weight.shape[0], weight.shape[1], g,
                    "weight (C_out, C_in/G, kH, kW)")
    s, p, d = _hyper(stride, padding, dilation)
    out_hw = conv2d_output_size(x.shape[2:], weight.shape[2:], s, p, d)
    return x, weight, s, p, d, g, out_hw


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


def _bias(bias, c_out: int) -> np.ndarray | None:
    if bias is None:
        return None
    bias = np.asarray(bias, dtype=np.float64)
    if bias.shape != (c_out,):
        raise ValueError(f"bias: got shape {bias.shape}; expected ({c_out},), one per "
                         "output channel")
    return bias


def _by_group(weight: np.ndarray, groups: int) -> np.ndarray:
    """(C_out, C_in/G, kH, kW) -> (G, C_out/G, C_in/G·kH·kW): one weight matrix per group."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)


# Where the blocked path wins, measured on depthwise-like layers (3×3, 2 shared cores,
# medians of 7). Filters per group: on the 8×16×64×64 → 32 layer blocked ran 3x (2 per
# group) and 7x (4) faster; at 8 and 16 it was no faster on a busy machine, as each block's
# GEMM is then big enough for BLAS to spread over threads. Outputs per channel: every block
# costs ~20 µs of Python, so below ~500 outputs the batch-wide GEMM wins (16×16: blocked
# 2.3 ms vs 1.8; 24×24: 3.1 vs 3.5; 8×8 with 64 channels: 7.5 vs 2.5).
BLOCKED_MAX_FILTERS_PER_GROUP = 4
BLOCKED_MIN_OUTPUTS = 512


def _blocked(s, groups, weight, out_hw) -> bool:
    """Whether conv2d_blocked.py computes the layer: stride 1, G > 1, few filters per group
    and enough outputs per channel.

    weight is the convolution's (C_out, C_in/G, kH, kW), or the transposed layer's
    (C_in, C_out/G, kH, kW): the convolution it transposes; out_hw is that convolution's
    output size. With C_out/G small each group's GEMM W_g · cols_g reads every im2col entry
    for only C_out/G products, so a large batch-wide im2col is bound by memory; one image
    and one group at a time it stays in cache.
    """
    return (groups > 1 and s == (1, 1)
            and weight.shape[0] // groups <= BLOCKED_MAX_FILTERS_PER_GROUP
            and out_hw[0] * out_hw[1] >= BLOCKED_MIN_OUTPUTS)


def _forward(x, weight, s, p, d, groups, out_hw) -> np.ndarray:
    """Y without bias: per group, W_g (C_out/G, C_in/G·kH·kW) × cols_g (…, N·H_out·W_out)."""
    c_out = weight.shape[0]
    cols = _im2col(x, weight.shape[2:], s, p, d, out_hw)
    # One GEMM per group over the whole batch: a single large product runs several times
    # faster than N small ones (G = 1, the usual layer, is one GEMM).
    y = _by_group(weight, groups) @ cols.reshape(groups, -1, cols.shape[1])
    return np.ascontiguousarray(y.reshape(c_out, x.shape[0], *out_hw).transpose(1, 0, 2, 3))


def _grad_weight(x, delta_rows, k, s, p, d, groups, out_hw) -> np.ndarray:
    """Eq: ∂C/∂W_g = δ_g · cols_gᵀ, the forward's Y_g = W_g · cols_g read backwards.

    delta_rows is δ as (C_out, N·H_out·W_out); the result is (C_out, C_in/G, kH, kW).
    """
    cols = _im2col(x, k, s, p, d, out_hw)
    per_group = cols.reshape(groups, -1, cols.shape[1])
    grad = delta_rows.reshape(groups, -1, delta_rows.shape[1]) @ per_group.transpose(0, 2, 1)
    return grad.reshape(delta_rows.shape[0], x.shape[1] // groups, *k)


def _grad_input(weight, delta_rows, x_shape, s, p, d, groups, out_hw) -> np.ndarray:
    """Eq: ∂C/∂cols_g = W_gᵀ · δ_g, then col2im: every window adds its share to X_pad."""
    n_batch, c_in, h, w = x_shape
    kh, kw = weight.shape[2:]
    weights = _by_group(weight, groups)
    grad_cols = (weights.transpose(0, 2, 1) @ delta_rows.reshape(groups, -1, delta_rows.shape[1]))
    grad_cols = grad_cols.reshape(c_in, kh, kw, n_batch, *out_hw)
    grad_pad = np.zeros((c_in, n_batch, h + 2 * p[0], w + 2 * p[1]))
    # col2im: windows overlap, so add kernel offset by kernel offset (kH·kW vectorised slices,
    # never a loop over pixels); entries no window reaches keep their 0.
    for m in range(kh):
        rows = slice(m * d[0], m * d[0] + s[0] * (out_hw[0] - 1) + 1, s[0])
        for n in range(kw):
            cols_ = slice(n * d[1], n * d[1] + s[1] * (out_hw[1] - 1) + 1, s[1])
            grad_pad[:, :, rows, cols_] += grad_cols[:, m, n]
    return np.ascontiguousarray(
        grad_pad[:, :, p[0]:p[0] + h, p[1]:p[1] + w].transpose(1, 0, 2, 3))


def _rows(delta: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (C, N·H·W): channels as rows, the layout of the GEMMs above."""
    return np.ascontiguousarray(delta.transpose(1, 0, 2, 3)).reshape(delta.shape[1], -1)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0, dilation=1,
                   groups=1) -> np.ndarray:
    """Eq: Y[b,o,i,j] = b[o] + Σ_{c of o's group, m, n} W[o,c,m,n] X_pad[b,c, i·s+m·d, j·s+n·d]."""
    x, weight, s, p, d, g, out_hw = _check(x, weight, stride, padding, dilation, groups)
    bias = _bias(bias, weight.shape[0])
    if _blocked(s, g, weight, out_hw):
        y = blocked_forward(x, weight, p, d, g, out_hw)
    else:
        y = _forward(x, weight, s, p, d, g, out_hw)
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
                    with_bias=False, groups=1) -> Conv2dGradients:
    """Eq: ∂C/∂W[o,c,m,n] = Σ_{b,i,j} δ[b,o,i,j] X_pad[b,c,i·s+m·d, j·s+n·d]; ∂C/∂X by scatter."""
    x, weight, s, p, d, g, out_hw = _check(x, weight, stride, padding, dilation, groups)
    n_batch, c_out = x.shape[0], weight.shape[0]
    delta = _as_array(grad_output, "grad_output", 4)
    if delta.shape != (n_batch, c_out, *out_hw):
        raise ValueError(f"grad_output: got shape {delta.shape}; expected the output's shape "
                         f"{(n_batch, c_out, *out_hw)}")
    # Eq: ∂C/∂b[o] = Σ_{b,i,j} δ[b,o,i,j]: b[o] is added to every output of channel o.
    if _blocked(s, g, weight, out_hw):
        grad_weight = blocked_grad_weight(x, delta, weight.shape[2:], p, d, g)
        grad_input = blocked_grad_input(weight, delta, x.shape, p, d, g)
        grad_bias = delta.sum(axis=(0, 2, 3)) if with_bias else None
    else:
        rows = _rows(delta)  # (C_out, N·H_out·W_out): one layout for both GEMMs
        grad_weight = _grad_weight(x, rows, weight.shape[2:], s, p, d, g, out_hw)
        grad_input = _grad_input(weight, rows, x.shape, s, p, d, g, out_hw)
        grad_bias = rows.sum(axis=1) if with_bias else None
    return Conv2dGradients(grad_input, grad_weight, grad_bias)


def conv_transpose2d_output_size(in_hw, kernel_hw, stride=1, padding=0, output_padding=0,
                                 dilation=1) -> tuple[int, int]:
    """Eq: H_out = (H − 1)·s − 2p + d(k − 1) + output_padding + 1, per axis."""
    hw, k = pair(in_hw, "input size"), pair(kernel_hw, "kernel size")
    if min(hw) < 1 or min(k) < 1:
        raise ValueError(f"input size {hw} and kernel size {k}: every entry must be ≥ 1")
    s, p, d = _hyper(stride, padding, dilation)
    op = pair(output_padding, "output_padding")
    out = []
    for axis in (0, 1):
        # PyTorch's rule: the extra rows must be fewer than a stride or a dilation step,
        # or they would be rows that a larger output would have had anyway.
        if not 0 <= op[axis] < max(s[axis], d[axis]):
            raise ValueError(f"output_padding: got {op}; each entry must be ≥ 0 and smaller "
                             f"than the stride {s} or the dilation {d} on its axis")
        size = (hw[axis] - 1) * s[axis] - 2 * p[axis] + d[axis] * (k[axis] - 1) + op[axis] + 1
        if size < 1:
            raise ValueError(f"the transposed convolution's output would have {size} "
                             f"{('rows', 'columns')[axis]}; padding {p} is too large for "
                             f"input size {hw}, kernel {k}, stride {s}")
        out.append(size)
    return out[0], out[1]


def _check_transposed(x, weight, stride, padding, output_padding, dilation, groups):
    x, weight = _as_array(x, "x", 4), _as_array(weight, "weight", 4)
    if 0 in x.shape or 0 in weight.shape:
        raise ValueError(f"x {x.shape} and weight {weight.shape}: no dimension may be 0")
    g = _groups(groups)
    if x.shape[1] != weight.shape[0]:
        raise ValueError(f"channel mismatch: x has C_in={x.shape[1]} but the weight "
                         f"(C_in, C_out/G, kH, kW) {weight.shape} has {weight.shape[0]}; "
                         "they must be equal")
    _check_channels(x.shape[1], weight.shape[1] * g, x.shape[1] // g, g, "weight")
    s, p, d = _hyper(stride, padding, dilation)
    out_hw = conv_transpose2d_output_size(x.shape[2:], weight.shape[2:], s, p, output_padding, d)
    # The convolution this layer transposes maps an (H_out, W_out) map back to x's size.
    y_shape = (x.shape[0], weight.shape[1] * g, *out_hw)
    return x, weight, s, p, d, g, y_shape


def conv_transpose2d_forward(x, weight, bias=None, stride=1, padding=0, output_padding=0,
                             groups=1, dilation=1) -> np.ndarray:
    """Eq: Y[b,o,r,q] = b[o] + Σ_{c,i,j,m,n: i·s+m·d−p=r, j·s+n·d−p=q} X[b,c,i,j] W[c,o,m,n]."""
    x, weight, s, p, d, g, y_shape = _check_transposed(x, weight, stride, padding,
                                                       output_padding, dilation, groups)
    bias = _bias(bias, y_shape[1])
    # The convolution's input gradient with δ = x: every X entry stamps X·W onto its window.
    if _blocked(s, g, weight, x.shape[2:]):
        y = blocked_grad_input(weight, x, y_shape, p, d, g)
    else:
        y = _grad_input(weight, _rows(x), y_shape, s, p, d, g, x.shape[2:])
    if bias is not None:
        y += bias[:, None, None]
    return y


def conv_transpose2d_backward(x, weight, grad_output, stride=1, padding=0, output_padding=0,
                              groups=1, dilation=1, with_bias=False) -> Conv2dGradients:
    """Eq: ∂C/∂X = δ ⋆ W (strided); ∂C/∂W[c,o,m,n] = Σ X[b,c,i,j] δ_pad[b,o,i·s+m·d, j·s+n·d]."""
    x, weight, s, p, d, g, y_shape = _check_transposed(x, weight, stride, padding,
                                                       output_padding, dilation, groups)
    delta = _as_array(grad_output, "grad_output", 4)
    if delta.shape != y_shape:
        raise ValueError(f"grad_output: got shape {delta.shape}; expected the output's shape "
                         f"{y_shape}")
    # X played δ's part in the forward pass, and δ now plays the input's part.
    if _blocked(s, g, weight, x.shape[2:]):
        grad_input = blocked_forward(delta, weight, p, d, g, x.shape[2:])
        grad_weight = blocked_grad_weight(delta, x, weight.shape[2:], p, d, g)
    else:
        grad_input = _forward(delta, weight, s, p, d, g, x.shape[2:])
        grad_weight = _grad_weight(delta, _rows(x), weight.shape[2:], s, p, d, g, x.shape[2:])
    grad_bias = delta.sum(axis=(0, 2, 3)) if with_bias else None
    return Conv2dGradients(grad_input, grad_weight, grad_bias)
