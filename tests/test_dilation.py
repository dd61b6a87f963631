"""Dilation: gapped sampling for the weight gradient, dilated rotated kernel for the input."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
from chapter_checks import assert_symbolic_layer_gives_the_worked_numbers
from conftest import examples
from finite_differences import central_gradient
from hypothesis import given
from hypothesis import strategies as st

from derivations.mathematics import dilation
from derivations.mathematics.conv2d import conv2d_backward
from derivations.oracles.general_layer import exact_gradients_2d

FD_RTOL, FD_ATOL = 1e-7, 1e-7  # central differences of a linear cost: rounding error only
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
STEP = 1e-3
SETTINGS = examples(25)


def definition_forward(x, w, d):
    """Y[i,j] = Σ W[m,n] X[i+d·m, j+d·n], loops only."""
    span = (d * (w.shape[0] - 1) + 1, d * (w.shape[1] - 1) + 1)
    out = np.zeros((x.shape[0] - span[0] + 1, x.shape[1] - span[1] + 1))
    for i, j, m, n in product(range(out.shape[0]), range(out.shape[1]),
                              range(w.shape[0]), range(w.shape[1])):
        out[i, j] += w[m, n] * x[i + d * m, j + d * n]
    return out


@st.composite
def dilated(draw):
    d = draw(st.integers(1, 3))
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    span = (d * (k_h - 1) + 1, d * (k_w - 1) + 1)
    h, w = draw(st.integers(span[0], span[0] + 3)), draw(st.integers(span[1], span[1] + 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = (h - span[0] + 1, w - span[1] + 1)
    return rng.normal(size=(h, w)), rng.normal(size=(k_h, k_w)), rng.normal(size=out), d


@SETTINGS
@given(dilated())
def test_dilated_weight_gradient_samples_x_star_delta_every_d(case):
    x, w, delta, d = case
    got = dilation.weight_gradient(x, delta, d)
    assert got.shape == w.shape
    want = central_gradient(lambda v: float((delta * definition_forward(x, v, d)).sum()), w, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(dilated())
def test_dilated_input_gradient_uses_the_dilated_rotated_kernel(case):
    x, w, delta, d = case
    got = dilation.input_gradient(w, delta, d)
    assert got.shape == x.shape
    want = central_gradient(lambda v: float((delta * definition_forward(v, w, d)).sum()), x, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(dilated())
def test_dilation_formulas_agree_with_the_engine(case):
    x, w, delta, d = case
    grads = conv2d_backward(x[None, None], w[None, None], delta[None, None], dilation=d)
    assert grads.grad_input.shape == (1, 1, *x.shape)
    np.testing.assert_allclose(dilation.input_gradient(w, delta, d), grads.grad_input[0, 0],
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(dilation.weight_gradient(x, delta, d), grads.grad_weight[0, 0],
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def test_rotating_and_dilating_commute():
    from derivations.mathematics.general_layer import insert_zeros, rot180

    w = np.arange(6.0).reshape(2, 3)
    for d in (1, 2, 3):
        np.testing.assert_array_equal(rot180(insert_zeros(w, d)), insert_zeros(rot180(w), d))


def test_worked_example_matches_exact_fractions():
    e = dilation.example()
    to_f = lambda t: [[Fraction(v) for v in row] for row in t]  # noqa: E731
    gx, gw, _ = exact_gradients_2d(to_f(dilation.EXAMPLE_X), to_f(dilation.EXAMPLE_W),
                                   Fraction(dilation.EXAMPLE_B), to_f(dilation.EXAMPLE_DELTA),
                                   dilation=dilation.EXAMPLE_DILATION)
    assert e.grad_input.shape == (len(gx), len(gx[0])) == e.x.shape
    assert e.grad_input.tolist() == gx
    assert e.grad_weight.tolist() == gw


def test_sympy_derivative_at_the_example_equals_the_worked_numbers():
    """The symbols the page shows, evaluated at the example, give the printed gradients."""
    e = dilation.example()
    assert_symbolic_layer_gives_the_worked_numbers(e, dilation=e.dilation)
