"""`python -m derivations grad`: answers checked against hand-derived numbers and the
loop-by-definition reference; every class of bad input gives one `error:` line, exit 2.

Most cases run the command in this process (conftest.run_cli); the worked example from the
help runs as a real process, end to end through a pipe (tests/test_cli.py adds a full disk
and a closed pipe).
"""

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)

REPO = Path(__file__).resolve().parents[1]
# Random-float layers: the command's float64 sums vs the reference's, a few ulps apart.
RTOL, ATOL = 1e-12, 1e-12


def grad(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return run_cli("grad", *args, stdin=stdin)


def answer(request: dict, *, via_file: Path | None = None) -> dict:
    if via_file is None:
        done = grad("-", stdin=json.dumps(request))
    else:
        via_file.write_text(json.dumps(request), encoding="utf-8")
        done = grad(str(via_file))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_worked_example_from_the_help_by_hand():
    """Y = X[i,j] − X[i+1,j+1] + ½ = −3.5; ∂C/∂W sums 2×2 blocks of X; key order is fixed.
    A real process reading a pipe, end to end."""
    done = subprocess.run([sys.executable, "-m", "derivations", "grad", "-"], cwd=REPO,
                          input=json.dumps({"input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
                                            "weight": [[1, 0], [0, -1]], "bias": [0.5]}),
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    got = json.loads(done.stdout)
    assert list(got) == ["output", "grad_input", "grad_weight", "grad_bias"]
    assert got["output"] == [[-3.5, -3.5], [-3.5, -3.5]]
    assert got["grad_input"] == [[1, 1, 0], [1, 0, -1], [0, -1, -1]]
    assert got["grad_weight"] == [[12, 16], [24, 28]]
    assert got["grad_bias"] == [4]


def test_whole_numbers_print_as_integers_and_no_bias_means_no_grad_bias():
    done = grad("-", stdin='{"input": [[1, 2], [3, 4]], "weight": [[2]]}')
    assert done.returncode == 0
    assert '"output": [[2, 4], [6, 8]]' in done.stdout and "grad_bias" not in done.stdout


def test_4d_file_request_matches_exact_fraction_reference(tmp_path):
    """Integers are exact in float64, so the answer equals the Fraction oracle exactly."""
    rng = np.random.default_rng(7)
    x, w = rng.integers(-5, 6, (2, 3, 7, 6)), rng.integers(-5, 6, (4, 3, 3, 2))
    b = rng.integers(-5, 6, 4)
    hyper = {"stride": [2, 1], "padding": [1, 0], "dilation": [1, 2]}
    frac = np.vectorize(Fraction, otypes=[object])
    y = conv2d_forward_reference(frac(x), frac(w), frac(b), **hyper)
    delta = rng.integers(-3, 4, y.shape)
    want = conv2d_backward_reference(frac(x), frac(w), frac(delta), **hyper, with_bias=True)
    got = answer({"input": x.tolist(), "weight": w.tolist(), "bias": b.tolist(),
                  "grad_output": delta.tolist(), **hyper}, via_file=tmp_path / "layer.json")
    assert np.shape(got["grad_input"]) == x.shape and np.shape(got["grad_weight"]) == w.shape
    assert got["output"] == y.tolist()
    assert got["grad_input"] == want.grad_input.tolist()
    assert got["grad_weight"] == want.grad_weight.tolist()
    assert got["grad_bias"] == want.grad_bias.tolist()


def test_random_floats_agree_with_reference_and_default_grad_output_is_ones(tmp_path):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((5, 4)), rng.standard_normal((2, 3))
    request = {"input": x.tolist(), "weight": w.tolist(), "padding": 1, "stride": 2}
    got = answer(request)
    ones = np.ones(np.shape(got["output"]))
    assert got == answer({**request, "grad_output": ones.tolist()}, via_file=tmp_path / "r.json")
    want = conv2d_backward_reference(x[None, None], w[None, None], ones[None, None],
                                     stride=2, padding=1)
    np.testing.assert_allclose(got["output"], conv2d_forward_reference(
        x[None, None], w[None, None], stride=2, padding=1)[0, 0].astype(float),
        rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got["grad_input"], want.grad_input[0, 0].astype(float),
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got["grad_weight"], want.grad_weight[0, 0].astype(float),
                               rtol=RTOL, atol=ATOL)


def test_printed_floats_read_back_to_the_same_float64():
    """repr round-trips: what the command computed in float64 is what a reader parses."""
    from derivations.cli.conv2d_request import format_response, parse_request
    from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward

    request = parse_request({"input": [[0.1, 0.2, 1e-300], [3.3, -0.7, 2.5e10]],
                             "weight": [[1 / 3, 0.7]], "bias": [0.1]})
    y = conv2d_forward(request.x, request.weight, request.bias)
    g = conv2d_backward(request.x, request.weight, request.grad_output, with_bias=True)
    parsed = json.loads(format_response(request, y, g.grad_input, g.grad_weight, g.grad_bias))
    assert np.array(parsed["output"]).tobytes() == y[0, 0].tobytes()
    assert np.array(parsed["grad_weight"]).tobytes() == g.grad_weight[0, 0].tobytes()


OK = '"input": [[1, 2, 3], [4, 5, 6]], "weight": [[1, 1], [1, 1]]'
BAD = {
    "not JSON": ("{input: 1}", "not JSON"),
    "empty": ("", "empty input"),
    "blank": ("  \n", "empty input"),
    "not an object": ("[1, 2]", "JSON object"),
    "missing weight": ('{"input": [[1]]}', '"weight"'),
    "unknown key": ("{" + OK + ', "strides": 2}', "allowed keys"),
    "duplicate key": ("{" + OK + ', "input": [[1]]}', "twice"),
    "ragged": ('{"input": [[1, 2], [3]], "weight": [[1]]}', "input[1]: has 1 entry, but"),
    "ragged 4-D": ('{"input": [[[[1, 2], [3, 4]]], [[[1, 2], [3]]]], "weight": [[[[1]]]]}',
                   "input[1][0][1]"),
    "empty matrix": ('{"input": [], "weight": [[1]]}', "empty"),
    "empty row": ('{"input": [[]], "weight": [[1]]}', "empty"),
    "string": ('{"input": [[1, "2"]], "weight": [[1]]}', "input[0][1]"),
    "boolean": ('{"input": [[1, 2]], "weight": [[true]]}', "weight[0][0]"),
    "null": ('{"input": [[1, null]], "weight": [[1]]}', "input[0][1]"),
    "NaN": ('{"input": [[1, NaN]], "weight": [[1]]}', "input[0][1]: NaN"),
    "Infinity": ('{"input": [[1, -Infinity]], "weight": [[1]]}', "input[0][1]: -Infinity"),
    "NaN stride": ("{" + OK + ', "stride": NaN}', "stride: got NaN"),
    "NaN at the top level": ("NaN", "got NaN at the top level"),
    "overflow": ('{"input": [[1, 1e400]], "weight": [[1]]}', "input[0][1]"),
    "3-D input": ('{"input": [[[1]]], "weight": [[1]]}', "2-D"),
    "4-D weight, 2-D input": ('{"input": [[1]], "weight": [[[[1]]]]}', "weight"),
    "kernel too large": ('{"input": [[1, 2]], "weight": [[1, 1]], "padding": [0, 1], '
                         '"dilation": 4}', "padded input"),
    "stride 0": ("{" + OK + ', "stride": 0}', "stride"),
    "dilation 0": ("{" + OK + ', "dilation": [1, 0]}', "dilation[1]"),
    "negative padding": ("{" + OK + ', "padding": -1}', "padding"),
    "float stride": ("{" + OK + ', "stride": 1.5}', "stride"),
    "integral float stride": ("{" + OK + ', "stride": 2.0}', "stride"),
    "bool dilation": ("{" + OK + ', "dilation": true}', "dilation"),
    "string padding": ("{" + OK + ', "padding": "2"}', "padding"),
    "pair too long": ("{" + OK + ', "stride": [1, 1, 1]}', "stride"),
    "pair too short": ("{" + OK + ', "padding": [1]}', "padding"),
    "channel mismatch": ('{"input": [[[[1]], [[2]]]], "weight": [[[[1]]]]}', "C_in"),
    "grad_output shape": ("{" + OK + ', "grad_output": [[1, 1, 1]]}', "grad_output"),
    "bias length": ("{" + OK + ', "bias": [1, 2]}', "bias"),
    "bias not a list": ("{" + OK + ', "bias": 1}', "bias"),
    "huge padding": ("{" + OK + ', "padding": 100000}', "too large"),
    "too many entries": ('{"input": [[' + ", ".join(["0"] * 250_001) + ']], "weight": [[1]]}',
                         "250000"),
    # 25 filters of 30×30 over a 1×1 input padded by 64: 100×100 outputs per filter, so
    # 250,000 outputs and 9·10^6 window entries (both allowed) but 2.25·10^8 multiply-adds.
    "too many multiply-adds": ('{"input": [[[[0]]]], "padding": 64, "weight": '
                               + json.dumps(np.zeros((25, 1, 30, 30), int).tolist()) + "}",
                               "multiply-adds"),
    "huge integer": ('{"input": [[1, 123456789012345678901234567890]], "weight": [[1]]}',
                     "input[0][1]"),
    "deep nesting": ('{"input": ' + "[" * 100_000 + "]" * 100_000 + ', "weight": [[1]]}',
                     "input"),
}


def assert_refused(done: subprocess.CompletedProcess, words: str) -> None:
    err = done.stderr
    assert done.returncode == 2, err
    assert done.stdout == ""
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert words in err, err


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_one_line_with_exit_2(name):
    text, words = BAD[name]
    assert_refused(grad("-", stdin=text), words)


def test_missing_file_directory_and_binary_are_refused(tmp_path):
    assert_refused(grad(str(tmp_path / "nope.json")), "no such file")
    assert_refused(grad(str(tmp_path)), "folder")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00{")
    assert_refused(grad(str(tmp_path / "bin.json")), "UTF-8")
    assert_refused(grad(), "FILE")  # argparse: the argument is required


def test_help_explains_keys_limits_and_a_worked_example():
    done = grad("--help")
    assert done.returncode == 0
    from derivations.cli import conv2d_request as limits

    # The help states the limits as text (the CLI must not import numpy just to print help),
    # so this is what keeps it from drifting from the constants that enforce them.
    for words in ("grad_output", "dilation", "2^53", "worked example",
                  '"grad_weight": [[12, 16], [24, 28]]', f"{limits.MAX_ENTRIES:,} entries",
                  f"{limits.MAX_WINDOW_ENTRIES:,} window", f"{limits.MAX_MULTIPLY_ADDS:,}\n",
                  f"{limits.MAX_BYTES // 2**20} MiB"):
        assert words in done.stdout
