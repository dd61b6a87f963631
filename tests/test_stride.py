"""Stride: δ with s − 1 zeros inserted, unreached rows get zero; checked independently."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
from chapter_checks import assert_symbolic_layer_gives_the_worked_numbers
from conftest import examples
from finite_differences import central_gradient
from hypothesis import given
from hypothesis import strategies as st

from derivations.mathematics import stride
from derivations.mathematics.conv2d import conv2d_backward
from derivations.oracles.general_layer import exact_gradients_2d

FD_RTOL, FD_ATOL = 1e-7, 1e-7  # central differences of a linear cost: rounding error only
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
STEP = 1e-3
SETTINGS = examples(25)


def definition_forward(x, w, s):
    """Y[i,j] = Σ W[m,n] X[s·i+m, s·j+n], loops only."""
    out = np.zeros(((x.shape[0] - w.shape[0]) // s + 1, (x.shape[1] - w.shape[1]) // s + 1))
    for i, j, m, n in product(range(out.shape[0]), range(out.shape[1]),
                              range(w.shape[0]), range(w.shape[1])):
        out[i, j] += w[m, n] * x[s * i + m, s * j + n]
    return out


@st.composite
def strided(draw):
    s = draw(st.integers(1, 3))
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(k_h, 7)), draw(st.integers(k_w, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = ((h - k_h) // s + 1, (w - k_w) // s + 1)
    return rng.normal(size=(h, w)), rng.normal(size=(k_h, k_w)), rng.normal(size=out), s


@SETTINGS
@given(strided())
def test_strided_weight_gradient_is_x_correlated_with_dilated_delta(case):
    x, w, delta, s = case
    got = stride.weight_gradient(x, delta, w.shape, s)
    assert got.shape == w.shape
    want = central_gradient(lambda v: float((delta * definition_forward(x, v, s)).sum()), w, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(strided())
def test_strided_input_gradient_is_full_correlation_of_dilated_delta_then_zeros(case):
    x, w, delta, s = case
    got = stride.input_gradient(w, delta, x.shape, s)
    assert got.shape == x.shape
    want = central_gradient(lambda v: float((delta * definition_forward(v, w, s)).sum()), x, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(strided())
def test_unreached_rows_and_columns_get_exactly_zero(case):
    x, w, delta, s = case
    rows = stride.reached_size(delta.shape[0], w.shape[0], s)
    cols = stride.reached_size(delta.shape[1], w.shape[1], s)
    got = stride.input_gradient(w, delta, x.shape, s)
    assert np.all(got[rows:, :] == 0) and np.all(got[:, cols:] == 0)


@SETTINGS
@given(strided())
def test_stride_formulas_agree_with_the_engine(case):
    x, w, delta, s = case
    grads = conv2d_backward(x[None, None], w[None, None], delta[None, None], stride=s)
    assert grads.grad_input.shape == (1, 1, *x.shape)
    np.testing.assert_allclose(stride.input_gradient(w, delta, x.shape, s),
                               grads.grad_input[0, 0], rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(stride.weight_gradient(x, delta, w.shape, s),
                               grads.grad_weight[0, 0], rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def test_worked_example_matches_exact_fractions_and_has_a_leftover_row():
    e = stride.example()
    to_f = lambda t: [[Fraction(v) for v in row] for row in t]  # noqa: E731
    gx, gw, _ = exact_gradients_2d(to_f(stride.EXAMPLE_X), to_f(stride.EXAMPLE_W),
                                   Fraction(stride.EXAMPLE_B), to_f(stride.EXAMPLE_DELTA),
                                   stride=stride.EXAMPLE_STRIDE)
    assert e.grad_input.shape == (len(gx), len(gx[0]))
    assert e.grad_input.tolist() == gx
    assert e.grad_weight.tolist() == gw
    assert e.leftover[0] >= 1 and e.leftover[1] >= 1  # the chapter needs something unreached
    assert e.delta_dilated.shape == (3, 3) and e.delta_dilated[1].tolist() == [0, 0, 0]


def test_forgetting_the_zeros_gives_a_wrong_weight_gradient():
    """Correlating X with the undilated δ (a common slip) does not give ∂C/∂W."""
    e = stride.example()
    from derivations.mathematics.general_layer import correlate_valid

    wrong = correlate_valid(e.x, e.delta)[: e.w.shape[0], : e.w.shape[1]]
    assert not np.array_equal(wrong, e.grad_weight)


def test_sympy_derivative_at_the_example_equals_the_worked_numbers():
    """The symbols the page shows, evaluated at the example, give the printed gradients."""
    e = stride.example()
    assert_symbolic_layer_gives_the_worked_numbers(e, stride=e.stride)


def test_weight_gradient_is_the_top_left_block_of_x_correlated_with_the_spread_delta():
    """The crop the page writes into eq-stride-weight-dilated: on the whole 6×6 X, δ^(s) fits
    in 4×4 places; the first M_W × N_W of them are ∂C/∂W (exact differences), the rest are
    offsets no weight has."""
    e = stride.example()
    spread = e.delta_dilated
    fits = (e.x.shape[0] - spread.shape[0] + 1, e.x.shape[1] - spread.shape[1] + 1)
    by_loops = np.zeros(fits)
    for m, n, p, q in product(range(fits[0]), range(fits[1]),
                              range(spread.shape[0]), range(spread.shape[1])):
        by_loops[m, n] += spread[p, q] * e.x[p + m, q + n]
    assert e.weight_correlation_full.shape == fits == (4, 4)
    np.testing.assert_array_equal(e.weight_correlation_full, by_loops)
    _, exact_w, _ = exact_gradients_2d(e.x.astype(int).tolist(), e.w.astype(int).tolist(),
                                       Fraction(int(e.b)), e.delta.astype(int).tolist(),
                                       stride=e.stride)
    rows, cols = e.w.shape
    assert by_loops[:rows, :cols].tolist() == [[float(v) for v in row] for row in exact_w]
    assert not np.array_equal(by_loops[:rows, :cols], by_loops[-rows:, -cols:])
