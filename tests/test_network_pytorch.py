"""The generated PyTorch scripts run, and PyTorch's autograd agrees with the derivation.

PyTorch is the outside oracle here (an optional test extra: the `torch` fixture skips
locally without it and fails under CI=true). A few scripts run as real processes, as a
reader would run them; random networks run in this process to keep the suite quick.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from network_routes import networks

from derivations.mathematics.network import gradient_step, work_network
from derivations.render.network_description import parse_network_text
from derivations.render.network_pytorch import kinks_float_may_miss, pytorch_script

REPO = Path(__file__).resolve().parents[1]
AGREES = "PyTorch agrees with the worked derivation."

SPREAD = {
    "stride, padding, channels, bias, relu, max pool, mse": {
        "input": [[1, 2, 0, -1], [0, 1, 3, 1], [2, -1, 0, 1], [1, 0, 2, 2]],
        "layers": [{"type": "conv", "weight": [[[[1, -1], [0, 2]]], [[[0, 1], [1, 0]]]],
                    "bias": [1, -2], "stride": 2, "padding": 1},
                   {"type": "relu"}, {"type": "maxpool", "kernel": 2, "stride": 1},
                   {"type": "conv", "weight": [[[[1]], [[-1]]]]}],
        "target": 1, "loss": "mse"},
    "dilation, two input channels, average pool, matrix target": {
        "input": [[[1, 0, 2, 1, 0], [0, 3, 1, 0, 2], [1, 1, 0, 2, 1], [2, 0, 1, 1, 0],
                   [0, 1, 2, 0, 3]],
                  [[0, 1, 0, 1, 0], [1, 0, 1, 0, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1],
                   [0, 1, 0, 1, 0]]],
        "layers": [{"type": "conv", "weight": [[[[1, 0], [0, -1]], [[2, 1], [0, 1]]]],
                    "dilation": 2},
                   {"type": "avgpool", "kernel": 2, "stride": 1}],
        "target": [[[0, 1], [2, 3]]]},
    "ties in max pooling, also at zero after ReLU": {
        "input": [[1, 3, 3, 0], [3, 0, 1, -2], [2, 3, 3, -1], [-1, -1, -2, -3]],
        "layers": [{"type": "conv", "weight": [[1]]}, {"type": "relu"},
                   {"type": "maxpool", "kernel": 2, "stride": 1}],
        "target": 0},
    "fractions, rectangular kernels and options, four convs": {
        "input": [["1/3", 0.5, -1, 2, 0, 1], [1, "-2/7", 0, 1, 1, 0], [0, 1, "3/4", 0, -1, 2],
                  [2, 0, 1, 1, 0.25, 0], [1, 1, 0, -1, 2, 1]],
        "layers": [{"type": "conv", "weight": [[[[1, "1/2", -1]]], [[[0, 1, 2]]]],
                    "bias": ["1/5", 0], "stride": [1, 2], "padding": [1, 1]},
                   {"type": "conv", "weight": [[[[1], [-1]], [[0.5], [1]]]]},
                   {"type": "relu"},
                   {"type": "conv", "weight": [[[[2, -1], [1, 1]]]], "padding": 1},
                   {"type": "conv", "weight": [[1, -1]], "bias": [-1]}],
        "target": 0, "loss": "mse"},
}


def script_for(description: dict, rate: str | None) -> str:
    from fractions import Fraction

    work = work_network(parse_network_text(json.dumps(description)))
    step = None if rate is None else gradient_step(work, Fraction(rate))
    return pytorch_script(work, step)


def run_in_process(script: str, tmp_path, capsys, torch) -> str:
    path = tmp_path / "check.py"
    path.write_text(script, encoding="utf-8")
    default = torch.get_default_dtype()
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        torch.set_default_dtype(default)  # the script sets float64 for itself
    return capsys.readouterr().out


@pytest.mark.parametrize("name", list(SPREAD))
def test_the_script_for_each_network_of_the_spread_agrees_with_pytorch(name, tmp_path, capsys,
                                                                      torch):
    out = run_in_process(script_for(SPREAD[name], "1/100"), tmp_path, capsys, torch)
    assert out.rstrip().endswith(AGREES)
    assert "dC/d input =" in out and "cost after one step =" in out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(network=networks())
def test_the_script_for_random_networks_agrees_with_pytorch(network, tmp_path, capsys, torch):
    work = work_network(network)
    assume(not kinks_float_may_miss(work))  # where float64 may take the other side of a kink
    out = run_in_process(pytorch_script(work), tmp_path, capsys, torch)
    assert out.rstrip().endswith(AGREES)


def test_a_generated_script_is_standalone_and_the_command_writes_it(tmp_path, torch):
    """The file the command writes runs in a fresh interpreter with nothing of ours."""
    description = tmp_path / "network.json"
    description.write_text(json.dumps(SPREAD["ties in max pooling, also at zero after ReLU"]),
                           encoding="utf-8")
    script = tmp_path / "check.py"
    made = subprocess.run([sys.executable, "-m", "derivations", "worked", "--network",
                           str(description), "--format", "pytorch", "--step", "1/10",
                           "--out", str(script)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    ran = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.rstrip().endswith(AGREES)


def test_the_shorthand_writes_a_script_too(tmp_path, capsys, torch):
    from derivations.cli.main import main

    assert main(["worked", "--format", "pytorch"]) == 0  # the seed example
    script = capsys.readouterr().out
    out = run_in_process(script, tmp_path, capsys, torch)
    assert "dC/d layers[0].weight = [[[[-12.0, -2.0], [-8.0, -10.0]]]]" in out
    assert out.rstrip().endswith(AGREES)


def test_a_script_with_a_wrong_gradient_fails(tmp_path, capsys, torch):
    """The check can fail: one expected entry changed, PyTorch disagrees, the script stops."""
    script = script_for(SPREAD["stride, padding, channels, bias, relu, max pool, mse"], None)
    line = next(ln for ln in script.splitlines() if ln.startswith('check("dC/d layers[0].bias"'))
    assert "[5.5, 0]" in line
    with pytest.raises(AssertionError, match=r"layers\[0\]\.bias"):
        run_in_process(script.replace(line, line.replace("[5.5, 0]", "[5.5, 1]")), tmp_path,
                       capsys, torch)


def test_the_script_warns_where_float64_may_take_the_other_side_of_a_kink():
    """0.1 + 0.2 − 0.3 is exactly 0, a ReLU kink; in float64 it is 5.6e-17."""
    description = {"input": [[0.1, 0.2, -0.3]],
                   "layers": [{"type": "conv", "weight": [[1, 1, 1]]}, {"type": "relu"}],
                   "target": 0}
    work = work_network(parse_network_text(json.dumps(description)))
    assert 0.1 + 0.2 - 0.3 != 0  # the premise: float64 misses this kink
    assert kinks_float_may_miss(work) == ["layers[1] (relu) input [0, 0, 0] is exactly 0"]
    assert "#   layers[1] (relu) input [0, 0, 0] is exactly 0" in pytorch_script(work)
    dyadic = {**description, "input": [["1/4", "1/4", "-1/2"]]}
    assert kinks_float_may_miss(work_network(parse_network_text(json.dumps(dyadic)))) == []
