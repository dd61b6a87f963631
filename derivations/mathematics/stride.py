"""Stride s: the upstream gradient spread out with s − 1 zeros, and input rows no window reaches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivations.examples.stride import (
    EXAMPLE_B,
    EXAMPLE_DELTA,
    EXAMPLE_STRIDE,
    EXAMPLE_W,
    EXAMPLE_X,
)
from derivations.mathematics.general_layer import (
    as_array,
    correlate_full,
    correlate_valid,
    insert_zeros,
    rot180,
)


def output_size(size: int, kernel: int, stride: int) -> int:
    """⌊(H − k)/s⌋ + 1 windows fit."""
    return (size - kernel) // stride + 1


def reached_size(out: int, kernel: int, stride: int) -> int:
    """s(M_Y − 1) + M_W: rows from the first to the last row any window covers."""
    return stride * (out - 1) + kernel


def forward(x, w, b, stride) -> np.ndarray:
    """eq-stride-forward: Y[u,v] = b + Σ_{m,n} W[m,n] X[s·u+m, s·v+n] (every s-th window)."""
    return correlate_valid(as_array(x), as_array(w))[::stride, ::stride] + b


def weight_gradient(x, delta, kernel_shape, stride) -> np.ndarray:
    """eq-stride-weight-dilated: ∂C/∂W = X_reached ⋆ δ_dil (s − 1 zeros between δ's entries)."""
    x, delta = as_array(x), as_array(delta)
    rows = reached_size(delta.shape[0], kernel_shape[0], stride)
    cols = reached_size(delta.shape[1], kernel_shape[1], stride)
    return correlate_valid(x[:rows, :cols], insert_zeros(delta, stride))


def input_gradient(w, delta, input_shape, stride) -> np.ndarray:
    """eq-stride-input: ∂C/∂X = δ_dil full-⋆ rot180(W), then zeros where no window reaches."""
    w, delta = as_array(w), as_array(delta)
    reached = correlate_full(insert_zeros(delta, stride), rot180(w))
    out = np.zeros(input_shape)
    out[: reached.shape[0], : reached.shape[1]] = reached
    return out


@dataclass(frozen=True)
class StrideExample:
    x: np.ndarray
    w: np.ndarray
    b: float
    stride: int
    delta: np.ndarray
    y: np.ndarray
    delta_dilated: np.ndarray
    reached: tuple[int, int]  # rows, columns of X that some window covers
    leftover: tuple[int, int]  # rows, columns of X that none covers
    grad_weight: np.ndarray
    grad_input_reached: np.ndarray  # the full correlation before the zero rows are appended
    weight_correlation_full: np.ndarray  # X ⋆ δ_dil on all of X: ∂C/∂W is its top-left block
    grad_input: np.ndarray


def example() -> StrideExample:
    x, w, delta, s = (as_array(EXAMPLE_X), as_array(EXAMPLE_W), as_array(EXAMPLE_DELTA),
                      EXAMPLE_STRIDE)
    reached = (reached_size(delta.shape[0], w.shape[0], s),
               reached_size(delta.shape[1], w.shape[1], s))
    dilated = insert_zeros(delta, s)
    return StrideExample(
        x=x, w=w, b=float(EXAMPLE_B), stride=s, delta=delta,
        y=forward(x, w, EXAMPLE_B, s),
        delta_dilated=dilated,
        reached=reached,
        leftover=(x.shape[0] - reached[0], x.shape[1] - reached[1]),
        grad_weight=weight_gradient(x, delta, w.shape, s),
        grad_input_reached=correlate_full(dilated, rot180(w)),
        weight_correlation_full=correlate_valid(x, dilated),
        grad_input=input_gradient(w, delta, x.shape, s),
    )


def surviving_terms(out_shape, kernel_shape, stride, a: int, c: int):
    """(u, v, m, n) with s·u + m = a, s·v + n = c, (m, n) in the kernel: the terms of ∂C/∂X[a,c]."""
    return tuple(
        (i, j, a - stride * i, c - stride * j)
        for i in range(out_shape[0]) for j in range(out_shape[1])
        if 0 <= a - stride * i < kernel_shape[0] and 0 <= c - stride * j < kernel_shape[1]
    )
