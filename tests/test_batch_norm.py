"""Batch normalization after a convolution, training mode: γ, β and Z gradients, checked."""

from __future__ import annotations

import numpy as np
import sympy
from chapter_checks import (
    assert_built_page_passes_the_audit,
    assert_every_record_is_the_oracles,
    only_page,
)
from finite_differences import central_gradient
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.examples.batch_norm import DEFAULT_EPS
from derivations.mathematics import batch_norm as bn
from derivations.mathematics.conv2d import conv2d_backward
from derivations.oracles import batch_norm as oracle
from derivations.pages import batch_norm as page_module
from derivations.render.page import Asset

STEP = 1e-5
# The cost is smooth (ε > 0, normal data keeps σ² ≈ 1): central differences are accurate to
# about STEP² times the third derivative, plus rounding of costs of size ~10 over 2·STEP.
FD_RTOL, FD_ATOL = 1e-5, 1e-6
TORCH_RTOL, TORCH_ATOL = 1e-9, 1e-10
SETTINGS = settings(max_examples=20, deadline=None)


@st.composite
def layers(draw):
    n, c, h, w = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                  draw(st.integers(2, 3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return (rng.normal(size=(n, c, h, w)), rng.normal(size=c), rng.normal(size=c),
            rng.normal(size=(n, c, h, w)))


@SETTINGS
@given(layers())
def test_three_gradients_match_central_differences(case):
    z, gamma, beta, delta = case
    eps = DEFAULT_EPS

    def cost(z_=z, g_=gamma, b_=beta):
        return float((delta * bn.forward(z_, g_, b_, eps)).sum())

    got = bn.input_gradient(z, gamma, delta, eps)
    assert got.shape == z.shape
    np.testing.assert_allclose(got, central_gradient(lambda v: cost(z_=v), z, STEP),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(bn.gamma_gradient(z, delta, eps),
                               central_gradient(lambda v: cost(g_=v), gamma, STEP),
                               rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(bn.beta_gradient(delta),
                               central_gradient(lambda v: cost(b_=v), beta, STEP),
                               rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(layers())
def test_input_gradient_sums_to_zero_and_is_orthogonal_to_z_hat(case):
    """Eq. (zero sum) for any ε, orthogonality to Ẑ at ε = 0, and so a convolution bias in
    front receives no gradient."""
    z, gamma, _, delta = case
    grad = bn.input_gradient(z, gamma, delta, DEFAULT_EPS)
    np.testing.assert_allclose(grad.sum(axis=bn.AXES), 0, atol=1e-12)
    exact = bn.input_gradient(z, gamma, delta, 0.0)  # orthogonality is exact at ε = 0 only
    z_hat = bn.statistics(z, 0.0)[2]
    np.testing.assert_allclose((exact * z_hat).sum(axis=bn.AXES), 0, atol=1e-9)
    x = np.random.default_rng(0).normal(size=(z.shape[0], 2, z.shape[2] + 1, z.shape[3] + 1))
    w = np.random.default_rng(1).normal(size=(z.shape[1], 2, 2, 2))
    conv_bias = conv2d_backward(x, w, grad, with_bias=True).grad_bias
    np.testing.assert_allclose(conv_bias, 0, atol=1e-12)


def test_evaluation_mode_is_a_per_channel_scale():
    """With the running statistics fixed, ∂C/∂Z = γ δ / √(σ² + ε): central differences."""
    rng = np.random.default_rng(3)
    z, delta = rng.normal(size=(2, 3, 2, 2)), rng.normal(size=(2, 3, 2, 2))
    gamma, mean, var = rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, size=3)

    def cost(v):
        y = gamma[None, :, None, None] * (v - mean[None, :, None, None]) / np.sqrt(
            var[None, :, None, None] + DEFAULT_EPS)
        return float((delta * y).sum())

    np.testing.assert_allclose(bn.eval_input_gradient(gamma, delta, var, DEFAULT_EPS),
                               central_gradient(cost, z, STEP), rtol=FD_RTOL, atol=FD_ATOL)


def test_sympy_derivative_minus_the_closed_form_simplifies_to_zero():
    """Eq. (input) for one channel of three symbols, ε a symbol: sympy.diff − closed form = 0."""
    _, derivative, closed, _ = bn.symbolic_channel(3)
    assert sympy.simplify(derivative - closed) == 0


def test_worked_example_is_exact_and_its_channels_sum_to_zero():
    e = bn.example()
    assert e.eps == 0 and e.var.tolist() == [4.0, 1.0]  # perfect squares: exact numbers
    assert e.grad_input_sums.tolist() == [0.0, 0.0]
    assert e.m == e.z.shape[0] * e.z.shape[2] * e.z.shape[3]


def test_pytorch_training_mode_agrees(torch):
    """F.batch_norm (training) at PyTorch's default ε, on random data, and at a tiny ε on the
    worked example (PyTorch refuses ε = 0 in training)."""
    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=(3, 2, 3, 4)), rng.normal(size=2), rng.normal(size=2),
              rng.normal(size=(3, 2, 3, 4)), DEFAULT_EPS)]
    e = bn.example()
    cases.append((e.z, e.gamma, e.beta, e.delta, 1e-12))
    for z, gamma, beta, delta, eps in cases:
        zt = torch.tensor(z, requires_grad=True)
        gt, bt = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
        y = torch.nn.functional.batch_norm(zt, None, None, gt, bt, training=True, eps=eps)
        np.testing.assert_allclose(y.detach().numpy(), bn.forward(z, gamma, beta, eps),
                                   rtol=TORCH_RTOL, atol=TORCH_ATOL)
        (y * torch.tensor(delta)).sum().backward()
        np.testing.assert_allclose(zt.grad.numpy(), bn.input_gradient(z, gamma, delta, eps),
                                   rtol=TORCH_RTOL, atol=TORCH_ATOL)
        np.testing.assert_allclose(gt.grad.numpy(), bn.gamma_gradient(z, delta, eps),
                                   rtol=TORCH_RTOL, atol=TORCH_ATOL)
        np.testing.assert_allclose(bt.grad.numpy(), bn.beta_gradient(delta), rtol=TORCH_RTOL,
                                   atol=TORCH_ATOL)
    np.testing.assert_allclose(bn.input_gradient(e.z, e.gamma, e.delta, 1e-12), e.grad_input,
                               rtol=1e-9, atol=1e-10)


def page():
    return only_page(page_module)


def test_every_printed_number_equals_the_sympy_oracle():
    assert_every_record_is_the_oracles(page(), oracle, at_least=100)


def test_batch_norm_page_passes_the_audit(built_site):
    assert_built_page_passes_the_audit(
        built_site, "general/batch-norm/index.html", page(), oracle,
        ("bn-statistics", "bn-gamma-beta", "bn-input-gradient", "bn-example",
         "eq-bn-input", "eq-bn-zero-sum"))


def test_figure_is_deterministic_labelled_svg():
    first = [a for a in page_module.build() if isinstance(a, Asset)]
    second = [a for a in page_module.build() if isinstance(a, Asset)]
    assert [a.path for a in first] == ["general/figures/batch-norm-statistics.svg"]
    assert first[0].content == second[0].content
    assert 'role="img"' in first[0].content and "<title>" in first[0].content
