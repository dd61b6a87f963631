"""A small CNN worked exactly: conv, ReLU, max and average pooling, an SSE or MSE cost.

Maps are (C, H, W) and a conv weight is (C_out, C_in, kH, kW), as in PyTorch (one example,
no batch axis). Indices count from zero. With X_pad the map zero-padded by p and δ = ∂C/∂Y:

    conv     Y[o,i,j] = b[o] + Σ_{c,m,l} W[o,c,m,l] · X_pad[c, i·s+m·d, j·s+l·d]
             ∂C/∂W[o,c,m,l] = Σ_{i,j} δ[o,i,j] · X_pad[c, i·s+m·d, j·s+l·d]
             ∂C/∂b[o] = Σ_{i,j} δ[o,i,j]
             ∂C/∂X[c,a,e] = Σ δ[o,i,j] · W[o,c,m,l] over every tap with
                            i·s+m·d−p = a and j·s+l·d−p = e (a scatter)
    relu     Y = max(X, 0);  ∂C/∂X = δ · 1[X > 0]        (PyTorch: the kink at 0 passes 0)
    maxpool  Y[c,i,j] = max of the window; ∂C/∂X adds δ[c,i,j] at the window's winner, the
             first maximum in row-major order (PyTorch's rule when entries tie)
    avgpool  Y[c,i,j] = (1/(kH·kW)) Σ window;  ∂C/∂X[c,a,e] = Σ δ[c,i,j] / (kH·kW) over the
             windows that contain (a, e)
    cost     sse: C = Σ (O − y)²,  δ = 2 (O − y);  mse: C = (1/N) Σ (O − y)²,  δ = (2/N)(O − y)
             with N the number of output entries.

Everything is exact (fractions.Fraction), and each entry keeps the terms of its sum, so a
formatter can write it out (derivations/render/network_format.py) without computing. Terms
that land on padding (W · 0) are left out of the sums: they add nothing. The indexing mirrors
derivations/mathematics/conv2d_reference.py, the loop-by-definition conv2d.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import product

from derivations.errors import UsageError
from derivations.worked_limits import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNELS,
    MAX_LAYERS,
    MAX_PADDING,
    MAX_PRODUCTS,
    MAX_STRIDE,
)

Pair = tuple[int, int]
Map = tuple[tuple[tuple[Fraction, ...], ...], ...]  # (C, H, W)
Weight = tuple[Map, ...]  # (C_out, C_in, kH, kW)
LOSSES = ("sse", "mse")


@dataclass(frozen=True)
class Conv:
    """A convolution layer (cross-correlation, PyTorch's conv2d) and how it was written."""

    weight: Weight
    bias: tuple[Fraction, ...] | None = None
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    weight_rank: int = 4  # 2 when the description gave one (kH, kW) kernel

    kind = "conv"


@dataclass(frozen=True)
class ReLU:
    kind = "relu"


@dataclass(frozen=True)
class Pool:
    """Max or average pooling over kernel-sized windows moved by stride (no padding)."""

    kind: str  # "maxpool" or "avgpool"
    kernel: Pair
    stride: Pair


Layer = Conv | ReLU | Pool


@dataclass(frozen=True)
class Network:
    """Input, layers in order, target (one number or the output's shape) and loss."""

    input: Map
    layers: tuple[Layer, ...]
    target: Map | Fraction
    loss: str = "sse"
    input_rank: int = 3  # 2 when the description gave an (H, W) input
    target_rank: int = 0  # 0 (one number), 2 (H, W) or 3 (C, H, W)


Source = tuple[str, tuple[int, ...]]  # ("weight", (o, c, m, l)): which entry a factor is


@dataclass(frozen=True)
class EntrySum:
    """One entry written out: value = scale · Σ_t Π terms[t] + offset.

    sources[t] names where each factor of term t comes from, as (tensor, index) with tensor
    one of "input" (the layer's input map), "weight", "delta" (δ at the layer's output) or
    "residual" (O − y), so a formatter can say which entry it prints.
    """

    index: tuple[int, ...]
    terms: tuple[tuple[Fraction, ...], ...]
    value: Fraction
    sources: tuple[tuple[Source, ...], ...] = ()
    scale: Fraction = Fraction(1)
    offset: Fraction | None = None  # the bias b[o], added after the products


@dataclass(frozen=True)
class Window:
    """One max-pooling window: its entries in row-major order and the one that wins."""

    index: tuple[int, int, int]
    cells: tuple[tuple[int, int], ...]
    values: tuple[Fraction, ...]
    winner: tuple[int, int]  # (row, column) in the map before the pool
    value: Fraction


@dataclass(frozen=True)
class LayerWork:
    """One layer, forward and backward, entry by entry.

    `delta` is ∂C/∂(this layer's output); `grad_input` is ∂C/∂(its input), i.e. the previous
    layer's delta (∂C/∂X for the first layer). Fields a layer kind does not have are None.
    """

    layer: Layer
    input_map: Map
    output_map: Map
    delta: Map
    grad_input: Map
    forward_sums: tuple[EntrySum, ...] | None = None  # conv and avgpool
    windows: tuple[Window, ...] | None = None  # maxpool
    grad_input_sums: tuple[EntrySum, ...] | None = None  # conv and the pools
    mask: Map | None = None  # relu: 1 where the input was > 0, else 0
    grad_weight: Weight | None = None
    grad_weight_sums: tuple[EntrySum, ...] | None = None
    grad_bias: tuple[Fraction, ...] | None = None
    grad_bias_sums: tuple[EntrySum, ...] | None = None


@dataclass(frozen=True)
class NetworkWork:
    """The whole network worked: every layer, the cost and δ at the output."""

    network: Network
    layers: tuple[LayerWork, ...]
    target: Map  # y at the output's shape (one number broadcast)
    residual: Map  # O − y
    cost_sum: EntrySum  # C = scale · Σ r·r
    output_delta_sums: tuple[EntrySum, ...]  # δ[c,i,j] = (2/N or 2) · r[c,i,j]

    @property
    def output(self) -> Map:
        return self.layers[-1].output_map if self.layers else self.network.input

    @property
    def cost(self) -> Fraction:
        return self.cost_sum.value

    @property
    def grad_input(self) -> Map:
        return self.layers[0].grad_input

    @property
    def deltas(self) -> tuple[Map, ...]:
        return tuple(layer.delta for layer in self.layers)


@dataclass(frozen=True)
class StepWork:
    """One gradient-descent step θ ← θ − η ∂C/∂θ on every weight and bias, and its cost."""

    rate: Fraction
    network: Network  # the updated network
    cost_before: Fraction
    cost_after: Fraction


def shape(tensor) -> tuple[int, ...]:
    """The shape of nested tuples, read along the first entries."""
    dims = []
    while isinstance(tensor, tuple):
        dims.append(len(tensor))
        tensor = tensor[0] if tensor else None
    return tuple(dims)


def flat(tensor) -> list[Fraction]:
    if isinstance(tensor, tuple):
        return [v for item in tensor for v in flat(item)]
    return [tensor]


def _nest(values: dict, dims) -> tuple:
    """{index: value} as nested tuples of the given shape."""
    def build(prefix):
        if len(prefix) == len(dims):
            return values[prefix]
        return tuple(build((*prefix, k)) for k in range(dims[len(prefix)]))
    return build(())


def _entry_sum(index, sourced, scale=Fraction(1), offset=None, common=None) -> EntrySum:
    """An EntrySum from (factors, sources) pairs.

    common maps a source tensor's name to (its entries as integers, their one denominator),
    see _common: then the sum of products is one integer sum over one denominator, with a
    single reduction at the end, instead of a reduction (a gcd of ever longer numbers) after
    every product and every addition.
    """
    sourced = tuple(sourced)
    terms = tuple(factors for factors, _ in sourced)
    wheres = tuple(where for _, where in sourced)
    if common is not None and wheres:
        total_int = 0
        for where in wheres:
            p = 1
            for name, at in where:
                p *= common[name][0][at]
            total_int += p
        den = 1
        for name, _ in wheres[0]:
            den *= common[name][1]
        total = Fraction(total_int, den)
    else:
        total = Fraction(0)
        for factors in terms:
            p = Fraction(1)
            for f in factors:
                p *= f
            total += p
    value = scale * total + (offset if offset is not None else 0)
    return EntrySum(index, terms, value, wheres, scale, offset)


def _common(tensor) -> tuple[dict, int]:
    """{index: numerator} over one common denominator (the lcm of the entries')."""
    cells = {index: _at(tensor, index) for index in product(*map(range, shape(tensor)))}
    den = math.lcm(*(v.denominator for v in cells.values()))
    return {index: v.numerator * (den // v.denominator) for index, v in cells.items()}, den


def _as_map(sums, dims) -> tuple:
    return _nest({s.index: s.value for s in sums}, dims)


def positions(size: int, pad: int, k: int, s: int, d: int) -> int:
    """Window starts 0, s, 2s, … whose last tap (start + d(k−1)) stays inside the padded map."""
    return len(range(0, size + 2 * pad - d * (k - 1), s))


def conv_output_shape(in_shape, conv: Conv) -> tuple[int, int, int]:
    (_, h, w), (c_out, _, kh, kw) = in_shape, shape(conv.weight)
    return (c_out, positions(h, conv.padding[0], kh, conv.stride[0], conv.dilation[0]),
            positions(w, conv.padding[1], kw, conv.stride[1], conv.dilation[1]))


def pool_output_shape(in_shape, pool: Pool) -> tuple[int, int, int]:
    """PyTorch's floor((H − k) / s) + 1 per axis (no padding, no ceil mode)."""
    c, h, w = in_shape
    return (c, (h - pool.kernel[0]) // pool.stride[0] + 1,
            (w - pool.kernel[1]) // pool.stride[1] + 1)


def output_shape(in_shape, layer: Layer) -> tuple[int, int, int]:
    if isinstance(layer, Conv):
        return conv_output_shape(in_shape, layer)
    if isinstance(layer, Pool):
        return pool_output_shape(in_shape, layer)
    return tuple(in_shape)


# ---------------------------------------------------------------- checks


def _size(dims) -> str:
    return "×".join(map(str, dims))


def _option_text(value: Pair) -> str:
    """An option as the description writes it: 2, or [2, 1] when the axes differ."""
    return str(value[0]) if value[0] == value[1] else f"[{value[0]}, {value[1]}]"


def conv_products(in_shape, conv: Conv) -> int:
    """How many products the conv's forward pass multiplies (padding taps included)."""
    c_out, h_out, w_out = conv_output_shape(in_shape, conv)
    _, c_in, kh, kw = shape(conv.weight)
    return c_out * h_out * w_out * c_in * kh * kw


def check_network(network: Network) -> None:
    """UsageError, naming the layer and field at fault, unless every layer fits its map and
    every size is within the limits of derivations/worked_limits.py."""
    here = shape(network.input)
    c, h, w = here
    if h > MAX_INPUT_SIDE or w > MAX_INPUT_SIDE:
        raise UsageError(f"input: is {_size(here[1:])}; at most "
                         f"{MAX_INPUT_SIDE}×{MAX_INPUT_SIDE} is allowed")
    if c > MAX_CHANNELS:
        raise UsageError(f"input: has {c} channels; at most {MAX_CHANNELS} are allowed")
    if network.loss not in LOSSES:
        raise UsageError(f'loss: got "{network.loss}"; give "sse" or "mse"')
    if not network.layers:
        raise UsageError(f"layers: empty; give 1 to {MAX_LAYERS} layers, at least one conv")
    if len(network.layers) > MAX_LAYERS:
        raise UsageError(f"layers: {len(network.layers)} given; at most {MAX_LAYERS} are allowed")
    convs = [k for k, layer in enumerate(network.layers) if isinstance(layer, Conv)]
    if not convs:
        raise UsageError('layers: no "conv" layer; a network needs at least one convolution')
    if len(convs) > MAX_KERNELS:
        raise UsageError(f"layers: {len(convs)} conv layers; at most {MAX_KERNELS} are allowed")
    products_total = 0
    for k, layer in enumerate(network.layers):
        where = f"layers[{k}] ({layer.kind})"
        if isinstance(layer, Conv):
            _check_conv(layer, here, where)
            products_total += conv_products(here, layer)
        elif isinstance(layer, Pool):
            _check_pool(layer, here, where)
        here = output_shape(here, layer)
        if here[1] > MAX_INPUT_SIDE or here[2] > MAX_INPUT_SIDE:
            raise UsageError(f"{where}: its output is {_size(here[1:])}; every map is at most "
                             f"{MAX_INPUT_SIDE}×{MAX_INPUT_SIDE}, so use less padding")
    if products_total > MAX_PRODUCTS:
        raise UsageError(f"layers: the forward pass multiplies {products_total} products; at "
                         f"most {MAX_PRODUCTS} are allowed, so use fewer channels, smaller "
                         "maps or smaller kernels")
    _check_target(network, here)


def _check_conv(conv: Conv, here, where: str) -> None:
    c_out, c_in, kh, kw = shape(conv.weight)
    if kh > MAX_KERNEL_SIDE or kw > MAX_KERNEL_SIDE:
        raise UsageError(f"{where} weight: kernel is {kh}×{kw}; at most "
                         f"{MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE} is allowed")
    if c_out > MAX_CHANNELS:
        raise UsageError(f"{where} weight: has {c_out} output channels (axis 0); at most "
                         f"{MAX_CHANNELS} are allowed")
    if c_in != here[0]:
        raise UsageError(f"{where} weight: expects {c_in} input channel"
                         f"{'s' if c_in != 1 else ''} (axis 1) but the map it meets has "
                         f"{here[0]}; they must be equal")
    if conv.bias is not None and len(conv.bias) != c_out:
        raise UsageError(f"{where} bias: has {len(conv.bias)} entr"
                         f"{'ies' if len(conv.bias) != 1 else 'y'}; give one per output "
                         f"channel, {c_out}")
    for name, value, low, high in (("stride", conv.stride, 1, MAX_STRIDE),
                                   ("padding", conv.padding, 0, MAX_PADDING),
                                   ("dilation", conv.dilation, 1, MAX_DILATION)):
        _check_option(where, name, value, low, high)
    (ph, pw), (dh, dw) = conv.padding, conv.dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    padded = (here[1] + 2 * ph, here[2] + 2 * pw)
    if span[0] > padded[0] or span[1] > padded[1]:
        size = f"is {kh}×{kw}" if (dh, dw) == (1, 1) else \
            f"{kh}×{kw} with dilation {_option_text(conv.dilation)} spans {_size(span)}"
        with_padding = "" if (ph, pw) == (0, 0) else \
            f" ({_size(padded)} with padding {_option_text(conv.padding)})"
        raise UsageError(f"{where} weight: kernel {size} but the map it meets is "
                         f"{_size(here[1:])}{with_padding}; a kernel must fit inside the "
                         "padded map")


def _check_option(where, name, value, low, high) -> None:
    for item in value:
        if not low <= item <= high:
            raise UsageError(f"{where} {name}: got {item}; give an integer from {low} to "
                             f"{high}, or a pair [h, w] of them")


def _check_pool(pool: Pool, here, where: str) -> None:
    _check_option(where, "kernel", pool.kernel, 1, MAX_KERNEL_SIDE)
    _check_option(where, "stride", pool.stride, 1, MAX_STRIDE)
    kh, kw = pool.kernel
    if kh > here[1] or kw > here[2]:
        raise UsageError(f"{where} kernel: a {kh}×{kw} window does not fit the "
                         f"{_size(here[1:])} map it meets; a pooling window must lie inside "
                         "the map")


def _check_target(network: Network, out_shape) -> None:
    if network.target_rank == 0:
        return
    given = shape(network.target)
    if given != tuple(out_shape):
        given = given[1:] if network.target_rank == 2 else given
        want = f"{_size(out_shape[1:])} (one channel)" if out_shape[0] == 1 else \
            f"{out_shape[0]} channels of {_size(out_shape[1:])}"
        raise UsageError(f"target: is {_size(given)} but the output is {want}; give one "
                         "number or an array of the output's shape")


# ---------------------------------------------------------------- forward and backward


def conv_forward(x: Map, conv: Conv) -> tuple[tuple[EntrySum, ...], Map]:
    """Y[o,i,j] = b[o] + Σ_{c,m,l} W[o,c,m,l] · X_pad[c, i·s+m·d, j·s+l·d], padding left out."""
    (c_in, h, w), (_, _, kh, kw) = shape(x), shape(conv.weight)
    (sh, sw), (ph, pw), (dh, dw) = conv.stride, conv.padding, conv.dilation
    out = conv_output_shape(shape(x), conv)
    common = {"weight": _common(conv.weight), "input": _common(x)}
    sums = []
    for o, i, j in product(range(out[0]), range(out[1]), range(out[2])):
        terms = []
        for c, m, n in product(range(c_in), range(kh), range(kw)):
            r, q = i * sh + m * dh - ph, j * sw + n * dw - pw
            if 0 <= r < h and 0 <= q < w:
                terms.append(((conv.weight[o][c][m][n], x[c][r][q]),
                              (("weight", (o, c, m, n)), ("input", (c, r, q)))))
        sums.append(_entry_sum((o, i, j), terms,
                               offset=conv.bias[o] if conv.bias is not None else None,
                               common=common))
    return tuple(sums), _as_map(sums, out)


def conv_backward(x: Map, conv: Conv, delta: Map):
    """∂C/∂W, ∂C/∂b and ∂C/∂X of one conv, each entry as the sum of its terms."""
    (c_in, h, w), (c_out, _, kh, kw) = shape(x), shape(conv.weight)
    (sh, sw), (ph, pw), (dh, dw) = conv.stride, conv.padding, conv.dilation
    _, h_out, w_out = shape(delta)
    common = {"weight": _common(conv.weight), "input": _common(x), "delta": _common(delta)}
    weight_sums = []
    for o, c, m, n in product(range(c_out), range(c_in), range(kh), range(kw)):
        terms = []
        for i, j in product(range(h_out), range(w_out)):
            r, q = i * sh + m * dh - ph, j * sw + n * dw - pw
            if 0 <= r < h and 0 <= q < w:
                terms.append(((delta[o][i][j], x[c][r][q]),
                              (("delta", (o, i, j)), ("input", (c, r, q)))))
        weight_sums.append(_entry_sum((o, c, m, n), terms, common=common))
    bias_sums = None
    if conv.bias is not None:
        bias_sums = tuple(
            _entry_sum((o,), (((delta[o][i][j],), (("delta", (o, i, j)),))
                              for i, j in product(range(h_out), range(w_out))), common=common)
            for o in range(c_out))
    # Scatter: each output's δ goes back through every tap of its window to the entry it read.
    reached: dict[tuple[int, int, int], list] = {
        index: [] for index in product(range(c_in), range(h), range(w))}
    for o, i, j in product(range(c_out), range(h_out), range(w_out)):
        for c, m, n in product(range(c_in), range(kh), range(kw)):
            r, q = i * sh + m * dh - ph, j * sw + n * dw - pw
            if 0 <= r < h and 0 <= q < w:
                reached[(c, r, q)].append(((delta[o][i][j], conv.weight[o][c][m][n]),
                                           (("delta", (o, i, j)), ("weight", (o, c, m, n)))))
    input_sums = tuple(_entry_sum(index, terms, common=common)
                       for index, terms in reached.items())
    return (tuple(weight_sums), bias_sums, input_sums)


def relu_forward(x: Map) -> tuple[Map, Map]:
    """Y = max(X, 0) and the mask 1[X > 0] (0 at X = 0, as PyTorch)."""
    mask = tuple(tuple(tuple(Fraction(1) if v > 0 else Fraction(0) for v in row) for row in ch)
                 for ch in x)
    out = tuple(tuple(tuple(v if v > 0 else Fraction(0) for v in row) for row in ch) for ch in x)
    return out, mask


def _windows(pool: Pool, in_shape):
    c, _, _ = in_shape
    _, h_out, w_out = pool_output_shape(in_shape, pool)
    (kh, kw), (sh, sw) = pool.kernel, pool.stride
    for ch, i, j in product(range(c), range(h_out), range(w_out)):
        yield (ch, i, j), tuple((i * sh + m, j * sw + n) for m, n in product(range(kh),
                                                                             range(kw)))


def maxpool_forward(x: Map, pool: Pool) -> tuple[tuple[Window, ...], Map]:
    """Y[c,i,j] = max of window (i, j); the winner is its first maximum in row-major order."""
    windows = []
    for index, cells in _windows(pool, shape(x)):
        ch = index[0]
        values = tuple(x[ch][r][q] for r, q in cells)
        best = 0
        for t in range(1, len(values)):
            if values[t] > values[best]:  # strictly greater: a tie keeps the earlier entry
                best = t
        windows.append(Window(index, cells, values, cells[best], values[best]))
    out = _nest({win.index: win.value for win in windows}, pool_output_shape(shape(x), pool))
    return tuple(windows), out


def maxpool_backward(x: Map, windows: tuple[Window, ...], delta: Map) -> tuple[EntrySum, ...]:
    """∂C/∂X[c,a,e] = Σ δ[c,i,j] over the windows that (a, e) won (0 if it won none)."""
    reached: dict[tuple[int, int, int], list] = {index: [] for index in product(*map(range,
                                                                                    shape(x)))}
    for win in windows:
        ch, i, j = win.index
        reached[(ch, *win.winner)].append(((delta[ch][i][j],), (("delta", win.index),)))
    common = {"delta": _common(delta)}
    return tuple(_entry_sum(index, terms, common=common) for index, terms in reached.items())


def avgpool_forward(x: Map, pool: Pool) -> tuple[tuple[EntrySum, ...], Map]:
    """Y[c,i,j] = (1/(kH·kW)) Σ over window (i, j)."""
    scale = Fraction(1, pool.kernel[0] * pool.kernel[1])
    common = {"input": _common(x)}
    sums = tuple(_entry_sum(index, (((x[index[0]][r][q],), (("input", (index[0], r, q)),))
                                    for r, q in cells), scale, common=common)
                 for index, cells in _windows(pool, shape(x)))
    return sums, _as_map(sums, pool_output_shape(shape(x), pool))


def avgpool_backward(x: Map, pool: Pool, delta: Map) -> tuple[EntrySum, ...]:
    """∂C/∂X[c,a,e] = (1/(kH·kW)) Σ δ[c,i,j] over the windows that contain (a, e)."""
    scale = Fraction(1, pool.kernel[0] * pool.kernel[1])
    reached: dict[tuple[int, int, int], list] = {index: [] for index in product(*map(range,
                                                                                    shape(x)))}
    for (ch, i, j), cells in _windows(pool, shape(x)):
        for r, q in cells:
            reached[(ch, r, q)].append(((delta[ch][i][j],), (("delta", (ch, i, j)),)))
    common = {"delta": _common(delta)}
    return tuple(_entry_sum(index, terms, scale, common=common)
                 for index, terms in reached.items())


def forward_maps(network: Network) -> tuple[Map, ...]:
    """Every layer's output, in order (no sums kept): for the cost after a step."""
    maps = [network.input]
    for layer in network.layers:
        if isinstance(layer, Conv):
            maps.append(conv_forward(maps[-1], layer)[1])
        elif isinstance(layer, ReLU):
            maps.append(relu_forward(maps[-1])[0])
        elif layer.kind == "maxpool":
            maps.append(maxpool_forward(maps[-1], layer)[1])
        else:
            maps.append(avgpool_forward(maps[-1], layer)[1])
    return tuple(maps[1:])


def target_map(network: Network, out_shape) -> Map:
    if network.target_rank == 0:
        return _nest({index: network.target for index in product(*map(range, out_shape))},
                     out_shape)
    return network.target


def _loss(network: Network, out: Map):
    """The cost as scale · Σ r·r, and δ at the output, entry by entry."""
    dims = shape(out)
    y = target_map(network, dims)
    residual = tuple(tuple(tuple(o - t for o, t in zip(orow, trow, strict=True))
                           for orow, trow in zip(och, tch, strict=True))
                     for och, tch in zip(out, y, strict=True))
    count = dims[0] * dims[1] * dims[2]
    scale = Fraction(1, count) if network.loss == "mse" else Fraction(1)
    cells = tuple(product(*map(range, dims)))
    cost = _entry_sum((), (((_at(residual, index),) * 2, (("residual", index),) * 2)
                           for index in cells), scale, common={"residual": _common(residual)})
    delta_sums = tuple(_entry_sum(index, (((_at(residual, index),), (("residual", index),)),),
                                  2 * scale) for index in cells)
    return y, residual, cost, delta_sums


def work_network(network: Network) -> NetworkWork:
    """Forward through every layer, the cost, then δ back through every layer to the input."""
    check_network(network)
    maps = [network.input]
    forward: list[dict] = []
    for layer in network.layers:
        x = maps[-1]
        if isinstance(layer, Conv):
            sums, out = conv_forward(x, layer)
            forward.append({"forward_sums": sums})
        elif isinstance(layer, ReLU):
            out, mask = relu_forward(x)
            forward.append({"mask": mask})
        elif layer.kind == "maxpool":
            windows, out = maxpool_forward(x, layer)
            forward.append({"windows": windows})
        else:
            sums, out = avgpool_forward(x, layer)
            forward.append({"forward_sums": sums})
        maps.append(out)
    y, residual, cost, delta_sums = _loss(network, maps[-1])
    delta = _as_map(delta_sums, shape(maps[-1]))
    worked: list[LayerWork] = []
    for k in range(len(network.layers) - 1, -1, -1):
        layer, x, fields = network.layers[k], maps[k], dict(forward[k])
        if isinstance(layer, Conv):
            weight_sums, bias_sums, input_sums = conv_backward(x, layer, delta)
            fields.update(
                grad_weight=_as_map(weight_sums, shape(layer.weight)),
                grad_weight_sums=weight_sums, grad_input_sums=input_sums,
                grad_bias=None if bias_sums is None else tuple(s.value for s in bias_sums),
                grad_bias_sums=bias_sums)
            grad = _as_map(input_sums, shape(x))
        elif isinstance(layer, ReLU):
            mask = fields["mask"]
            grad = tuple(tuple(tuple(d * f for d, f in zip(drow, frow, strict=True))
                               for drow, frow in zip(dch, fch, strict=True))
                         for dch, fch in zip(delta, mask, strict=True))
        elif layer.kind == "maxpool":
            input_sums = maxpool_backward(x, fields["windows"], delta)
            fields["grad_input_sums"] = input_sums
            grad = _as_map(input_sums, shape(x))
        else:
            input_sums = avgpool_backward(x, layer, delta)
            fields["grad_input_sums"] = input_sums
            grad = _as_map(input_sums, shape(x))
        worked.append(LayerWork(layer=layer, input_map=x, output_map=maps[k + 1], delta=delta,
                                grad_input=grad, **fields))
        delta = grad
    return NetworkWork(network=network, layers=tuple(reversed(worked)), target=y,
                       residual=residual, cost_sum=cost, output_delta_sums=delta_sums)


def cost_of(network: Network) -> Fraction:
    """C for the network's current parameters (forward pass only)."""
    return _loss(network, forward_maps(network)[-1])[2].value


def gradient_step(work: NetworkWork, rate: Fraction) -> StepWork:
    """θ ← θ − η · ∂C/∂θ for every weight and bias, then the cost again."""
    layers = []
    for done in work.layers:
        layer = done.layer
        if isinstance(layer, Conv):
            weight = _nest({index: _at(layer.weight, index) - rate * _at(done.grad_weight, index)
                            for index in product(*map(range, shape(layer.weight)))},
                           shape(layer.weight))
            bias = None if layer.bias is None else tuple(
                b - rate * g for b, g in zip(layer.bias, done.grad_bias, strict=True))
            layer = replace(layer, weight=weight, bias=bias)
        layers.append(layer)
    updated = replace(work.network, layers=tuple(layers))
    return StepWork(rate=rate, network=updated, cost_before=work.cost,
                    cost_after=cost_of(updated))


def _at(tensor, index):
    for k in index:
        tensor = tensor[k]
    return tensor
