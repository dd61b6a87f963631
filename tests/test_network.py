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
from network_routes import (
    STEP,
    as_lists,
    close,
    float_route,
    loop_route,
    networks,
)

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
                tensors = {"input": x, "delta": done.delta,
                           "weight": getattr(layer, "weight", None)}
                for factors, sources in zip(s.terms, s.sources, strict=True):
                    assert list(factors) == [at(tensors[name], index) for name, index in sources]
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
