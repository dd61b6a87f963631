"""Padding: full correlation then crop, and the padded-input weight gradient, checked."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
from chapter_checks import assert_symbolic_layer_gives_the_worked_numbers
from conftest import examples
from finite_differences import central_gradient
from hypothesis import given
from hypothesis import strategies as st

from derivations.mathematics import padding
from derivations.mathematics.conv2d import conv2d_backward
from derivations.oracles.general_layer import exact_gradients_2d

FD_RTOL, FD_ATOL = 1e-7, 1e-7  # central differences of a linear cost: rounding error only
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
STEP = 1e-3
SETTINGS = examples(25)


def definition_forward(x, w, p):
    """Y[i,j] = Σ W[m,n] X[i+m−p, j+n−p], terms outside X left out (they are the zeros)."""
    out = np.zeros((x.shape[0] + 2 * p - w.shape[0] + 1, x.shape[1] + 2 * p - w.shape[1] + 1))
    for i, j, m, n in product(range(out.shape[0]), range(out.shape[1]),
                              range(w.shape[0]), range(w.shape[1])):
        r, c = i + m - p, j + n - p
        if 0 <= r < x.shape[0] and 0 <= c < x.shape[1]:
            out[i, j] += w[m, n] * x[r, c]
    return out


@st.composite
def padded(draw):
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    p = draw(st.integers(0, 2))
    h, w = draw(st.integers(max(1, k_h - 2 * p), 5)), draw(st.integers(max(1, k_w - 2 * p), 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = (h + 2 * p - k_h + 1, w + 2 * p - k_w + 1)
    return rng.normal(size=(h, w)), rng.normal(size=(k_h, k_w)), rng.normal(size=out), p


@SETTINGS
@given(padded())
def test_padded_weight_gradient_is_padded_input_correlated_with_delta(case):
    x, w, delta, p = case
    got = padding.weight_gradient(x, delta, p)
    assert got.shape == w.shape
    want = central_gradient(lambda v: float((delta * definition_forward(x, v, p)).sum()), w, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(padded())
def test_input_gradient_is_full_correlation_then_crop(case):
    x, w, delta, p = case
    got = padding.input_gradient(w, delta, p)
    assert got.shape == x.shape
    want = central_gradient(lambda v: float((delta * definition_forward(v, w, p)).sum()), x, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(padded())
def test_padding_formulas_agree_with_the_engine(case):
    x, w, delta, p = case
    grads = conv2d_backward(x[None, None], w[None, None], delta[None, None], padding=p)
    assert grads.grad_input.shape == (1, 1, *x.shape)
    np.testing.assert_allclose(padding.input_gradient(w, delta, p), grads.grad_input[0, 0],
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(padding.weight_gradient(x, delta, p), grads.grad_weight[0, 0],
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def test_worked_example_matches_exact_fractions():
    e = padding.example()
    to_f = lambda t: [[Fraction(v) for v in row] for row in t]  # noqa: E731
    gx, gw, _ = exact_gradients_2d(to_f(padding.EXAMPLE_X), to_f(padding.EXAMPLE_W),
                                   Fraction(padding.EXAMPLE_B), to_f(padding.EXAMPLE_DELTA),
                                   padding=padding.EXAMPLE_PADDING)
    assert e.grad_input.shape == (len(gx), len(gx[0])) == e.x.shape
    assert e.grad_input.tolist() == gx
    assert e.grad_weight.tolist() == gw
    assert e.y.shape == e.x.shape  # the example is a "same" convolution, as the page says


def test_the_cropped_border_is_not_zero_so_cropping_matters():
    """If the border were zero anyway, the chapter's crop step would be untested."""
    e = padding.example()
    p = e.padding
    border = e.grad_input_padded.copy()
    border[p:-p, p:-p] = 0
    assert np.any(border != 0)


def test_sympy_derivative_at_the_example_equals_the_worked_numbers():
    """The symbols the page shows, evaluated at the example, give the printed gradients."""
    e = padding.example()
    assert_symbolic_layer_gives_the_worked_numbers(e, padding=e.padding)


@SETTINGS
@given(padded())
def test_padding_delta_less_equals_full_then_crop(case):
    """The page's shortcut: pad δ by k − 1 − p instead of k − 1 then crop p (p ≤ k − 1)."""
    from derivations.mathematics.general_layer import correlate_valid, rot180, zero_pad

    x, w, delta, p = case
    if p > w.shape[0] - 1 or p > w.shape[1] - 1:
        return  # the shortcut is stated for p ≤ k − 1 only
    shortcut = correlate_valid(zero_pad(delta, w.shape[0] - 1 - p, w.shape[1] - 1 - p), rot180(w))
    assert shortcut.shape == x.shape
    np.testing.assert_allclose(shortcut, padding.input_gradient(w, delta, p),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def test_corner_check_prints_numbers_in_the_order_of_the_symbolic_terms():
    """In ∂C/∂X[0,0] = Σ δ·W = Σ numbers, the k-th product is the k-th symbolic term's values."""
    import re

    from derivations.pages import padding as padding_page

    page = next(padding_page.build())
    line = next(text for text in page.markdown.split(r"\end{align*}")
                if r"\partial X_{0,0}} &=" in text)
    symbolic, numeric = line.split(r"\partial X_{0,0}} &=", 1)[1].split(r"&=", 1)
    pairs = re.findall(r"\\delta_\{(\d),(\d)\} W_\{(\d),(\d)\}", symbolic)
    values = re.findall(r"\\num\{(-?\d+)\}\)? \\cdot \(?\\num\{(-?\d+)\}", numeric)
    e = padding.example()
    assert len(pairs) == len(values) == 4
    for (i, j, m, n), (d, w) in zip(pairs, values, strict=True):
        assert (int(d), int(w)) == (e.delta[int(i), int(j)], e.w[int(m), int(n)])
