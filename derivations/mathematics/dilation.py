"""Dilation d: taps d apart; ∂C/∂W samples X with gaps; ∂C/∂X uses the dilated rotated kernel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivations.examples.dilation import (
    EXAMPLE_B,
    EXAMPLE_DELTA,
    EXAMPLE_DILATION,
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


def dilated_kernel(w, dilation: int) -> np.ndarray:
    """W^(d): the taps of W placed d apart, zeros between (span d(k − 1) + 1)."""
    return insert_zeros(as_array(w), dilation)


def forward(x, w, b, dilation) -> np.ndarray:
    """eq-dilation-forward: Y[u,v] = b + Σ_{m,n} W[m,n] X[u+d·m, v+d·n] = X ⋆ W^(d) + b."""
    return correlate_valid(as_array(x), dilated_kernel(w, dilation)) + b


def weight_gradient(x, delta, dilation) -> np.ndarray:
    """eq-dilation-weight: ∂C/∂W[m,n] = (X ⋆ δ)[d·m, d·n]: δ over X at offsets d apart."""
    return correlate_valid(as_array(x), as_array(delta))[::dilation, ::dilation]


def input_gradient(w, delta, dilation) -> np.ndarray:
    """eq-dilation-input: ∂C/∂X = δ full-⋆ rot180(W^(d)), the dilated kernel turned half a turn."""
    return correlate_full(as_array(delta), rot180(dilated_kernel(w, dilation)))


@dataclass(frozen=True)
class DilationExample:
    x: np.ndarray
    w: np.ndarray
    b: float
    dilation: int
    delta: np.ndarray
    w_dilated: np.ndarray
    w_dilated_rotated: np.ndarray
    y: np.ndarray
    x_star_delta: np.ndarray  # every offset of δ over X; the weight gradient keeps every d-th
    grad_weight: np.ndarray
    grad_input: np.ndarray


def example() -> DilationExample:
    x, w, delta, d = (as_array(EXAMPLE_X), as_array(EXAMPLE_W), as_array(EXAMPLE_DELTA),
                      EXAMPLE_DILATION)
    return DilationExample(
        x=x, w=w, b=float(EXAMPLE_B), dilation=d, delta=delta,
        w_dilated=dilated_kernel(w, d),
        w_dilated_rotated=rot180(dilated_kernel(w, d)),
        y=forward(x, w, EXAMPLE_B, d),
        x_star_delta=correlate_valid(x, delta),
        grad_weight=weight_gradient(x, delta, d),
        grad_input=input_gradient(w, delta, d),
    )
