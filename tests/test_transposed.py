"""Transposed convolution as a layer: forward by stamps, its input gradient a convolution,
its weight gradient a correlation of δ with the zero-inserted X; checked independently."""

from __future__ import annotations

import numpy as np
from chapter_checks import (
    assert_built_page_passes_the_audit,
    assert_every_record_is_the_oracles,
    only_page,
)
from finite_differences import central_gradient
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derivations.mathematics import transposed as tr
from derivations.mathematics.conv2d import (
    conv2d_backward,
    conv2d_forward,
    conv2d_output_size,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
)
from derivations.oracles import transposed as oracle
from derivations.pages import transposed as page_module
from derivations.render.page import Asset

ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
FD_RTOL, FD_ATOL = 1e-7, 1e-7  # central differences of a cost linear in each variable
STEP = 1e-3
TORCH_RTOL, TORCH_ATOL = 1e-10, 1e-10
SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def layers(draw):
    s, d, k = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    p = draw(st.integers(0, 2))
    op = draw(st.integers(0, max(s, d) - 1))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    assume(tr.output_size(h, k, s, p, op, d) >= 1 and tr.output_size(w, k, s, p, op, d) >= 1)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.normal(size=(h, w)), rng.normal(size=(k, k)), float(rng.normal()), s, p, op, d


@SETTINGS
@given(layers())
def test_forward_by_stamps_is_the_engines_conv_transpose2d(case):
    x, w, b, s, p, op, d = case
    got = tr.forward(x, w, b, s, p, op, d)
    want = conv_transpose2d_forward(x[None, None], w[None, None], [b], stride=s, padding=p,
                                    output_padding=op, dilation=d)[0, 0]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


@SETTINGS
@given(layers())
def test_forward_is_a_convolutions_input_gradient(case):
    """Eq. (forward): Y − b is ∂C/∂Z of the convolution Z = conv(V, W) at δ = X, for V of Y's
    size, whenever that convolution's output has X's size."""
    x, w, b, s, p, op, d = case
    y = tr.forward(x, w, b, s, p, op, d)
    assume(conv2d_output_size(y.shape, w.shape, s, p, d) == x.shape)  # op ≥ s can add a window
    v = np.zeros_like(y)
    grads = conv2d_backward(v[None, None], w[None, None], x[None, None], stride=s, padding=p,
                            dilation=d)
    np.testing.assert_allclose(y - b, grads.grad_input[0, 0], rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)


@SETTINGS
@given(layers(), st.integers(0, 2**32 - 1))
def test_the_three_gradients_agree_with_the_engine_and_central_differences(case, seed):
    x, w, b, s, p, op, d = case
    delta = np.random.default_rng(seed).normal(size=tr.forward(x, w, b, s, p, op, d).shape)
    got_x = tr.input_gradient(w, delta, x.shape, s, p, d)
    got_w = tr.weight_gradient(x, delta, w.shape, s, p, d)
    assert got_x.shape == x.shape and got_w.shape == w.shape
    engine = conv_transpose2d_backward(x[None, None], w[None, None], delta[None, None],
                                       stride=s, padding=p, output_padding=op, dilation=d,
                                       with_bias=True)
    np.testing.assert_allclose(got_x, engine.grad_input[0, 0], rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)
    np.testing.assert_allclose(got_w, engine.grad_weight[0, 0], rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)
    np.testing.assert_allclose(tr.bias_gradient(delta), engine.grad_bias[0], rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)

    def cost(x_, w_):
        return float((delta * tr.forward(x_, w_, b, s, p, op, d)).sum())

    np.testing.assert_allclose(central_gradient(lambda v: cost(v, w), x, STEP), got_x,
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(central_gradient(lambda v: cost(x, v), w, STEP), got_w,
                               rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(layers(), st.integers(0, 2**32 - 1))
def test_input_gradient_is_the_convolution_forward_of_delta(case, seed):
    """Eq. (input): the transposed convolution's backward pass is conv2d's forward pass."""
    x, w, b, s, p, op, d = case
    delta = np.random.default_rng(seed).normal(size=tr.forward(x, w, b, s, p, op, d).shape)
    conv = conv2d_forward(delta[None, None], w[None, None], stride=s, padding=p,
                          dilation=d)[0, 0]
    got = tr.input_gradient(w, delta, x.shape, s, p, d)
    np.testing.assert_allclose(got, conv[: x.shape[0], : x.shape[1]], rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)


def test_sympy_derivatives_at_the_example_equal_the_worked_numbers():
    e = tr.example()
    sym = tr.symbolic_transposed(e.x.shape, e.w.shape, e.stride, e.padding, e.output_padding,
                                 e.dilation)
    values = {sym.x[idx]: int(e.x[idx]) for idx in np.ndindex(e.x.shape)}
    values.update({sym.w[idx]: int(e.w[idx]) for idx in np.ndindex(e.w.shape)})
    values.update({sym.delta[idx]: int(e.delta[idx]) for idx in np.ndindex(e.delta.shape)})
    for idx in np.ndindex(e.x.shape):
        assert int(sym.input_entry(*idx).subs(values)) == e.grad_input[idx]
    for idx in np.ndindex(e.w.shape):
        assert int(sym.weight_entry(*idx).subs(values)) == e.grad_weight[idx]


def test_worked_example_doubles_the_size_with_overlapping_stamps():
    e = tr.example()
    assert e.y.shape == (2 * e.x.shape[0], 2 * e.x.shape[1])
    assert e.stride < e.w.shape[0]  # stamps overlap, so the forward pass adds
    assert len(e.stamps) == e.x.size


def test_pytorch_agrees_forward_and_backward(torch):
    e = tr.example()
    x = torch.tensor(e.x[None, None], requires_grad=True)
    w = torch.tensor(e.w[None, None], requires_grad=True)
    b = torch.tensor([e.b], dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv_transpose2d(x, w, b, stride=e.stride, padding=e.padding,
                                             output_padding=e.output_padding,
                                             dilation=e.dilation)
    np.testing.assert_allclose(y[0, 0].detach().numpy(), e.y, rtol=TORCH_RTOL, atol=TORCH_ATOL)
    (y * torch.tensor(e.delta[None, None])).sum().backward()
    np.testing.assert_allclose(x.grad[0, 0].numpy(), e.grad_input, rtol=TORCH_RTOL,
                               atol=TORCH_ATOL)
    np.testing.assert_allclose(w.grad[0, 0].numpy(), e.grad_weight, rtol=TORCH_RTOL,
                               atol=TORCH_ATOL)
    np.testing.assert_allclose(b.grad.numpy(), [e.grad_bias], rtol=TORCH_RTOL, atol=TORCH_ATOL)


def page():
    return only_page(page_module)


def test_every_printed_number_equals_the_independent_oracle():
    assert_every_record_is_the_oracles(page(), oracle, at_least=100)


def test_transposed_page_passes_the_audit(built_site):
    assert_built_page_passes_the_audit(
        built_site, "general/transposed/index.html", page(), oracle,
        ("transposed-forward", "transposed-output-size", "transposed-input-gradient",
         "transposed-weight-gradient", "transposed-example", "eq-transposed-input"))


def test_figures_are_deterministic_labelled_svg():
    first = [a for a in page_module.build() if isinstance(a, Asset)]
    second = [a for a in page_module.build() if isinstance(a, Asset)]
    assert [a.path for a in first] == ["general/figures/transposed-stamps.svg",
                                       "general/figures/transposed-input-gradient.svg"]
    for a, b in zip(first, second, strict=True):
        assert a.content == b.content
        assert 'role="img"' in a.content and "<title>" in a.content
