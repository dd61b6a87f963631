"""The numpy gradient checker: it measures derivatives correctly, passes right gradients,
fails wrong ones, runs on its own as a script, and is the code the page shows."""

from __future__ import annotations

import ast
import html
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import examples
from hypothesis import given
from hypothesis import strategies as st

from derivations.mathematics import gradient_check as gc
from derivations.mathematics import gradient_check_example as ex
from derivations.oracles import gradient_check as oracle
from derivations.pages import gradient_check as page_module
from derivations.render.page import pages_only

REPO = Path(__file__).resolve().parents[1]
SNIPPET = REPO / "derivations" / "mathematics" / "gradient_check.py"
SETTINGS = examples(20)
# Central differences at h = 1e-3 are off by h^2 |C'''| / 6; for sin(x) x^2 with |x| <= 4,
# |C'''| <= 6 + 6|x| + x^2 < 50, so below 1e-5. Rounding (~ulp(C)/h, 1e-13) is negligible.
FD_RTOL, FD_ATOL = 1e-6, 1e-5


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_central_differences_measure_a_known_derivative(seed):
    """On C(x) = Σ sin(x)·x², whose gradient is known in closed form."""
    x = np.clip(np.random.default_rng(seed).normal(size=(3, 4)), -4, 4)
    got = gc.central_differences(lambda v: float(np.sum(np.sin(v) * v**2)), x)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, np.cos(x) * x**2 + 2 * x * np.sin(x),
                               rtol=FD_RTOL, atol=FD_ATOL)


def test_central_differences_are_exact_on_quadratics_and_one_sided_are_not():
    """C''' = 0 kills the central error; the one-sided error is h·C''/2 (Taylor, both sides)."""
    h = 1e-2
    cost = lambda v: float(3 * v[0] ** 2)  # noqa: E731 - a one-line cost reads best inline
    x = np.array([1.5])
    np.testing.assert_allclose(gc.central_differences(cost, x, h), [9.0], rtol=1e-12, atol=1e-12)
    forward = ex.forward_differences(cost, x, h)
    np.testing.assert_allclose(forward - 9.0, [h * 6 / 2], rtol=1e-6, atol=1e-9)


def test_relative_error_is_scale_free_symmetric_and_defined_at_zero():
    """Eq. (relative error): |a−b|/max(|a|,|b|), with the floor only where both vanish."""
    a = np.array([1.0, 1000.0, 0.0, -2.0, 3.0])
    b = np.array([1.1, 1100.0, 0.0, 2.0, 3.0])
    want = np.array([0.1 / 1.1, 100.0 / 1100.0, 0.0, 2.0, 0.0])
    np.testing.assert_allclose(gc.relative_error(a, b), want, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(gc.relative_error(a, b), gc.relative_error(b, a))


@st.composite
def layers(draw):
    k = draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    h = draw(st.integers(k, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(1, 2, h, h + 1))
    w = rng.normal(size=(2, 2, k, k))
    return x, w, dict(stride=stride, padding=padding), rng


@SETTINGS
@given(layers())
def test_checker_passes_the_engines_gradients_and_fails_wrong_ones(case):
    """The engine's ∂C/∂W passes; the averaged and the rotated-kernel variants fail."""
    from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward

    x, w, conv, rng = case
    delta = rng.normal(size=conv2d_forward(x, w, **conv).shape)

    def cost(v):
        return float((delta * conv2d_forward(x, v, **conv)).sum())

    right = conv2d_backward(x, w, delta, **conv).grad_weight
    passed, worst = gc.gradient_check(right, cost, w)
    assert passed, worst
    if np.abs(right).max() < 1e-3:
        return  # every window reads padding only: a zero gradient, any scaling of it passes
    if delta[0, 0].size > 1:
        assert not gc.gradient_check(right / delta[0, 0].size, cost, w)[0]
    if w.shape[-1] > 1 and not np.allclose(right, right[..., ::-1, ::-1]):
        assert not gc.gradient_check(right[..., ::-1, ::-1], cost, w)[0]


def test_snippet_needs_nothing_but_numpy():
    """The file the page includes imports numpy and nothing else (not even the book)."""
    tree = ast.parse(SNIPPET.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == {"numpy"}


def test_snippet_runs_as_a_script_on_its_own(tmp_path):
    """Copied out of the repository and run, the demo passes the chain rule and fails the
    question's product of sums."""
    script = Path(shutil.copy(SNIPPET, tmp_path / "gradient_check.py"))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=True)
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("chain rule") and lines[0].endswith("PASS")
    assert lines[1].startswith("product of sums") and lines[1].endswith("FAIL")


@pytest.mark.parametrize("command", [["-m", "derivations.mathematics.gradient_check"],
                                     ["derivations/mathematics/gradient_check.py"]],
                         ids=["module", "path"])
def test_snippet_runs_in_the_repository(command):
    """Run by path, derivations/ comes first on sys.path: it must not shadow numpy's imports."""
    done = subprocess.run([sys.executable, *command], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=True)
    assert "PASS" in done.stdout and "FAIL" in done.stdout


def test_no_module_of_the_package_shadows_the_standard_library():
    """A script run from a package folder imports that folder's modules and subpackages first
    (derivations/numbers.py once broke numpy that way; a folder derivations/math/ would too)."""
    modules = list((REPO / "derivations").rglob("*.py"))
    packages = [path.parent for path in modules if path.name == "__init__.py"]
    shadowing = [str(path.relative_to(REPO)) for path in modules + packages
                 if path.stem in sys.stdlib_module_names]
    assert shadowing == []


def test_worked_check_agrees_with_exact_fractions_and_flags_the_question():
    """Derived = exact derivative; central error tiny; every product-of-sums entry fails."""
    w = ex.worked_check()
    values = oracle.quantities()
    for (r, c), v in np.ndenumerate(w.derived):
        assert Fraction(v) == values[f"gradient_check.derived[{r},{c}]"]
    assert w.central_error.max() < 1e-9
    assert (w.forward_error > w.central_error).all()
    assert (w.product_error > ex.TOLERANCE).all()
    assert (w.forward_error < 1e-2).all()


def page():
    (only,) = pages_only(page_module.build())
    return only


def test_worked_numbers_equal_the_exact_oracle():
    from derivations.render.printed_numbers import format_number

    values = oracle.quantities()
    records = page().records
    assert len(records) > 40
    for record in records:
        assert record.key in values, record.key
        assert record.printed == format_number(values[record.key]), record.key


def test_page_shows_the_snippet_verbatim_and_passes_the_audit(built_site):
    """Every line of the snippet (mathematics/gradient_check.py) is in the page's code block;
    the audit is clean."""
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers

    page_html = (built_site / "general/gradient-checking/index.html").read_text(encoding="utf-8")
    blocks = re.findall(r"<pre[^>]*>(.*?)</pre>", page_html, flags=re.DOTALL)
    shown = [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks]
    source = SNIPPET.read_text(encoding="utf-8")
    assert any(text.strip() == source.strip() for text in shown)
    assert audit_page("general/gradient-checking/index.html", page().records,
                      extract_numbers(page_html), oracle.quantities()) == []
    for anchor in ("central-differences", "relative-error"):
        assert f'id="{anchor}"' in page_html


def test_checker_passes_exact_zeros_of_integer_layers_and_still_fails_small_errors():
    """Integer data make derivatives that are zero by cancellation; their central difference
    is rounding noise, and a correct gradient must still pass (it failed in 83 of 600 such
    checks when the floor was an absolute 1e-8). A gradient wrong by 1e-3 of its largest
    entry in one place still fails."""
    from derivations.oracles.general_layer import exact_gradients_2d

    rng = np.random.default_rng(1)
    zeros_seen = 0
    for _ in range(60):
        x = rng.integers(-3, 4, (4, 4))
        w = rng.integers(-3, 4, (3, 3))
        delta = rng.integers(-3, 4, (2, 2))
        gx, gw, _ = exact_gradients_2d(x.tolist(), w.tolist(), 0, delta.tolist())
        gx, gw = np.array(gx, dtype=float), np.array(gw, dtype=float)

        def cost_of_w(v, x=x, delta=delta):
            return float(sum(delta[i, j] * (v * x[i:i + 3, j:j + 3]).sum()
                             for i in range(2) for j in range(2)))

        def cost_of_x(v, w=w, delta=delta):
            return float(sum(delta[i, j] * (w * v[i:i + 3, j:j + 3]).sum()
                             for i in range(2) for j in range(2)))

        for right, cost, at in ((gw, cost_of_w, w), (gx, cost_of_x, x)):
            assert right.shape == at.shape
            zeros_seen += int((right == 0).sum())
            passed, worst = gc.gradient_check(right, cost, at.astype(float))
            assert passed, worst
            if np.abs(right).max() > 0:
                wrong = right.copy()
                wrong.flat[0] += 1e-3 * np.abs(right).max()
                assert not gc.gradient_check(wrong, cost, at.astype(float))[0]
    assert zeros_seen > 0  # the case this test is about occurred
