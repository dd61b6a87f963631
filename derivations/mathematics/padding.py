"""Padding p: the full correlation of δ with the rotated kernel, then the padding cropped off."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivations.examples.padding import (
    EXAMPLE_B,
    EXAMPLE_DELTA,
    EXAMPLE_PADDING,
    EXAMPLE_W,
    EXAMPLE_X,
)
from derivations.mathematics.general_layer import (
    as_array,
    correlate_full,
    correlate_valid,
    rot180,
    zero_pad,
)


def crop(a: np.ndarray, p: int) -> np.ndarray:
    """A without its outer p rows and columns on every side."""
    a = np.asarray(a)
    return a[p : a.shape[0] - p, p : a.shape[1] - p]


def forward(x, w, b, padding) -> np.ndarray:
    """eq-padding-forward: Y = X^pad ⋆ W + b, X^pad = X with p zero rows/columns on every side."""
    return correlate_valid(zero_pad(as_array(x), padding), as_array(w)) + b


def weight_gradient(x, delta, padding) -> np.ndarray:
    """eq-padding-weight: ∂C/∂W = X^pad ⋆ δ."""
    return correlate_valid(zero_pad(as_array(x), padding), as_array(delta))


def padded_input_gradient(w, delta) -> np.ndarray:
    """eq-padding-padded: ∂C/∂X^pad = δ full-⋆ rot180(W), one entry per cell of the padded input."""
    return correlate_full(as_array(delta), rot180(as_array(w)))


def input_gradient(w, delta, padding) -> np.ndarray:
    """eq-padding-input: ∂C/∂X = crop_p(δ full-⋆ rot180(W)): padding cells are constants."""
    return crop(padded_input_gradient(w, delta), padding)


def surviving_terms(out_shape, kernel_shape, padding, a: int, c: int):
    """(i, j, m, n) with i + m − p = a and j + n − p = c: the terms of ∂C/∂X[a,c]."""
    return tuple(
        (i, j, a + padding - i, c + padding - j)
        for i in range(out_shape[0]) for j in range(out_shape[1])
        if 0 <= a + padding - i < kernel_shape[0] and 0 <= c + padding - j < kernel_shape[1]
    )


@dataclass(frozen=True)
class PaddingExample:
    x: np.ndarray
    w: np.ndarray
    b: float
    padding: int
    delta: np.ndarray
    x_padded: np.ndarray
    y: np.ndarray
    grad_weight: np.ndarray
    grad_input_padded: np.ndarray
    grad_input: np.ndarray


def example() -> PaddingExample:
    x, w, delta, p = (as_array(EXAMPLE_X), as_array(EXAMPLE_W), as_array(EXAMPLE_DELTA),
                      EXAMPLE_PADDING)
    return PaddingExample(
        x=x, w=w, b=float(EXAMPLE_B), padding=p, delta=delta,
        x_padded=zero_pad(x, p),
        y=forward(x, w, EXAMPLE_B, p),
        grad_weight=weight_gradient(x, delta, p),
        grad_input_padded=padded_input_gradient(w, delta),
        grad_input=input_gradient(w, delta, p),
    )
