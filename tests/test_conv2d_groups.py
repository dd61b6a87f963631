"""Grouped and transposed convolution in the engine, against the loop-by-definition twin,
exact Fractions, central differences and (when installed) PyTorch."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_conv2d import (
    ENGINE_ATOL,
    ENGINE_RTOL,
    FD_ATOL,
    FD_RTOL,
    as_fraction,
    central_gradient,
)

from derivations.mathematics.conv2d import (
    conv2d_backward,
    conv2d_forward,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
    conv_transpose2d_output_size,
)
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
    conv_transpose2d_backward_reference,
    conv_transpose2d_forward_reference,
)

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def grouped_layers(draw, max_hw=7, integers=False):
    """(x, w, bias or None, delta, s, p, d, groups): C_in and C_out multiples of groups."""
    groups = draw(st.integers(1, 3))
    n = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    hw = tuple(draw(st.integers(max(1, d[a] * (k[a] - 1) + 1 - 2 * p[a]), max_hw))
               for a in (0, 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sample = ((lambda shape: rng.integers(-4, 5, shape).astype(np.float64)) if integers
              else rng.standard_normal)
    x, w = sample((n, c_in, *hw)), sample((c_out, c_in // groups, *k))
    bias = sample((c_out,)) if draw(st.booleans()) else None
    out_hw = tuple((hw[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in (0, 1))
    return x, w, bias, sample((n, c_out, *out_hw)), s, p, d, groups


@st.composite
def transposed_layers(draw, max_hw=5, integers=False):
    """(x, w, bias or None, delta, s, p, op, d, groups) for conv_transpose2d."""
    groups = draw(st.integers(1, 3))
    n = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    op = tuple(draw(st.integers(0, max(s[a], d[a]) - 1)) for a in (0, 1))
    hw = (draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw)))
    # Padding may not eat the whole output: H_out = (H−1)s − 2p + d(k−1) + op + 1 ≥ 1.
    p = tuple(draw(st.integers(0, max(0, ((hw[a] - 1) * s[a] + d[a] * (k[a] - 1) + op[a]) // 2)))
              for a in (0, 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sample = ((lambda shape: rng.integers(-4, 5, shape).astype(np.float64)) if integers
              else rng.standard_normal)
    x, w = sample((n, c_in, *hw)), sample((c_in, c_out // groups, *k))
    bias = sample((c_out,)) if draw(st.booleans()) else None
    out_hw = conv_transpose2d_output_size(hw, k, s, p, op, d)
    return x, w, bias, sample((n, c_out, *out_hw)), s, p, op, d, groups


def close(got, want):
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


@SETTINGS
@given(grouped_layers())
def test_grouped_engine_equals_the_loop_by_definition_reference(case):
    x, w, bias, delta, s, p, d, g = case
    close(conv2d_forward(x, w, bias, s, p, d, groups=g),
          conv2d_forward_reference(x, w, bias, s, p, d, groups=g))
    got = conv2d_backward(x, w, delta, s, p, d, with_bias=True, groups=g)
    want = conv2d_backward_reference(x, w, delta, s, p, d, with_bias=True, groups=g)
    close(got.grad_input, want.grad_input)
    close(got.grad_weight, want.grad_weight)
    close(got.grad_bias, want.grad_bias)


@SETTINGS
@given(grouped_layers(integers=True))
def test_grouped_layer_is_the_groups_side_by_side(case):
    """A grouped layer equals G separate layers, one per slice of channels (an independent
    route: the ungrouped engine on each group's channels)."""
    x, w, _, delta, s, p, d, g = case
    ci, co = x.shape[1] // g, w.shape[0] // g
    got = conv2d_backward(x, w, delta, s, p, d, groups=g)
    for k in range(g):
        xs, ws = x[:, k * ci:(k + 1) * ci], w[k * co:(k + 1) * co]
        ds = delta[:, k * co:(k + 1) * co]
        assert conv2d_forward(x, w, None, s, p, d, groups=g)[:, k * co:(k + 1) * co].tolist() \
            == conv2d_forward(xs, ws, None, s, p, d).tolist()
        alone = conv2d_backward(xs, ws, ds, s, p, d)
        assert got.grad_input[:, k * ci:(k + 1) * ci].tolist() == alone.grad_input.tolist()
        assert got.grad_weight[k * co:(k + 1) * co].tolist() == alone.grad_weight.tolist()


@SETTINGS
@given(transposed_layers())
def test_transposed_engine_equals_the_scatter_definition(case):
    x, w, bias, delta, s, p, op, d, g = case
    close(conv_transpose2d_forward(x, w, bias, s, p, op, g, d),
          conv_transpose2d_forward_reference(x, w, bias, s, p, op, g, d))
    got = conv_transpose2d_backward(x, w, delta, s, p, op, g, d, with_bias=True)
    want = conv_transpose2d_backward_reference(x, w, delta, s, p, op, g, d, with_bias=True)
    close(got.grad_input, want.grad_input)
    close(got.grad_weight, want.grad_weight)
    close(got.grad_bias, want.grad_bias)


@SETTINGS
@given(transposed_layers(integers=True))
def test_transposed_integer_layers_match_exact_fractions(case):
    x, w, bias, delta, s, p, op, d, g = case
    fb = None if bias is None else as_fraction(bias)
    want_y = conv_transpose2d_forward_reference(as_fraction(x), as_fraction(w), fb, s, p, op, g, d)
    assert isinstance(want_y.flat[0], Fraction)
    assert conv_transpose2d_forward(x, w, bias, s, p, op, g, d).tolist() == want_y.tolist()
    got = conv_transpose2d_backward(x, w, delta, s, p, op, g, d, with_bias=True)
    want = conv_transpose2d_backward_reference(as_fraction(x), as_fraction(w),
                                               as_fraction(delta), s, p, op, g, d, True)
    assert got.grad_input.tolist() == want.grad_input.tolist()
    assert got.grad_weight.tolist() == want.grad_weight.tolist()
    assert got.grad_bias.tolist() == want.grad_bias.tolist()


@SETTINGS
@given(transposed_layers(max_hw=3))
def test_transposed_backward_equals_central_differences(case):
    x, w, bias, target, s, p, op, d, g = case
    b = np.zeros(target.shape[1]) if bias is None else bias

    def cost(x_, w_, b_):
        y = conv_transpose2d_forward(x_, w_, b_, s, p, op, g, d)
        return 0.5 * float(((y - target) ** 2).sum())

    delta = conv_transpose2d_forward(x, w, b, s, p, op, g, d) - target
    got = conv_transpose2d_backward(x, w, delta, s, p, op, g, d, with_bias=True)
    np.testing.assert_allclose(got.grad_input, central_gradient(lambda v: cost(v, w, b), x),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(got.grad_weight, central_gradient(lambda v: cost(x, v, b), w),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(got.grad_bias, central_gradient(lambda v: cost(x, w, v), b),
                               rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(grouped_layers(max_hw=5))
def test_transposed_forward_is_the_convolutions_input_gradient(case):
    """conv_transpose2d(δ, W) = ∂C/∂X of conv2d(X, W) for upstream δ: the definition the
    chapter builds on, checked between the two engine routes."""
    x, w, _, delta, s, p, d, g = case
    # The floor in conv2d's output size may drop rows; output_padding puts them back.
    out_hw = delta.shape[2:]
    op = tuple(x.shape[2 + a] - ((out_hw[a] - 1) * s[a] - 2 * p[a] + d[a] * (w.shape[2 + a] - 1)
                                 + 1) for a in (0, 1))
    if any(not 0 <= op[a] < max(s[a], d[a]) for a in (0, 1)):
        return  # not expressible as a transposed convolution with PyTorch's output_padding rule
    want = conv2d_backward(x, w, delta, s, p, d, groups=g).grad_input
    close(conv_transpose2d_forward(delta, w, None, s, p, op, g, d), want)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"groups": 0}, "groups"), ({"groups": 4}, "divisible"), ({"groups": True}, "groups"),
    ({"groups": 2, "weight": np.zeros((4, 2, 3, 3))}, "per group"),
])
def test_bad_groups_raise_value_error_naming_the_culprit(kwargs, words):
    args = {"x": np.zeros((1, 2, 5, 5)), "weight": np.zeros((4, 2, 3, 3)), **kwargs}
    with pytest.raises(ValueError, match=words):
        conv2d_forward(**args)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"output_padding": 2, "stride": 2}, "output_padding"),
    ({"output_padding": 1}, "output_padding"),
    ({"padding": 9}, "rows"),
    ({"weight": np.zeros((3, 2, 3, 3))}, "channel"),
    ({"groups": 2, "weight": np.zeros((3, 1, 3, 3)), "x": np.zeros((1, 3, 4, 4))}, "divisible"),
])
def test_bad_transposed_layers_raise_value_error_naming_the_culprit(kwargs, words):
    args = {"x": np.zeros((1, 2, 4, 4)), "weight": np.zeros((2, 3, 3, 3)), **kwargs}
    with pytest.raises(ValueError, match=words):
        conv_transpose2d_forward(**args)


def test_transposed_output_size_by_hand():
    """3×3 input, 3×3 kernel, stride 2, padding 1, output_padding 1: 2·2 − 2 + 2 + 1 + 1 = 6."""
    assert conv_transpose2d_output_size((3, 3), (3, 3), 2, 1, 1) == (6, 6)
    assert conv_transpose2d_output_size((1, 1), (2, 2)) == (2, 2)


@settings(max_examples=20, deadline=None)
@given(grouped_layers())
def test_grouped_against_pytorch(torch, case):
    x, w, bias, delta, s, p, d, g = case
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if bias is None else torch.tensor(bias, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p, dilation=d, groups=g)
    ty.backward(torch.tensor(delta))
    close(conv2d_forward(x, w, bias, s, p, d, groups=g), ty.detach().numpy())
    got = conv2d_backward(x, w, delta, s, p, d, with_bias=bias is not None, groups=g)
    close(got.grad_input, tx.grad.numpy())
    close(got.grad_weight, tw.grad.numpy())
    if bias is not None:
        close(got.grad_bias, tb.grad.numpy())


@settings(max_examples=20, deadline=None)
@given(transposed_layers())
def test_transposed_against_pytorch(torch, case):
    x, w, bias, delta, s, p, op, d, g = case
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if bias is None else torch.tensor(bias, requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, tb, stride=s, padding=p,
                                              output_padding=op, groups=g, dilation=d)
    ty.backward(torch.tensor(delta))
    close(conv_transpose2d_forward(x, w, bias, s, p, op, g, d), ty.detach().numpy())
    got = conv_transpose2d_backward(x, w, delta, s, p, op, g, d, with_bias=bias is not None)
    close(got.grad_input, tx.grad.numpy())
    close(got.grad_weight, tw.grad.numpy())
    if bias is not None:
        close(got.grad_bias, tb.grad.numpy())
