"""The seed chapters' mathematics: every printed gradient by three independent routes.

sympy's exact derivative (substituted with Fractions) = the engine
(derivations/mathematics/conv2d.py) = central finite differences of a cost written here from
the definition; and the numbers the pages print (derivations/mathematics/seed.py) equal all
three."""

from __future__ import annotations

import re
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
import sympy
from finite_differences import central_gradient
from numpy.testing import assert_allclose

from derivations.examples import seed as seed_example
from derivations.figures.seed import network_figure, rot180_figure, w11_positions_figure
from derivations.mathematics import seed

# Central differences of a cost quadratic in the perturbed variable are exact up to
# rounding; the cost is below ~100, so errors stay around 1e-10 with this step.
FD_STEP = 1e-3
FD_RTOL, FD_ATOL = 1e-7, 1e-7
EXACT_RTOL, EXACT_ATOL = 1e-12, 1e-12  # float64 arithmetic on small integers

I = np.array(seed_example.I, dtype=float)  # noqa: E741
W1 = np.array(seed_example.W1, dtype=float)
W2 = np.array(seed_example.W2, dtype=float)
Y = float(seed_example.TARGET)


def definition_cost(i, w1, w2, y) -> float:
    """C = (Σ_pq w²[p,q] · Σ_mn w¹[m,n] i[p+m,q+n] − y)², one loop per index."""
    o2 = 0.0
    for p, q in product(range(2), range(2)):
        o1 = sum(w1[m, n] * i[p + m, q + n] for m in range(2) for n in range(2))
        o2 += w2[p, q] * o1
    return (o2 - y) ** 2


@pytest.fixture(scope="module")
def numbers():
    return seed.example_numbers()


@pytest.fixture(scope="module")
def symbols():
    return seed.seed_symbols()


def substitution(s: seed.SeedSymbols) -> dict:
    """The example as exact rationals for every symbol (o² and o¹ by their definitions)."""
    values = {}
    for matrix, data in ((s.i, seed_example.I), (s.w1, seed_example.W1),
                         (s.w2, seed_example.W2)):
        for r, c in product(range(matrix.rows), range(matrix.cols)):
            values[matrix[r, c]] = sympy.Rational(data[r][c])
    values[s.y] = sympy.Rational(seed_example.TARGET)
    o1 = s.o1.subs(values)
    values.update({s.o1_symbols[k]: o1[k] for k in range(4)})
    values[s.o2_symbol] = sum(values[s.w2[k]] * o1[k] for k in range(4))
    return values


def exact(expression, values) -> float:
    value = sympy.Rational(expression.subs(values))
    return float(Fraction(int(value.p), int(value.q)))


def sympy_gradient(s, variables, values) -> np.ndarray:
    """∂C/∂v for each v, sympy differentiating the full cost C(i, w¹, w², y)."""
    return np.array([[exact(sympy.diff(s.full_cost, variables[r, c]), values)
                      for c in range(variables.cols)] for r in range(variables.rows)])


def test_example_is_not_degenerate(numbers):
    """o² − y ≠ 0, no symmetric matrix, and the question's formula is wrong for every weight."""
    assert numbers.o2 - numbers.y != 0
    for matrix in (I, W1, W2):
        assert not np.array_equal(matrix, matrix.T)
        assert not np.array_equal(matrix, seed.rot180(matrix))
    assert numbers.question_grad_w1.shape == numbers.grad_w1.shape == (2, 2)
    assert np.all(numbers.question_grad_w1 != numbers.grad_w1)


def test_forward_pass_matches_sympy_and_engine(numbers, symbols):
    from derivations.mathematics.conv2d import conv2d_forward

    values = substitution(symbols)
    assert numbers.o1.shape == (2, 2)
    want = np.array([[exact(symbols.o1[p, q], values) for q in range(2)] for p in range(2)])
    assert_allclose(numbers.o1, want, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    engine_o1 = conv2d_forward(I[None, None], W1[None, None])[0, 0]
    assert_allclose(numbers.o1, engine_o1, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    engine_o2 = conv2d_forward(engine_o1[None, None], W2[None, None])[0, 0]
    assert engine_o2.shape == (1, 1)
    assert numbers.o2 == pytest.approx(float(engine_o2[0, 0]), rel=EXACT_RTOL, abs=EXACT_ATOL)
    assert numbers.cost == pytest.approx(definition_cost(I, W1, W2, Y), abs=EXACT_ATOL)


@pytest.mark.parametrize("name", ["grad_w1", "grad_w2", "grad_input"])
def test_printed_gradient_equals_sympy_engine_and_finite_differences(numbers, symbols, name):
    """The three gradients the pages print, by sympy, by the engine and by differences."""
    from derivations.mathematics.conv2d import conv2d_backward

    values = substitution(symbols)
    variables = {"grad_w1": symbols.w1, "grad_w2": symbols.w2, "grad_input": symbols.i}[name]
    by_sympy = sympy_gradient(symbols, variables, values)
    grad_o2 = 2 * (numbers.o2 - Y)
    second = conv2d_backward(numbers.o1[None, None], W2[None, None],
                             np.full((1, 1, 1, 1), grad_o2))
    first = conv2d_backward(I[None, None], W1[None, None], second.grad_input)
    by_engine = {"grad_w1": first.grad_weight[0, 0], "grad_w2": second.grad_weight[0, 0],
                 "grad_input": first.grad_input[0, 0]}[name]
    by_differences = {
        "grad_w1": lambda: central_gradient(lambda w: definition_cost(I, w, W2, Y), W1, FD_STEP),
        "grad_w2": lambda: central_gradient(lambda w: definition_cost(I, W1, w, Y), W2, FD_STEP),
        "grad_input": lambda: central_gradient(lambda x: definition_cost(x, W1, W2, Y), I, FD_STEP),
    }[name]()
    printed = getattr(numbers, name)
    assert printed.shape == by_sympy.shape == by_engine.shape == by_differences.shape
    assert_allclose(printed, by_sympy, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    assert_allclose(by_engine, by_sympy, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    assert_allclose(by_differences, by_sympy, rtol=FD_RTOL, atol=FD_ATOL)


def test_grad_o1_and_grad_o2_equal_sympy(numbers, symbols):
    values = substitution(symbols)
    cost_in_o1 = (symbols.o2 - symbols.y) ** 2  # o² written in the o¹_k symbols
    want = np.array([[exact(sympy.diff(cost_in_o1, symbols.o1_symbols[p, q]), values)
                      for q in range(2)] for p in range(2)])
    assert numbers.grad_o1.shape == want.shape
    assert_allclose(numbers.grad_o1, want, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    assert numbers.grad_o2 == pytest.approx(exact(symbols.grad_o2, values), abs=EXACT_ATOL)


def test_printed_finite_differences_agree_with_chain_rule_not_question(numbers):
    assert numbers.fd_grad_w1.shape == (2, 2)
    assert_allclose(numbers.fd_grad_w1, numbers.grad_w1, rtol=FD_RTOL, atol=FD_ATOL)
    assert np.all(np.abs(numbers.fd_grad_w1 - numbers.question_grad_w1) > 1)


def test_chain_rule_bracket_is_sympys_derivative(symbols):
    """2(o² − y)·Σ_k ∂o¹_k/∂w¹_j · w²_k is ∂C/∂w¹_j of the full cost, for all four j."""
    o2 = sum(symbols.w2[k] * symbols.o1[k] for k in range(4))
    for j in range(4):
        direct = sympy.diff(symbols.full_cost, symbols.w1[j])
        chain = symbols.grad_w1[j].subs(symbols.o2_symbol, o2)
        assert sympy.simplify(direct - chain) == 0


def test_asker_grad_w2_form_is_sympys(symbols):
    """The page's o¹_k · 2(o² − y) is sympy's ∂C/∂w²_k."""
    for k in range(4):
        form = symbols.o1_symbols[k] * 2 * (symbols.o2_symbol - symbols.y)
        assert sympy.simplify(symbols.grad_w2[k] - form) == 0


def test_question_formula_differs_by_twelve_cross_terms(numbers, symbols):
    """question − chain rule = 2(o² − y) · (twelve products that never meet)."""
    for j in range(4):
        terms = symbols.cross_terms[j]
        assert len(terms) == 12
        correct = sympy.expand(symbols.grad_w1_bracket[j])
        for term in terms:
            assert term.as_coeff_Mul()[0] == 1
            assert correct.coeff(term) == 0, f"{term} is a real term of the chain rule"
        assert sympy.expand(symbols.question_bracket[j] - symbols.grad_w1_bracket[j]
                            - sum(terms)) == 0
    values = substitution(symbols)
    want = np.array([[exact(sum(symbols.cross_terms[2 * r + c]), values) for c in range(2)]
                     for r in range(2)])
    assert_allclose(numbers.cross_sum, want, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    assert_allclose(numbers.difference, numbers.grad_o2 * want, rtol=EXACT_RTOL,
                    atol=EXACT_ATOL)


def test_question_formula_from_its_own_text(numbers):
    """(i₁ + i₂ + i₄ + i₅)(w²₁ + w²₂ + w²₃ + w²₄) · 2(o² − y), shifted for each weight."""
    factor = W2.sum() * 2 * (numbers.o2 - Y)
    want = np.array([[I[r:r + 2, c:c + 2].sum() * factor for c in range(2)] for r in range(2)])
    assert_allclose(numbers.question_grad_w1, want, rtol=EXACT_RTOL, atol=EXACT_ATOL)


def test_scatter_and_rot180_gather_agree(numbers):
    assert numbers.scatter.shape == (2, 2, 3, 3)
    gather = seed.full_correlation_rot180(numbers.grad_o1, W1)
    assert gather.shape == (3, 3)
    assert_allclose(numbers.scatter.sum(axis=(0, 1)), gather, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    # each contribution is zero outside its own window
    for p, q in product(range(2), range(2)):
        outside = np.ones((3, 3), bool)
        outside[p:p + 2, q:q + 2] = False
        assert np.all(numbers.scatter[p, q][outside] == 0)


def test_flipped_convention_tracks_the_flips(numbers):
    f = seed.flipped_convention(I, W1, W2, Y)
    assert_allclose(f.k1, W1[::-1, ::-1], rtol=0, atol=0)
    assert_allclose(f.o1, numbers.o1, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    assert f.o2 == pytest.approx(numbers.o2, abs=EXACT_ATOL)
    cost_in_k1 = central_gradient(lambda k: definition_cost(I, k[::-1, ::-1], W2, Y), f.k1, FD_STEP)
    assert_allclose(f.grad_k1, cost_in_k1, rtol=FD_RTOL, atol=FD_ATOL)
    assert_allclose(f.grad_k1, numbers.grad_w1[::-1, ::-1], rtol=EXACT_RTOL, atol=EXACT_ATOL)
    assert_allclose(f.grad_k2, numbers.grad_w2[::-1, ::-1], rtol=EXACT_RTOL, atol=EXACT_ATOL)
    assert_allclose(f.grad_input, numbers.grad_input, rtol=EXACT_RTOL, atol=EXACT_ATOL)


@pytest.mark.parametrize("draw", [network_figure, w11_positions_figure, rot180_figure])
def test_figures_are_deterministic_sized_and_labelled(draw):
    svg = draw()
    assert svg == draw()
    assert re.search(r'<svg [^>]*width="\d+" height="\d+" viewBox="0 0 \d+ \d+"', svg)
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg


SEED_PAGES = {
    "index.html": ["short-answer", "eq-question-formula", "eq-correct-formula",
                   "in-one-paragraph", "map"],
    "question/index.html": ["the-question", "short-answer", "eq-question-cost"],
    "seed/forward-pass/index.html": ["forward-pass", "eq-example"],
    "seed/grad-w2/index.html": ["grad-w2", "eq-grad-w2-matrix"],
    "seed/grad-w1/index.html": ["chain-rule-for-w1", "the-mistake", "finite-difference-check",
                                "cross-terms", "eq-product-of-sums", "eq-grad-w1-matrix",
                                "eq-grad-w1-correlation"],
    "seed/grad-input/index.html": ["scatter", "rot180", "eq-pad-rot"],
    "seed/conventions/index.html": ["correlation-vs-convolution", "flipped-kernels",
                                    "eq-rotated-filters"],
}


@pytest.mark.slow
@pytest.mark.parametrize("page", sorted(SEED_PAGES))
def test_seed_page_is_built_with_its_stable_ids(built_site, page):
    html = (built_site / page).read_text(encoding="utf-8")
    for anchor in SEED_PAGES[page]:
        assert f'id="{anchor}"' in html, f"{page} lost #{anchor}"


@pytest.mark.slow
def test_home_links_the_question_and_every_seed_chapter(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    for target in ("question/", "seed/forward-pass/", "seed/grad-w2/", "seed/grad-w1/",
                   "seed/grad-input/", "seed/conventions/"):
        assert f'href="{target}' in html, f"home page does not link {target}"
    assert "datascience.stackexchange.com/questions/81232" in html


def test_printed_dc_do1_form_is_sympys(symbols):
    """The page's ∂C/∂o¹_k = 2(o² − y) · w²_k is sympy's derivative through o²."""
    for k in range(4):
        form = 2 * (symbols.o2_symbol - symbols.y) * symbols.w2[k]
        assert sympy.simplify(symbols.grad_o1[k] - form) == 0


def test_printed_dc_do2_form_is_sympys(symbols):
    """The pages' ∂C/∂o² = 2(o² − y) is sympy's derivative of the square."""
    assert sympy.simplify(symbols.grad_o2 - 2 * (symbols.o2_symbol - symbols.y)) == 0


def _svg_width(svg: str) -> int:
    return int(re.search(r'<svg [^>]*width="(\d+)"', svg).group(1))


def test_w11_figure_marks_the_inputs_sympy_finds(symbols):
    """The bold-outlined cells are the inputs ∂o¹_k/∂w¹₁ names, k = 1…4, in order."""
    want = []
    for derivative in symbols.do1_dw1[0]:
        digits = str(derivative.free_symbols.pop()).split("_")[1]
        want.append("i" + "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in digits))
    svg = w11_positions_figure()
    assert re.findall(r'font-weight="bold">([^<]*)<', svg) == want


@pytest.mark.parametrize("draw", [w11_positions_figure, rot180_figure])
def test_figure_highlight_is_not_told_by_hue_alone(draw):
    """Every focus-filled cell also has a heavy border and bold text (fills share luminance)."""
    from derivations.figures.grid import FILLS

    svg = draw()
    focus_fills = svg.count(f'fill="{FILLS["focus"]}"')
    assert focus_fills > 0
    assert len(re.findall(r'fill="none" stroke="#000000" stroke-width="[3-9]"', svg)) == focus_fills
    assert svg.count('font-weight="bold"') == focus_fills


@pytest.mark.parametrize("draw, limit", [(network_figure, 400), (w11_positions_figure, 400),
                                         (rot180_figure, 500)])
def test_figures_are_narrow_enough_for_a_phone(draw, limit):
    """A 390 px phone shows a figure's 14 px text at no less than about 10 px."""
    assert _svg_width(draw()) <= limit


def test_weight_gradient_is_the_input_correlated_with_dc_do1(numbers, symbols):
    """Eq. grad-w1-correlation: (i ⋆ ∂C/∂o¹)[m,n] = Σ_pq ∂C/∂o¹[p,q] i[p+m,q+n] = sympy's ∂C/∂w¹."""
    values = substitution(symbols)
    cost_in_o1 = (symbols.o2 - symbols.y) ** 2
    delta = [[sympy.diff(cost_in_o1, symbols.o1_symbols[p, q]).subs(values) for q in range(2)]
             for p in range(2)]
    i = seed_example.I
    for m, n in product(range(2), range(2)):
        correlation = sum(delta[p][q] * i[p + m][q + n] for p in range(2) for q in range(2))
        assert correlation == sympy.diff(symbols.full_cost, symbols.w1[m, n]).subs(values)
        assert numbers.grad_w1[m, n] == float(correlation)


def test_product_of_sums_is_chain_rule_plus_the_off_diagonal_products():
    """Eq. product-of-sums: (Σ a_k)(Σ b_l) = Σ a_k b_k + Σ_(k≠l) a_k b_l, twelve of them for 4."""
    a, b = sympy.symbols("a1:5"), sympy.symbols("b1:5")
    off_diagonal = [a[k] * b[m] for k in range(4) for m in range(4) if k != m]
    assert len(off_diagonal) == 12
    assert sympy.expand(sum(a) * sum(b) - sum(x * y for x, y in zip(a, b, strict=True))
                        - sum(off_diagonal)) == 0


@pytest.mark.parametrize("size", [2, 3])
def test_convolution_index_is_correlation_with_the_rotated_filter(size):
    """Conventions page: Σ k[m,n] i[p+K−1−m, q+K−1−n] = (i ⋆ rot180(k))[p,q], any K."""
    rng = np.random.default_rng(size)
    i = rng.integers(-5, 6, (5, 5))
    k = rng.integers(-5, 6, (size, size))
    out = 5 - size + 1
    for p, q in product(range(out), range(out)):
        convolution = sum(k[m, n] * i[p + size - 1 - m, q + size - 1 - n]
                          for m in range(size) for n in range(size))
        rotated = k[::-1, ::-1]
        correlation = sum(rotated[m, n] * i[p + m, q + n]
                          for m in range(size) for n in range(size))
        assert convolution == correlation
