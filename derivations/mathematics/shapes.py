"""Shapes with stride s, padding p and dilation d together, one axis at a time.

Padded coordinates: row r of X_pad is row r − p of X. Window i reads the padded rows
s·i + d·m for the taps m = 0 … k − 1, so a row of X is reached exactly when
a + p = s·i + d·m for some window i < H_out and tap m < k. Everything here is that one
sentence counted: the output size, the rows no window reaches (and why), the size of each
gradient, and the output_padding a transposed convolution needs to give X's size back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivations.examples.shapes import (
    AXIS_CASES,
    EXAMPLE_DELTA,
    EXAMPLE_DILATION,
    EXAMPLE_PADDING,
    EXAMPLE_STRIDE,
    EXAMPLE_W,
    EXAMPLE_X,
)
from derivations.mathematics.conv2d import conv2d_forward
from derivations.mathematics.general_layer import (
    as_array,
    correlate_full,
    correlate_valid,
    insert_zeros,
    rot180,
    zero_pad,
)

AFTER, BETWEEN_WINDOWS, BETWEEN_TAPS = "after the last window", "between windows", "between taps"


def span(k: int, d: int) -> int:
    """d(k − 1) + 1: the rows one dilated kernel covers, from its first tap to its last."""
    return d * (k - 1) + 1


def output_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """eq-shapes-output: H_out = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return (size + 2 * p - span(k, d)) // s + 1


def leftover(size: int, k: int, s: int, p: int, d: int) -> int:
    """eq-shapes-leftover: r = (H + 2p − d(k − 1) − 1) mod s, the padded rows after the last tap."""
    return (size + 2 * p - span(k, d)) % s


def last_reached(size: int, k: int, s: int, p: int, d: int) -> int:
    """s(H_out − 1) + d(k − 1) = H + 2p − 1 − r: the padded row of the last window's last tap."""
    return s * (output_size(size, k, s, p, d) - 1) + d * (k - 1)


def reached_rows(size: int, k: int, s: int, p: int, d: int) -> tuple[int, ...]:
    """The rows a of X with a + p = s·i + d·m for some window i and tap m, ascending."""
    out = output_size(size, k, s, p, d)
    padded = {s * i + d * m for i in range(out) for m in range(k)}
    return tuple(a for a in range(size) if a + p in padded)


def unreached_rows(size: int, k: int, s: int, p: int, d: int) -> tuple[int, ...]:
    reached = set(reached_rows(size, k, s, p, d))
    return tuple(a for a in range(size) if a not in reached)


def why_unreached(a: int, size: int, k: int, s: int, p: int, d: int) -> str:
    """Which of the three ways row a of X is missed: after the last window, outside every
    window's span, or inside a span but between taps."""
    r = a + p
    if r > last_reached(size, k, s, p, d):
        return AFTER
    windows = range(output_size(size, k, s, p, d))
    if not any(s * i <= r <= s * i + d * (k - 1) for i in windows):
        return BETWEEN_WINDOWS
    return BETWEEN_TAPS


def trailing_unreached(size: int, k: int, s: int, p: int, d: int) -> int:
    """eq-shapes-trailing: max(0, r − p) rows of X after the last window (the rest is padding)."""
    return max(0, leftover(size, k, s, p, d) - p)


def weight_correlation_rows(size: int, k: int, s: int, p: int, d: int) -> int:
    """eq-shapes-weight-rows: rows of (X_pad ⋆ δ⁽ˢ⁾) read every d-th: k + ⌊r/d⌋."""
    return k + leftover(size, k, s, p, d) // d


def transposed_size(out: int, k: int, s: int, p: int, d: int, output_padding: int = 0) -> int:
    """eq-shapes-transposed: (H_out − 1)s − 2p + d(k − 1) + output_padding + 1."""
    return (out - 1) * s - 2 * p + d * (k - 1) + output_padding + 1


def sizes_with_output(out: int, k: int, s: int, p: int, d: int) -> tuple[int, ...]:
    """Every input size H ≥ 1 whose output size is `out`: s of them, the floor's many-to-one."""
    smallest = transposed_size(out, k, s, p, d)
    return tuple(h for h in range(max(1, smallest), smallest + s)
                 if output_size(h, k, s, p, d) == out)


@dataclass(frozen=True)
class AxisCase:
    """One axis of one layer: its sizes, and the rows of X no window reaches."""

    size: int
    k: int
    s: int
    p: int
    d: int
    out: int
    leftover: int
    unreached: tuple[int, ...]
    why: tuple[str, ...]  # one reason per unreached row


def axis_case(size: int, k: int, s: int, p: int, d: int) -> AxisCase:
    missed = unreached_rows(size, k, s, p, d)
    return AxisCase(size=size, k=k, s=s, p=p, d=d, out=output_size(size, k, s, p, d),
                    leftover=leftover(size, k, s, p, d), unreached=missed,
                    why=tuple(why_unreached(a, size, k, s, p, d) for a in missed))


def axis_cases() -> tuple[AxisCase, ...]:
    return tuple(axis_case(*case) for case in AXIS_CASES)


def dilate_kernel(w, d: int) -> np.ndarray:
    """W⁽ᵈ⁾: d − 1 zeros between neighbouring taps."""
    return insert_zeros(as_array(w), d)


def weight_gradient_parts(x, delta, k_hw, s, p, d):
    """eq-shapes-weight: (X_pad ⋆ δ⁽ˢ⁾, it read every d-th row and column, the first k of those).

    The middle one has k + ⌊r/d⌋ rows: the last ⌊r/d⌋ are leftover, offsets a kernel of size
    k does not have.
    """
    x_pad = zero_pad(as_array(x), p)
    correlation = correlate_valid(x_pad, insert_zeros(as_array(delta), s))
    sampled = correlation[::d, ::d]
    return correlation, sampled, sampled[: k_hw[0], : k_hw[1]]


def input_gradient_parts(w, delta, x_shape, s, p, d):
    """eq-shapes-input: (δ⁽ˢ⁾ ⋆full rot180(W⁽ᵈ⁾), that with r zero rows/columns appended, cropped).

    Sizes: H + 2p − r, then H + 2p, then H.
    """
    reached = correlate_full(insert_zeros(as_array(delta), s), rot180(dilate_kernel(w, d)))
    padded = np.zeros((x_shape[0] + 2 * p, x_shape[1] + 2 * p))
    padded[: reached.shape[0], : reached.shape[1]] = reached
    return reached, padded, padded[p : p + x_shape[0], p : p + x_shape[1]]


@dataclass(frozen=True)
class ShapesExample:
    x: np.ndarray
    w: np.ndarray
    delta: np.ndarray
    stride: int
    padding: int
    dilation: int
    x_padded: np.ndarray
    y: np.ndarray
    rows: AxisCase
    cols: AxisCase
    delta_dilated: np.ndarray  # δ⁽ˢ⁾
    w_dilated: np.ndarray  # W⁽ᵈ⁾
    correlation: np.ndarray  # X_pad ⋆ δ⁽ˢ⁾
    sampled: np.ndarray  # its rows and columns 0, d, 2d, …: k + ⌊r/d⌋ of each
    grad_weight: np.ndarray
    grad_input_reached: np.ndarray  # δ⁽ˢ⁾ ⋆full rot180(W⁽ᵈ⁾), size H + 2p − r
    grad_input_padded: np.ndarray  # with r zero rows/columns appended, size H + 2p
    grad_input: np.ndarray


def example() -> ShapesExample:
    x, w, delta = as_array(EXAMPLE_X), as_array(EXAMPLE_W), as_array(EXAMPLE_DELTA)
    s, p, d = EXAMPLE_STRIDE, EXAMPLE_PADDING, EXAMPLE_DILATION
    y = conv2d_forward(x[None, None], w[None, None], stride=s, padding=p, dilation=d)[0, 0]
    correlation, sampled, grad_w = weight_gradient_parts(x, delta, w.shape, s, p, d)
    reached, padded, grad_x = input_gradient_parts(w, delta, x.shape, s, p, d)
    return ShapesExample(
        x=x, w=w, delta=delta, stride=s, padding=p, dilation=d, x_padded=zero_pad(x, p), y=y,
        rows=axis_case(x.shape[0], w.shape[0], s, p, d),
        cols=axis_case(x.shape[1], w.shape[1], s, p, d),
        delta_dilated=insert_zeros(delta, s), w_dilated=dilate_kernel(w, d),
        correlation=correlation, sampled=sampled, grad_weight=grad_w,
        grad_input_reached=reached, grad_input_padded=padded, grad_input=grad_x,
    )
