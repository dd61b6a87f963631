"""The general layer's three gradient formulas, checked by independent routes, and its page."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
import sympy
from conftest import examples
from finite_differences import central_gradient
from hypothesis import given
from hypothesis import strategies as st

from derivations.mathematics import general_layer as gl
from derivations.mathematics.conv2d import conv2d_backward
from derivations.oracles.general_layer import exact_gradients_2d

# Central differences of a cost that is linear in every variable are exact up to rounding:
# the error is a few ulps of the cost (values below ~100), far below this.
FD_RTOL, FD_ATOL = 1e-7, 1e-7
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
STEP = 1e-3
SETTINGS = examples(25)


def definition_forward(x, w):
    """Y[i,j] = Σ_{m,n} W[m,n] X[i+m,j+n], one loop per index (no slicing tricks)."""
    out = np.zeros((x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1))
    for i, j, m, n in product(range(out.shape[0]), range(out.shape[1]),
                              range(w.shape[0]), range(w.shape[1])):
        out[i, j] += w[m, n] * x[i + m, j + n]
    return out


@st.composite
def layers(draw):
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(k_h, 6)), draw(st.integers(k_w, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(h, w))
    kernel = rng.normal(size=(k_h, k_w))
    delta = rng.normal(size=(h - k_h + 1, w - k_w + 1))
    return x, kernel, delta


@SETTINGS
@given(layers())
def test_weight_gradient_is_input_correlated_with_delta(case):
    """Eq. (3) ∂C/∂W = X ⋆ δ matches central differences of C = Σ δ·Y."""
    x, w, delta = case
    got = gl.weight_gradient(x, delta)
    assert got.shape == w.shape
    want = central_gradient(lambda v: float((delta * definition_forward(x, v)).sum()), w, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(layers())
def test_input_gradient_is_full_correlation_with_rotated_kernel(case):
    """Eq. (5) ∂C/∂X = δ full-⋆ rot180(W) matches central differences."""
    x, w, delta = case
    got = gl.input_gradient(w, delta)
    assert got.shape == x.shape
    want = central_gradient(lambda v: float((delta * definition_forward(v, w)).sum()), x, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(layers())
def test_bias_gradient_is_the_sum_of_delta_not_the_mean(case):
    """Eq. (6): nudging b moves every output, so ∂C/∂b = Σδ."""
    x, w, delta = case
    cost = lambda b: float((delta * (definition_forward(x, w) + b)).sum())  # noqa: E731
    want = (cost(STEP) - cost(-STEP)) / (2 * STEP)
    assert gl.bias_gradient(delta) == pytest.approx(want, rel=FD_RTOL, abs=FD_ATOL)


@SETTINGS
@given(layers())
def test_formulas_agree_with_the_engine(case):
    """The chapter's formulas give what derivations/mathematics/conv2d.py's backward pass gives."""
    x, w, delta = case
    grads = conv2d_backward(x[None, None], w[None, None], delta[None, None],
                                   with_bias=True)
    assert grads.grad_input.shape == (1, 1, *x.shape)
    np.testing.assert_allclose(gl.input_gradient(w, delta), grads.grad_input[0, 0],
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(gl.weight_gradient(x, delta), grads.grad_weight[0, 0],
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    np.testing.assert_allclose(gl.bias_gradient(delta), np.asarray(grads.grad_bias).sum(),
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def test_sympy_derivatives_equal_the_chapter_formulas():
    """Differentiating the symbolic double sum gives X ⋆ δ and δ full-⋆ rot180(W) exactly."""
    symbolic = gl.symbolic_layer((4, 3), (2, 2))
    x = np.array(symbolic.x.tolist(), dtype=object)
    w = np.array(symbolic.w.tolist(), dtype=object)
    delta = np.array(symbolic.delta.tolist(), dtype=object)
    weight = gl.correlate_valid(x, delta)
    # the full correlation by hand on object arrays: pad δ with symbolic zeros
    padded = np.full((delta.shape[0] + 2, delta.shape[1] + 2), sympy.Integer(0), dtype=object)
    padded[1:-1, 1:-1] = delta
    inp = gl.correlate_valid(padded, gl.rot180(w))
    assert weight.shape == (2, 2) and inp.shape == (4, 3)
    for index in np.ndindex(weight.shape):
        assert sympy.simplify(symbolic.grad_weight[index] - weight[index]) == 0
    for index in np.ndindex(inp.shape):
        assert sympy.simplify(symbolic.grad_input[index] - inp[index]) == 0


def test_surviving_terms_are_the_nonzero_terms_of_the_sympy_derivative():
    """The scatter bookkeeping lists exactly the δ·W products sympy keeps."""
    symbolic = gl.symbolic_layer((4, 4), (3, 3))
    for a, c in product(range(4), range(4)):
        terms = gl.surviving_terms((2, 2), (3, 3), a, c)
        expected = sum((symbolic.delta[i, j] * symbolic.w[m, n] for i, j, m, n in terms),
                       sympy.Integer(0))
        assert sympy.expand(symbolic.grad_input[a, c] - expected) == 0


def test_worked_example_matches_exact_fractions():
    """The page's numbers equal the exact-difference route on Fractions, entry by entry."""
    e = gl.example()
    to_f = lambda t: [[Fraction(v) for v in row] for row in t]  # noqa: E731
    gx, gw, gb = exact_gradients_2d(to_f(gl.EXAMPLE_X), to_f(gl.EXAMPLE_W),
                                    Fraction(gl.EXAMPLE_B), to_f(gl.EXAMPLE_DELTA))
    assert e.grad_input.shape == (len(gx), len(gx[0]))
    assert e.grad_weight.shape == (len(gw), len(gw[0]))
    assert e.grad_input.tolist() == gx
    assert e.grad_weight.tolist() == gw
    assert e.grad_bias == gb
    # the finite-difference estimate on the page is the sum, not the average
    m, n = e.fd_weight
    assert e.fd_estimate == pytest.approx(float(gw[m][n]), rel=FD_RTOL, abs=1e-6)
    assert e.averaged_weight_gradient[m, n] != pytest.approx(e.fd_estimate)


def test_the_exact_route_catches_a_wrong_formula():
    """Guard for the oracle itself: an unrotated kernel would be reported (the test can fail)."""
    e = gl.example()
    wrong = gl.correlate_full(e.delta, e.w)  # forgot rot180
    assert not np.array_equal(wrong, e.grad_input)


SEED_LIKE = (((1, 2, 0), (3, 1, 2), (0, 1, 1)), ((1, -1), (2, 0)), ((1, 2), (-1, 1)), 3)


def test_seed_special_case_matches_sympy_on_the_quadratic_cost():
    """δ¹ = 2(o² − y) w², ∂C/∂w¹ = i ⋆ δ¹, ∂C/∂i = δ¹ full-⋆ rot180(w¹): sympy agrees."""
    from derivations.oracles.general_layer import seed_quantities

    e = gl.seed_as_special_case(*SEED_LIKE)
    want = seed_quantities(*SEED_LIKE)
    assert e.grad_w1.shape == (2, 2) and e.grad_i.shape == (3, 3)
    for name, array in (("delta1", e.delta1), ("grad_w1", e.grad_w1), ("grad_i", e.grad_i)):
        for index in np.ndindex(array.shape):
            key = f"general_layer.seed.{name}[{','.join(map(str, index))}]"
            assert array[index] == want[key], key
    assert e.question_product == want["general_layer.seed.question_product"]
    assert e.question_product != e.grad_w1[0, 0]  # the question's product of sums is wrong


def test_seed_page_section_follows_seed_example():
    """The section shows the seed's numbers (derivations/examples/seed.py)."""
    from derivations.examples.seed import TARGET as y
    from derivations.examples.seed import W1 as w1
    from derivations.examples.seed import W2 as w2
    from derivations.examples.seed import I as i
    e = gl.seed_as_special_case(i, w1, w2, y)
    assert e.grad_w1.shape == np.asarray(w1).shape


def test_general_figures_are_deterministic_accessible_svg():
    """Each figure of the general chapters: same bytes twice, explicit size, title, role."""
    import importlib
    import re

    names = ["general_layer", "stride", "padding", "dilation", "channels"]
    for name in names:
        module = importlib.import_module(f"derivations.pages.{name}")
        first = [item for item in module.build() if item.path.endswith(".svg")]
        second = [item for item in module.build() if item.path.endswith(".svg")]
        assert first, f"{name} draws no figure"
        assert [(a.path, a.content) for a in first] == [(b.path, b.content) for b in second]
        for asset in first:
            head = asset.content.split(">", 1)[0]
            for attribute in ("width=", "height=", "viewBox=", 'role="img"', "aria-label="):
                assert attribute in head, (asset.path, attribute)
            assert re.search(r"<title>[^<]+</title>", asset.content), asset.path


@examples(8)
@given(st.integers(1, 2), st.integers(0, 1), st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_oracle_route_agrees_with_the_loop_reference(stride, padding, dilation, seed):
    """The audit's exact-difference route equals conv2d_reference's backward on Fractions."""
    from derivations.mathematics.conv2d_reference import conv2d_backward_reference
    from derivations.oracles.general_layer import exact_gradients_4d, output_size

    rng = np.random.default_rng(seed)
    x = [[[[Fraction(int(v)) for v in row] for row in rng.integers(-3, 4, size=(4, 5))]]]
    w = [[[[Fraction(int(v)) for v in row] for row in rng.integers(-3, 4, size=(2, 2))]]
         for _ in range(2)]
    b = [Fraction(1), Fraction(-2)]
    out = (output_size(4, 2, stride, padding, dilation), output_size(5, 2, stride, padding,
                                                                     dilation))
    delta = [[[[Fraction(int(v)) for v in row] for row in rng.integers(-3, 4, size=out)]
              for _ in range(2)]]
    gx, gw, gb = exact_gradients_4d(x, w, b, delta, stride=stride, padding=padding,
                                    dilation=dilation)
    ref = conv2d_backward_reference(x, w, delta, stride=stride, padding=padding,
                                    dilation=dilation, with_bias=True)
    assert ref.grad_input.shape == (1, 1, 4, 5)
    assert ref.grad_input.tolist() == gx
    assert ref.grad_weight.tolist() == gw
    assert ref.grad_bias.tolist() == gb


def test_scatter_copies_add_up_to_the_input_gradient():
    """The scatter figure's copies δ[i,j]·W on their windows sum to the exact ∂C/∂X."""
    e = gl.example()
    assert e.scatter.shape == (*e.delta.shape, *e.x.shape)
    to_f = lambda t: [[Fraction(v) for v in row] for row in t]  # noqa: E731
    gx, _, _ = exact_gradients_2d(to_f(gl.EXAMPLE_X), to_f(gl.EXAMPLE_W),
                                  Fraction(gl.EXAMPLE_B), to_f(gl.EXAMPLE_DELTA))
    assert e.scatter.sum(axis=(0, 1)).tolist() == gx


def test_symbolic_terms_come_window_by_window_with_the_bookkeeping_weight():
    """Printed symbolic sums list δ in reading order, each with W[a−i, c−j] (eq-input-scatter)."""
    from derivations.render.general_latex import subscript, symbolic_terms

    symbolic = gl.symbolic_layer((4, 4), (3, 3))
    a, c = 1, 2
    terms = [(subscript(d), subscript(w)) for d, w in symbolic_terms(symbolic.input_entry(a, c))]
    expected = [((i, j), (a - i, c - j)) for i in range(2) for j in range(2)]
    assert terms == expected


def test_figures_tell_roles_apart_without_colour():
    """Unreached cells are hatched and a result among other cells is outlined, not only tinted."""
    from derivations.figures.grid import Panel, figure_svg

    svg = figure_svg("t", [Panel("A", [[1, 2], [3, 4]], {(0, 0): "unreached", (1, 1): "result"}),
                           Panel("B", [[5]], {(0, 0): "result"})])
    assert svg.count('<path class="hatch"') == 1
    assert "<pattern" not in svg  # Chromium would print a pattern as a bitmap
    import re

    from derivations.figures.grid import hatch_path

    strokes = re.findall(r"M(\d+) (\d+)L(\d+) (\d+)", hatch_path(100, 50, 34))
    assert len(strokes) >= 6
    for x1, y1, x2, y2 in (map(int, stroke) for stroke in strokes):
        assert x1 - 100 + y1 - 50 == x2 - 100 + y2 - 50  # one 45° diagonal of the cell
        assert all(0 <= v <= 34 for v in (x1 - 100, x2 - 100, y1 - 50, y2 - 50))
        assert {x1 - 100, y1 - 50} & {0, 34} and {x2 - 100, y2 - 50} & {0, 34}  # edge to edge
    assert svg.count('fill="none" stroke="#1b5e20"') == 1  # panel B is all result: no outline
