"""Independent routes through a network, shared by the network tests (not a test module).

- `float_route`: the float engine (derivations/mathematics/conv2d.py) for convs, numpy
  loops written here for ReLU and pooling, the chain rule by hand, in float64;
- `loop_route`: the loop-by-definition conv2d (derivations/mathematics/conv2d_reference.py)
  on Fractions, loops for ReLU and pooling, the chain rule by hand, exactly;
- `networks`: a hypothesis strategy for small random networks whose layers fit.
Neither route shares code with derivations/mathematics/network.py.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
from hypothesis import strategies as st

from derivations.mathematics import conv2d as engine
from derivations.mathematics import conv2d_reference as reference
from derivations.mathematics.network import Conv, Network, Pool, ReLU

# The engine works in float64 on small fractions: agreement to rounding only, relative to
# the size of the numbers involved (absolute near zero).
ENGINE_RTOL, ENGINE_ATOL = 1e-9, 1e-9
# Rounding in float64 on these small fractions stays far below this; exact values that
# differ (kink or no kink, tie or no tie) differ by far more.
KINK = 1e-9
# Far below any distance between two distinct kinks of these small rational networks.
STEP = Fraction(1, 10**60)

VALUES = st.builds(Fraction, st.integers(-9, 9), st.integers(1, 4))


def tensor(draw, dims):
    if len(dims) == 1:
        return tuple(draw(VALUES) for _ in range(dims[0]))
    return tuple(tensor(draw, dims[1:]) for _ in range(dims[0]))


def spans(size, pad, k, d):
    return d * (k - 1) + 1 <= size + 2 * pad


@st.composite
def networks(draw, max_layers=4):
    """A random small network whose layers fit: conv first, then any of the four kinds."""
    c, h, w = draw(st.integers(1, 2)), draw(st.integers(2, 6)), draw(st.integers(2, 6))
    x = tensor(draw, (c, h, w))
    layers = []
    here = (c, h, w)
    for k in range(draw(st.integers(1, max_layers))):
        kind = "conv" if k == 0 else draw(st.sampled_from(("conv", "relu", "maxpool",
                                                            "avgpool")))
        if kind == "conv":
            pad = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
            dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            ks = []
            for axis in (0, 1):
                fits = [kk for kk in range(1, 4) if spans(here[1 + axis], pad[axis], kk,
                                                          dil[axis])]
                ks.append(draw(st.sampled_from(fits)))
            c_out = draw(st.integers(1, 2))
            weight = tensor(draw, (c_out, here[0], *ks))
            bias = tensor(draw, (c_out,)) if draw(st.booleans()) else None
            layer = Conv(weight, bias, (draw(st.integers(1, 2)), draw(st.integers(1, 2))),
                         pad, dil)
            out = (c_out,
                   len(range(0, here[1] + 2 * pad[0] - dil[0] * (ks[0] - 1), layer.stride[0])),
                   len(range(0, here[2] + 2 * pad[1] - dil[1] * (ks[1] - 1), layer.stride[1])))
            if max(out[1:]) > 12:
                break
        elif kind == "relu":
            layer, out = ReLU(), here
        else:
            kernel = (draw(st.integers(1, min(3, here[1]))), draw(st.integers(1, min(3, here[2]))))
            stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            layer = Pool(kind, kernel, stride)
            out = (here[0], (here[1] - kernel[0]) // stride[0] + 1,
                   (here[2] - kernel[1]) // stride[1] + 1)
        layers.append(layer)
        here = out
    loss = draw(st.sampled_from(("sse", "mse")))
    if draw(st.booleans()):
        return Network(x, tuple(layers), draw(VALUES), loss, 3, 0)
    return Network(x, tuple(layers), tensor(draw, here), loss, 3, 3)


# ---------------------------------------------------------------- route 1: the float engine


def _f(t):
    return np.array(t, dtype=np.float64)


def pool_windows(c, h, w, kernel, stride):
    for ch, i, j in product(range(c), range((h - kernel[0]) // stride[0] + 1),
                            range((w - kernel[1]) // stride[1] + 1)):
        yield (ch, i, j), [(i * stride[0] + m, j * stride[1] + n)
                           for m in range(kernel[0]) for n in range(kernel[1])]


def float_route(network):
    """Forward and backward in float64: the engine for convs, numpy loops for the rest."""
    maps = [_f(network.input)]
    for layer in network.layers:
        x = maps[-1]
        if isinstance(layer, Conv):
            y = engine.conv2d_forward(x[None], _f(layer.weight),
                                      None if layer.bias is None else _f(layer.bias),
                                      layer.stride, layer.padding, layer.dilation)[0]
        elif isinstance(layer, ReLU):
            y = np.maximum(x, 0.0)
        else:
            c, h, w = x.shape
            cells = dict(pool_windows(c, h, w, layer.kernel, layer.stride))
            out = (c, (h - layer.kernel[0]) // layer.stride[0] + 1,
                   (w - layer.kernel[1]) // layer.stride[1] + 1)
            y = np.zeros(out)
            for (ch, i, j), window in cells.items():
                values = [x[ch, r, q] for r, q in window]
                y[ch, i, j] = max(values) if layer.kind == "maxpool" else np.mean(values)
        maps.append(y)
    out = maps[-1]
    target = np.broadcast_to(_f(network.target), out.shape)
    scale = 1.0 / out.size if network.loss == "mse" else 1.0
    cost = scale * float(((out - target) ** 2).sum())
    delta = 2 * scale * (out - target)
    grads = {}
    for k in range(len(network.layers) - 1, -1, -1):
        layer, x = network.layers[k], maps[k]
        if isinstance(layer, Conv):
            g = engine.conv2d_backward(x[None], _f(layer.weight), delta[None], layer.stride,
                                       layer.padding, layer.dilation,
                                       with_bias=layer.bias is not None)
            grads[k] = (g.grad_weight, g.grad_bias)
            delta = g.grad_input[0]
        elif isinstance(layer, ReLU):
            # An exact 0 computes as ±1e-16 in floats: treat rounding-size values as the kink.
            delta = delta * (x > KINK)
        else:
            back = np.zeros_like(x)
            c, h, w = x.shape
            for (ch, i, j), window in pool_windows(c, h, w, layer.kernel, layer.stride):
                if layer.kind == "maxpool":
                    values = [x[ch, r, q] for r, q in window]
                    # the first maximum (PyTorch's ties), with rounding-size differences as ties
                    first = next(t for t, v in enumerate(values) if v >= max(values) - KINK)
                    r, q = window[first]
                    back[ch, r, q] += delta[ch, i, j]
                else:
                    for r, q in window:
                        back[ch, r, q] += delta[ch, i, j] / len(window)
            delta = back
    return maps[1:], cost, grads, delta


def close(actual, desired):
    actual, desired = _f(actual), np.asarray(desired, dtype=np.float64)
    assert actual.shape == desired.shape
    scale = max(1.0, float(np.abs(desired).max(initial=0.0)))
    np.testing.assert_allclose(actual, desired, rtol=ENGINE_RTOL, atol=ENGINE_ATOL * scale)


# ---------------------------------------------------------------- route 2: loops, exactly


def exact_nested(array):
    return [exact_nested(a) for a in array] if isinstance(array, list | np.ndarray) else array


def loop_route(network):
    """The reference conv2d on Fractions, loops for ReLU and pooling, the chain rule by hand."""
    maps = [[list(map(list, ch)) for ch in network.input]]
    for layer in network.layers:
        x = maps[-1]
        c, h, w = len(x), len(x[0]), len(x[0][0])
        if isinstance(layer, Conv):
            y = reference.conv2d_forward_reference([x], layer.weight, layer.bias, layer.stride,
                                                   layer.padding, layer.dilation)[0].tolist()
        elif isinstance(layer, ReLU):
            y = [[[v if v > 0 else Fraction(0) for v in row] for row in ch] for ch in x]
        else:
            out_h = (h - layer.kernel[0]) // layer.stride[0] + 1
            out_w = (w - layer.kernel[1]) // layer.stride[1] + 1
            y = [[[Fraction(0)] * out_w for _ in range(out_h)] for _ in range(c)]
            for (ch, i, j), window in pool_windows(c, h, w, layer.kernel, layer.stride):
                values = [x[ch][r][q] for r, q in window]
                y[ch][i][j] = max(values) if layer.kind == "maxpool" else \
                    sum(values, Fraction(0)) / len(values)
        maps.append(y)
    out = maps[-1]
    dims = (len(out), len(out[0]), len(out[0][0]))
    count = dims[0] * dims[1] * dims[2]
    y_at = (lambda ch, i, j: network.target) if network.target_rank == 0 else \
        (lambda ch, i, j: network.target[ch][i][j])
    scale = Fraction(1, count) if network.loss == "mse" else Fraction(1)
    cost = scale * sum(((out[ch][i][j] - y_at(ch, i, j)) ** 2
                        for ch, i, j in product(*map(range, dims))), Fraction(0))
    delta = [[[2 * scale * (out[ch][i][j] - y_at(ch, i, j)) for j in range(dims[2])]
              for i in range(dims[1])] for ch in range(dims[0])]
    grads = {}
    for k in range(len(network.layers) - 1, -1, -1):
        layer, x = network.layers[k], maps[k]
        c, h, w = len(x), len(x[0]), len(x[0][0])
        if isinstance(layer, Conv):
            g = reference.conv2d_backward_reference([x], layer.weight, [delta], layer.stride,
                                                    layer.padding, layer.dilation,
                                                    with_bias=layer.bias is not None)
            grads[k] = (g.grad_weight.tolist(),
                        None if g.grad_bias is None else g.grad_bias.tolist())
            delta = g.grad_input[0].tolist()
        elif isinstance(layer, ReLU):
            delta = [[[d if v > 0 else Fraction(0) for d, v in zip(drow, xrow, strict=True)]
                      for drow, xrow in zip(dch, xch, strict=True)]
                     for dch, xch in zip(delta, x, strict=True)]
        else:
            back = [[[Fraction(0)] * w for _ in range(h)] for _ in range(c)]
            for (ch, i, j), window in pool_windows(c, h, w, layer.kernel, layer.stride):
                if layer.kind == "maxpool":
                    best = window[0]
                    for r, q in window:  # a later entry wins only when strictly larger
                        if x[ch][r][q] > x[ch][best[0]][best[1]]:
                            best = (r, q)
                    back[ch][best[0]][best[1]] += delta[ch][i][j]
                else:
                    for r, q in window:
                        back[ch][r][q] += delta[ch][i][j] / len(window)
            delta = back
    return maps[1:], cost, grads, delta


def as_lists(t):
    return [as_lists(item) for item in t] if isinstance(t, tuple) else t


