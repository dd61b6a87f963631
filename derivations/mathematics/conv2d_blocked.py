"""Stride-1 grouped convolution one (image, group) block at a time, for conv2d.py.

Same equations as conv2d.py (see its docstring), computed in another order. With G > 1 groups
each group's GEMM is thin (C_out/G rows, C_in/G·kH·kW = 9 for a depthwise 3×3 layer), so it
is bound by memory, not arithmetic: the batch-wide im2col (kH·kW copies of the input) goes
out to RAM and back. Taken one image and one group at a time, the block's im2col and its
output stay in cache (~0.3 MB for one 64×64 channel and a 3×3 kernel).

Each block's padded input is kept as one flat row-major vector of its H_pad × W_pad
pixels (plus a tail of zeros), and outputs are indexed on the padded width: output
t = i·W_pad + j, for i < H_out and every j < W_pad. With stride 1, tap (m, n) of output t
then reads flat[t + m·d·W_pad + n·d] for every t at once: one contiguous slice per tap,
so the im2col is one strided copy whose runs are whole rows of outputs. The W_pad − W_out
columns j ≥ W_out read across a row end; they are computed and dropped (Y), or held at 0
in δ so that they add nothing to ∂C/∂W and ∂C/∂X.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided


@dataclass(frozen=True)
class PaddedRows:
    """One channel's X_pad as a flat vector, and where each kernel tap reads in it."""

    padding: tuple[int, int]
    in_hw: tuple[int, int]      # (H, W) of the unpadded map
    padded_hw: tuple[int, int]  # (H_pad, W_pad) = (H + 2p, W + 2p)
    out_hw: tuple[int, int]     # (H_out, W_out): at most (H_pad − d(kH − 1), W_pad − d(kW − 1))
    kernel_hw: tuple[int, int]
    dilation: tuple[int, int]

    @property
    def length(self) -> int:
        """Outputs per channel on the padded width: H_out·W_pad."""
        return self.out_hw[0] * self.padded_hw[1]

    @property
    def size(self) -> int:
        """H_pad·W_pad, plus the d(kW − 1) zeros that the last tap reads past the end."""
        return self.padded_hw[0] * self.padded_hw[1] + self.dilation[1] * (self.kernel_hw[1] - 1)

    @property
    def taps(self) -> tuple[int, ...]:
        """Where tap (m, n) starts reading: m·d·W_pad + n·d, in the weight's order."""
        (kh, kw), (d0, d1), wp = self.kernel_hw, self.dilation, self.padded_hw[1]
        return tuple(m * d0 * wp + n * d1 for m in range(kh) for n in range(kw))

    def image(self, block: np.ndarray) -> np.ndarray:
        """(C, size) flat block -> writable (C, H, W) view of its unpadded pixels."""
        (hp, wp), (p0, p1), (h, w) = self.padded_hw, self.padding, self.in_hw
        return block[:, :hp * wp].reshape(-1, hp, wp)[:, p0:p0 + h, p1:p1 + w]

    def outputs(self, block: np.ndarray) -> np.ndarray:
        """(C, H_out·W_pad) block -> writable (C, H_out, W_out) view of the real outputs."""
        return block.reshape(-1, self.out_hw[0], self.padded_hw[1])[:, :, :self.out_hw[1]]

    def windows(self, block: np.ndarray) -> np.ndarray:
        """Read-only view V[c,m,n,t] = block[c, t + m·d·W_pad + n·d] (no copy)."""
        sc, st = block.strides
        (d0, d1), wp = self.dilation, self.padded_hw[1]
        return as_strided(block, (block.shape[0], *self.kernel_hw, self.length),
                          (sc, d0 * wp * st, d1 * st, st), writeable=False)


def padded_rows(in_hw, kernel_hw, padding, dilation, out_hw) -> PaddedRows:
    """The flat layout of one padded channel for a stride-1 convolution.

    out_hw is the caller's: a transposed layer's output_padding leaves its input gradient
    rows that no window reaches, so H_out may be less than H_pad − d(kH − 1).
    """
    (h, w), (p0, p1) = in_hw, padding
    return PaddedRows((p0, p1), (h, w), (h + 2 * p0, w + 2 * p1), tuple(out_hw),
                      tuple(kernel_hw), tuple(dilation))


def _blocks(n_batch: int, groups: int, c_in: int, c_out: int):
    """(b, g, input channels of g, output channels of g) for every image and group."""
    cpg, opg = c_in // groups, c_out // groups
    for b in range(n_batch):
        for g in range(groups):
            yield b, g, slice(g * cpg, (g + 1) * cpg), slice(g * opg, (g + 1) * opg)


# The loops below build every view of their buffers once, before the loop: a block is
# small (a few µs of arithmetic per call), so rebuilding views per block would cost more.

def blocked_forward(x, weight, padding, dilation, groups, out_hw) -> np.ndarray:
    """Y_(b,g) = W_g · cols_(b,g), per image b and group g (no bias)."""
    n_batch, c_in = x.shape[:2]
    c_out, cpg = weight.shape[:2]
    rows = padded_rows(x.shape[2:], weight.shape[2:], padding, dilation, out_hw)
    w_by_group = weight.reshape(groups, c_out // groups, -1)
    x_block = np.zeros((cpg, rows.size))  # its padding and tail are never written: stay 0
    x_pixels, x_windows = rows.image(x_block), rows.windows(x_block)
    cols = np.empty((w_by_group.shape[2], rows.length))  # the block's im2col
    y_block = np.empty((c_out // groups, rows.length))
    y_outputs = rows.outputs(y_block)
    y = np.empty((n_batch, c_out, *rows.out_hw))
    for b, g, ins, outs in _blocks(n_batch, groups, c_in, c_out):
        x_pixels[...] = x[b, ins]
        np.copyto(cols.reshape(x_windows.shape), x_windows)
        np.matmul(w_by_group[g], cols, out=y_block)
        y[b, outs] = y_outputs
    return y


def blocked_grad_weight(x, delta, kernel_hw, padding, dilation, groups) -> np.ndarray:
    """Eq: ∂C/∂W_g = Σ_b δ_(b,g) · cols_(b,g)ᵀ, the forward's product read backwards."""
    n_batch, c_in = x.shape[:2]
    c_out = delta.shape[1]
    cpg, opg = c_in // groups, c_out // groups
    rows = padded_rows(x.shape[2:], kernel_hw, padding, dilation, delta.shape[2:])
    x_block = np.zeros((cpg, rows.size))
    x_pixels, x_windows = rows.image(x_block), rows.windows(x_block)
    delta_block = np.zeros((opg, rows.length))  # columns j ≥ W_out stay 0: they add nothing
    delta_outputs = rows.outputs(delta_block)
    cols = np.empty((cpg * len(rows.taps), rows.length))
    grad = np.zeros((groups, opg, cols.shape[0]))
    for b, g, ins, outs in _blocks(n_batch, groups, c_in, c_out):
        x_pixels[...] = x[b, ins]
        delta_outputs[...] = delta[b, outs]
        np.copyto(cols.reshape(x_windows.shape), x_windows)
        grad[g] += delta_block @ cols.T
    return grad.reshape(c_out, cpg, *kernel_hw)


def blocked_grad_input(weight, delta, x_shape, padding, dilation, groups) -> np.ndarray:
    """Eq: ∂C/∂cols_(b,g) = W_gᵀ · δ_(b,g), then col2im: each tap adds its slice to X_pad."""
    n_batch, c_in = x_shape[:2]
    c_out, cpg = weight.shape[:2]
    opg = c_out // groups
    rows = padded_rows(x_shape[2:], weight.shape[2:], padding, dilation, delta.shape[2:])
    w_by_group = weight.reshape(groups, opg, -1)
    delta_block = np.zeros((opg, rows.length))  # columns j ≥ W_out stay 0: they add nothing
    delta_outputs = rows.outputs(delta_block)
    grad_cols = np.empty((w_by_group.shape[2], rows.length))
    grad_block = np.empty((cpg, rows.size))
    grad_pixels = rows.image(grad_block)
    # col2im: windows overlap, so each tap adds its slice of ∂C/∂cols onto the block.
    by_tap = grad_cols.reshape(cpg, len(rows.taps), rows.length)
    scatter = [(by_tap[:, tap], grad_block[:, start:start + rows.length])
               for tap, start in enumerate(rows.taps)]
    grad = np.empty(x_shape)
    for b, g, ins, outs in _blocks(n_batch, groups, c_in, c_out):
        delta_outputs[...] = delta[b, outs]
        np.matmul(w_by_group[g].T, delta_block, out=grad_cols)
        grad_block.fill(0.0)
        for tap_cols, target in scatter:
            target += tap_cols
        grad[b, ins] = grad_pixels
    return grad
