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
    GAP_UPSTREAM,
    GAP_X,
    MAX_UPSTREAM,
    OVERLAP_AVG_UPSTREAM,
    OVERLAP_SIZE,
    OVERLAP_STRIDE,
    OVERLAP_UPSTREAM,
    OVERLAP_X,
    POOL_SIZE,
    POOL_STRIDE,
    POOL_X,
    RELU_KINK,
    RELU_STEP,
    RELU_UPSTREAM,
    RELU_Z,
    TIE_STEP,
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


def max_pool_backward_naive(x, upstream, size: int, stride: int) -> np.ndarray:
    """The naive tie rule: g[i,j] to EVERY entry equal to the window's maximum (not a
    subgradient when there is a tie: the window sends out more than it received)."""
    x, g = as_array(x), as_array(upstream)
    grad = np.zeros_like(x)
    for i, j, rows, cols in pool_windows(x.shape, size, stride):
        window = x[rows.start : rows.stop, cols.start : cols.stop]
        grad[rows.start : rows.stop, cols.start : cols.stop] += g[i, j] * (window == window.max())
    return grad


def max_pool_channels(x, size: int, stride: int) -> np.ndarray:
    """eq-pool-per-channel: P[n,c] = maxpool(X[n,c]), each (example, channel) on its own."""
    x = as_array(x)
    return np.array([[max_pool(x[n, c], size, stride)[0] for c in range(x.shape[1])]
                     for n in range(x.shape[0])])


def max_pool_channels_backward(x, upstream, size: int, stride: int) -> np.ndarray:
    """∂C/∂X[n,c] from ∂C/∂P[n,c] alone: no gradient moves between channels or examples."""
    x, g = as_array(x), as_array(upstream)
    return np.array([[max_pool_backward(x[n, c], g[n, c], size, stride)
                      for c in range(x.shape[1])] for n in range(x.shape[0])])


def global_avg_pool(x) -> np.ndarray:
    """eq-global-average-pool: P[n,c] = (1/(H·W)) Σ_{a,b} X[n,c,a,b]."""
    return as_array(x).mean(axis=(2, 3))


def global_avg_pool_backward(x_shape, upstream) -> np.ndarray:
    """∂C/∂X[n,c,a,b] = ∂C/∂P[n,c] / (H·W): every position gets the same share."""
    g = as_array(upstream)
    return np.broadcast_to(g[:, :, None, None] / (x_shape[2] * x_shape[3]), x_shape).copy()


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


@dataclass(frozen=True)
class OverlapExample:
    x: np.ndarray
    size: int
    stride: int
    max_out: np.ndarray
    winners: dict
    upstream: np.ndarray
    max_grad: np.ndarray
    shared_cell: tuple[int, int]  # the entry that wins several windows
    shared_windows: tuple[tuple[int, int], ...]  # the windows it wins
    avg_upstream: np.ndarray
    avg_grad: np.ndarray


@dataclass(frozen=True)
class GlobalAverageExample:
    x: np.ndarray  # (1, C, H, W)
    pooled: np.ndarray  # (1, C)
    upstream: np.ndarray  # (1, C)
    grad: np.ndarray  # (1, C, H, W)


@dataclass(frozen=True)
class TieRules:
    """The three tie rules on the pooling example's tied window, and the directional check."""

    x: np.ndarray
    window: tuple[int, int]
    tied: tuple[tuple[int, int], ...]
    upstream: float  # ∂C/∂P of the tied window
    first: np.ndarray  # PyTorch / TensorFlow CPU: the first maximum in reading order
    shared: np.ndarray  # equal shares
    naive: np.ndarray  # every tied maximum gets it all
    step: float
    measured: float  # (C(X + h·(e₁ + e₂)) − C(X)) / h: both tied entries moved together
    predicted: dict  # Σ over the tied entries of each rule's gradient


def overlap_example() -> OverlapExample:
    x = as_array(OVERLAP_X)
    size, stride = OVERLAP_SIZE, OVERLAP_STRIDE
    out, winners = max_pool(x, size, stride)
    counts: dict = {}
    for window, cell in winners.items():
        counts.setdefault(cell, []).append(window)
    shared_cell = max(counts, key=lambda cell: len(counts[cell]))
    return OverlapExample(
        x=x, size=size, stride=stride, max_out=out, winners=winners,
        upstream=as_array(OVERLAP_UPSTREAM),
        max_grad=max_pool_backward(x, OVERLAP_UPSTREAM, size, stride),
        shared_cell=shared_cell, shared_windows=tuple(sorted(counts[shared_cell])),
        avg_upstream=as_array(OVERLAP_AVG_UPSTREAM),
        avg_grad=avg_pool_backward(x.shape, OVERLAP_AVG_UPSTREAM, size, stride),
    )


def global_average_example() -> GlobalAverageExample:
    x, g = as_array(GAP_X)[None], as_array(GAP_UPSTREAM)[None]
    return GlobalAverageExample(x=x, pooled=global_avg_pool(x), upstream=g,
                                grad=global_avg_pool_backward(x.shape, g))


def tie_rules() -> TieRules:
    x, g = as_array(POOL_X), as_array(MAX_UPSTREAM)
    (window, tied), = ties(x, POOL_SIZE, POOL_STRIDE).items()
    bump = np.zeros_like(x)
    for cell in tied:
        bump[cell] = TIE_STEP

    def cost(values) -> float:
        return float((g * max_pool(values, POOL_SIZE, POOL_STRIDE)[0]).sum())

    rules = {"first": max_pool_backward(x, g, POOL_SIZE, POOL_STRIDE),
             "shared": max_pool_backward_split(x, g, POOL_SIZE, POOL_STRIDE),
             "naive": max_pool_backward_naive(x, g, POOL_SIZE, POOL_STRIDE)}
    return TieRules(
        x=x, window=window, tied=tied, upstream=float(g[window]), **rules, step=TIE_STEP,
        measured=(cost(x + bump) - cost(x)) / TIE_STEP,
        predicted={name: float(sum(grad[cell] for cell in tied)) for name, grad in rules.items()},
    )


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
