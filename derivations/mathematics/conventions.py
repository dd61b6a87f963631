"""The written forms of the same gradients: convolve/correlate, argument order, flipall.

Each function is a definition, written out, of what a library or a text computes: a true
convolution (kernel flipped), SciPy's correlate2d/convolve2d argument order, MATLAB's conv2
and convn with 'full' and 'valid', and the flipall of a 3-D stack. The seed's numbers are
run through each so that the identities between them can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from derivations.examples import seed as seed_example
from derivations.examples.conventions import BATCH_DELTAS, BATCH_INPUTS


def as_array(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def rot180(a) -> np.ndarray:
    """Rows and columns reversed (the first two axes only)."""
    return np.asarray(a)[::-1, ::-1]


def flipall(a) -> np.ndarray:
    """Every axis reversed: MATLAB toolboxes' flipall, the flip convn applies to its kernel."""
    a = np.asarray(a)
    return a[tuple(slice(None, None, -1) for _ in range(a.ndim))]


def convolve(a, k, mode: str) -> np.ndarray:
    """N-D convolution by definition, conv2/convn/scipy.signal.convolve semantics.

    full: out[p] = Σ_m k[m] a[p − m] over every overlap; valid: the positions where the
    smaller operand lies wholly inside the larger (convolution commutes, so either order).
    """
    a, k = as_array(a), as_array(k)
    full_shape = tuple(sa + sk - 1 for sa, sk in zip(a.shape, k.shape, strict=True))
    full = np.zeros(full_shape)
    for m in product(*(range(n) for n in k.shape)):
        window = tuple(slice(mi, mi + sa) for mi, sa in zip(m, a.shape, strict=True))
        full[window] += k[m] * a
    if mode == "full":
        return full
    if mode != "valid":
        raise ValueError(f"mode {mode!r}: use 'full' or 'valid'")
    small = k.shape if all(sk <= sa for sk, sa in zip(k.shape, a.shape, strict=True)) else a.shape
    large = a.shape if small == k.shape else k.shape
    return full[tuple(slice(s - 1, l_) for s, l_ in zip(small, large, strict=True))]


def correlate(a, k, mode: str) -> np.ndarray:
    """scipy.signal.correlate2d(a, k, mode): convolution with k flipped on every axis.

    (a ⋆ k)[p,q] = Σ_{m,n} a[p+m, q+n] k[m,n] when k fits in a; swapping the arguments
    turns the result by half a turn.
    """
    return convolve(a, flipall(k), mode)


@dataclass(frozen=True)
class WrittenForms:
    """The seed's gradients computed by every written form on the page."""

    i: np.ndarray
    w1: np.ndarray
    w2: np.ndarray
    k1: np.ndarray  # rot180(w¹), the flipped-kernel article's filter
    o1: np.ndarray
    o2: float
    delta: np.ndarray  # ∂C/∂o¹
    grad_w1: np.ndarray  # i ⋆ δ: correlate2d(i, δ, 'valid')
    swapped: np.ndarray  # correlate2d(δ, i, 'valid')
    rot_i_conv_delta: np.ndarray  # rot180(i) ∗ δ ('valid')
    rot_of_correlation: np.ndarray  # rot180(i ⋆ δ)
    conv2_full: np.ndarray  # conv2(δ, rot180(k¹), 'full')
    padded_delta: np.ndarray  # pad(δ): one ring of zeros
    padded_correlation: np.ndarray  # pad(δ) ⋆ k¹
    conv2_book: np.ndarray  # conv2(δ, w¹, 'full'), the book's input gradient
    forward_rot: float  # rot180(w²) ∗ o¹ ('valid', 1×1)
    batch_inputs: np.ndarray  # (N, 3, 3)
    batch_deltas: np.ndarray  # (N, 2, 2)
    batch_terms: np.ndarray  # i_n ⋆ δ_n, per example
    convn_flipall: np.ndarray  # convn(flipall(a), d, 'valid'), a and d stacked H×W×N
    convn_rot_only: np.ndarray  # convn(rot180 of a on H, W only, d, 'valid')
    crossed_terms: np.ndarray  # i_{N−1−n} ⋆ δ_n, what the second pairs


def written_forms() -> WrittenForms:
    i, w1, w2 = (as_array(v) for v in (seed_example.I, seed_example.W1, seed_example.W2))
    o1 = correlate(i, w1, "valid")
    o2 = float((o1 * w2).sum())
    delta = 2 * (o2 - seed_example.TARGET) * w2  # ∂C/∂o¹: o¹_k meets the one weight w²_k
    k1 = rot180(w1)
    inputs, deltas = as_array(BATCH_INPUTS), as_array(BATCH_DELTAS)
    stack_a, stack_d = np.moveaxis(inputs, 0, -1), np.moveaxis(deltas, 0, -1)  # H × W × N
    return WrittenForms(
        i=i, w1=w1, w2=w2, k1=k1, o1=o1, o2=o2, delta=delta,
        grad_w1=correlate(i, delta, "valid"), swapped=correlate(delta, i, "valid"),
        rot_i_conv_delta=convolve(rot180(i), delta, "valid"),
        rot_of_correlation=rot180(correlate(i, delta, "valid")),
        conv2_full=convolve(delta, rot180(k1), "full"),
        padded_delta=np.pad(delta, 1), padded_correlation=correlate(np.pad(delta, 1), k1, "valid"),
        conv2_book=convolve(delta, w1, "full"),
        forward_rot=float(convolve(rot180(w2), o1, "valid")[0, 0]),
        batch_inputs=inputs, batch_deltas=deltas,
        batch_terms=np.array([correlate(a, d, "valid") for a, d in zip(inputs, deltas,
                                                                       strict=True)]),
        convn_flipall=convolve(flipall(stack_a), stack_d, "valid")[:, :, 0],
        convn_rot_only=convolve(stack_a[::-1, ::-1, :], stack_d, "valid")[:, :, 0],
        crossed_terms=np.array([correlate(a, d, "valid") for a, d in zip(inputs[::-1], deltas,
                                                                         strict=True)]),
    )
