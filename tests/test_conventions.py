"""The written forms on seed/conventions.md: each identity on random arrays, SciPy's forms
against SciPy itself, and every printed number against the exact oracle."""

from __future__ import annotations

import numpy as np
from chapter_checks import oracles_of
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.mathematics import conventions as cv
from derivations.oracles import conventions as oracle
from derivations.pages import seed_conventions as page_module
from derivations.render.page import pages_only
from derivations.render.printed_numbers import format_number

RTOL, ATOL = 1e-12, 1e-12  # the same sums in another order: rounding only
SETTINGS = settings(max_examples=40, deadline=None)


def scipy_signal():
    """scipy.signal, imported on first use (a second or more): every xdist worker imports
    this module to collect it, and only one runs it."""
    import scipy.signal

    return scipy.signal


@st.composite
def pairs(draw, ndim=2):
    """A larger array and a kernel that fits in it, random values."""
    big = tuple(draw(st.integers(1, 5)) for _ in range(ndim))
    small = tuple(draw(st.integers(1, n)) for n in big)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.normal(size=big), rng.normal(size=small)


@SETTINGS
@given(pairs(), st.sampled_from(["full", "valid"]))
def test_convolve_and_correlate_are_scipys_in_both_argument_orders(pair, mode):
    a, k = pair
    for first, second in ((a, k), (k, a)):
        np.testing.assert_allclose(cv.convolve(first, second, mode),
                                   scipy_signal().convolve2d(first, second, mode), rtol=RTOL,
                                   atol=ATOL)
        np.testing.assert_allclose(cv.correlate(first, second, mode),
                                   scipy_signal().correlate2d(first, second, mode), rtol=RTOL,
                                   atol=ATOL)


@SETTINGS
@given(pairs(ndim=3), st.sampled_from(["full", "valid"]))
def test_three_dimensional_convolve_is_scipys(pair, mode):
    a, k = pair
    np.testing.assert_allclose(cv.convolve(a, k, mode), scipy_signal().convolve(a, k, mode),
                               rtol=RTOL, atol=ATOL)


@SETTINGS
@given(pairs(), st.sampled_from(["full", "valid"]))
def test_swapping_correlate_arguments_turns_the_result_half_a_turn(pair, mode):
    """Eq. (argument order), for both modes; convolution does not care."""
    a, k = pair
    np.testing.assert_allclose(cv.correlate(k, a, mode), cv.rot180(cv.correlate(a, k, mode)),
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(cv.convolve(k, a, mode), cv.convolve(a, k, mode), rtol=RTOL,
                               atol=ATOL)


@SETTINGS
@given(pairs())
def test_rotated_input_convolved_is_the_rotated_correlation(pair):
    """Eq. (rotated input): rot180(i) ∗ δ = rot180(i ⋆ δ)."""
    i, delta = pair
    np.testing.assert_allclose(cv.convolve(cv.rot180(i), delta, "valid"),
                               cv.rot180(cv.correlate(i, delta, "valid")), rtol=RTOL, atol=ATOL)


@SETTINGS
@given(pairs())
def test_conv2_full_with_the_rotated_kernel_is_the_padded_correlation(pair):
    """Eq. (conv2 full): conv2(δ, rot180(k), 'full') = pad(δ) ⋆ k, pad = k − 1 zeros."""
    delta, k = pair
    padded = np.pad(delta, ((k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2))
    np.testing.assert_allclose(cv.convolve(delta, cv.rot180(k), "full"),
                               cv.correlate(padded, k, "valid"), rtol=RTOL, atol=ATOL)


@SETTINGS
@given(st.integers(1, 4), st.integers(2, 5), st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_flipall_pairs_each_example_with_its_own_gradient(n, size, k_less, seed):
    """Eq. (flipall): convn(flipall(a), d, 'valid') = rot180(Σ_n a_n ⋆ d_n); rotating only
    the spatial axes pairs a_n with d_{N−1−n} instead."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(size, size, n))
    d = rng.normal(size=(size - k_less, size - k_less, n))
    want = cv.rot180(sum(cv.correlate(a[:, :, t], d[:, :, t], "valid") for t in range(n)))
    got = cv.convolve(cv.flipall(a), d, "valid")
    assert got.shape[2] == 1
    np.testing.assert_allclose(got[:, :, 0], want, rtol=RTOL, atol=ATOL)
    crossed = cv.rot180(sum(cv.correlate(a[:, :, n - 1 - t], d[:, :, t], "valid")
                            for t in range(n)))
    np.testing.assert_allclose(cv.convolve(a[::-1, ::-1, :], d, "valid")[:, :, 0], crossed,
                               rtol=RTOL, atol=ATOL)


@SETTINGS
@given(pairs())
def test_forward_written_with_the_rotated_kernel_is_the_correlation(pair):
    """Eq. (forward): rot180(w) ∗ o = o ⋆ w, with the kernel written first."""
    o, w = pair
    np.testing.assert_allclose(cv.convolve(cv.rot180(w), o, "valid"), cv.correlate(o, w, "valid"),
                               rtol=RTOL, atol=ATOL)


def test_seed_forms_give_the_seed_gradients():
    f = cv.written_forms()
    np.testing.assert_array_equal(f.rot_i_conv_delta, f.rot_of_correlation)
    np.testing.assert_array_equal(f.swapped, f.rot_of_correlation)
    np.testing.assert_array_equal(f.conv2_full, f.padded_correlation)
    np.testing.assert_array_equal(f.conv2_book, f.padded_correlation)
    assert f.forward_rot == f.o2
    assert not np.array_equal(f.convn_flipall, f.convn_rot_only)  # the example shows the slip


def page():
    (only,) = pages_only(page_module.build())
    return only


def test_every_written_form_number_equals_the_exact_oracle():
    values = oracle.quantities()
    records = [r for r in page().records if r.key.startswith("conventions.")]
    assert len(records) > 80
    for record in records:
        assert record.key in values, record.key
        assert record.printed == format_number(values[record.key]), record.key


def test_conventions_page_passes_the_audit_with_every_form(built_site):
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers

    text = (built_site / "seed/conventions/index.html").read_text(encoding="utf-8")
    records = page().records
    assert audit_page("seed/conventions/index.html", records, extract_numbers(text),
                      oracles_of(records)) == []
    for anchor in ("written-forms", "form-rotated-input", "form-conv2-full",
                   "form-argument-order", "form-flipall", "form-forward",
                   "eq-form-flipall", "eq-form-argument-order"):
        assert f'id="{anchor}"' in text
