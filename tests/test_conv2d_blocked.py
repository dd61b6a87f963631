"""The blocked stride-1 grouped path (mathematics/conv2d_blocked.py) against the loop twin.

On integer inputs every sum is exact in float64 whatever its order, so the blocked engine
must equal the loop-by-definition reference to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def test_depthwise_layer_through_the_public_functions():
    """conv2d_forward/backward with groups > 1 and stride 1 (the blocked path) equal the twin."""
    rng = np.random.default_rng(13)
    x, w, bias = integers(rng, (2, 3, 5, 5)), integers(rng, (6, 1, 3, 3)), integers(rng, (6,))
    delta = integers(rng, (2, 6, 5, 5))
    np.testing.assert_array_equal(conv2d_forward(x, w, bias, padding=1, groups=3),
                                  conv2d_forward_reference(x, w, bias, 1, 1, 1, 3).astype(float))
    got = conv2d_backward(x, w, delta, padding=1, with_bias=True, groups=3)
    want = conv2d_backward_reference(x, w, delta, 1, 1, 1, with_bias=True, groups=3)
    for name in ("grad_input", "grad_weight", "grad_bias"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name).astype(float))


def test_transposed_output_padding_rows_that_no_window_reaches():
    """Stride 1, dilation 2, output_padding 1: the extra output row and column are in no
    window of the convolution this layer transposes, so the blocked path must leave them out
    of ∂C/∂X and ∂C/∂W and give them only the bias in Y."""
    rng = np.random.default_rng(5)
    hyper = {"stride": 1, "padding": (1, 0), "output_padding": 1, "dilation": 2, "groups": 2}
    x, w, bias = integers(rng, (2, 4, 3, 4)), integers(rng, (4, 1, 2, 3)), integers(rng, (2,))
    want_y = conv_transpose2d_forward_reference(x, w, bias, **hyper).astype(float)
    got_y = conv_transpose2d_forward(x, w, bias, **hyper)
    assert got_y.shape == want_y.shape
    np.testing.assert_array_equal(got_y, want_y)
    delta = integers(rng, want_y.shape)
    got = conv_transpose2d_backward(x, w, delta, with_bias=True, **hyper)
    want = conv_transpose2d_backward_reference(x, w, delta, with_bias=True, **hyper)
    for name in ("grad_input", "grad_weight", "grad_bias"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name).astype(float))
