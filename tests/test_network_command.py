"""`worked --network` and `--step`: each format, the step, and one line for every bad input.

The numbers are checked against the loop-by-definition route of tests/network_routes.py
(exact), never against the code that printed them.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from network_routes import loop_route
from test_network_description import BAD

from derivations.cli.main import main
from derivations.render.network_description import parse_network_text
from derivations.render.network_format import LINKS

REPO = Path(__file__).resolve().parents[1]
# conv (stride 2, padding 1, two channels, bias) -> ReLU -> max pool -> 1×1 conv, MSE
NETWORK = {
    "input": [[1, 2, 0, -1], [0, 1, 3, 1], [2, -1, 0, 1], [1, 0, 2, 2]],
    "layers": [{"type": "conv", "weight": [[[[1, -1], [0, 2]]], [[[0, 1], [1, 0]]]],
                "bias": [1, "-2"], "stride": 2, "padding": 1},
               {"type": "relu"}, {"type": "maxpool", "kernel": 2, "stride": 1},
               {"type": "conv", "weight": [[[[1]], [[-1]]]]}],
    "target": 1, "loss": "mse"}
SMALL = {"input": [[1, 2, 0], [-1, 3, 1], [2, 0, 1]],
         "layers": [{"type": "conv", "weight": [[1, -1], ["1/2", 2]], "bias": [0.5]},
                    {"type": "avgpool", "kernel": [1, 2]}],
         "target": [[1], [0]]}


def run(argv, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(["worked", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, description) -> str:
    path = tmp_path / "network.json"
    path.write_text(json.dumps(description), encoding="utf-8")
    return str(path)


def exact(nested):
    return [exact(v) for v in nested] if isinstance(nested, list) else Fraction(nested)


def test_json_carries_every_gradient_exactly_as_the_loop_route_computes_it(tmp_path, capsys):
    code, out, err = run(["--network", write(tmp_path, NETWORK), "--format", "json"], capsys)
    assert (code, err) == (0, "")
    data = json.loads(out)
    network = parse_network_text(json.dumps(NETWORK))
    maps, cost, grads, grad_input = loop_route(network)
    twin = data["exact"]
    assert Fraction(twin["cost"]) == cost and data["cost"] == float(cost)
    assert exact(twin["output"]) == maps[-1] and exact(twin["maps"]) == maps
    assert exact(twin["grad_input"]) == grad_input[0]  # the input was given as (H, W)
    assert [p is None for p in twin["grad_params"]] == [False, True, True, False]
    for k, (grad_weight, grad_bias) in grads.items():
        assert exact(twin["grad_params"][k]["grad_weight"]) == grad_weight
        assert ("grad_bias" in twin["grad_params"][k]) == (grad_bias is not None)
        if grad_bias is not None:
            assert exact(twin["grad_params"][k]["grad_bias"]) == grad_bias
    assert len(twin["deltas"]) == len(NETWORK["layers"])
    assert exact(twin["deltas"][-1]) == [[[Fraction(2, 4) * (o - 1) for o in row]
                                          for row in maps[-1][0]]]
    assert data["network"]["layers"][0]["bias"] == [1, -2]


def test_a_step_moves_every_parameter_by_minus_rate_times_its_gradient(tmp_path, capsys):
    code, out, _ = run(["--network", write(tmp_path, NETWORK), "--format", "json",
                        "--step", "1/100"], capsys)
    assert code == 0
    twin = json.loads(out)["exact"]
    rate = Fraction(1, 100)
    assert Fraction(twin["step"]["rate"]) == rate
    old = exact(NETWORK["layers"][0]["weight"])
    grad = exact(twin["grad_params"][0]["grad_weight"])
    new = exact(twin["step"]["params"][0]["weight"])
    assert new[1][0][1][0] == old[1][0][1][0] - rate * grad[1][0][1][0]
    assert exact(twin["step"]["params"][0]["bias"]) == [
        b - rate * g for b, g in zip(exact(NETWORK["layers"][0]["bias"]),
                                     exact(twin["grad_params"][0]["grad_bias"]), strict=True)]
    # the cost after the step, by the loop route on the updated network
    updated = json.loads(json.dumps(NETWORK))
    updated["layers"][0]["weight"] = [[[[str(v) for v in row] for row in ch] for ch in o]
                                      for o in new]
    updated["layers"][0]["bias"] = [str(v) for v in exact(twin["step"]["params"][0]["bias"])]
    updated["layers"][3]["weight"] = [[[[str(v) for v in row] for row in ch] for ch in o]
                                      for o in exact(twin["step"]["params"][3]["weight"])]
    # the updated numbers may have more digits than a description allows: bypass the parser
    from derivations.mathematics.network import Conv, Network

    net = parse_network_text(json.dumps(NETWORK))
    layers = list(net.layers)
    layers[0] = Conv(tuple(tuple(tuple(tuple(row) for row in ch) for ch in o) for o in new),
                     tuple(exact(twin["step"]["params"][0]["bias"])), (2, 2), (1, 1))
    layers[3] = Conv(tuple(tuple(tuple(tuple(row) for row in ch) for ch in o)
                           for o in exact(twin["step"]["params"][3]["weight"])))
    after = loop_route(Network(net.input, tuple(layers), net.target, "mse", 2, 0))[1]
    assert Fraction(twin["step"]["cost_after"]) == after < Fraction(twin["step"]["cost_before"])


@pytest.mark.parametrize("rate, verdict", [("1/100", "the cost falls"), ("1/10", "the cost rises")])
def test_markdown_says_whether_the_step_lowered_the_cost(rate, verdict, tmp_path, capsys):
    code, out, _ = run(["--network", write(tmp_path, NETWORK), "--step", rate], capsys)
    assert code == 0
    assert "{#gradient-step}" in out and verdict in out


def test_stackexchange_has_only_dollar_math_no_html_no_book_marks(tmp_path, capsys):
    code, out, _ = run(["--network", write(tmp_path, NETWORK), "--format", "stackexchange",
                        "--step", "1/10"], capsys)
    assert code == 0
    assert not re.search(r"<[A-Za-z/!]", out), "HTML tag in Stack Exchange output"
    for forbidden in ("\\num{", "\\lit{", "{#"):
        assert forbidden not in out
    assert out.count("$$") % 2 == 0
    for step in ("stride", "padding", "channels", "relu", "maxpool", "weights", "input", "bias"):
        assert LINKS[step] in out


@pytest.mark.parametrize("fmt", ["markdown", "stackexchange"])
@pytest.mark.parametrize("description", [NETWORK, SMALL], ids=["network", "small"])
def test_every_formula_is_latex_a_renderer_accepts(fmt, description, tmp_path, capsys):
    from derivations.render.latex_math import render_latex

    code, out, _ = run(["--network", write(tmp_path, description), "--format", fmt,
                        "--step", "1/2"], capsys)
    assert code == 0
    displays = re.findall(r"^\$\$\n(.*?)\n\$\$$", out, flags=re.S | re.M)
    inline = re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", re.sub(r"\$\$.*?\$\$", "", out, flags=re.S))
    assert displays and inline
    for latex in displays:
        assert "<math" in render_latex(latex, True, {})
    for latex in inline:
        assert "<math" in render_latex(latex, False, {})


def test_markdown_writes_out_small_steps_and_every_number_is_marked(tmp_path, capsys):
    code, out, _ = run(["--network", write(tmp_path, SMALL)], capsys)
    assert code == 0
    # forward: 2 conv entries, each b + 4 products; 2 pooled means of 2 entries
    assert re.search(r"O\^\{1\}_\{0,0,0\} &= \\num\{0\.5\} \+ \\num\{1\} \\cdot \\num\{1\}", out)
    assert r"O^{2}_{0,0,0} &= \tfrac{\lit{1}}{\lit{2}} \cdot (" in out
    assert "too large" not in out
    prose = re.sub(r"\$\$.*?\$\$", "", out, flags=re.S)
    prose = re.sub(r"\$[^$\n]+\$|`[^`]*`|\]\([^)]*\)|<span class=\"(num|lit)\">[^<]*</span>",
                   "", prose)
    prose = re.sub(r"^1\. ", "", prose, flags=re.M)  # list items: numbered by the browser
    prose = re.sub(r" \{#[a-z0-9-]+\}$", "", prose, flags=re.M)  # heading ids
    assert re.findall(r"[0-9]", prose) == []


def test_standard_input_and_a_file_give_the_same_text(tmp_path, capsys, monkeypatch):
    from_file = run(["--network", write(tmp_path, SMALL)], capsys)
    from_stdin = run(["--network", "-"], capsys, json.dumps(SMALL), monkeypatch)
    assert from_file == from_stdin and from_file[0] == 0


def test_the_shorthand_prints_todays_text_and_extends_it_only_with_a_step(capsys):
    from derivations.cli.commands.worked import seed_values
    from derivations.mathematics.worked import work_chain
    from derivations.render.worked_format import render

    code, out, _ = run(["--step", "1/100"], capsys)
    assert code == 0
    today = render(work_chain(*seed_values()), "markdown")
    assert out.startswith(today) and "{#gradient-step}" in out[len(today):]
    assert run([], capsys)[1] == today


@pytest.mark.parametrize("case, description, message", BAD, ids=[c[0] for c in BAD])
def test_a_bad_description_is_one_line_exit_2_and_writes_nothing(case, description, message,
                                                                 tmp_path, capsys):
    out_file = tmp_path / "answer.md"
    code, out, err = run(["--network", write(tmp_path, description), "--out", str(out_file)],
                         capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {message}\n"
    assert not out_file.exists()


@pytest.mark.parametrize("argv, message", [
    (["--step", "0"], "--step: got 0; the learning rate must be positive, e.g. 0.01 or 1/100"),
    (["--step", "-1/2"], "--step: got -1/2; the learning rate must be positive"),
    (["--step", "fast"], "--step: 'fast' is not a number"),
    (["--step", "1", "--step", "2"], "--step given twice"),
    (["--network", "missing.json"], "--network missing.json: no such file"),
    (["--network", "."], "--network .: is a folder"),
    (["--network", "x.json", "--input", "1"],
     "--network replaces --input, --kernel and --target; give one or the other"),
    (["--network", "x.json", "--format", "csv"], "argument --format: invalid choice"),
])
def test_bad_options_are_one_line_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text(json.dumps(SMALL), encoding="utf-8")
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_file_that_is_not_utf8_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.json").write_bytes(b"{\xff\xfe}")
    code, _, err = run(["--network", "net.json"], capsys)
    assert code == 2
    assert err == "error: --network net.json: not UTF-8 text (byte 1); give a JSON text file\n"


def test_a_real_process_prints_one_line_and_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "derivations", "worked", "--network", "-"],
        input='{"input": [[1]], "layers": [{"type": "pool"}], "target": 0}',
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ('error: layers[0] type: unknown layer type the string "pool"; '
                             "give one of conv, relu, maxpool, avgpool\n")


def test_help_describes_the_network_and_its_limits():
    from derivations import worked_limits as limits

    result = subprocess.run([sys.executable, "-m", "derivations", "worked", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    text = " ".join(result.stdout.split())
    for phrase in ("--network FILE", "--step LR", "pytorch", '"maxpool"', '"mse"',
                   f"at most {limits.MAX_CHANNELS} channels",
                   f"at most {limits.MAX_LAYERS} layers",
                   f"at most {limits.MAX_PRODUCTS} products"):
        assert phrase in text
