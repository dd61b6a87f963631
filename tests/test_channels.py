"""Channels and batch: which sums run over N, C_in and C_out; checked independently."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
from conftest import examples
from finite_differences import central_gradient
from hypothesis import given
from hypothesis import strategies as st

from derivations.mathematics import channels
from derivations.mathematics.conv2d import conv2d_backward
from derivations.oracles.general_layer import exact, exact_gradients_4d

FD_RTOL, FD_ATOL = 1e-7, 1e-7  # central differences of a linear cost: rounding error only
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
STEP = 1e-3
SETTINGS = examples(15)


def definition_forward(x, w, b):
    """Y[n,o,i,j] = b[o] + Σ_{c,m,l} W[o,c,m,l] X[n,c,i+m,j+l], loops only."""
    batch, c_in, h, wd = x.shape
    c_out, _, k_h, k_w = w.shape
    out = np.zeros((batch, c_out, h - k_h + 1, wd - k_w + 1))
    for n, o, i, j in np.ndindex(out.shape):
        out[n, o, i, j] = b[o] + sum(w[o, c, m, q] * x[n, c, i + m, j + q]
                                     for c, m, q in product(range(c_in), range(k_h), range(k_w)))
    return out


@st.composite
def layers(draw):
    batch, c_in, c_out = (draw(st.integers(1, 3)) for _ in range(3))
    k = draw(st.integers(1, 2))
    h, w = draw(st.integers(k, 4)), draw(st.integers(k, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return (rng.normal(size=(batch, c_in, h, w)), rng.normal(size=(c_out, c_in, k, k)),
            rng.normal(size=c_out), rng.normal(size=(batch, c_out, h - k + 1, w - k + 1)))


@SETTINGS
@given(layers())
def test_channel_sums_match_central_differences(case):
    """Weight: sum over batch; input: sum over output channels; bias: over batch and positions."""
    x, w, b, delta = case
    cost = lambda x_, w_, b_: float((delta * definition_forward(x_, w_, b_)).sum())  # noqa: E731
    got_w, got_x, got_b = (channels.weight_gradient(x, delta), channels.input_gradient(w, delta),
                           channels.bias_gradient(delta))
    assert got_w.shape == w.shape and got_x.shape == x.shape and got_b.shape == b.shape
    np.testing.assert_allclose(got_w, central_gradient(lambda v: cost(x, v, b), w, STEP),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(got_x, central_gradient(lambda v: cost(v, w, b), x, STEP),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(got_b, central_gradient(lambda v: cost(x, w, v), b, STEP),
                               rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(layers())
def test_channel_formulas_agree_with_the_engine(case):
    x, w, _, delta = case
    grads = conv2d_backward(x, w, delta, with_bias=True)
    assert grads.grad_input.shape == x.shape and grads.grad_weight.shape == w.shape
    np.testing.assert_allclose(channels.input_gradient(w, delta), grads.grad_input,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(channels.weight_gradient(x, delta), grads.grad_weight,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(channels.bias_gradient(delta), grads.grad_bias,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def test_worked_example_matches_exact_fractions():
    e = channels.example()
    gx, gw, gb = exact_gradients_4d(exact(channels.EXAMPLE_X), exact(channels.EXAMPLE_W),
                                    exact(channels.EXAMPLE_B), exact(channels.EXAMPLE_DELTA))
    assert e.grad_input.shape == e.x.shape and e.grad_weight.shape == e.w.shape
    assert e.grad_input.tolist() == gx
    assert e.grad_weight.tolist() == gw
    assert e.grad_bias.tolist() == gb
    assert e.x.shape[:2] == (2, 2) and e.w.shape[:2] == (2, 2)  # the page is written for 2/2/2


def test_averaging_over_the_batch_would_be_wrong():
    """The batch sum is a sum: half of it differs from what exact differences give."""
    e = channels.example()
    _, gw, _ = exact_gradients_4d(exact(channels.EXAMPLE_X), exact(channels.EXAMPLE_W),
                                  exact(channels.EXAMPLE_B), exact(channels.EXAMPLE_DELTA))
    mean = e.grad_weight_terms.mean(axis=2)
    assert mean.tolist() != gw
    assert e.grad_weight_terms.sum(axis=2).tolist() == [
        [[[Fraction(v) for v in row] for row in s] for s in o] for o in gw]


def test_sympy_channel_derivatives_at_the_example_equal_the_worked_numbers():
    """The symbolic entries the page shows evaluate to the printed gradient entries."""
    import sympy

    e = channels.example()
    symbolic = channels.symbolic_channels(e.x.shape, e.w.shape, (0, 1, 0, 0), (0, 0, 1, 1))
    values = {}
    for name, array in (("X", e.x), ("W", e.w), ("\\delta", e.delta)):
        for index in np.ndindex(array.shape):
            values[sympy.Symbol(f"{name}_{{{','.join(map(str, index))}}}")] = int(array[index])
    assert int(symbolic.weight_entry.subs(values)) == e.grad_weight[0, 1, 0, 0]
    assert int(symbolic.input_entry.subs(values)) == e.grad_input[0, 0, 1, 1]
    assert len(symbolic.weight_entry.args) == 8  # both examples × four positions
