"""The question's network, worked out: numbers (numpy float64) and symbols (sympy).

Network: o¹ = i ⋆ w¹ (3×3 input, 2×2 filter, cross-correlation, no flip), o² = Σ_k w²_k o¹_k
(the 2×2 filter w² on the 2×2 map o¹ gives one number), C = (o² − y)².
Entries are numbered as in the question, row by row: i₁…i₉, w¹₁…w¹₄, o¹₁…o¹₄.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import product

import numpy as np
import sympy

FD_STEP = 1e-3  # central differences of a quadratic are exact up to rounding at any step


def as_array(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def correlate_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Eq. o¹_(p,q) = Σ_(m,n) w[m,n] x[p+m, q+n]: the question's '*' (no flip)."""
    rows, cols = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
    return np.array([[float((x[p:p + w.shape[0], q:q + w.shape[1]] * w).sum())
                      for q in range(cols)] for p in range(rows)])


def rot180(a: np.ndarray) -> np.ndarray:
    """The kernel turned half a turn: rows and columns reversed."""
    return a[::-1, ::-1].copy()


def cost_of(i: np.ndarray, w1: np.ndarray, w2: np.ndarray, y: float) -> float:
    """C = (o² − y)² with o² = Σ w² ⊙ (i ⋆ w¹)."""
    return float(((correlate_valid(i, w1) * w2).sum() - y) ** 2)


@dataclass(frozen=True)
class SeedNumbers:
    """Every number of the seed chapters, computed from (i, w¹, w², y)."""

    input: np.ndarray  # i, 3×3
    w1: np.ndarray
    w2: np.ndarray
    y: float
    o1: np.ndarray  # 2×2
    o2: float
    cost: float
    grad_o2: float  # ∂C/∂o² = 2(o² − y)
    grad_w2: np.ndarray  # ∂C/∂w²_k = o¹_k · 2(o² − y)
    grad_o1: np.ndarray  # ∂C/∂o¹_k = w²_k · 2(o² − y)
    grad_w1: np.ndarray  # ∂C/∂w¹_j = Σ_k ∂o¹_k/∂w¹_j · ∂C/∂o¹_k
    grad_input: np.ndarray  # 3×3
    question_grad_w1: np.ndarray  # the question's (Σ touched inputs)·(Σ_k ∂C/∂o¹_k)
    touched_sums: np.ndarray  # the question's ∂o¹/∂w¹_j written as a sum: Σ of 4 inputs
    question_dc_do1: float  # the question's ∂C/∂o¹ = Σ_k w²_k · 2(o² − y)
    difference: np.ndarray  # question − chain rule, per weight of w¹
    cross_sum: np.ndarray  # Σ of the twelve cross terms i_a·w²_b per weight (no 2(o²−y))
    fd_grad_w1: np.ndarray  # central differences of C in each w¹_j
    fd_step: float
    scatter: np.ndarray  # (2, 2, 3, 3): what output (p,q) sends back to the input
    grad_o1_padded: np.ndarray  # 4×4: ∂C/∂o¹ with a border of zeros
    w1_rot180: np.ndarray


def touched(i: np.ndarray, r: int, c: int) -> np.ndarray:
    """The inputs w¹[r,c] multiplies: i[p+r, q+c] for output (p,q), as a 2×2 array."""
    return i[r:r + 2, c:c + 2]


def seed_numbers(i, w1, w2, y) -> SeedNumbers:
    """Forward pass, the four gradients, the question's formula and the checks, in float64."""
    i, w1, w2, y = as_array(i), as_array(w1), as_array(w2), float(y)
    o1 = correlate_valid(i, w1)
    o2 = float((w2 * o1).sum())
    grad_o2 = 2 * (o2 - y)
    grad_o1 = w2 * grad_o2  # o² = Σ w²_k o¹_k, so each o¹_k has its own factor w²_k
    # Chain rule: sum over the outputs each weight touched, one product per output.
    grad_w1 = np.array([[float((touched(i, r, c) * grad_o1).sum()) for c in range(2)]
                        for r in range(2)])
    scatter = np.zeros((2, 2, 3, 3))
    for p, q in product(range(2), range(2)):
        scatter[p, q, p:p + 2, q:q + 2] = grad_o1[p, q] * w1
    padded = np.pad(grad_o1, 1)
    question_dc_do1 = float(grad_o1.sum())
    touched_sums = np.array([[float(touched(i, r, c).sum()) for c in range(2)]
                             for r in range(2)])
    fd = np.zeros((2, 2))
    for r, c in product(range(2), range(2)):
        bump = np.zeros((2, 2))
        bump[r, c] = FD_STEP
        fd[r, c] = (cost_of(i, w1 + bump, w2, y) - cost_of(i, w1 - bump, w2, y)) / (2 * FD_STEP)
    return SeedNumbers(
        input=i, w1=w1, w2=w2, y=y, o1=o1, o2=o2, cost=(o2 - y) ** 2, grad_o2=grad_o2,
        grad_w2=o1 * grad_o2, grad_o1=grad_o1, grad_w1=grad_w1,
        grad_input=scatter.sum(axis=(0, 1)),
        question_grad_w1=touched_sums * question_dc_do1, touched_sums=touched_sums,
        question_dc_do1=question_dc_do1,
        difference=touched_sums * question_dc_do1 - grad_w1,
        cross_sum=np.array([[float(touched(i, r, c).sum() * w2.sum()
                                   - (touched(i, r, c) * w2).sum())
                             for c in range(2)] for r in range(2)]),
        fd_grad_w1=fd, fd_step=FD_STEP, scatter=scatter,
        grad_o1_padded=padded, w1_rot180=rot180(w1),
    )


def example_numbers() -> SeedNumbers:
    """seed_numbers on the book's example (derivations/examples/seed.py)."""
    from derivations.examples import seed as e

    return seed_numbers(e.I, e.W1, e.W2, e.TARGET)


def full_correlation_rot180(grad_o1: np.ndarray, w1: np.ndarray) -> np.ndarray:
    """Eq. ∂C/∂i = pad(∂C/∂o¹) ⋆ rot180(w¹): the gather form of the scatter."""
    return correlate_valid(np.pad(grad_o1, w1.shape[0] - 1), rot180(w1))


@dataclass(frozen=True)
class FlippedConvention:
    """The same network written with true convolution, o = i ∗ k, k = rot180(w)."""

    k1: np.ndarray
    k2: np.ndarray
    o1: np.ndarray
    o2: float
    grad_k1: np.ndarray  # ∂C/∂k¹, laid out like k¹
    grad_k2: np.ndarray
    grad_input: np.ndarray  # full cross-correlation of ∂C/∂o¹ with k¹ (no flip here)


def convolve_valid(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Eq. (x ∗ k)_(p,q) = Σ_(m,n) k[m,n] x[p+K−1−m, q+K−1−n]: the kernel is flipped."""
    return correlate_valid(x, rot180(k))


def flipped_convention(i, w1, w2, y) -> FlippedConvention:
    """An article that flips kernels stores k = rot180(w); its gradients, in its layout."""
    i, k1, k2 = as_array(i), rot180(as_array(w1)), rot180(as_array(w2))
    o1 = convolve_valid(i, k1)
    o2 = float(convolve_valid(o1, k2)[0, 0])
    delta = 2 * (o2 - float(y)) * rot180(k2)  # ∂C/∂o¹: each o¹_k still meets one weight
    # ∂C/∂k[m,n] = Σ δ[p,q] i[p+1−m, q+1−n] = (rot180(i) ∗ δ)[m,n]: the article's formula.
    grad_k1 = convolve_valid(rot180(i), delta)
    grad_k2 = convolve_valid(rot180(o1), 2 * (o2 - float(y)) * np.ones((1, 1)))
    # ∂C/∂i[a,b] = Σ k[m,n] δ[a+m−1, b+n−1]: a cross-correlation of the padded δ with k.
    return FlippedConvention(k1=k1, k2=k2, o1=o1, o2=o2, grad_k1=grad_k1, grad_k2=grad_k2,
                             grad_input=correlate_valid(np.pad(delta, 1), k1))


# ---------------------------------------------------------------- symbols (sympy)


@dataclass(frozen=True)
class SeedSymbols:
    """The network in the question's notation, differentiated by sympy."""

    i: sympy.Matrix  # i_1 … i_9 as a 3×3 matrix
    w1: sympy.Matrix  # w^1_1 … w^1_4
    w2: sympy.Matrix
    o1_symbols: sympy.Matrix  # o^1_1 … o^1_4 as names
    o2_symbol: sympy.Symbol
    y: sympy.Symbol
    o1: sympy.Matrix  # o¹ in terms of i and w¹
    o2: sympy.Expr  # o² in terms of o¹ and w²
    cost: sympy.Expr  # C in terms of o² and y
    full_cost: sympy.Expr  # C in terms of i, w¹, w², y
    grad_o2: sympy.Expr  # ∂C/∂o² = 2(o² − y), the factor every gradient below shares
    grad_w2: sympy.Matrix  # in o¹, o², y
    grad_o1: sympy.Matrix  # ∂C/∂o¹_k in w², o², y
    do1_dw1: tuple[sympy.Matrix, ...]  # per weight j: the 2×2 of ∂o¹_k/∂w¹_j
    grad_w1_bracket: sympy.Matrix  # ∂C/∂w¹_j / ∂C/∂o²: Σ_k ∂o¹_k/∂w¹_j · w²_k
    question_bracket: sympy.Matrix  # the question's (Σ_k ∂o¹_k/∂w¹_j)(Σ_k w²_k)
    cross_terms: tuple[tuple[sympy.Expr, ...], ...]  # per weight: question − chain rule
    grad_input_bracket: sympy.Matrix  # ∂C/∂i_a / ∂C/∂o², in w¹ and w²

    @property
    def grad_w1(self) -> sympy.Matrix:
        return self.grad_w1_bracket * self.grad_o2

    @property
    def question_grad_w1(self) -> sympy.Matrix:
        return self.question_bracket * self.grad_o2

    @property
    def grad_input(self) -> sympy.Matrix:
        return self.grad_input_bracket * self.grad_o2


@functools.cache  # pure and argument-free; several pages use it
def seed_symbols() -> SeedSymbols:
    """Build C(i, w¹, w², y) and its derivatives in the question's notation."""
    i = sympy.Matrix(3, 3, sympy.symbols("i_1:10"))
    w1 = sympy.Matrix(2, 2, [sympy.Symbol(f"w^1_{k}") for k in range(1, 5)])
    w2 = sympy.Matrix(2, 2, [sympy.Symbol(f"w^2_{k}") for k in range(1, 5)])
    o1s = sympy.Matrix(2, 2, [sympy.Symbol(f"o^1_{k}") for k in range(1, 5)])
    o2s, y = sympy.Symbol("o^2"), sympy.Symbol("y")
    o1 = sympy.Matrix(2, 2, lambda p, q: sum(w1[m, n] * i[p + m, q + n]
                                              for m in range(2) for n in range(2)))
    o2 = sum(w2[k] * o1s[k] for k in range(4))
    cost = (o2s - y) ** 2
    full_cost = (sum(w2[k] * o1[k] for k in range(4)) - y) ** 2
    grad_o2 = sympy.diff(cost, o2s)
    # o² is linear in each o¹_k and each w²_k: the chain rule's last link is ∂o²/∂(·).
    do2_do1 = sympy.Matrix(2, 2, lambda p, q: sympy.diff(o2, o1s[p, q]))
    grad_o1 = do2_do1 * grad_o2
    grad_w2 = sympy.Matrix(2, 2, lambda p, q: sympy.diff(o2, w2[p, q])) * grad_o2
    do1_dw1 = tuple(o1.diff(w1[j]) for j in range(4))
    bracket = sympy.Matrix(2, 2, lambda r, c: sum(
        do1_dw1[2 * r + c][k] * do2_do1[k] for k in range(4)))
    question = sympy.Matrix(2, 2, lambda r, c: sum(do1_dw1[2 * r + c]) * sum(do2_do1))
    cross = tuple(
        tuple(sorted(sympy.Add.make_args(sympy.expand(question[j] - bracket[j])),
                     key=sympy.default_sort_key))
        for j in range(4)
    )
    grad_input = sympy.Matrix(3, 3, lambda a, b: sympy.expand(
        sum(do2_do1[k] * sympy.diff(o1[k], i[a, b]) for k in range(4))))
    return SeedSymbols(
        i=i, w1=w1, w2=w2, o1_symbols=o1s, o2_symbol=o2s, y=y, o1=o1, o2=o2, cost=cost,
        full_cost=full_cost, grad_o2=grad_o2, grad_w2=grad_w2, grad_o1=grad_o1,
        do1_dw1=do1_dw1, grad_w1_bracket=bracket, question_bracket=question,
        cross_terms=cross, grad_input_bracket=grad_input,
    )
