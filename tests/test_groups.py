"""Grouped, depthwise and separable convolution: sums restricted to a group, checked."""

from __future__ import annotations

import numpy as np
from chapter_checks import (
    assert_built_page_passes_the_audit,
    assert_every_record_is_the_oracles,
    only_page,
)
from finite_differences import central_gradient
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.mathematics import groups as gr
from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward
from derivations.oracles import groups as oracle
from derivations.pages import groups as page_module
from derivations.render.page import Asset

ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
FD_RTOL, FD_ATOL = 1e-7, 1e-7
STEP = 1e-3
TORCH_RTOL, TORCH_ATOL = 1e-10, 1e-10
SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def grouped(draw):
    groups = draw(st.integers(1, 3))
    per_in, per_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = draw(st.integers(1, 3))
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(k, 5)), draw(st.integers(k, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(n, groups * per_in, h, w))
    weight = rng.normal(size=(groups * per_out, per_in, k, k))
    delta = rng.normal(size=(n, groups * per_out, h - k + 1, w - k + 1))
    return x, weight, delta, groups


@SETTINGS
@given(grouped())
def test_group_formulas_agree_with_the_engine(case):
    x, w, delta, groups = case
    np.testing.assert_allclose(gr.forward(x, w, None, groups),
                               conv2d_forward(x, w, groups=groups), rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)
    want = conv2d_backward(x, w, delta, groups=groups, with_bias=True)
    got_w, got_x = gr.weight_gradient(x, delta, groups), gr.input_gradient(w, delta, x.shape[1],
                                                                            groups)
    assert got_w.shape == w.shape and got_x.shape == x.shape
    np.testing.assert_allclose(got_w, want.grad_weight, rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(got_x, want.grad_input, rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(gr.bias_gradient(delta), want.grad_bias, rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)


@SETTINGS
@given(grouped())
def test_weight_gradient_matches_central_differences(case):
    x, w, delta, groups = case
    got = gr.weight_gradient(x, delta, groups)
    numeric = central_gradient(lambda v: float((delta * gr.forward(x, v, None, groups)).sum()),
                               w, STEP)
    np.testing.assert_allclose(numeric, got, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(grouped())
def test_block_diagonal_dense_layer_has_the_same_forward_but_nonzero_off_block_gradient(case):
    """The dense equivalent agrees forwards and on the blocks; off the blocks its weight
    gradient is generally not zero, which is why it must be masked."""
    x, w, delta, groups = case
    dense = gr.block_diagonal(w, x.shape[1], groups)
    np.testing.assert_allclose(conv2d_forward(x, dense), gr.forward(x, w, None, groups),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    grad_dense = conv2d_backward(x, dense, delta).grad_weight
    mask = gr.connections(x.shape[1], w.shape[0], groups).astype(bool)
    np.testing.assert_allclose(grad_dense[mask].reshape(w.shape),
                               gr.weight_gradient(x, delta, groups), rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)
    if groups > 1:
        assert np.abs(grad_dense[~mask]).max() > 0


def test_connections_are_block_diagonal_and_depthwise_is_the_diagonal():
    assert gr.connections(4, 4, 1).sum() == 16
    np.testing.assert_array_equal(gr.connections(4, 4, 4), np.eye(4, dtype=int))
    two = gr.connections(4, 4, 2)
    assert two[:2, :2].all() and two[2:, 2:].all() and not two[:2, 2:].any()
    assert gr.connections(2, 4, 2).tolist() == [[1, 0], [1, 0], [0, 1], [0, 1]]


def test_separable_example_by_central_differences_through_both_layers():
    e = gr.separable_example()
    c = e.x.shape[1]

    def cost(x, dw, v):
        z = gr.forward(x, dw, None, groups=c)
        return float((e.delta * gr.forward(z, v[:, :, None, None], None, groups=1)).sum())

    args = {"x": e.x, "dw": e.depthwise, "v": e.pointwise}
    for name, got in (("x", e.grad_input), ("dw", e.grad_depthwise), ("v", e.grad_pointwise)):
        numeric = central_gradient(lambda v, name=name: cost(**{**args, name: v}), args[name],
                                   STEP)
        np.testing.assert_allclose(numeric, got, rtol=FD_RTOL, atol=FD_ATOL)


def test_sympy_chain_through_both_layers_gives_the_worked_depthwise_entry():
    e = gr.separable_example()
    expression = gr.symbolic_depthwise_weight(e, 0, 0, 0)
    values = {}
    for symbol in expression.free_symbols:
        name, index = symbol.name.split("_", 1)
        index = tuple(int(k) for k in index.strip("{}").split(","))
        array = {"X": e.x, "V": e.pointwise, "\\delta": e.delta}[name]
        values[symbol] = int(array[index])
    assert int(expression.subs(values)) == e.grad_depthwise[0, 0, 0, 0]
    assert all(s.name.startswith(("X_{0,0,", "V_", "\\delta_")) for s in expression.free_symbols)


def test_pytorch_agrees_on_the_separable_layer(torch):
    e = gr.separable_example()
    x = torch.tensor(e.x, requires_grad=True)
    dw = torch.tensor(e.depthwise, requires_grad=True)
    v = torch.tensor(e.pointwise[:, :, None, None], requires_grad=True)
    z = torch.nn.functional.conv2d(x, dw, groups=e.x.shape[1])
    y = torch.nn.functional.conv2d(z, v)
    np.testing.assert_allclose(y.detach().numpy(), e.y, rtol=TORCH_RTOL, atol=TORCH_ATOL)
    (y * torch.tensor(e.delta)).sum().backward()
    for got, want in ((x.grad, e.grad_input), (dw.grad, e.grad_depthwise),
                      (v.grad[:, :, 0, 0], e.grad_pointwise)):
        np.testing.assert_allclose(got.numpy(), want, rtol=TORCH_RTOL, atol=TORCH_ATOL)


def page():
    return only_page(page_module)


def test_every_printed_number_equals_the_independent_oracle():
    assert_every_record_is_the_oracles(page(), oracle, at_least=80)


def test_groups_page_passes_the_audit(built_site):
    assert_built_page_passes_the_audit(
        built_site, "general/groups/index.html", page(), oracle,
        ("groups-channels", "groups-gradients", "separable", "groups-example",
         "eq-groups-input", "eq-separable-pointwise"))


def test_figure_is_deterministic_labelled_svg():
    first = [a for a in page_module.build() if isinstance(a, Asset)]
    second = [a for a in page_module.build() if isinstance(a, Asset)]
    assert [a.path for a in first] == ["general/figures/groups-connections.svg"]
    assert first[0].content == second[0].content
    assert 'role="img"' in first[0].content and "<title>" in first[0].content
