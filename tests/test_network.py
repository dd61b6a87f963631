"""A whole network worked exactly: every map, the cost and every gradient, by three routes.

Oracles, none sharing code with derivations/mathematics/network.py:
- the float engine (derivations/mathematics/conv2d.py) with numpy ReLU and pooling written
  here, in float64: agreement to rounding;
- the loop-by-definition conv2d (derivations/mathematics/conv2d_reference.py) on Fractions,
  with ReLU and pooling loops written here and the chain rule applied by hand: exact;
- exact one-sided differences of the cost. C is piecewise quadratic in any single input,
  weight or bias (each map is piecewise linear in it), so on a piece
  (−3C(θ) + 4C(θ+h) − C(θ+2h)) / 2h is the right derivative exactly, and the mirror
  formula the left one; where the two agree, the gradient must equal them.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.mathematics import conv2d as engine
from derivations.mathematics import conv2d_reference as reference
from derivations.mathematics.network import (
    Conv,
    Network,
    Pool,
    ReLU,
    cost_of,
    gradient_step,
    shape,
    work_network,
)

# The engine works in float64 on small fractions: agreement to rounding only, relative to
# the size of the numbers involved (absolute near zero).
ENGINE_RTOL, ENGINE_ATOL = 1e-9, 1e-9
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
            delta = delta * (x > 0)
        else:
            back = np.zeros_like(x)
            c, h, w = x.shape
            for (ch, i, j), window in pool_windows(c, h, w, layer.kernel, layer.stride):
                if layer.kind == "maxpool":
                    values = [x[ch, r, q] for r, q in window]
                    r, q = window[int(np.argmax(values))]  # first maximum (PyTorch's ties)
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_every_map_cost_and_gradient_agree_with_the_float_engine(network):
    work = work_network(network)
    maps, cost, grads, grad_input = float_route(network)
    for done, expected in zip(work.layers, maps, strict=True):
        close(done.output_map, expected)
    close(work.cost, cost)
    close(work.grad_input, grad_input)
    for k, (grad_weight, grad_bias) in grads.items():
        close(work.layers[k].grad_weight, grad_weight)
        if grad_bias is None:
            assert work.layers[k].grad_bias is None
        else:
            close(work.layers[k].grad_bias, grad_bias)


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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_every_map_cost_and_gradient_equal_the_loop_route_exactly(network):
    work = work_network(network)
    maps, cost, grads, grad_input = loop_route(network)
    assert [as_lists(d.output_map) for d in work.layers] == maps
    assert work.cost == cost
    assert as_lists(work.grad_input) == grad_input
    for k, (grad_weight, grad_bias) in grads.items():
        assert as_lists(work.layers[k].grad_weight) == grad_weight
        assert (None if work.layers[k].grad_bias is None
                else list(work.layers[k].grad_bias)) == grad_bias


# ---------------------------------------------------------------- route 3: differences


def replaced(t, index, value):
    if not index:
        return value
    return tuple(replaced(item, index[1:], value) if k == index[0] else item
                 for k, item in enumerate(t))


def at(t, index):
    for k in index:
        t = t[k]
    return t


def parameters(network):
    """(name, getter-free path, rebuild) for every input entry, weight and bias."""
    from dataclasses import replace

    found = []
    for index in product(*map(range, shape(network.input))):
        found.append((("input", index), at(network.input, index),
                      lambda v, index=index: replace(network, input=replaced(network.input,
                                                                             index, v))))
    for k, layer in enumerate(network.layers):
        if not isinstance(layer, Conv):
            continue
        for field in ("weight", "bias"):
            values = getattr(layer, field)
            if values is None:
                continue
            for index in product(*map(range, shape(values))):
                def rebuild(v, k=k, field=field, index=index, layer=layer):
                    new = replace(layer, **{field: replaced(getattr(layer, field), index, v)})
                    return replace(network, layers=(*network.layers[:k], new,
                                                    *network.layers[k + 1:]))
                found.append(((k, field, index), at(values, index), rebuild))
    return found


def gradient_at(work, name):
    if name[0] == "input":
        return at(work.grad_input, name[1])
    k, field, index = name
    return at(work.layers[k].grad_weight if field == "weight" else work.layers[k].grad_bias,
              index)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_layers=3), st.randoms(use_true_random=False))
def test_gradients_equal_exact_one_sided_differences_where_the_cost_is_smooth(network, rng):
    work = work_network(network)
    chosen = parameters(network)
    rng.shuffle(chosen)
    for name, value, rebuild in chosen[:10]:
        c0 = work.cost
        right = (-3 * c0 + 4 * cost_of(rebuild(value + STEP))
                 - cost_of(rebuild(value + 2 * STEP))) / (2 * STEP)
        left = (3 * c0 - 4 * cost_of(rebuild(value - STEP))
                + cost_of(rebuild(value - 2 * STEP))) / (2 * STEP)
        if left == right:
            assert gradient_at(work, name) == right, name


def test_the_difference_oracle_can_fail():
    """A wrong gradient (the SSE one on an MSE network) differs from the differences."""
    x = ((tuple(map(Fraction, (1, 2, 3))), tuple(map(Fraction, (0, -1, 2)))),)
    w = (((tuple(map(Fraction, (1, -1))),),),)
    network = Network(x, (Conv(w),), Fraction(1), "mse")
    sse = work_network(Network(x, (Conv(w),), Fraction(1), "sse"))
    rebuild = parameters(network)[0][2]
    right = (-3 * cost_of(network) + 4 * cost_of(rebuild(1 + STEP))
             - cost_of(rebuild(1 + 2 * STEP))) / (2 * STEP)
    assert right == work_network(network).grad_input[0][0][0] != sse.grad_input[0][0][0]


# ---------------------------------------------------------------- the written sums


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_each_written_sum_adds_up_and_holds_exactly_the_terms_of_the_definition(network):
    """The formatter writes sums from their terms: each term list must be the definition's."""
    work = work_network(network)
    for done in work.layers:
        layer, x = done.layer, done.input_map
        for sums in (done.forward_sums, done.grad_input_sums, done.grad_weight_sums,
                     done.grad_bias_sums):
            for s in sums or ():
                total = sum((np.prod(t, dtype=object) for t in s.terms), Fraction(0))
                assert s.scale * total + (s.offset or 0) == s.value
        if not isinstance(layer, Conv):
            continue
        (c_in, h, w), (_, _, kh, kw) = shape(x), shape(layer.weight)
        (sh, sw), (ph, pw), (dh, dw) = layer.stride, layer.padding, layer.dilation
        expected_forward, expected_weight, expected_input = {}, {}, {}
        for o, i, j in product(*map(range, shape(done.output_map))):
            for c, m, n in product(range(c_in), range(kh), range(kw)):
                r, q = i * sh + m * dh - ph, j * sw + n * dw - pw
                if 0 <= r < h and 0 <= q < w:
                    expected_forward.setdefault((o, i, j), []).append(
                        (layer.weight[o][c][m][n], x[c][r][q]))
                    expected_weight.setdefault((o, c, m, n), []).append(
                        (done.delta[o][i][j], x[c][r][q]))
                    expected_input.setdefault((c, r, q), []).append(
                        (done.delta[o][i][j], layer.weight[o][c][m][n]))
        for sums, expected in ((done.forward_sums, expected_forward),
                               (done.grad_weight_sums, expected_weight),
                               (done.grad_input_sums, expected_input)):
            assert {s.index: sorted(s.terms) for s in sums if s.terms} == \
                {index: sorted(terms) for index, terms in expected.items()}


def test_max_pooling_ties_send_the_gradient_to_the_first_maximum_in_reading_order():
    """PyTorch's rule (checked against torch in tests/test_network_pytorch.py)."""
    x = ((tuple(map(Fraction, (1, 3, 3))), tuple(map(Fraction, (3, 0, 1))),
          tuple(map(Fraction, (2, 3, 3)))),)
    one = ((((Fraction(1),),),),)
    network = Network(x, (Conv(one), Pool("maxpool", (2, 2), (1, 1))), Fraction(0))
    work = work_network(network)
    # windows (reading order of each): [1 3; 3 0] -> (0,1); [3 3; 0 1] -> (0,1);
    # [3 0; 2 3] -> (1,0); [0 1; 3 3] -> (2,1); δ at the output is 2·3 = 6 everywhere
    assert [w.winner for w in work.layers[1].windows] == [(0, 1), (0, 1), (1, 0), (2, 1)]
    assert as_lists(work.grad_input) == [[[0, 12, 0], [6, 0, 0], [0, 6, 0]]]


def test_relu_passes_nothing_at_exactly_zero():
    x = ((tuple(map(Fraction, (0, 2, -1))),),)
    one = ((((Fraction(1),),),),)
    work = work_network(Network(x, (Conv(one), ReLU()), Fraction(1)))
    # δ at the ReLU's output: 2(max(v, 0) − 1) = (−2, 2, −2); passed only where v > 0
    assert as_lists(work.grad_input) == [[[0, 2, 0]]]


def test_mse_divides_the_cost_and_delta_by_the_number_of_output_entries():
    x = ((tuple(map(Fraction, (1, 2, 3, 4))),),)
    one = ((((Fraction(1),),),),)
    sse = work_network(Network(x, (Conv(one),), Fraction(0), "sse"))
    mse = work_network(Network(x, (Conv(one),), Fraction(0), "mse"))
    assert sse.cost == 1 + 4 + 9 + 16 and mse.cost == sse.cost / 4
    assert as_lists(mse.grad_input) == [[[Fraction(1, 2), 1, Fraction(3, 2), 2]]]


@pytest.mark.parametrize("rate, falls", [(Fraction(1, 100), True), (Fraction(1), False)])
def test_one_gradient_step_changes_the_cost_as_the_rate_says(rate, falls):
    x = ((tuple(map(Fraction, (1, 2, 0))), tuple(map(Fraction, (-1, 3, 1)))),)
    w = (((tuple(map(Fraction, (1, -1))), tuple(map(Fraction, (2, 1)))),),)
    network = Network(x, (Conv(w, (Fraction(1, 2),)),), Fraction(3))
    work = work_network(network)
    step = gradient_step(work, rate)
    new = step.network.layers[0]
    assert new.weight[0][0][0][0] == w[0][0][0][0] - rate * work.layers[0].grad_weight[0][0][0][0]
    assert new.bias[0] == Fraction(1, 2) - rate * work.layers[0].grad_bias[0]
    # the new cost by the loop route, independently of the step's own forward pass
    assert step.cost_after == loop_route(step.network)[1]
    assert (step.cost_after < step.cost_before) is falls
