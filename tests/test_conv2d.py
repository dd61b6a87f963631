"""The conv2d engine against the loop-by-definition reference, finite differences, hand-derived
numbers, exact Fractions and (when installed) PyTorch."""

from fractions import Fraction

import numpy as np
import pytest
from conftest import examples
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from derivations.mathematics.conv2d import (
    Conv2dGradients,
    conv2d_backward,
    conv2d_forward,
    conv2d_output_size,
    pair,
)
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)

SETTINGS = examples(60, suppress_health_check=[HealthCheck.too_slow])
# Engine vs reference: same products, different summation order; sums of ≤ 3·3·3 = 27
# products of O(1) numbers differ by a few ulps, so 1e-12 is ~1000× the expected error.
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
# Central differences on a quadratic cost are exact up to rounding: the error is
# ~eps·|C|/STEP ≈ 1e-16·1e2/1e-3 = 1e-11; 1e-7 leaves room without hiding a wrong sign/index.
STEP = 1e-3
FD_RTOL, FD_ATOL = 1e-7, 1e-7


def as_fraction(a) -> np.ndarray:
    return np.vectorize(Fraction, otypes=[object])(np.asarray(a))


@st.composite
def layers(draw, max_hw=9, integers=False):
    """A random layer (x, w, bias or None, delta, s, p, d); sizes always give ≥ 1 output."""
    n, c_in, c_out = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    hw = tuple(draw(st.integers(max(1, d[a] * (k[a] - 1) + 1 - 2 * p[a]), max_hw))
               for a in (0, 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sample = ((lambda shape: rng.integers(-4, 5, shape).astype(np.float64)) if integers
              else (lambda shape: rng.standard_normal(shape)))
    x, w = sample((n, c_in, *hw)), sample((c_out, c_in, *k))
    bias = sample((c_out,)) if draw(st.booleans()) else None
    out_hw = tuple((hw[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in (0, 1))
    delta = sample((n, c_out, *out_hw))
    return x, w, bias, delta, s, p, d


@SETTINGS
@given(layers())
def test_engine_equals_the_loop_by_definition_reference(case):
    """Vectorised forward and all three gradients equal the written-out sums."""
    x, w, bias, delta, s, p, d = case
    y = conv2d_forward(x, w, bias, s, p, d)
    assert y.shape == delta.shape
    np.testing.assert_allclose(y, conv2d_forward_reference(x, w, bias, s, p, d).astype(float),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    got = conv2d_backward(x, w, delta, s, p, d, with_bias=bias is not None)
    want = conv2d_backward_reference(x, w, delta, s, p, d, with_bias=bias is not None)
    assert got.grad_input.shape == x.shape and got.grad_weight.shape == w.shape
    np.testing.assert_allclose(got.grad_input, want.grad_input.astype(float),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(got.grad_weight, want.grad_weight.astype(float),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    if bias is None:
        assert got.grad_bias is None
    else:
        assert got.grad_bias.shape == bias.shape
        np.testing.assert_allclose(got.grad_bias, want.grad_bias.astype(float),
                                   rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def central_gradient(cost, a: np.ndarray) -> np.ndarray:
    """(C(a + h·e_k) − C(a − h·e_k)) / 2h for every entry k of a."""
    grad = np.zeros_like(a)
    for index in np.ndindex(*a.shape):
        up, down = a.copy(), a.copy()
        up[index] += STEP
        down[index] -= STEP
        grad[index] = (cost(up) - cost(down)) / (2 * STEP)
    return grad


@SETTINGS
@given(layers(max_hw=6))
def test_backward_equals_central_differences(case):
    """On C = ½ Σ (Y − T)², δ = Y − T and the engine's gradients are the cost's slopes."""
    x, w, bias, target, s, p, d = case
    b = np.zeros(w.shape[0]) if bias is None else bias

    def cost(x_, w_, b_):
        return 0.5 * float(((conv2d_forward(x_, w_, b_, s, p, d) - target) ** 2).sum())

    delta = conv2d_forward(x, w, b, s, p, d) - target
    got = conv2d_backward(x, w, delta, s, p, d, with_bias=True)
    np.testing.assert_allclose(got.grad_input, central_gradient(lambda v: cost(v, w, b), x),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(got.grad_weight, central_gradient(lambda v: cost(x, v, b), w),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(got.grad_bias, central_gradient(lambda v: cost(x, w, v), b),
                               rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(layers(integers=True))
def test_integer_layers_match_exact_fractions_to_the_last_digit(case):
    """Small integers are exact in float64, so the engine must equal the Fraction oracle."""
    x, w, bias, delta, s, p, d = case
    fx, fw, fdelta = as_fraction(x), as_fraction(w), as_fraction(delta)
    fbias = None if bias is None else as_fraction(bias)
    want_y = conv2d_forward_reference(fx, fw, fbias, s, p, d)
    assert isinstance(want_y.flat[0], Fraction)
    assert conv2d_forward(x, w, bias, s, p, d).tolist() == want_y.tolist()
    got = conv2d_backward(x, w, delta, s, p, d, with_bias=True)
    want = conv2d_backward_reference(fx, fw, fdelta, s, p, d, with_bias=True)
    assert got.grad_input.tolist() == want.grad_input.tolist()
    assert got.grad_weight.tolist() == want.grad_weight.tolist()
    assert got.grad_bias.tolist() == want.grad_bias.tolist()


@SETTINGS
@given(layers())
def test_rows_and_columns_no_window_reaches_get_exactly_zero_gradient(case):
    """Input rows past the last window's last tap ((H_out−1)s + (k−1)d − p) get 0, as in PyTorch."""
    x, w, _, delta, s, p, d = case
    grad_input = conv2d_backward(x, w, delta, s, p, d).grad_input
    for axis in (0, 1):
        out = delta.shape[2 + axis]
        last = (out - 1) * s[axis] + (w.shape[2 + axis] - 1) * d[axis] - p[axis]
        tail = np.take(grad_input, range(last + 1, x.shape[2 + axis]), axis=2 + axis)
        assert (tail == 0).all()


def test_leftover_rows_zero_in_a_hand_case():
    """5×5 input, 2×2 ones kernel, stride 2: windows start at 0 and 2, so row/col 4 is unseen."""
    grads = conv2d_backward(np.ones((1, 1, 5, 5)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)),
                            stride=2)
    want = np.zeros((5, 5))
    want[:4, :4] = 1  # each of rows/cols 0..3 is in exactly one window, with weight 1
    assert grads.grad_input[0, 0].tolist() == want.tolist()
    assert grads.grad_weight[0, 0].tolist() == [[4, 4], [4, 4]]  # four windows, all-ones X


def test_hand_derived_cross_correlation_without_flip():
    """X = 1..9, W = [[1,0],[0,−1]]: Y[i,j] = X[i,j] − X[i+1,j+1] = −4 (a flip would give +4)."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    assert conv2d_forward(x, w, bias=[0.5]).tolist() == [[[[-3.5, -3.5], [-3.5, -3.5]]]]
    g = conv2d_backward(x, w, np.ones((1, 1, 2, 2)), with_bias=True)
    # ∂C/∂W[m,n] = Σ of the 2×2 block of X starting at (m, n): 1+2+4+5, 2+3+5+6, ...
    assert g.grad_weight[0, 0].tolist() == [[12, 16], [24, 28]]
    # W[0,0]=1 touches the top-left 2×2 block of X, W[1,1]=−1 the bottom-right one.
    assert g.grad_input[0, 0].tolist() == [[1, 1, 0], [1, 0, -1], [0, -1, -1]]
    assert g.grad_bias.tolist() == [4]


def test_hand_derived_padding_and_dilation():
    """3×3 ones, W=[[1,2],[3,4]], p=1, d=2: Y[i,j] sums the W entries whose tap lands inside X."""
    y = conv2d_forward(np.ones((1, 1, 3, 3)), np.array([[[[1.0, 2.0], [3.0, 4.0]]]]),
                       padding=1, dilation=2)
    # Taps at padded (i, j), (i, j+2), (i+2, j), (i+2, j+2); padded rows/cols 0 and 4 are zero.
    assert y[0, 0].tolist() == [[4, 7, 3], [6, 10, 4], [2, 3, 1]]


def test_reference_keeps_fractions_exact():
    """Thirds are not floats: the reference must return exact Fractions."""
    third = Fraction(1, 3)
    x = [[[[third, 2 * third], [1, third]]]]
    w = [[[[third]]]]
    y = conv2d_forward_reference(x, w, bias=[Fraction(1, 6)])
    assert y.tolist() == [[[[Fraction(5, 18), Fraction(7, 18)], [Fraction(1, 2),
                                                                  Fraction(5, 18)]]]]
    g = conv2d_backward_reference(x, w, [[[[1, 1], [1, 1]]]], with_bias=True)
    assert g.grad_weight.tolist() == [[[[Fraction(7, 3)]]]]
    assert g.grad_input.tolist() == [[[[third, third], [third, third]]]]
    assert g.grad_bias.tolist() == [4]


@pytest.mark.parametrize(("in_hw", "k", "s", "p", "d"), [
    ((7, 7), (3, 3), 1, 0, 1), ((7, 8), (3, 2), (2, 3), (1, 0), (2, 1)), ((1, 1), (1, 1), 5, 0, 1),
    ((5, 4), (3, 3), 2, 1, 2), ((4, 4), (5, 5), 1, 2, 1),
])
def test_output_size_counts_the_window_starts(in_hw, k, s, p, d):
    """H_out = how many starts 0, s, 2s, … keep the dilated kernel inside the padded input."""
    s2, p2, d2 = pair(s, "s"), pair(p, "p"), pair(d, "d")
    want = tuple(sum(1 for start in range(0, 1000, s2[a])
                     if start + d2[a] * (k[a] - 1) < in_hw[a] + 2 * p2[a]) for a in (0, 1))
    assert conv2d_output_size(in_hw, k, s, p, d) == want


def test_pair_accepts_ints_and_pairs():
    assert pair(3, "stride") == (3, 3)
    assert pair((2, 5), "stride") == (2, 5)
    assert pair([np.int64(1), 4], "stride") == (1, 4)


X, W = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3))


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"stride": 0}, "stride"), ({"stride": (1, -1)}, "stride"), ({"dilation": 0}, "dilation"),
    ({"padding": -1}, "padding"), ({"padding": 1.5}, "padding"), ({"stride": True}, "stride"),
    ({"stride": "2"}, "stride"), ({"dilation": (1, 2, 3)}, "dilation"),
    ({"dilation": 3}, "padded input"), ({"weight": np.zeros((3, 1, 3, 3))}, "channel"),
    ({"x": np.zeros((2, 5, 5))}, "x"), ({"weight": np.zeros((3, 2, 3))}, "weight"),
    ({"x": np.zeros((1, 2, 0, 5))}, "0"),
])
def test_bad_layers_raise_value_error_naming_the_culprit(kwargs, words):
    args = {"x": X, "weight": W, **kwargs}
    with pytest.raises(ValueError, match=words):
        conv2d_forward(**args)
    with pytest.raises(ValueError, match=words):
        conv2d_backward(grad_output=np.zeros((1, 3, 3, 3)), **args)


def test_bad_bias_and_grad_output_shapes_raise():
    with pytest.raises(ValueError, match="bias"):
        conv2d_forward(X, W, bias=np.zeros(2))
    with pytest.raises(ValueError, match="grad_output"):
        conv2d_backward(X, W, np.zeros((1, 3, 3, 4)))


def test_backward_returns_the_frozen_dataclass_without_bias():
    g = conv2d_backward(X, W, np.zeros((1, 3, 3, 3)))
    assert isinstance(g, Conv2dGradients) and g.grad_bias is None
    assert g.grad_input.dtype == np.float64 and g.grad_weight.dtype == np.float64


@examples(25)
@given(layers())
def test_against_pytorch(torch, case):
    """PyTorch's conv2d and autograd as an outside oracle (optional; never a dependency)."""
    x, w, bias, delta, s, p, d = case
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if bias is None else torch.tensor(bias, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p, dilation=d)
    ty.backward(torch.tensor(delta))
    got = conv2d_backward(x, w, delta, s, p, d, with_bias=bias is not None)
    np.testing.assert_allclose(conv2d_forward(x, w, bias, s, p, d), ty.detach().numpy(),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(got.grad_input, tx.grad.numpy(),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(got.grad_weight, tw.grad.numpy(),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    if bias is not None:
        np.testing.assert_allclose(got.grad_bias, tb.grad.numpy(),
                                   rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
