"""A chain of valid cross-correlations and its gradients, exactly, with every sum's terms kept.

The reader's own network: input X, kernels W¹ … Wᴸ applied in turn (O⁰ = X,
Oᵏ = Oᵏ⁻¹ ⋆ Wᵏ, no bias, no flip: PyTorch's convention), target y, cost
C = Σ (Oᴸ − y)². Backwards, δᵏ = ∂C/∂Oᵏ; the last one is 2(Oᴸ − y), and each layer
gives the general chapter's two rules (general/layer.md):
∂C/∂Wᵏ[m,n] = Σ δᵏ[u,v] Oᵏ⁻¹[u+m,v+n] and δᵏ⁻¹[a,c] = Σ δᵏ[u,v] Wᵏ[a−u,c−v].
Everything is exact (fractions.Fraction) and every entry keeps its list of products, so a
formatter can write each sum out (derivations/render/worked_format.py) without computing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product

from derivations.errors import UsageError
from derivations.worked_limits import MAX_INPUT_SIDE, MAX_KERNEL_SIDE, MAX_KERNELS

Matrix = tuple[tuple[Fraction, ...], ...]  # rows of exact entries


@dataclass(frozen=True)
class EntrySum:
    """One entry as a sum of products: value = Σ left·right over `terms`."""

    index: tuple[int, int]
    terms: tuple[tuple[Fraction, Fraction], ...]
    value: Fraction


@dataclass(frozen=True)
class Layer:
    """Layer k of the chain: Oᵏ = Oᵏ⁻¹ ⋆ Wᵏ and its two backward rules, entry by entry."""

    kernel: Matrix
    input_map: Matrix  # Oᵏ⁻¹ (X for the first layer)
    output_map: Matrix  # Oᵏ
    forward_sums: tuple[EntrySum, ...]
    delta: Matrix  # δᵏ = ∂C/∂Oᵏ
    grad_kernel: Matrix
    grad_kernel_sums: tuple[EntrySum, ...]
    grad_input_map: Matrix  # ∂C/∂Oᵏ⁻¹ (∂C/∂X for the first layer)
    grad_input_sums: tuple[EntrySum, ...]


@dataclass(frozen=True)
class WorkedChain:
    """The whole worked derivation: forward maps, cost, and every gradient."""

    input: Matrix
    target: Matrix  # y, broadcast to the output's shape when given as one number
    target_is_number: bool
    layers: tuple[Layer, ...]
    residual: Matrix  # Oᴸ − y
    cost: Fraction

    @property
    def kernels(self) -> tuple[Matrix, ...]:
        return tuple(layer.kernel for layer in self.layers)

    @property
    def maps(self) -> tuple[Matrix, ...]:
        return tuple(layer.output_map for layer in self.layers)

    @property
    def output(self) -> Matrix:
        return self.layers[-1].output_map

    @property
    def grad_maps(self) -> tuple[Matrix, ...]:
        return tuple(layer.delta for layer in self.layers)

    @property
    def grad_kernels(self) -> tuple[Matrix, ...]:
        return tuple(layer.grad_kernel for layer in self.layers)

    @property
    def grad_input(self) -> Matrix:
        return self.layers[0].grad_input_map


def shape(matrix: Matrix) -> tuple[int, int]:
    return len(matrix), len(matrix[0])


def _as_matrix(sums: tuple[EntrySum, ...], rows: int, cols: int) -> Matrix:
    values = {s.index: s.value for s in sums}
    return tuple(tuple(values[(i, j)] for j in range(cols)) for i in range(rows))


def _sum(index, terms) -> EntrySum:
    terms = tuple(terms)
    return EntrySum(index, terms, sum((a * b for a, b in terms), Fraction(0)))


def forward_sums(x: Matrix, w: Matrix) -> tuple[EntrySum, ...]:
    """Eq. forward: O[u,v] = Σ_{m,n} W[m,n] · X[u+m, v+n] (valid windows only)."""
    (h, wd), (kh, kw) = shape(x), shape(w)
    return tuple(
        _sum((i, j), ((w[m][n], x[i + m][j + n]) for m, n in product(range(kh), range(kw))))
        for i, j in product(range(h - kh + 1), range(wd - kw + 1))
    )


def grad_kernel_sums(x: Matrix, delta: Matrix) -> tuple[EntrySum, ...]:
    """Eq. weight gradient: ∂C/∂W[m,n] = Σ_{u,v} δ[u,v] · X[u+m, v+n]."""
    (h, wd), (dh, dw) = shape(x), shape(delta)
    return tuple(
        _sum((m, n), ((delta[i][j], x[i + m][j + n]) for i, j in product(range(dh), range(dw))))
        for m, n in product(range(h - dh + 1), range(wd - dw + 1))
    )


def grad_input_sums(w: Matrix, delta: Matrix, input_shape) -> tuple[EntrySum, ...]:
    """Eq. input gradient (scatter): ∂C/∂X[a,c] = Σ_{u,v} δ[u,v] · W[a−u, c−v], W zero outside."""
    (kh, kw), (dh, dw) = shape(w), shape(delta)
    h, wd = input_shape
    return tuple(
        _sum((a, c), ((delta[i][j], w[a - i][c - j]) for i, j in product(range(dh), range(dw))
                      if 0 <= a - i < kh and 0 <= c - j < kw))
        for a, c in product(range(h), range(wd))
    )


def check_chain(x: Matrix, kernels: tuple[Matrix, ...], target: Matrix) -> None:
    """UsageError unless the sizes are within the limits and every kernel fits its map."""
    h, wd = shape(x)
    if h > MAX_INPUT_SIDE or wd > MAX_INPUT_SIDE:
        raise UsageError(f"input is {h}×{wd}; at most {MAX_INPUT_SIDE}×{MAX_INPUT_SIDE} "
                         "is allowed")
    if not kernels:
        raise UsageError(f"no kernel given; give 1 to {MAX_KERNELS} kernels")
    if len(kernels) > MAX_KERNELS:
        raise UsageError(f"{len(kernels)} kernels given; at most {MAX_KERNELS} are allowed")
    for k, w in enumerate(kernels, start=1):
        kh, kw = shape(w)
        if kh > MAX_KERNEL_SIDE or kw > MAX_KERNEL_SIDE:
            raise UsageError(f"kernel {k} is {kh}×{kw}; at most "
                             f"{MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE} is allowed")
        if kh > h or kw > wd:
            what = "the input" if k == 1 else f"the output of kernel {k - 1}"
            raise UsageError(f"kernel {k} is {kh}×{kw} but {what} is {h}×{wd}; a valid "
                             "cross-correlation needs a kernel no larger than the map it slides "
                             "over")
        h, wd = h - kh + 1, wd - kw + 1
    if shape(target) != (1, 1) and shape(target) != (h, wd):
        th, tw = shape(target)
        raise UsageError(f"target is {th}×{tw} but the final output is {h}×{wd}; give one "
                         f"number or a {h}×{wd} matrix")


def work_chain(x: Matrix, kernels: tuple[Matrix, ...], target: Matrix) -> WorkedChain:
    """Forward through every kernel, C = Σ (Oᴸ − y)², then every gradient back to X."""
    kernels = tuple(kernels)
    check_chain(x, kernels, target)
    maps = [x]
    forwards = []
    for w in kernels:
        sums = forward_sums(maps[-1], w)
        h, wd = shape(maps[-1])
        maps.append(_as_matrix(sums, h - len(w) + 1, wd - len(w[0]) + 1))
        forwards.append(sums)
    out = maps[-1]
    rows, cols = shape(out)
    target_is_number = shape(target) == (1, 1) and (rows, cols) != (1, 1)
    y = tuple(tuple(target[0][0] for _ in range(cols)) for _ in range(rows)) \
        if target_is_number else target
    residual = tuple(tuple(out[i][j] - y[i][j] for j in range(cols)) for i in range(rows))
    cost = sum((r * r for row in residual for r in row), Fraction(0))
    # Eq. output gradient: ∂C/∂Oᴸ[u,v] = 2 (Oᴸ[u,v] − y[u,v]).
    delta = tuple(tuple(2 * r for r in row) for row in residual)
    layers: list[Layer] = []
    for k in range(len(kernels) - 1, -1, -1):
        w, before = kernels[k], maps[k]
        gk = grad_kernel_sums(before, delta)
        gi = grad_input_sums(w, delta, shape(before))
        layers.append(Layer(
            kernel=w, input_map=before, output_map=maps[k + 1], forward_sums=forwards[k],
            delta=delta, grad_kernel=_as_matrix(gk, *shape(w)), grad_kernel_sums=gk,
            grad_input_map=_as_matrix(gi, *shape(before)), grad_input_sums=gi,
        ))
        delta = layers[-1].grad_input_map
    return WorkedChain(input=x, target=y, target_is_number=target_is_number,
                       layers=tuple(reversed(layers)), residual=residual, cost=cost)
