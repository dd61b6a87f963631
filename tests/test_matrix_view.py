"""im2col, the Jacobian and transposed convolution, against the engine, differences and sympy."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
import sympy
from conftest import examples
from hypothesis import given
from hypothesis import strategies as st

from derivations.mathematics import matrix_view as mv
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)
from derivations.oracles import matrix_view as oracle
from derivations.oracles.general_layer import exact_gradients_2d
from derivations.pages import matrix_view as page_module
from derivations.render.page import pages_only

# The engine and these matrices sum the same float products in different orders.
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
# The forward map is linear in X, so central differences are exact up to rounding.
STEP = 1e-3
FD_RTOL, FD_ATOL = 1e-7, 1e-7
SETTINGS = examples(25)


@st.composite
def layers(draw):
    """A single-channel layer with random stride, padding and dilation that fits its input."""
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, padding, dilation = (draw(st.integers(1, 3)), draw(st.integers(0, 2)),
                                 draw(st.integers(1, 2)))
    h = draw(st.integers(max(1, dilation * (k_h - 1) + 1 - 2 * padding), 7))
    w = draw(st.integers(max(1, dilation * (k_w - 1) + 1 - 2 * padding), 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x, kernel = rng.normal(size=(h, w)), rng.normal(size=(k_h, k_w))
    out = mv.output_shape((h, w), (k_h, k_w), stride, padding, dilation)
    delta = rng.normal(size=out)
    return x, kernel, delta, dict(stride=stride, padding=padding, dilation=dilation)


def engine_forward(x, w, conv):
    from derivations.mathematics.conv2d import conv2d_forward

    return conv2d_forward(x[None, None], w[None, None], **conv)[0, 0]


def engine_backward(x, w, delta, conv):
    from derivations.mathematics.conv2d import conv2d_backward

    return conv2d_backward(x[None, None], w[None, None], delta[None, None], **conv)


@SETTINGS
@given(layers())
def test_im2col_and_jacobian_products_are_the_engines_forward(case):
    """vec(W)ᵀ X_col and J vec(X) both equal conv2d_forward, with stride/padding/dilation."""
    x, w, delta, conv = case
    want = engine_forward(x, w, conv)
    assert want.shape == delta.shape
    assert mv.im2col(x, w.shape, **conv).shape == (w.size, delta.size)
    assert mv.jacobian(w, x.shape, **conv).shape == (delta.size, x.size)
    np.testing.assert_allclose(mv.forward_by_im2col(x, w, **conv), want,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(mv.forward_by_jacobian(x, w, **conv), want,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


@SETTINGS
@given(layers())
def test_jacobian_transpose_and_transposed_convolution_are_the_input_gradient(case):
    """Jᵀδ and the stamp-by-stamp transposed convolution equal the engine's ∂C/∂X."""
    x, w, delta, conv = case
    want = engine_backward(x, w, delta, conv)
    got = mv.input_gradient_by_jacobian(w, delta, x.shape, **conv)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, want.grad_input[0, 0], rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(mv.transposed_convolution(delta, w, x.shape, **conv),
                               want.grad_input[0, 0], rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(mv.weight_gradient_by_im2col(x, delta, w.shape, **conv),
                               want.grad_weight[0, 0], rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


@SETTINGS
@given(layers())
def test_jacobian_entries_are_central_differences_of_the_forward_pass(case):
    """J[k,l] = ∂Y_k/∂X_l measured by nudging each input (the definition, no index algebra)."""
    x, w, _, conv = case
    jac = mv.jacobian(w, x.shape, **conv)
    for l_index in range(x.size):
        bump = np.zeros(x.size)
        bump[l_index] = STEP
        up = engine_forward(x + bump.reshape(x.shape), w, conv).reshape(-1)
        down = engine_forward(x - bump.reshape(x.shape), w, conv).reshape(-1)
        np.testing.assert_allclose(jac[:, l_index], (up - down) / (2 * STEP),
                                   rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_jacobian_transpose_is_full_correlation_with_rotated_kernel(k_h, k_w, seed):
    """Stride one: Jᵀδ = δ padded by k−1, correlated with rot180(W) (the page's claim)."""
    from derivations.mathematics.general_layer import correlate_full, rot180

    rng = np.random.default_rng(seed)
    x_hw = (k_h + int(rng.integers(0, 4)), k_w + int(rng.integers(0, 4)))
    w = rng.normal(size=(k_h, k_w))
    delta = rng.normal(size=mv.output_shape(x_hw, w.shape))
    np.testing.assert_allclose(mv.input_gradient_by_jacobian(w, delta, x_hw),
                               correlate_full(delta, rot180(w)), rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)


def test_seed_jacobian_is_sympys_jacobian_at_the_seed_kernel():
    """The numeric 4×9 J equals sympy's jacobian with w¹ substituted; structure is the kernel."""
    v = mv.seed_matrix_view()
    assert v.jacobian.shape == (4, 9)
    names = sympy.symbols("w^{1}_{1} w^{1}_{2} w^{1}_{3} w^{1}_{4}")
    at = dict(zip(names, v.w1.reshape(-1).tolist(), strict=True))
    substituted = np.array(v.symbolic_jacobian.subs(at).tolist(), dtype=float)
    np.testing.assert_array_equal(substituted, v.jacobian)
    # every row holds each weight exactly once: the kernel, shifted
    for row in range(4):
        entries = [e for e in v.symbolic_jacobian.row(row) if e != 0]
        assert sorted(map(str, entries)) == sorted(map(str, names))


def test_seed_numbers_match_the_loop_by_definition_reference_exactly():
    """o¹, ∂C/∂i and ∂C/∂w¹ of the page equal conv2d_reference on Fractions."""
    v = mv.seed_matrix_view()
    i = [[[[Fraction(int(a)) for a in row] for row in v.i]]]
    w1 = [[[[Fraction(int(a)) for a in row] for row in v.w1]]]
    delta = [[[[Fraction(int(a)) for a in row] for row in v.delta1]]]
    o1 = conv2d_forward_reference(i, w1)[0, 0]
    grads = conv2d_backward_reference(i, w1, delta)
    assert [[Fraction(a) for a in row] for row in v.o1] == o1.tolist()
    assert [[Fraction(a) for a in row] for row in v.grad_i] == grads.grad_input[0, 0].tolist()
    assert [[Fraction(a) for a in row] for row in v.grad_w1_by_im2col] == \
        grads.grad_weight[0, 0].tolist()
    np.testing.assert_array_equal(v.grad_i, v.grad_i_full)
    np.testing.assert_array_equal(sum(v.stamps), v.grad_i)


def test_transposed_convolution_is_not_an_inverse():
    """J(Jᵀδ) ≠ δ for the seed: the page's 'transpose, not inverse' remark holds."""
    v = mv.seed_matrix_view()
    assert v.roundtrip.shape == v.delta1.shape
    assert not np.allclose(v.roundtrip, v.delta1)


def page():
    (only,) = pages_only(page_module.build())
    return only


def test_worked_numbers_equal_the_exact_oracle():
    """Every recorded number equals the Fraction oracle (exact differences, sympy δ¹)."""
    from derivations.render.printed_numbers import format_number

    values = oracle.quantities()
    records = page().records
    assert len(records) > 100
    for record in records:
        assert record.key in values, record.key
        assert record.printed == format_number(values[record.key]), record.key


def test_matrix_view_page_passes_the_audit(built_site):
    """The built page prints exactly the recorded numbers, each equal to the oracle's."""
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers

    html = "general/matrix-view/index.html"
    text = (built_site / html).read_text(encoding="utf-8")
    assert audit_page(html, page().records, extract_numbers(text), oracle.quantities()) == []
    for anchor in ("im2col", "jacobian", "transposed-convolution", "gemm-shapes", "col2im",
                   "eq-gemm-gradients", "eq-col2im"):
        assert f'id="{anchor}"' in text


def test_matrix_figures_are_deterministic_labelled_svg():
    """Same bytes on every build; sized, titled and labelled for screen readers."""
    from derivations.render.page import Asset

    first = [a for a in page_module.build() if isinstance(a, Asset)]
    second = [a for a in page_module.build() if isinstance(a, Asset)]
    assert {a.path for a in first} == {"general/figures/matrix-jacobian.svg",
                                       "general/figures/matrix-transposed.svg",
                                       "general/figures/matrix-transposed-stride.svg"}
    for a, b in zip(first, second, strict=True):
        assert a.content == b.content
        head = a.content.split(">", 1)[0]
        for attribute in ("width=", "height=", "viewBox=", 'role="img"', "aria-label="):
            assert attribute in head, (a.path, attribute)
        assert "<title>" in a.content


def test_strided_example_stamps_equal_engine_and_the_zero_inserted_route():
    """Stride two: Σ stamps = engine ∂C/∂X = (δ spread, padded) ⋆ rot180(W), exactly."""
    t = mv.strided_transposed()
    assert t.grad_input.shape == t.in_hw
    x = np.zeros((1, 1, *t.in_hw))
    engine = engine_backward(x[0, 0], t.w, t.delta, dict(stride=t.stride))
    np.testing.assert_array_equal(sum(t.stamps), engine.grad_input[0, 0])
    np.testing.assert_array_equal(t.grad_input_by_spread, t.grad_input)
    # the stamps really overlap (otherwise the example would not show adding)
    assert sum((s != 0).astype(int) for s in t.stamps).max() > 1


def test_the_centre_input_meets_the_kernel_backwards_window_by_window():
    """The page's 'why the rotation': column i₅ of sympy's Jacobian is w¹₄, w¹₃, w¹₂, w¹₁."""
    jacobian = mv.symbolic_jacobian((3, 3), (2, 2))
    w = [sympy.Symbol(f"w^{{1}}_{{{k}}}") for k in (4, 3, 2, 1)]
    assert list(jacobian[:, 4]) == w


def test_transposed_figures_shade_each_stamps_whole_window():
    """A stamp's window is k_H×k_W cells at (s·i, s·j), zero weights included (W has zeros)."""
    from derivations.figures.grid import FILLS
    from derivations.figures.matrix_view import transposed_figure

    t = mv.strided_transposed()
    assert (np.asarray(t.w) == 0).any()  # else shading the non-zeros would look the same
    keys = {"delta": "d", "kernel": "w", "stamp": "s", "total": "t"}
    svg = transposed_figure("f.svg", t.delta, t.w, list(t.stamps), t.grad_input, keys,
                            t.stride, per_row=4).content
    k_h, k_w = np.asarray(t.w).shape
    assert svg.count(f'fill="{FILLS["window"]}"') == np.asarray(t.delta).size * k_h * k_w


@st.composite
def batched_layers(draw):
    """A layer with a batch, several channels, stride, padding and dilation."""
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    k = draw(st.integers(1, 3))
    s, p, d = draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(1, 2))
    h = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 6))
    w = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = mv.output_shape((h, w), (k, k), s, p, d)
    return (rng.normal(size=(n, c_in, h, w)), rng.normal(size=(c_out, c_in, k, k)),
            rng.normal(size=(n, c_out, *out)), dict(stride=s, padding=p, dilation=d))


@SETTINGS
@given(batched_layers())
def test_three_gemms_and_col2im_are_the_engines_gradients(case):
    """Eq. (GEMM gradients) and eq. (col2im), with a batch and channels."""
    from derivations.mathematics.conv2d import conv2d_backward

    x, w, delta, conv = case
    cols = mv.im2col_batched(x, w.shape[2:], **conv)
    w_mat, delta_mat = mv.weight_matrix(w), mv.delta_matrix(delta)
    assert cols.shape == (w_mat.shape[1], delta_mat.shape[1])
    want = conv2d_backward(x, w, delta, with_bias=True, **conv)
    np.testing.assert_allclose((delta_mat @ cols.T).reshape(w.shape), want.grad_weight,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(delta_mat @ np.ones(delta_mat.shape[1]), want.grad_bias,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    padded, grad_x = mv.col2im(w_mat.T @ delta_mat, x.shape, w.shape[2:], **conv)
    assert padded.shape[2:] == (x.shape[2] + 2 * conv["padding"], x.shape[3] + 2 * conv["padding"])
    np.testing.assert_allclose(grad_x, want.grad_input, rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose((w_mat @ cols).reshape(w.shape[0], x.shape[0], *delta.shape[2:])
                               .transpose(1, 0, 2, 3),
                               engine_forward_batched(x, w, conv), rtol=ENGINE_RTOL,
                               atol=ENGINE_ATOL)


def engine_forward_batched(x, w, conv):
    from derivations.mathematics.conv2d import conv2d_forward

    return conv2d_forward(x, w, **conv)


@SETTINGS
@given(batched_layers(), st.integers(0, 2**32 - 1))
def test_col2im_is_the_adjoint_of_im2col(case, seed):
    """⟨im2col(X), G⟩ = ⟨X, col2im(G)⟩ for every X and G: scatter-add is the transpose of the
    copy, which is why it is the chain rule for im2col."""
    x, w, _, conv = case
    cols = mv.im2col_batched(x, w.shape[2:], **conv)
    g = np.random.default_rng(seed).normal(size=cols.shape)
    _, back = mv.col2im(g, x.shape, w.shape[2:], **conv)
    np.testing.assert_allclose(float((cols * g).sum()), float((x * back).sum()), rtol=1e-10,
                               atol=1e-10)
def test_im2col_example_is_not_square_and_its_rows_are_weights_its_columns_windows():
    """The page's X_col cannot be read the wrong way round: 9 weights × 4 windows, entry
    (m·N_W + n, u·N_Y + v) = X[u + m, v + n] by the definition of a window, and X_col vec(δ)
    is the general layer's ∂C/∂W (exact differences). The question's own X_col, by contrast,
    is symmetric, which is why the page does not use it."""
    e = mv.layer_im2col()
    (m_w, n_w), (m_y, n_y) = e.w.shape, e.delta.shape
    assert e.cols.shape == (m_w * n_w, m_y * n_y) == (9, 4)
    for m, n, u, v in product(range(m_w), range(n_w), range(m_y), range(n_y)):
        assert e.cols[m * n_w + n, u * n_y + v] == e.x[u + m, v + n]
        assert e.cols_index[m * n_w + n][u * n_y + v] == (u + m, v + n)
    _, exact_w, _ = exact_gradients_2d(e.x.astype(int).tolist(), e.w.astype(int).tolist(),
                                       Fraction(int(e.b)), e.delta.astype(int).tolist())
    assert e.grad_w_by_im2col.tolist() == [[float(v) for v in row] for row in exact_w]
    seed_cols = mv.seed_matrix_view().cols
    np.testing.assert_array_equal(seed_cols, seed_cols.T)
