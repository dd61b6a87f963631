"""The blocked stride-1 grouped path (mathematics/conv2d_blocked.py) against the loop twin.

On integer inputs every sum is exact in float64 whatever its order, so the blocked engine
must equal the loop-by-definition reference to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.mathematics import conv2d
from derivations.mathematics.conv2d import (
    conv2d_backward,
    conv2d_forward,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
)
from derivations.mathematics.conv2d_blocked import (
    blocked_forward,
    blocked_grad_input,
    blocked_grad_weight,
)
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
    conv_transpose2d_backward_reference,
    conv_transpose2d_forward_reference,
)


def integers(rng, shape) -> np.ndarray:
    return rng.integers(-4, 5, shape).astype(np.float64)


def output_size(hw, k, p, d) -> tuple[int, int]:
    """Stride 1, written out here: H_out = H + 2p − d(k − 1)."""
    return tuple(hw[a] + 2 * p[a] - d[a] * (k[a] - 1) for a in (0, 1))


def assert_equal_to_reference(x, w, delta, p, d, groups):
    want_y = conv2d_forward_reference(x, w, None, 1, p, d, groups).astype(float)
    want = conv2d_backward_reference(x, w, delta, 1, p, d, groups=groups)
    out_hw = delta.shape[2:]
    got_y = blocked_forward(x, w, p, d, groups, out_hw)
    assert got_y.shape == want_y.shape
    np.testing.assert_array_equal(got_y, want_y)
    got_gw = blocked_grad_weight(x, delta, w.shape[2:], p, d, groups)
    assert got_gw.shape == w.shape
    np.testing.assert_array_equal(got_gw, want.grad_weight.astype(float))
    got_gx = blocked_grad_input(w, delta, x.shape, p, d, groups)
    assert got_gx.shape == x.shape
    np.testing.assert_array_equal(got_gx, want.grad_input.astype(float))


@pytest.mark.parametrize("n, c_in, multiplier, groups, hw, k, p, d", [
    (2, 3, 2, 3, (6, 5), (3, 3), (1, 1), (1, 1)),   # depthwise, two filters per channel
    (1, 4, 1, 4, (7, 4), (3, 2), (2, 0), (2, 1)),   # depthwise, padding and dilation
    (2, 4, 3, 2, (5, 6), (2, 3), (0, 1), (1, 2)),   # two groups of two channels each
    (1, 2, 1, 2, (1, 1), (1, 1), (0, 0), (1, 1)),   # one pixel, one tap
    (1, 2, 2, 2, (2, 3), (3, 3), (1, 1), (1, 1)),   # kernel larger than the input
])
def test_blocked_path_equals_the_loop_twin(n, c_in, multiplier, groups, hw, k, p, d):
    rng = np.random.default_rng(sum(hw) + c_in)
    c_out = c_in * multiplier
    x, w = integers(rng, (n, c_in, *hw)), integers(rng, (c_out, c_in // groups, *k))
    delta = integers(rng, (n, c_out, *output_size(hw, k, p, d)))
    assert_equal_to_reference(x, w, delta, p, d, groups)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_blocked_layers_equal_the_loop_twin(data):
    draw = data.draw
    groups, n = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 3))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    hw = tuple(draw(st.integers(max(1, d[a] * (k[a] - 1) + 1 - 2 * p[a]), 7)) for a in (0, 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x, w = integers(rng, (n, c_in, *hw)), integers(rng, (c_out, c_in // groups, *k))
    delta = integers(rng, (n, c_out, *output_size(hw, k, p, d)))
    assert_equal_to_reference(x, w, delta, p, d, groups)


@pytest.fixture
def blocked_calls(monkeypatch):
    """Names of the blocked functions that conv2d.py called: the cases below must reach them."""
    called = []
    for name in ("blocked_forward", "blocked_grad_weight", "blocked_grad_input"):
        function = getattr(conv2d, name)

        def spy(*args, _function=function, _name=name):
            called.append(_name)
            return _function(*args)
        monkeypatch.setattr(conv2d, name, spy)
    return called


def test_depthwise_layer_through_the_public_functions(blocked_calls):
    """conv2d_forward/backward with 2 filters per group, stride 1 and 23×23 = 529 outputs per
    channel (the blocked path) equal the loop twin."""
    rng = np.random.default_rng(13)
    x, w, bias = integers(rng, (2, 3, 23, 23)), integers(rng, (6, 1, 3, 3)), integers(rng, (6,))
    delta = integers(rng, (2, 6, 23, 23))
    np.testing.assert_array_equal(conv2d_forward(x, w, bias, padding=1, groups=3),
                                  conv2d_forward_reference(x, w, bias, 1, 1, 1, 3).astype(float))
    got = conv2d_backward(x, w, delta, padding=1, with_bias=True, groups=3)
    want = conv2d_backward_reference(x, w, delta, 1, 1, 1, with_bias=True, groups=3)
    for name in ("grad_input", "grad_weight", "grad_bias"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name).astype(float))
    assert blocked_calls == ["blocked_forward", "blocked_grad_weight", "blocked_grad_input"]


def test_transposed_output_padding_rows_that_no_window_reaches(blocked_calls):
    """Stride 1, dilation 2, output_padding 1: the extra output row and column are in no
    window of the convolution this layer transposes, so the blocked path must leave them out
    of ∂C/∂X and ∂C/∂W and give them only the bias in Y."""
    rng = np.random.default_rng(5)
    hyper = {"stride": 1, "padding": (1, 0), "output_padding": 1, "dilation": 2, "groups": 2}
    x, w, bias = integers(rng, (1, 4, 22, 24)), integers(rng, (4, 1, 2, 3)), integers(rng, (2,))
    want_y = conv_transpose2d_forward_reference(x, w, bias, **hyper).astype(float)
    got_y = conv_transpose2d_forward(x, w, bias, **hyper)
    assert got_y.shape == want_y.shape
    np.testing.assert_array_equal(got_y, want_y)
    delta = integers(rng, want_y.shape)
    got = conv_transpose2d_backward(x, w, delta, with_bias=True, **hyper)
    want = conv_transpose2d_backward_reference(x, w, delta, with_bias=True, **hyper)
    for name in ("grad_input", "grad_weight", "grad_bias"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name).astype(float))
    assert blocked_calls == ["blocked_grad_input", "blocked_forward", "blocked_grad_weight"]


def test_small_or_wide_groups_keep_the_batch_wide_gemm(blocked_calls):
    """Below the measured bounds (few outputs per channel, many filters per group) the
    blocked path is slower, so conv2d.py must not take it."""
    rng = np.random.default_rng(3)
    small = integers(rng, (2, 4, 8, 8)), integers(rng, (8, 1, 3, 3))
    wide = integers(rng, (1, 4, 24, 24)), integers(rng, (16, 2, 3, 3))
    for x, w in (small, wide):
        conv2d_forward(x, w, padding=1, groups=x.shape[1] // w.shape[1])
    assert blocked_calls == []
