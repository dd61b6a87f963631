"""general/network.md: what the chapter promises, every printed number, and its PyTorch script.

Numbers are checked against the oracle (oracles/network.py: the loop-by-definition route),
and the oracle itself against the float engine route of tests/network_routes.py and exact
one-sided differences of the cost, so no printed number rests on one computation alone.
"""

from __future__ import annotations

import io
import json
import re
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from chapter_checks import oracles_of
from network_routes import close, float_route

from derivations.audit.compare import expected_print
from derivations.examples import network as example
from derivations.mathematics.network import Conv, ReLU, cost_of
from derivations.oracles import network as oracle
from derivations.pages import network as page_module
from derivations.pages import seed_grad_w1
from derivations.render.network_description import parse_network_text

REPO = Path(__file__).resolve().parents[1]
STEP = Fraction(1, 10**60)


@pytest.fixture(scope="module")
def page():
    (built,) = list(page_module.build())
    return built


@pytest.fixture(scope="module")
def values():
    return oracle.quantities()


def description_on(page) -> dict:
    found = re.search(r"```json\n(.*?)\n```", page.markdown, flags=re.S)
    return json.loads(found.group(1))


def script_on(markdown: str) -> str:
    return re.search(r"```python\n(.*?\n)```", markdown, flags=re.S).group(1)


def test_the_chapter_comes_after_every_layer_it_works_and_before_the_matrix_view():
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    order = [line.split(": ")[-1] for line in nav.splitlines() if line.strip().startswith("- ")
             and line.rstrip().endswith(".md")]
    at = order.index("general/network.md")
    for chapter in ("general/layer.md", "general/stride.md", "general/padding.md",
                    "general/channels.md", "general/bias-relu-pooling.md"):
        assert order.index(chapter) < at, chapter
    assert order[at + 1] == "general/matrix-view.md"


def test_the_network_is_the_one_the_issue_asks_for(page, values):
    """conv (stride 2, padding 1, two output channels, bias) → ReLU with an exact 0 and a
    negative entry → 2×2 max pool → conv with an output larger than 1×1 → MSE."""
    network = parse_network_text(json.dumps(description_on(page)))
    first, relu, pool, second = network.layers
    assert isinstance(first, Conv) and isinstance(relu, ReLU) and isinstance(second, Conv)
    assert (first.stride, first.padding, len(first.weight)) == ((2, 2), (1, 1), 2)
    assert first.bias is not None
    o1 = [v for key, v in values.items() if key.startswith("network.O1[")]
    assert 0 in o1 and min(o1) < 0
    assert (pool.kind, pool.kernel, pool.stride) == ("maxpool", (2, 2), (2, 2))
    assert values["network.shape.O4[1]"] * values["network.shape.O4[2]"] > 1
    assert network.loss == "mse"
    assert values["network.step.cost"] < values["network.cost"]


def test_every_number_the_chapter_prints_is_the_oracles(page, values):
    assert len(page.records) > 800
    wrong = [(r.key, r.printed, expected_print(r, values)) for r in page.records
             if expected_print(r, values) != r.printed]
    assert wrong == []


def test_the_oracle_agrees_with_the_float_engine_route(values):
    network = parse_network_text(json.dumps(page_module.network_description()))
    maps, cost, grads, grad_input = float_route(network)
    close(float(values["network.cost"]), cost)
    for name, array in (("O1", maps[0]), ("O3", maps[2]), ("O4", maps[3]),
                        ("gradW1", grads[0][0]), ("gradb1", grads[0][1]),
                        ("gradW4", grads[3][0]), ("gradX", grad_input)):
        keys = sorted(k for k in values if k.startswith(f"network.{name}["))
        assert len(keys) == array.size
        close([float(values[k]) for k in keys],
              [array[tuple(map(int, k[k.index("[") + 1:-1].split(",")))] for k in keys])


def test_the_oracles_gradients_equal_exact_one_sided_differences_where_smooth(values):
    """For each weight and bias: the right and left derivatives of the cost, exactly."""
    from dataclasses import replace

    network = parse_network_text(json.dumps(page_module.network_description()))
    checked = 0
    for k, name in ((0, "W1"), (3, "W4")):
        layer = network.layers[k]
        for key in (key for key in values if key.startswith(f"network.{name}[")):
            o, c, m, n = map(int, key[key.index("[") + 1:-1].split(","))

            def cost_with(v, layer=layer, k=k, o=o, c=c, m=m, n=n):
                weight = [[[list(row) for row in ch] for ch in out] for out in layer.weight]
                weight[o][c][m][n] = v
                new = replace(layer, weight=tuple(tuple(tuple(tuple(r) for r in ch)
                                                        for ch in out) for out in weight))
                return cost_of(replace(network, layers=(*network.layers[:k], new,
                                                        *network.layers[k + 1:])))

            w = layer.weight[o][c][m][n]
            c0 = cost_with(w)
            right = (-3 * c0 + 4 * cost_with(w + STEP) - cost_with(w + 2 * STEP)) / (2 * STEP)
            left = (3 * c0 - 4 * cost_with(w - STEP) + cost_with(w - 2 * STEP)) / (2 * STEP)
            if left == right:
                assert values[f"network.grad{name}[{o},{c},{m},{n}]"] == right, key
                checked += 1
    assert checked >= 30  # the kinks of this example leave most weights smooth


def test_the_equations_have_stable_labels(page):
    labels = re.findall(r"\\label\{(eq-[a-z0-9-]+)\}", page.markdown)
    assert len(labels) == len(set(labels)) >= 12
    assert all(label.startswith("eq-network-") for label in labels)


def test_the_page_shows_the_script_the_command_writes(page, capsys, monkeypatch):
    from derivations.cli.main import main

    monkeypatch.setattr(sys, "stdin",
                        io.TextIOWrapper(io.BytesIO(json.dumps(description_on(page)).encode())))
    rate = Fraction(*example.RATE)
    assert main(["worked", "--network", "-", "--format", "pytorch", "--step", str(rate)]) == 0
    assert script_on(page.markdown) == capsys.readouterr().out
    assert f"--step {rate}`" in page.markdown


def test_the_pages_script_runs_and_pytorch_agrees(page, tmp_path, torch):
    import subprocess

    path = tmp_path / "check.py"
    path.write_text(script_on(page.markdown), encoding="utf-8")
    ran = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.rstrip().endswith("PyTorch agrees with the worked derivation.")


def test_the_seed_pages_pytorch_lines_print_the_gradient_it_shows(tmp_path, torch):
    import subprocess

    from derivations.oracles import seed as seed_oracle

    (built,) = [p for p in seed_grad_w1.build() if p.path == "seed/grad-w1.md"]
    code = script_on(built.markdown)
    shown = re.search(r"They print\n\n```text\n(.*?)\n```", built.markdown, flags=re.S).group(1)
    path = tmp_path / "seed.py"
    path.write_text(code, encoding="utf-8")
    ran = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == shown
    expected = seed_oracle.quantities()
    assert json.loads(shown) == [[expected[f"seed.grad_w1[{r},{c}]"] for c in range(2)]
                                 for r in range(2)]
    assert json.loads(shown)[0][0] == -12


@pytest.mark.slow
def test_the_built_chapter_passes_the_audit(built_site):
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers

    (built,) = list(page_module.build())
    html = (built_site / "general/network/index.html").read_text(encoding="utf-8")
    found = extract_numbers(html)
    assert found.found_article
    assert audit_page("general/network", built.records, found, oracles_of(built.records)) == []
