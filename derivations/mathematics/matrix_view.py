"""Convolution as a matrix product: im2col, the Jacobian ∂vec(Y)/∂vec(X), transposed convolution.

Single channel, single example, row-major vec (vec(X)[a·N_X + c] = X[a,c], as the question
numbers i₁…i₉). With stride s, padding p and dilation d, input entry (a, c) sits under kernel
tap (m, n) of window (u, v) when a = s·u + d·m − p and c = s·v + d·n − p.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import sympy

from derivations.examples import seed as seed_example
from derivations.examples.matrix_view import (
    COL2IM_DELTA,
    COL2IM_PADDING,
    COL2IM_STRIDE,
    COL2IM_W,
    COL2IM_X,
    IM2COL_B,
    IM2COL_DELTA,
    IM2COL_W,
    IM2COL_X,
    STRIDED_DELTA,
    STRIDED_STRIDE,
    STRIDED_W,
    STRIDED_X_SHAPE,
)
from derivations.mathematics.general_layer import (
    correlate_full,
    correlate_valid,
    insert_zeros,
    rot180,
    zero_pad,
)


def as_array(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def output_shape(in_hw, k_hw, stride=1, padding=0, dilation=1) -> tuple[int, int]:
    """M_Y = ⌊(M_X + 2p − d(M_W − 1) − 1)/s⌋ + 1, for rows and for columns."""
    return tuple((n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
                 for n, k in zip(in_hw, k_hw, strict=True))


def im2col(x, k_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """X_col[m·N_W + n, u·N_Y + v] = X[s·u + d·m − p, s·v + d·n − p] (zero outside X)."""
    x = as_array(x)
    out_h, out_w = output_shape(x.shape, k_hw, stride, padding, dilation)
    cols = np.zeros((k_hw[0] * k_hw[1], out_h * out_w))
    for m, n, i, j in product(range(k_hw[0]), range(k_hw[1]), range(out_h), range(out_w)):
        a, c = stride * i + dilation * m - padding, stride * j + dilation * n - padding
        if 0 <= a < x.shape[0] and 0 <= c < x.shape[1]:
            cols[m * k_hw[1] + n, i * out_w + j] = x[a, c]
    return cols


def jacobian(w, in_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """J[u·N_Y + v, a·N_X + c] = ∂Y[u,v]/∂X[a,c] = Σ_{m,n} W[m,n]·[a = su+dm−p, c = sv+dn−p]."""
    w = as_array(w)
    out_h, out_w = output_shape(in_hw, w.shape, stride, padding, dilation)
    jac = np.zeros((out_h * out_w, in_hw[0] * in_hw[1]))
    for i, j, a, c in product(range(out_h), range(out_w), range(in_hw[0]), range(in_hw[1])):
        for m, n in product(range(w.shape[0]), range(w.shape[1])):
            # the definition, term by term: only the tap that lands on (a, c) contributes
            if (a, c) == (stride * i + dilation * m - padding, stride * j + dilation * n - padding):
                jac[i * out_w + j, a * in_hw[1] + c] += w[m, n]
    return jac


def forward_by_im2col(x, w, stride=1, padding=0, dilation=1) -> np.ndarray:
    """vec(Y) = vec(W)ᵀ X_col, reshaped: one dot product per column (window)."""
    w, x = as_array(w), as_array(x)
    shape = output_shape(x.shape, w.shape, stride, padding, dilation)
    return (w.reshape(-1) @ im2col(x, w.shape, stride, padding, dilation)).reshape(shape)


def forward_by_jacobian(x, w, stride=1, padding=0, dilation=1) -> np.ndarray:
    """vec(Y) = J vec(X): the convolution is linear in X, and J is its matrix."""
    x, w = as_array(x), as_array(w)
    shape = output_shape(x.shape, w.shape, stride, padding, dilation)
    return (jacobian(w, x.shape, stride, padding, dilation) @ x.reshape(-1)).reshape(shape)


def input_gradient_by_jacobian(w, delta, in_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """∂C/∂vec(X) = Jᵀ vec(δ): the chain rule for a linear map."""
    jac = jacobian(w, in_hw, stride, padding, dilation)
    return (jac.T @ as_array(delta).reshape(-1)).reshape(in_hw)


def weight_gradient_by_im2col(x, delta, k_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """∂C/∂vec(W) = X_col vec(δ): each row of X_col holds the inputs one weight touched."""
    cols = im2col(x, k_hw, stride, padding, dilation)
    return (cols @ as_array(delta).reshape(-1)).reshape(k_hw)


def transposed_convolution(delta, w, in_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """(δ ⋆ᵀ W)[a,c] = Σ_{u,v,m,n: a=su+dm−p, c=sv+dn−p} δ[u,v] W[m,n]: every δ stamps δ·W back."""
    return sum(stamps(delta, w, in_hw, stride, padding, dilation), np.zeros(in_hw))


def stamps(delta, w, in_hw, stride=1, padding=0, dilation=1) -> list[np.ndarray]:
    """One array per δ[u,v], reading order: δ[u,v]·W laid on window (u,v), cropped to X."""
    delta, w = as_array(delta), as_array(w)
    out = []
    for i, j in product(range(delta.shape[0]), range(delta.shape[1])):
        stamp = np.zeros(in_hw)
        for m, n in product(range(w.shape[0]), range(w.shape[1])):
            a, c = stride * i + dilation * m - padding, stride * j + dilation * n - padding
            if 0 <= a < in_hw[0] and 0 <= c < in_hw[1]:  # padding: taps on zeros are dropped
                stamp[a, c] += delta[i, j] * w[m, n]
        out.append(stamp)
    return out


def symbolic_jacobian(in_hw, k_hw) -> sympy.Matrix:
    """sympy's own Jacobian of vec(i ⋆ w) with respect to vec(i), in the question's names."""
    i = sympy.Matrix(*in_hw, lambda r, c: sympy.Symbol(f"i_{{{r * in_hw[1] + c + 1}}}"))
    w = sympy.Matrix(*k_hw, lambda r, c: sympy.Symbol(f"w^{{1}}_{{{r * k_hw[1] + c + 1}}}"))
    out_h, out_w = in_hw[0] - k_hw[0] + 1, in_hw[1] - k_hw[1] + 1
    o = sympy.Matrix([sum(w[m, n] * i[p + m, q + n] for m in range(k_hw[0]) for n in range(k_hw[1]))
                      for p in range(out_h) for q in range(out_w)])
    return o.jacobian(sympy.Matrix(list(i)))


@dataclass(frozen=True)
class MatrixView:
    """The question's first layer in matrix form, with the seed chapters' values."""

    i: np.ndarray
    w1: np.ndarray
    w2: np.ndarray
    y: float
    o1: np.ndarray
    delta1: np.ndarray  # ∂C/∂o¹ = 2(o² − y) w²
    cols: np.ndarray  # im2col(i): 4 taps × 4 windows
    o1_by_im2col: np.ndarray
    grad_w1_by_im2col: np.ndarray
    jacobian: np.ndarray  # 4 × 9
    symbolic_jacobian: sympy.Matrix
    o1_by_jacobian: np.ndarray
    grad_i: np.ndarray  # Jᵀ δ¹, reshaped 3×3
    delta1_padded: np.ndarray
    w1_rotated: np.ndarray
    grad_i_full: np.ndarray  # δ¹ full-⋆ rot180(w¹)
    stamps: tuple[np.ndarray, ...]
    roundtrip: np.ndarray  # J (Jᵀ δ¹): not δ¹, since Jᵀ is no inverse
    cols_index: np.ndarray  # im2col of 1…9: which i_k sits where in X_col


def seed_matrix_view() -> MatrixView:
    i, w1, w2 = (as_array(v) for v in (seed_example.I, seed_example.W1, seed_example.W2))
    y = float(seed_example.TARGET)
    jac = jacobian(w1, i.shape)
    o1 = (jac @ i.reshape(-1)).reshape(output_shape(i.shape, w1.shape))
    delta1 = 2 * (float((w2 * o1).sum()) - y) * w2
    k_h, k_w = w1.shape
    return MatrixView(
        i=i, w1=w1, w2=w2, y=y, o1=o1, delta1=delta1,
        cols=im2col(i, w1.shape), o1_by_im2col=forward_by_im2col(i, w1),
        grad_w1_by_im2col=weight_gradient_by_im2col(i, delta1, w1.shape),
        jacobian=jac, symbolic_jacobian=symbolic_jacobian(i.shape, w1.shape),
        o1_by_jacobian=forward_by_jacobian(i, w1),
        grad_i=input_gradient_by_jacobian(w1, delta1, i.shape),
        delta1_padded=zero_pad(delta1, k_h - 1, k_w - 1), w1_rotated=rot180(w1),
        grad_i_full=correlate_full(delta1, rot180(w1)),
        stamps=tuple(stamps(delta1, w1, i.shape)),
        roundtrip=(jac @ input_gradient_by_jacobian(w1, delta1, i.shape).reshape(-1)).reshape(
            delta1.shape),
        cols_index=im2col(np.arange(1, i.size + 1).reshape(i.shape), w1.shape).astype(int),
    )


@dataclass(frozen=True)
class Im2col:
    """im2col of the general layer's example: X_col, the forward pass and ∂C/∂W through it."""

    x: np.ndarray
    w: np.ndarray
    b: float
    delta: np.ndarray
    cols: np.ndarray  # M_W·N_W weights × M_Y·N_Y windows
    cols_index: tuple[tuple[tuple[int, int], ...], ...]  # (a, c) of the X entry in each cell
    y_by_im2col: np.ndarray  # vec(W)ᵀ X_col + b, as a row
    grad_w_by_im2col: np.ndarray  # X_col vec(δ), laid out like W


def layer_im2col() -> Im2col:
    x, w, delta = as_array(IM2COL_X), as_array(IM2COL_W), as_array(IM2COL_DELTA)
    flat = im2col(np.arange(x.size).reshape(x.shape), w.shape).astype(int)
    return Im2col(
        x=x, w=w, b=float(IM2COL_B), delta=delta, cols=im2col(x, w.shape),
        cols_index=tuple(tuple(divmod(int(k), x.shape[1]) for k in row) for row in flat),
        y_by_im2col=w.reshape(-1) @ im2col(x, w.shape) + IM2COL_B,
        grad_w_by_im2col=weight_gradient_by_im2col(x, delta, w.shape),
    )


@dataclass(frozen=True)
class StridedTransposed:
    """Jᵀδ for stride s by stamps, and by the stride chapter's zero-inserted δ route."""

    delta: np.ndarray
    w: np.ndarray
    stride: int
    in_hw: tuple[int, int]
    stamps: tuple[np.ndarray, ...]
    grad_input: np.ndarray  # Σ stamps = Jᵀ δ
    delta_spread_padded: np.ndarray  # δ with s − 1 zeros between entries, padded by k − 1
    grad_input_by_spread: np.ndarray  # that ⋆ rot180(W)


def strided_transposed() -> StridedTransposed:
    delta, w = as_array(STRIDED_DELTA), as_array(STRIDED_W)
    s, in_hw = STRIDED_STRIDE, STRIDED_X_SHAPE
    spread = zero_pad(insert_zeros(delta, s), w.shape[0] - 1, w.shape[1] - 1)
    return StridedTransposed(
        delta=delta, w=w, stride=s, in_hw=in_hw,
        stamps=tuple(stamps(delta, w, in_hw, stride=s)),
        grad_input=input_gradient_by_jacobian(w, delta, in_hw, stride=s),
        delta_spread_padded=spread, grad_input_by_spread=correlate_valid(spread, rot180(w)),
    )


def im2col_batched(x, k_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """X_col[(c·k_H + m)·k_W + n, (b·H_out + i)·W_out + j] = X_pad[b, c, s·i + d·m, s·j + d·n].

    One row per (input channel, kernel tap), one column per (example, window).
    """
    x = as_array(x)
    out_h, out_w = output_shape(x.shape[2:], k_hw, stride, padding, dilation)
    n_batch, c_in = x.shape[:2]
    cols = np.zeros((c_in * k_hw[0] * k_hw[1], n_batch * out_h * out_w))
    for b, c, m, n, i, j in product(range(n_batch), range(c_in), range(k_hw[0]),
                                    range(k_hw[1]), range(out_h), range(out_w)):
        a, e = stride * i + dilation * m - padding, stride * j + dilation * n - padding
        if 0 <= a < x.shape[2] and 0 <= e < x.shape[3]:
            cols[(c * k_hw[0] + m) * k_hw[1] + n, (b * out_h + i) * out_w + j] = x[b, c, a, e]
    return cols


def weight_matrix(w) -> np.ndarray:
    """W_mat: C_out × (C_in·k_H·k_W), one row per filter, in X_col's row order."""
    w = as_array(w)
    return w.reshape(w.shape[0], -1)


def delta_matrix(delta) -> np.ndarray:
    """δ_mat: C_out × (N·H_out·W_out), in X_col's column order."""
    delta = as_array(delta)
    return delta.transpose(1, 0, 2, 3).reshape(delta.shape[1], -1)


def col2im(grad_cols, x_shape, k_hw, stride=1, padding=0, dilation=1):
    """eq-col2im: scatter-add every entry of ∂C/∂X_col back to the padded input cell it was
    copied from, then crop p. Returns (∂C/∂X_pad, ∂C/∂X)."""
    n_batch, c_in, h, w = x_shape
    out_h, out_w = output_shape((h, w), k_hw, stride, padding, dilation)
    padded = np.zeros((n_batch, c_in, h + 2 * padding, w + 2 * padding))
    for b, c, m, n, i, j in product(range(n_batch), range(c_in), range(k_hw[0]),
                                    range(k_hw[1]), range(out_h), range(out_w)):
        # overlapping windows copied one cell into several columns: their gradients add
        padded[b, c, stride * i + dilation * m, stride * j + dilation * n] += grad_cols[
            (c * k_hw[0] + m) * k_hw[1] + n, (b * out_h + i) * out_w + j]
    return padded, padded[:, :, padding : padding + h, padding : padding + w]


@dataclass(frozen=True)
class Col2imExample:
    """The three gradients of a batched, multi-channel layer as GEMMs, and col2im."""

    x: np.ndarray  # (N, C_in, H, W)
    w: np.ndarray  # (C_out, C_in, k_H, k_W)
    delta: np.ndarray  # (N, C_out, H_out, W_out)
    stride: int
    padding: int
    cols: np.ndarray  # X_col
    w_mat: np.ndarray
    delta_mat: np.ndarray
    grad_w_mat: np.ndarray  # δ_mat X_colᵀ
    grad_cols: np.ndarray  # W_matᵀ δ_mat
    grad_bias: np.ndarray  # δ_mat 1
    grad_padded: np.ndarray  # col2im before the crop
    grad_input: np.ndarray


def col2im_example() -> Col2imExample:
    x, w, delta = as_array(COL2IM_X), as_array(COL2IM_W), as_array(COL2IM_DELTA)
    s, p = COL2IM_STRIDE, COL2IM_PADDING
    cols = im2col_batched(x, w.shape[2:], s, p)
    w_mat, delta_mat = weight_matrix(w), delta_matrix(delta)
    grad_cols = w_mat.T @ delta_mat
    padded, grad_x = col2im(grad_cols, x.shape, w.shape[2:], s, p)
    return Col2imExample(
        x=x, w=w, delta=delta, stride=s, padding=p, cols=cols, w_mat=w_mat,
        delta_mat=delta_mat, grad_w_mat=delta_mat @ cols.T, grad_cols=grad_cols,
        grad_bias=delta_mat @ np.ones(delta_mat.shape[1]), grad_padded=padded,
        grad_input=grad_x,
    )
