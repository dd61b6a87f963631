"""Grouped convolution (PyTorch's `groups`), depthwise convolution and the separable layer.

With G groups the C_in input channels and the C_out output channels are split into G equal
blocks; output channel o belongs to group g(o) = ⌊o / (C_out/G)⌋ and sees only the C_in/G
input channels of that group, so the weight is C_out × C_in/G × k_H × k_W. Every sum over
input channels of the channels chapter runs over one group, and the gradients never cross
groups. Depthwise: G = C_in. Separable: depthwise, then a 1×1 (pointwise) convolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from derivations.examples.groups import (
    COUNT_CHANNELS,
    COUNT_KERNEL,
    EXAMPLE_DELTA,
    EXAMPLE_DEPTHWISE,
    EXAMPLE_POINTWISE,
    EXAMPLE_X,
    FIGURE_CHANNELS,
    FIGURE_GROUPS,
)
from derivations.mathematics.general_layer import (
    as_array,
    correlate_full,
    correlate_valid,
    derivative_of_sum,
    rot180,
)


def group_of(o: int, c_out: int, groups: int) -> int:
    """g(o) = ⌊o / (C_out/G)⌋: the group of output channel o."""
    return o // (c_out // groups)


def input_channel(o: int, c: int, c_in: int, c_out: int, groups: int) -> int:
    """The input channel that weight channel c of output channel o reads: g(o)·C_in/G + c."""
    return group_of(o, c_out, groups) * (c_in // groups) + c


def connections(c_in: int, c_out: int, groups: int) -> np.ndarray:
    """C_out × C_in, 1 where output channel o sees input channel c: G blocks on the diagonal."""
    out = np.zeros((c_out, c_in), dtype=int)
    for o in range(c_out):
        for c in range(c_in // groups):
            out[o, input_channel(o, c, c_in, c_out, groups)] = 1
    return out


def forward(x, w, b, groups: int) -> np.ndarray:
    """eq-groups-forward: Y[n,o] = b[o] + Σ_{c<C_in/G} X[n, g(o)·C_in/G + c] ⋆ W[o,c]."""
    x, w = as_array(x), as_array(w)
    c_in, c_out = x.shape[1], w.shape[0]
    b = np.zeros(c_out) if b is None else as_array(b)
    return np.array([[sum(correlate_valid(x[n, input_channel(o, c, c_in, c_out, groups)],
                                          w[o, c]) for c in range(w.shape[1])) + b[o]
                      for o in range(c_out)] for n in range(x.shape[0])])


def weight_gradient(x, delta, groups: int) -> np.ndarray:
    """eq-groups-weight: ∂C/∂W[o,c] = Σ_n X[n, g(o)·C_in/G + c] ⋆ δ[n,o]."""
    x, delta = as_array(x), as_array(delta)
    c_in, c_out = x.shape[1], delta.shape[1]
    return np.array([[sum(correlate_valid(x[n, input_channel(o, c, c_in, c_out, groups)],
                                          delta[n, o]) for n in range(x.shape[0]))
                      for c in range(c_in // groups)] for o in range(c_out)])


def input_gradient(w, delta, c_in: int, groups: int) -> np.ndarray:
    """eq-groups-input: ∂C/∂X[n,c] = Σ_{o in c's group} δ[n,o] ⋆full rot180(W[o, c − g·C_in/G])."""
    w, delta = as_array(w), as_array(delta)
    c_out = w.shape[0]
    per_in, per_out = c_in // groups, c_out // groups
    out = []
    for n in range(delta.shape[0]):
        channels = []
        for c in range(c_in):
            g = c // per_in
            channels.append(sum(correlate_full(delta[n, o], rot180(w[o, c - g * per_in]))
                                for o in range(g * per_out, (g + 1) * per_out)))
        out.append(channels)
    return np.array(out)


def bias_gradient(delta) -> np.ndarray:
    """eq-groups-bias: ∂C/∂b[o] = Σ_{n,i,j} δ[n,o,i,j], groups or not."""
    return as_array(delta).sum(axis=(0, 2, 3))


def block_diagonal(w, c_in: int, groups: int) -> np.ndarray:
    """The dense C_out × C_in kernel with W's slices on the group blocks and zeros elsewhere."""
    w = as_array(w)
    dense = np.zeros((w.shape[0], c_in, *w.shape[2:]))
    for o in range(w.shape[0]):
        for c in range(w.shape[1]):
            dense[o, input_channel(o, c, c_in, w.shape[0], groups)] = w[o, c]
    return dense


def parameter_counts(k: int, channels: int) -> tuple[int, int]:
    """(ordinary k×k layer C→C, depthwise k×k plus pointwise C→C): k²C², k²C + C²."""
    return k * k * channels * channels, k * k * channels + channels * channels


@dataclass(frozen=True)
class SeparableExample:
    x: np.ndarray  # (1, C, H, W)
    depthwise: np.ndarray  # (C, 1, k, k): groups = C
    pointwise: np.ndarray  # (C_out, C): the 1×1 kernel V[o,c]
    z: np.ndarray  # depthwise output (1, C, H', W')
    y: np.ndarray  # pointwise output (1, C_out, H', W')
    delta: np.ndarray  # ∂C/∂Y
    grad_pointwise: np.ndarray  # ∂C/∂V[o,c] = Σ_{i,j} δ[o] ⊙ Z[c]
    delta_z: np.ndarray  # ∂C/∂Z[c] = Σ_o V[o,c] δ[o]
    grad_depthwise: np.ndarray
    grad_input: np.ndarray
    connections: tuple[np.ndarray, ...]  # for FIGURE_GROUPS
    figure_groups: tuple[int, ...]
    counts: tuple[int, int]
    count_kernel: int
    count_channels: int


def separable_example() -> SeparableExample:
    x, dw = as_array(EXAMPLE_X)[None], as_array(EXAMPLE_DEPTHWISE)
    v, delta = as_array(EXAMPLE_POINTWISE), as_array(EXAMPLE_DELTA)[None]
    c = x.shape[1]
    z = forward(x, dw, None, groups=c)
    # the pointwise layer: a 1×1 kernel, one group; V[o,c] is the kernel's only tap
    y = forward(z, v[:, :, None, None], None, groups=1)
    grad_v = weight_gradient(z, delta, groups=1)[:, :, 0, 0]
    delta_z = input_gradient(v[:, :, None, None], delta, c, groups=1)
    return SeparableExample(
        x=x, depthwise=dw, pointwise=v, z=z, y=y, delta=delta, grad_pointwise=grad_v,
        delta_z=delta_z, grad_depthwise=weight_gradient(x, delta_z, groups=c),
        grad_input=input_gradient(dw, delta_z, c, groups=c),
        connections=tuple(connections(FIGURE_CHANNELS, FIGURE_CHANNELS, g)
                          for g in FIGURE_GROUPS),
        figure_groups=FIGURE_GROUPS,
        counts=parameter_counts(COUNT_KERNEL, COUNT_CHANNELS),
        count_kernel=COUNT_KERNEL, count_channels=COUNT_CHANNELS,
    )


def symbolic_depthwise_weight(e: SeparableExample, channel: int, m: int, n: int) -> sympy.Expr:
    """∂C/∂W^dw[channel,0,m,n] of C = Σ δ·Y for symbolic X, W^dw, V, δ, by sympy."""
    def symbols(name, shape):
        return np.array([sympy.Symbol(f"{name}_{{{','.join(map(str, index))}}}")
                         for index in np.ndindex(*shape)], dtype=object).reshape(shape)

    c, h, w = e.x.shape[1:]
    k_h, k_w = e.depthwise.shape[2:]
    # named as the page writes them: X_{e,g,a,c} and δ_{e,f,u,v} with the example index
    x, dw = symbols("X", e.x.shape), symbols("W", (c, k_h, k_w))
    v, delta = symbols("V", e.pointwise.shape), symbols("\\delta", e.delta.shape)
    out_h, out_w = h - k_h + 1, w - k_w + 1
    terms = [sympy.Mul(delta[0, o, i, j], v[o, q], dw[q, a, b_], x[0, q, i + a, j + b_])
             for o in range(v.shape[0]) for q in range(c) for i in range(out_h)
             for j in range(out_w) for a in range(k_h) for b_ in range(k_w)]
    return derivative_of_sum(terms, dw[channel, m, n])
