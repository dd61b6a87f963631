"""What sits around a convolution: a shared bias, ReLU, max pooling and average pooling.

Each backward rule is the chain rule with the local derivative of one simple operation:
the bias is added at every position (so its gradient sums δ), ReLU passes δ where its input
was positive, max pooling routes δ to the entry that won, average pooling spreads it evenly.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from derivations.examples.bias_relu_pooling import (
    AVG_UPSTREAM,
    BIAS_DELTA,
    MAX_UPSTREAM,
    POOL_SIZE,
    POOL_STRIDE,
    POOL_X,
    RELU_KINK,
    RELU_STEP,
    RELU_UPSTREAM,
    RELU_Z,
)


def as_array(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def bias_gradient(delta) -> np.ndarray:
    """∂C/∂b[f] = Σ_e Σ_{u,v} δ[e,f,u,v]: one bias per output channel, used at every (e,u,v)."""
    return as_array(delta).sum(axis=(0, 2, 3))


def relu(z) -> np.ndarray:
    """A = max(Z, 0), entry by entry."""
    return np.maximum(as_array(z), 0.0)


def relu_mask(z) -> np.ndarray:
    """ReLU′(Z) with PyTorch's choice at the kink: 1 where Z > 0, 0 where Z ≤ 0 (also Z = 0)."""
    return (as_array(z) > 0).astype(np.float64)


def relu_backward(z, upstream) -> np.ndarray:
    """∂C/∂Z = ∂C/∂A ⊙ 1[Z > 0]: the upstream gradient masked where the input was not positive."""
    return as_array(upstream) * relu_mask(z)


def pool_windows(shape, size: int, stride: int):
    """(i, j, rows, cols) for every pooling window of a size×size pool moved by stride."""
    out_h = (shape[0] - size) // stride + 1
    out_w = (shape[1] - size) // stride + 1
    for i, j in product(range(out_h), range(out_w)):
        yield i, j, range(stride * i, stride * i + size), range(stride * j, stride * j + size)


def pool_output_shape(shape, size: int, stride: int) -> tuple[int, int]:
    return ((shape[0] - size) // stride + 1, (shape[1] - size) // stride + 1)


Cell = tuple[int, int]


def max_pool(x, size: int, stride: int) -> tuple[np.ndarray, dict[Cell, Cell]]:
    """P[u,v] = max over window (u,v), and the winner: the FIRST maximum in reading order."""
    x = as_array(x)
    out = np.zeros(pool_output_shape(x.shape, size, stride))
    winners = {}
    for i, j, rows, cols in pool_windows(x.shape, size, stride):
        window = x[rows.start : rows.stop, cols.start : cols.stop]
        # np.argmax returns the first occurrence: PyTorch's tie rule (strict > while scanning)
        r, c = np.unravel_index(int(np.argmax(window)), window.shape)
        winners[(i, j)] = (rows.start + int(r), cols.start + int(c))
        out[i, j] = window[r, c]
    return out, winners


def max_pool_backward(x, upstream, size: int, stride: int) -> np.ndarray:
    """∂C/∂X[a,c] = Σ_{u,v} g[u,v] · 1[(a,c) is the winner of window (u,v)] (overlaps add)."""
    x, g = as_array(x), as_array(upstream)
    grad = np.zeros_like(x)
    for (i, j), (a, c) in max_pool(x, size, stride)[1].items():
        grad[a, c] += g[i, j]
    return grad


def max_pool_backward_split(x, upstream, size: int, stride: int) -> np.ndarray:
    """The other tie rule: g[u,v] shared equally by every entry equal to the window's maximum."""
    x, g = as_array(x), as_array(upstream)
    grad = np.zeros_like(x)
    for i, j, rows, cols in pool_windows(x.shape, size, stride):
        window = x[rows.start : rows.stop, cols.start : cols.stop]
        ties = window == window.max()
        grad[rows.start : rows.stop, cols.start : cols.stop] += g[i, j] * ties / ties.sum()
    return grad


def ties(x, size: int, stride: int) -> dict[tuple[int, int], tuple[tuple[int, int], ...]]:
    """Windows whose maximum is reached more than once, with every tied position."""
    x = as_array(x)
    found = {}
    for i, j, rows, cols in pool_windows(x.shape, size, stride):
        cells = [(a, c) for a in rows for c in cols]
        best = max(x[a, c] for a, c in cells)
        tied = tuple(cell for cell in cells if x[cell] == best)
        if len(tied) > 1:
            found[(i, j)] = tied
    return found


def avg_pool(x, size: int, stride: int) -> np.ndarray:
    """P[u,v] = (1/size²) Σ over window (u,v)."""
    x = as_array(x)
    out = np.zeros(pool_output_shape(x.shape, size, stride))
    for i, j, rows, cols in pool_windows(x.shape, size, stride):
        out[i, j] = x[rows.start : rows.stop, cols.start : cols.stop].mean()
    return out


def avg_pool_backward(x_shape, upstream, size: int, stride: int) -> np.ndarray:
    """∂C/∂X[a,c] = Σ over windows containing (a,c) of g[u,v] / size²."""
    g = as_array(upstream)
    grad = np.zeros(x_shape)
    for i, j, rows, cols in pool_windows(x_shape, size, stride):
        grad[rows.start : rows.stop, cols.start : cols.stop] += g[i, j] / size**2
    return grad


@dataclass(frozen=True)
class BiasExample:
    delta: np.ndarray  # (B, D_Y, M_Y, N_Y)
    per_example: np.ndarray  # Σ_{u,v} δ[e, 0, u, v] for each e
    grad_bias: np.ndarray  # (D_Y,)


@dataclass(frozen=True)
class ReluExample:
    z: np.ndarray
    a: np.ndarray
    mask: np.ndarray
    upstream: np.ndarray
    delta: np.ndarray
    kink: tuple[int, int]
    step: float
    right_derivative: float  # (C(z + h e) − C(z)) / h at the kink
    left_derivative: float  # (C(z) − C(z − h e)) / h
    central_difference: float  # (C(z + h e) − C(z − h e)) / 2h


@dataclass(frozen=True)
class PoolingExample:
    x: np.ndarray
    size: int
    stride: int
    max_out: np.ndarray
    winners: dict
    max_upstream: np.ndarray
    max_grad: np.ndarray
    max_grad_split: np.ndarray
    tie_window: tuple[int, int]
    tied: tuple[tuple[int, int], ...]
    avg_out: np.ndarray
    avg_upstream: np.ndarray
    avg_grad: np.ndarray


def bias_example() -> BiasExample:
    delta = as_array(BIAS_DELTA)[:, None]  # one output channel
    return BiasExample(delta=delta, per_example=delta.sum(axis=(1, 2, 3)),
                       grad_bias=bias_gradient(delta))


def relu_cost(z, upstream) -> float:
    """C = Σ g ⊙ ReLU(Z): the cost whose ∂C/∂A is exactly g."""
    return float((as_array(upstream) * relu(z)).sum())


def relu_example() -> ReluExample:
    z, g = as_array(RELU_Z), as_array(RELU_UPSTREAM)
    h = RELU_STEP
    bump = np.zeros_like(z)
    bump[RELU_KINK] = h
    up, mid, down = relu_cost(z + bump, g), relu_cost(z, g), relu_cost(z - bump, g)
    return ReluExample(
        z=z, a=relu(z), mask=relu_mask(z), upstream=g, delta=relu_backward(z, g),
        kink=RELU_KINK, step=h, right_derivative=(up - mid) / h, left_derivative=(mid - down) / h,
        central_difference=(up - down) / (2 * h),
    )


def pooling_example() -> PoolingExample:
    x = as_array(POOL_X)
    size, stride = POOL_SIZE, POOL_STRIDE
    out, winners = max_pool(x, size, stride)
    (tie_window, tied), = ties(x, size, stride).items()
    return PoolingExample(
        x=x, size=size, stride=stride, max_out=out, winners=winners,
        max_upstream=as_array(MAX_UPSTREAM),
        max_grad=max_pool_backward(x, MAX_UPSTREAM, size, stride),
        max_grad_split=max_pool_backward_split(x, MAX_UPSTREAM, size, stride),
        tie_window=tie_window, tied=tied,
        avg_out=avg_pool(x, size, stride), avg_upstream=as_array(AVG_UPSTREAM),
        avg_grad=avg_pool_backward(x.shape, AVG_UPSTREAM, size, stride),
    )
