"""Stride, padding and dilation together: sizes, unreached rows, leftover rows, output_padding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from chapter_checks import (
    assert_built_page_passes_the_audit,
    assert_every_record_is_the_oracles,
    assert_symbolic_layer_gives_the_worked_numbers,
    only_page,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.mathematics import shapes as sh
from derivations.mathematics.conv2d import (
    conv2d_backward,
    conv2d_output_size,
    conv_transpose2d_output_size,
)
from derivations.oracles import shapes as oracle
from derivations.pages import shapes as page_module
from derivations.render.page import Asset

ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
TORCH_RTOL, TORCH_ATOL = 1e-10, 1e-10  # float64 on both sides: summation order only
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def axes(draw):
    """One axis of a layer whose dilated kernel fits in the padded input."""
    k, s, p, d = (draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(0, 3)),
                  draw(st.integers(1, 4)))
    size = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 14))
    return size, k, s, p, d


def engine_reached(size, k, s, p, d):
    """Rows whose engine input gradient is non-zero with all-ones W and δ: every term is 1."""
    out = conv2d_output_size((size, 1), (k, 1), (s, 1), (p, 0), (d, 1))
    grads = conv2d_backward(np.ones((1, 1, size, 1)), np.ones((1, 1, k, 1)),
                            np.ones((1, 1, *out)), stride=(s, 1), padding=(p, 0),
                            dilation=(d, 1))
    return tuple(int(a) for a in np.flatnonzero(grads.grad_input[0, 0, :, 0]))


@SETTINGS
@given(axes())
def test_output_size_and_reached_rows_agree_with_the_engine(axis):
    size, k, s, p, d = axis
    assert sh.output_size(*axis) == conv2d_output_size((size, 1), (k, 1), (s, 1), (p, 0),
                                                       (d, 1))[0]
    assert sh.reached_rows(*axis) == engine_reached(*axis)
    assert set(sh.reached_rows(*axis)) | set(sh.unreached_rows(*axis)) == set(range(size))


@SETTINGS
@given(axes())
def test_rows_after_the_last_window_number_max_of_zero_and_leftover_minus_padding(axis):
    """Eq. (trailing): counted against the rows beyond the last tap, found by enumeration."""
    size, k, s, p, d = axis
    out = sh.output_size(*axis)
    last_tap = max(s * i + d * m for i in range(out) for m in range(k))
    after = [a for a in range(size) if a + p > last_tap]
    assert sh.trailing_unreached(*axis) == len(after)
    assert all(sh.why_unreached(a, *axis) == sh.AFTER for a in after)
    assert sh.leftover(*axis) == size + 2 * p - 1 - last_tap


@SETTINGS
@given(axes())
def test_the_three_ways_to_miss_a_row_as_the_page_states_them(axis):
    size, k, s, p, d = axis
    missed = set(sh.unreached_rows(*axis))
    out = sh.output_size(*axis)
    if d == 1 and s <= k:  # windows touch or overlap: only rows after the last one are missed
        assert missed == {a for a in range(size) if sh.why_unreached(a, *axis) == sh.AFTER}
    if d == 1 and s > k:  # s − k rows skipped after every window
        inner = {a for a in missed if sh.why_unreached(a, *axis) != sh.AFTER}
        last = s * (out - 1) + k - 1
        assert inner == {a for a in range(size) if (a + p) % s >= k and a + p <= last}
    if s == 1 and (out >= d or k == 1):  # stride one fills every gap between taps
        assert all(sh.why_unreached(a, *axis) == sh.AFTER for a in missed)
    if s >= 2 and d >= 2 and 0 <= 1 - p < size:  # s·i + d·m = 1 has no solution
        assert 1 - p in missed
    g = math.gcd(s, d)
    if g > 1:
        assert all((a + p) % g == 0 for a in sh.reached_rows(*axis))


@SETTINGS
@given(axes(), st.integers(0, 2**32 - 1))
def test_gradient_sizes_and_values_agree_with_the_engine(axis, seed):
    """Eq. (input): full correlation, ℓ zero rows appended, p cropped; eq. (weight): every d-th
    entry of X_pad ⋆ δ⁽ˢ⁾, of which there are k + ⌊ℓ/d⌋, the first k kept."""
    size, k, s, p, d = axis
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=(size, size + 1)), rng.normal(size=(k, k))  # columns: one more
    out = conv2d_output_size(x.shape, w.shape, s, p, d)
    delta = rng.normal(size=out)
    want = conv2d_backward(x[None, None], w[None, None], delta[None, None], stride=s,
                           padding=p, dilation=d)
    correlation, sampled, grad_w = sh.weight_gradient_parts(x, delta, w.shape, s, p, d)
    assert correlation.shape[0] == d * (k - 1) + 1 + sh.leftover(size, k, s, p, d)
    assert sampled.shape[0] == sh.weight_correlation_rows(size, k, s, p, d)
    assert sampled.shape[1] == sh.weight_correlation_rows(size + 1, k, s, p, d)
    np.testing.assert_allclose(grad_w, want.grad_weight[0, 0], rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)
    reached, padded, grad_x = sh.input_gradient_parts(w, delta, x.shape, s, p, d)
    assert reached.shape[0] == size + 2 * p - sh.leftover(size, k, s, p, d)
    assert padded.shape == (size + 2 * p, size + 1 + 2 * p)
    np.testing.assert_allclose(grad_x, want.grad_input[0, 0], rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)


@SETTINGS
@given(axes())
def test_output_padding_equal_to_the_leftover_gives_the_input_size_back(axis):
    """Eq. (transposed): s input sizes share an output size; output_padding = ℓ tells them apart."""
    size, k, s, p, d = axis
    out = sh.output_size(*axis)
    ell = sh.leftover(*axis)
    assert sh.transposed_size(out, k, s, p, d, ell) == size
    if sh.transposed_size(out, k, s, p, d) >= 1:  # PyTorch refuses an empty output
        assert conv_transpose2d_output_size((out, 1), (k, 1), (s, 1), (p, 0), (ell, 0),
                                            (d, 1))[0] == size
    same = sh.sizes_with_output(out, k, s, p, d)
    assert size in same and len(same) <= s
    assert all(sh.output_size(h, k, s, p, d) == out for h in same)
    assert sh.output_size(max(same) + 1, k, s, p, d) == out + 1


def test_worked_example_uses_all_three_and_shows_each_effect():
    e = sh.example()
    assert (e.stride, e.padding, e.dilation) == (3, 1, 2)
    assert e.sampled.shape[0] == e.w.shape[0] + 1  # one leftover row in the weight gradient
    assert e.sampled.shape[1] == e.w.shape[1]  # and none in the columns
    assert set(e.rows.why) == {sh.BETWEEN_TAPS, sh.AFTER}
    assert e.rows.leftover > e.padding >= e.cols.leftover
    assert np.all(e.grad_input[list(e.rows.unreached), :] == 0)
    assert np.all(e.grad_input[:, list(e.cols.unreached)] == 0)


def test_sympy_derivative_at_the_example_equals_the_worked_numbers():
    e = sh.example()
    assert_symbolic_layer_gives_the_worked_numbers(e, stride=e.stride, padding=e.padding,
                                                   dilation=e.dilation)


def test_pytorch_needs_output_padding_for_the_leftover_rows(torch):
    """conv_transpose2d of δ is ∂C/∂X only with output_padding = (ℓ rows, ℓ columns)."""
    e = sh.example()
    f = torch.nn.functional
    delta = torch.tensor(e.delta[None, None])
    w = torch.tensor(e.w[None, None])
    hyper = dict(stride=e.stride, padding=e.padding, dilation=e.dilation)
    full = f.conv_transpose2d(delta, w, output_padding=(e.rows.leftover, e.cols.leftover),
                              **hyper)
    assert tuple(full.shape[2:]) == e.x.shape
    np.testing.assert_allclose(full[0, 0].numpy(), e.grad_input, rtol=TORCH_RTOL,
                               atol=TORCH_ATOL)
    short = f.conv_transpose2d(delta, w, **hyper)
    assert tuple(short.shape[2:]) == (e.x.shape[0] - e.rows.leftover,
                                      e.x.shape[1] - e.cols.leftover)


def test_pytorch_weight_gradient_by_the_swapped_convolution(torch):
    """The weight gradient is a convolution of X_pad with δ at stride d and dilation s,
    narrowed to the kernel's size: PyTorch's autograd agrees with the kept block."""
    e = sh.example()
    x = torch.tensor(e.x[None, None], requires_grad=False)
    w = torch.tensor(e.w[None, None], requires_grad=True)
    y = torch.nn.functional.conv2d(x, w, stride=e.stride, padding=e.padding,
                                   dilation=e.dilation)
    (y * torch.tensor(e.delta[None, None])).sum().backward()
    np.testing.assert_allclose(w.grad[0, 0].numpy(), e.grad_weight, rtol=TORCH_RTOL,
                               atol=TORCH_ATOL)
    swapped = torch.nn.functional.conv2d(x, torch.tensor(e.delta[None, None]),
                                         stride=e.dilation, padding=e.padding,
                                         dilation=e.stride)
    np.testing.assert_allclose(swapped[0, 0].numpy(), e.sampled, rtol=TORCH_RTOL,
                               atol=TORCH_ATOL)


def page():
    return only_page(page_module)


def test_every_printed_number_equals_the_independent_oracle():
    assert_every_record_is_the_oracles(page(), oracle, at_least=150)


@pytest.mark.parametrize("c", range(len(sh.axis_cases())))
def test_each_table_row_is_solved_exactly_by_the_oracle(c):
    """Row by row, the unreached rows and their count are the enumeration's."""
    values = oracle.quantities()
    case = sh.axis_cases()[c]
    missed = [values[key] for key in sorted(k for k in values
                                            if k.startswith(f"shapes.case[{c}].unreached["))]
    assert tuple(missed) == case.unreached


def test_shapes_page_passes_the_audit(built_site):
    assert_built_page_passes_the_audit(
        built_site, "general/shapes/index.html", page(), oracle,
        ("output-size", "unreached-rows", "gradient-sizes", "output-padding", "shapes-example",
         "eq-shapes-output", "eq-shapes-weight-rows"))


def test_figures_are_deterministic_labelled_svg():
    first = [a for a in page_module.build() if isinstance(a, Asset)]
    second = [a for a in page_module.build() if isinstance(a, Asset)]
    assert [a.path for a in first] == ["general/figures/shapes-reached.svg",
                                       "general/figures/shapes-weight-leftover.svg"]
    for a, b in zip(first, second, strict=True):
        assert a.content == b.content
        assert 'role="img"' in a.content and "<title>" in a.content
