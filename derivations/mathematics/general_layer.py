"""The single-channel layer Y = X ⋆ W + b and its three gradients, as the chapter derives them.

Also the small array operations every general chapter reuses (valid cross-correlation,
zero padding, zero insertion, 180° rotation): the chapter formulas are written with them,
and tests check those formulas against the engine (derivations/mathematics/conv2d.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import sympy

from derivations.examples.general_layer import (
    EXAMPLE_B,
    EXAMPLE_DELTA,
    EXAMPLE_W,
    EXAMPLE_X,
    FD_STEP,
    FD_WEIGHT,
)


def as_array(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def correlate_valid(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation: (A ⋆ K)[u,v] = Σ_{m,n} K[m,n] A[u+m, v+n], windows inside A."""
    a, k = np.asarray(a), np.asarray(k)
    out_h, out_w = a.shape[0] - k.shape[0] + 1, a.shape[1] - k.shape[1] + 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(a, k))
    for m, n in product(range(k.shape[0]), range(k.shape[1])):
        # one shifted copy of A per kernel tap: the whole sum in k.size array additions
        out = out + k[m, n] * a[m : m + out_h, n : n + out_w]
    return out


def rot180(k: np.ndarray) -> np.ndarray:
    """W̃[u,v] = W[kH−1−u, kW−1−v]: the kernel turned half a turn."""
    return np.asarray(k)[::-1, ::-1]


def zero_pad(a: np.ndarray, rows: int, cols: int | None = None) -> np.ndarray:
    """A with `rows` zero rows above and below and `cols` zero columns left and right."""
    cols = rows if cols is None else cols
    return np.pad(np.asarray(a), ((rows, rows), (cols, cols)))


def insert_zeros(a: np.ndarray, step: int) -> np.ndarray:
    """A spread out: entry (u,v) moves to (step·u, step·v), step − 1 zeros between neighbours."""
    a = np.asarray(a)
    out = np.zeros(((a.shape[0] - 1) * step + 1, (a.shape[1] - 1) * step + 1), dtype=a.dtype)
    out[::step, ::step] = a
    return out


def correlate_full(delta: np.ndarray, k: np.ndarray) -> np.ndarray:
    """eq-input-gradient: full cross-correlation, δ zero-padded by kH−1, kW−1, K slid over it."""
    k = np.asarray(k)
    return correlate_valid(zero_pad(delta, k.shape[0] - 1, k.shape[1] - 1), k)


def forward(x, w, b) -> np.ndarray:
    """eq-forward: Y[u,v] = b + Σ_{m,n} W[m,n] X[u+m, v+n]."""
    return correlate_valid(as_array(x), as_array(w)) + b


def weight_gradient(x, delta) -> np.ndarray:
    """eq-weight-gradient: ∂C/∂W[m,n] = Σ_{u,v} δ[u,v] X[u+m, v+n], i.e. ∂C/∂W = X ⋆ δ."""
    return correlate_valid(as_array(x), as_array(delta))


def input_gradient(w, delta) -> np.ndarray:
    """eq-input-gradient: ∂C/∂X = full cross-correlation of δ with rot180(W)."""
    return correlate_full(as_array(delta), rot180(as_array(w)))


def bias_gradient(delta) -> float:
    """eq-bias-gradient: ∂C/∂b = Σ_{u,v} δ[u,v]."""
    return float(as_array(delta).sum())


def scatter_terms(w, delta, input_shape) -> np.ndarray:
    """eq-input-scatter, term by term: T[u,v] = δ[u,v]·W on window (u, v), zero elsewhere."""
    w, delta = as_array(w), as_array(delta)
    out = np.zeros((*delta.shape, *input_shape))
    for i, j in np.ndindex(*delta.shape):
        out[i, j, i : i + w.shape[0], j : j + w.shape[1]] = delta[i, j] * w
    return out


def surviving_terms(out_shape, kernel_shape, a: int, b: int) -> tuple[tuple[int, ...], ...]:
    """(i, j, m, n) with i+m = a, j+n = b: the terms of ∂C/∂X[a,b] that are not zero, sorted."""
    return tuple(
        (i, j, a - i, b - j)
        for i, j in product(range(out_shape[0]), range(out_shape[1]))
        if 0 <= a - i < kernel_shape[0] and 0 <= b - j < kernel_shape[1]
    )


def derivative_of_sum(terms, variable: sympy.Symbol) -> sympy.Expr:
    """d/d(variable) of Σ terms, by sympy.diff of each term that holds the variable."""
    return sympy.Add(*(sympy.diff(term, variable) for term in terms if term.has(variable)))


@dataclass(frozen=True)
class SymbolicLayer:
    """C = Σ δ[u,v] Y[u,v] for symbolic X, W, δ, differentiated by sympy on request.

    Entries are differentiated one at a time because sympy needs about a millisecond per
    term and variable: a page shows two or three entries, the tests ask for all of them.
    """

    x: sympy.Matrix
    w: sympy.Matrix
    delta: sympy.Matrix
    terms: tuple[sympy.Expr, ...]  # C = Σ terms, each δ[u,v]·b or δ[u,v]·W[m,n]·X[a,c]

    @property
    def cost(self) -> sympy.Expr:
        return sympy.Add(*self.terms)

    def weight_entry(self, m: int, n: int) -> sympy.Expr:
        """∂C/∂W[m,n]."""
        return derivative_of_sum(self.terms, self.w[m, n])

    def input_entry(self, a: int, b: int) -> sympy.Expr:
        """∂C/∂X[a,b]."""
        return derivative_of_sum(self.terms, self.x[a, b])

    @property
    def grad_weight(self) -> sympy.Matrix:
        return sympy.Matrix(*self.w.shape, self.weight_entry)

    @property
    def grad_input(self) -> sympy.Matrix:
        return sympy.Matrix(*self.x.shape, self.input_entry)


def symbolic_layer(x_shape, w_shape, stride=1, padding=0, dilation=1) -> SymbolicLayer:
    """Differentiate C = Σ_{u,v} δ[u,v] (b + Σ_{m,n} W[m,n] X[s·u+d·m−p, s·v+d·n−p]) with sympy."""
    x = sympy.Matrix(*x_shape, lambda r, c: sympy.Symbol(f"X_{{{r},{c}}}"))
    w = sympy.Matrix(*w_shape, lambda r, c: sympy.Symbol(f"W_{{{r},{c}}}"))
    span = (dilation * (w_shape[0] - 1) + 1, dilation * (w_shape[1] - 1) + 1)
    out_shape = ((x_shape[0] + 2 * padding - span[0]) // stride + 1,
                 (x_shape[1] + 2 * padding - span[1]) // stride + 1)
    delta = sympy.Matrix(*out_shape, lambda r, c: sympy.Symbol(f"\\delta_{{{r},{c}}}"))
    b = sympy.Symbol("b")

    # C expanded into monomials (taps on the padding are zero and dropped), so that each
    # derivative is a sum over the few terms holding its variable: the linearity of the
    # derivative, and about twice as fast as sympy.diff of the whole sum, which walks every
    # term for every variable.
    terms = []
    for i, j in product(range(out_shape[0]), range(out_shape[1])):
        terms.append(sympy.Mul(delta[i, j], b))
        for m, n in product(range(w_shape[0]), range(w_shape[1])):
            r, c = stride * i + dilation * m - padding, stride * j + dilation * n - padding
            if 0 <= r < x_shape[0] and 0 <= c < x_shape[1]:
                terms.append(sympy.Mul(delta[i, j], w[m, n], x[r, c]))
    return SymbolicLayer(x=x, w=w, delta=delta, terms=tuple(terms))


@dataclass(frozen=True)
class LayerExample:
    """The chapter's worked example: inputs, output, the three gradients, and checks."""

    x: np.ndarray
    w: np.ndarray
    b: float
    delta: np.ndarray
    y: np.ndarray
    grad_weight: np.ndarray
    grad_input: np.ndarray
    grad_bias: float
    delta_padded: np.ndarray  # δ with kH−1 / kW−1 zero rows / columns around it
    w_rotated: np.ndarray
    scatter: np.ndarray  # (M_Y, N_Y, M_X, N_X): what each δ[u,v] sends back; they add to ∂C/∂X
    averaged_weight_gradient: np.ndarray  # the common mistake: mean instead of sum
    fd_weight: tuple[int, int]
    fd_estimate: float  # central difference of C = Σ δ·Y in that weight


def cost(x, w, b, delta) -> float:
    """C = Σ δ[u,v] Y[u,v]: the cost whose ∂C/∂Y is exactly δ."""
    return float((as_array(delta) * forward(x, w, b)).sum())


def central_difference(x, w, b, delta, index, step=FD_STEP) -> float:
    """(C(W + h e) − C(W − h e)) / 2h for the unit matrix e at index."""
    w = as_array(w)
    bump = np.zeros_like(w)
    bump[index] = step
    return (cost(x, w + bump, b, delta) - cost(x, w - bump, b, delta)) / (2 * step)


def example() -> LayerExample:
    x, w, delta = as_array(EXAMPLE_X), as_array(EXAMPLE_W), as_array(EXAMPLE_DELTA)
    k_h, k_w = w.shape
    grad_w = weight_gradient(x, delta)
    return LayerExample(
        x=x, w=w, b=float(EXAMPLE_B), delta=delta,
        y=forward(x, w, EXAMPLE_B),
        grad_weight=grad_w,
        grad_input=input_gradient(w, delta),
        grad_bias=bias_gradient(delta),
        delta_padded=zero_pad(delta, k_h - 1, k_w - 1),
        w_rotated=rot180(w),
        scatter=scatter_terms(w, delta, x.shape),
        averaged_weight_gradient=grad_w / delta.size,
        fd_weight=FD_WEIGHT,
        fd_estimate=central_difference(x, w, EXAMPLE_B, delta, FD_WEIGHT),
    )


@dataclass(frozen=True)
class SeedAsSpecialCase:
    """The question's network i ⋆ w¹ = o¹, o² = Σ w² ⊙ o¹, C = (o² − y)², through these rules."""

    i: np.ndarray
    w1: np.ndarray
    w2: np.ndarray
    y: float
    o1: np.ndarray
    o2: float
    dc_do2: float  # 2(o² − y)
    delta1: np.ndarray  # δ for the first layer: ∂C/∂o¹ = 2(o² − y) w²
    grad_w1: np.ndarray  # Eq. (3) with X = i, δ = δ¹
    grad_i: np.ndarray  # Eq. (5) with W = w¹
    question_product: float  # the question's (i₁+i₂+i₄+i₅)·Σ_k w²_k·2(o²−y) for w¹₁


def seed_as_special_case(i, w1, w2, y) -> SeedAsSpecialCase:
    """eq-weight-gradient / eq-input-gradient on the seed (its second layer has a single output)."""
    i, w1, w2 = as_array(i), as_array(w1), as_array(w2)
    o1 = correlate_valid(i, w1)
    o2 = float((w2 * o1).sum())
    dc_do2 = 2 * (o2 - float(y))
    delta1 = dc_do2 * w2  # chain rule through o² = Σ_k w²_k o¹_k: one term per o¹_k
    window_sum = float(i[: o1.shape[0], : o1.shape[1]].sum())
    return SeedAsSpecialCase(
        i=i, w1=w1, w2=w2, y=float(y), o1=o1, o2=o2, dc_do2=dc_do2, delta1=delta1,
        grad_w1=weight_gradient(i, delta1), grad_i=input_gradient(w1, delta1),
        question_product=window_sum * float(delta1.sum()),
    )
