"""The transposed convolution as a layer: forward, output size and its three gradients.

One channel, stride s, padding p, output_padding, dilation d. Input X (H×W_X), kernel W, output
Y. Forward: every X[i,j] stamps X[i,j]·W onto the output with its corner at (s·i − p, s·j − p),
taps d apart (a convolution's input gradient, δ ↦ Jᵀδ, used as a layer). Backward: the
input gradient is the ordinary strided convolution of δ with W, the weight gradient a
convolution's weight gradient with δ in the input's place and X in δ's.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import sympy

from derivations.examples.transposed import (
    EXAMPLE_B,
    EXAMPLE_DELTA,
    EXAMPLE_DILATION,
    EXAMPLE_OUTPUT_PADDING,
    EXAMPLE_PADDING,
    EXAMPLE_STRIDE,
    EXAMPLE_W,
    EXAMPLE_X,
)
from derivations.mathematics.general_layer import (
    as_array,
    correlate_valid,
    derivative_of_sum,
    insert_zeros,
    zero_pad,
)


def output_size(size: int, k: int, s: int, p: int, output_padding: int = 0, d: int = 1) -> int:
    """eq-transposed-size: H_out = (H − 1)s − 2p + d(k − 1) + output_padding + 1."""
    return (size - 1) * s - 2 * p + d * (k - 1) + output_padding + 1


def canvas_size(size: int, k: int, s: int, d: int = 1) -> int:
    """(H − 1)s + d(k − 1) + 1: the rows the stamps cover before any cropping."""
    return (size - 1) * s + d * (k - 1) + 1


def stamps(x, w, s: int, d: int = 1) -> list[np.ndarray]:
    """One canvas per X[i,j] (reading order): X[i,j]·W with its taps at (s·i + d·m, s·j + d·n)."""
    x, w = as_array(x), as_array(w)
    shape = (canvas_size(x.shape[0], w.shape[0], s, d), canvas_size(x.shape[1], w.shape[1], s, d))
    out = []
    for i, j in product(range(x.shape[0]), range(x.shape[1])):
        stamp = np.zeros(shape)
        stamp[s * i : s * i + d * (w.shape[0] - 1) + 1 : d,
              s * j : s * j + d * (w.shape[1] - 1) + 1 : d] = x[i, j] * w
        out.append(stamp)
    return out


def forward(x, w, b, s: int, p: int, output_padding: int = 0, d: int = 1) -> np.ndarray:
    """eq-transposed-forward: Y[r,q] = b + Σ_{s·i+d·m−p=r, s·j+d·n−p=q} X[i,j] W[m,n].

    The stamps' sum (the canvas), rows and columns p … p + H_out − 1 of it; rows past the
    canvas (output_padding > p) are reached by no stamp and hold the bias alone.
    """
    x, w = as_array(x), as_array(w)
    canvas = sum(stamps(x, w, s, d))
    out_hw = (output_size(x.shape[0], w.shape[0], s, p, output_padding, d),
              output_size(x.shape[1], w.shape[1], s, p, output_padding, d))
    grown = np.zeros((p + out_hw[0], p + out_hw[1]))
    rows, cols = min(canvas.shape[0], grown.shape[0]), min(canvas.shape[1], grown.shape[1])
    grown[:rows, :cols] = canvas[:rows, :cols]
    return grown[p:, p:] + b


def input_gradient(w, delta, in_hw, s: int, p: int, d: int = 1) -> np.ndarray:
    """eq-transposed-input: ∂C/∂X[i,j] = Σ_{m,n} W[m,n] δ_pad[s·i + d·m, s·j + d·n].

    A plain convolution of δ with W (stride s, padding p, dilation d), as the layer's forward
    pass is the input gradient of one.
    """
    w = as_array(w)
    every = correlate_valid(zero_pad(as_array(delta), p), insert_zeros(w, d))
    return every[::s, ::s][: in_hw[0], : in_hw[1]]


def weight_gradient(x, delta, k_hw, s: int, p: int, d: int = 1) -> np.ndarray:
    """eq-transposed-weight: ∂C/∂W[m,n] = Σ_{i,j} X[i,j] δ_pad[s·i + d·m, s·j + d·n]
    = (δ_pad ⋆ X⁽ˢ⁾) read every d-th entry: δ in the input's place, X in δ's."""
    every = correlate_valid(zero_pad(as_array(delta), p), insert_zeros(as_array(x), s))
    return every[::d, ::d][: k_hw[0], : k_hw[1]]


def scatter_terms(x_shape, w_shape, out_shape, s: int, p: int, d: int = 1):
    """Every term X[i,j]·W[m,n] of the forward pass that lands inside the output, as
    (i, j, m, n, r, q) with (r, q) = (s·i + d·m − p, s·j + d·n − p), in reading order of
    (i, j) and then (m, n)."""
    return tuple((i, j, m, n, s * i + d * m - p, s * j + d * n - p)
                 for i in range(x_shape[0]) for j in range(x_shape[1])
                 for m in range(w_shape[0]) for n in range(w_shape[1])
                 if 0 <= s * i + d * m - p < out_shape[0]
                 and 0 <= s * j + d * n - p < out_shape[1])


def bias_gradient(delta) -> float:
    """eq-transposed-bias: ∂C/∂b = Σ_{r,q} δ[r,q]."""
    return float(as_array(delta).sum())


@dataclass(frozen=True)
class SymbolicTransposed:
    """C = Σ δ[r,q] Y[r,q] for symbolic X, W, δ, as monomials; derivatives on request."""

    x: sympy.Matrix
    w: sympy.Matrix
    delta: sympy.Matrix
    terms: tuple[sympy.Expr, ...]

    def input_entry(self, i: int, j: int) -> sympy.Expr:
        return derivative_of_sum(self.terms, self.x[i, j])

    def weight_entry(self, m: int, n: int) -> sympy.Expr:
        return derivative_of_sum(self.terms, self.w[m, n])


def symbolic_transposed(x_shape, w_shape, s, p, output_padding=0, d=1) -> SymbolicTransposed:
    """Differentiate C = Σ δ[r,q] Σ X[i,j] W[m,n] (over s·i+d·m−p = r, …) with sympy."""
    x = sympy.Matrix(*x_shape, lambda r, c: sympy.Symbol(f"X_{{{r},{c}}}"))
    w = sympy.Matrix(*w_shape, lambda r, c: sympy.Symbol(f"W_{{{r},{c}}}"))
    out = (output_size(x_shape[0], w_shape[0], s, p, output_padding, d),
           output_size(x_shape[1], w_shape[1], s, p, output_padding, d))
    delta = sympy.Matrix(*out, lambda r, c: sympy.Symbol(f"\\delta_{{{r},{c}}}"))
    terms = []
    for i, j, m, n in product(range(x_shape[0]), range(x_shape[1]), range(w_shape[0]),
                              range(w_shape[1])):
        r, q = s * i + d * m - p, s * j + d * n - p
        if 0 <= r < out[0] and 0 <= q < out[1]:  # stamps cropped by the padding drop out
            terms.append(sympy.Mul(delta[r, q], x[i, j], w[m, n]))
    return SymbolicTransposed(x=x, w=w, delta=delta, terms=tuple(terms))


@dataclass(frozen=True)
class TransposedExample:
    x: np.ndarray
    w: np.ndarray
    b: float
    stride: int
    padding: int
    output_padding: int
    dilation: int
    delta: np.ndarray
    stamps: tuple[np.ndarray, ...]
    canvas: np.ndarray
    y: np.ndarray
    delta_padded: np.ndarray
    grad_input: np.ndarray
    grad_weight: np.ndarray
    grad_bias: float


def example() -> TransposedExample:
    x, w, delta = as_array(EXAMPLE_X), as_array(EXAMPLE_W), as_array(EXAMPLE_DELTA)
    s, p, op, d = EXAMPLE_STRIDE, EXAMPLE_PADDING, EXAMPLE_OUTPUT_PADDING, EXAMPLE_DILATION
    parts = stamps(x, w, s, d)
    return TransposedExample(
        x=x, w=w, b=float(EXAMPLE_B), stride=s, padding=p, output_padding=op, dilation=d,
        delta=delta, stamps=tuple(parts), canvas=sum(parts),
        y=forward(x, w, EXAMPLE_B, s, p, op, d), delta_padded=zero_pad(delta, p),
        grad_input=input_gradient(w, delta, x.shape, s, p, d),
        grad_weight=weight_gradient(x, delta, w.shape, s, p, d),
        grad_bias=bias_gradient(delta),
    )
