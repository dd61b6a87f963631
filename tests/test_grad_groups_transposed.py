"""`grad` with "groups" and "transposed": the command's JSON against the loop-by-definition
twin (mathematics/conv2d_reference.py, which shares no code with the engine), and bad
requests refused with one line and exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from derivations.cli.main import main
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
    conv_transpose2d_backward_reference,
    conv_transpose2d_forward_reference,
)

RTOL, ATOL = 1e-12, 1e-12  # the same products summed in another order


def run(request: dict, tmp_path, capsys) -> tuple[int, dict | None, str]:
    path = tmp_path / "layer.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    code = main(["grad", str(path)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def integers(rng, shape) -> list:
    return rng.integers(-3, 4, shape).tolist()


@pytest.mark.parametrize("groups, c_in, c_out", [(1, 2, 3), (2, 4, 2), (3, 3, 6), (4, 4, 4)])
def test_grouped_layer_equals_the_written_out_sums(groups, c_in, c_out, tmp_path, capsys):
    rng = np.random.default_rng(groups)
    x, w = integers(rng, (2, c_in, 5, 4)), integers(rng, (c_out, c_in // groups, 3, 2))
    bias, hyper = integers(rng, (c_out,)), {"stride": [2, 1], "padding": 1, "dilation": [1, 2]}
    want_y = conv2d_forward_reference(x, w, bias, groups=groups, **hyper)
    delta = integers(rng, want_y.shape)
    code, got, err = run({"input": x, "weight": w, "bias": bias, "groups": groups,
                          "grad_output": delta, **hyper}, tmp_path, capsys)
    assert code == 0, err
    want = conv2d_backward_reference(x, w, delta, groups=groups, with_bias=True, **hyper)
    for key, value in (("output", want_y), ("grad_input", want.grad_input),
                       ("grad_weight", want.grad_weight), ("grad_bias", want.grad_bias)):
        np.testing.assert_allclose(np.array(got[key]), value.astype(float), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("groups, stride, padding, output_padding, dilation", [
    (1, 2, 1, 1, 1), (2, [2, 3], [0, 1], [1, 2], 1), (1, 1, 0, [0, 1], 2), (3, 2, 2, 0, [2, 1]),
])
def test_transposed_layer_equals_the_scatter_definition(groups, stride, padding,
                                                        output_padding, dilation, tmp_path,
                                                        capsys):
    rng = np.random.default_rng(7)
    c_in, c_out = 2 * groups, groups
    x, w = integers(rng, (1, c_in, 3, 4)), integers(rng, (c_in, c_out // groups, 3, 2))
    bias = integers(rng, (c_out,))
    hyper = {"stride": stride, "padding": padding, "output_padding": output_padding,
             "dilation": dilation, "groups": groups}
    want_y = conv_transpose2d_forward_reference(x, w, bias, **hyper)
    delta = integers(rng, want_y.shape)
    code, got, err = run({"input": x, "weight": w, "bias": bias, "transposed": True,
                          "grad_output": delta, **hyper}, tmp_path, capsys)
    assert code == 0, err
    want = conv_transpose2d_backward_reference(x, w, delta, with_bias=True, **hyper)
    for key, value in (("output", want_y), ("grad_input", want.grad_input),
                       ("grad_weight", want.grad_weight), ("grad_bias", want.grad_bias)):
        np.testing.assert_allclose(np.array(got[key]), value.astype(float), rtol=RTOL, atol=ATOL)


def test_a_2d_transposed_request_answers_in_2d(tmp_path, capsys):
    """1×1 input 2, kernel [[1, 2], [3, 4]]: the transposed layer stamps 2·W (by hand)."""
    code, got, err = run({"input": [[2]], "weight": [[1, 2], [3, 4]], "transposed": True},
                         tmp_path, capsys)
    assert code == 0, err
    assert got["output"] == [[2, 4], [6, 8]]
    assert got["grad_input"] == [[10]]  # Σ W, with grad_output all ones
    assert got["grad_weight"] == [[2, 2], [2, 2]]


OK = {"input": [[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]], "weight": [[[[1]]], [[[2]]]]}


@pytest.mark.parametrize("change, words", [
    ({"groups": 0}, "groups: got 0"),
    ({"groups": 2.0}, "groups: got"),
    ({"groups": 3}, "does not divide C_in = 2"),
    ({"groups": 1}, "C_in/groups = 1"),
    ({"transposed": "yes"}, "transposed: got"),
    ({"output_padding": 1}, "only a transposed convolution"),
    ({"transposed": True, "output_padding": 1}, "output_padding"),
    ({"transposed": True, "weight": [[[[1]]]]}, "C_in = 1"),
    ({"transposed": True, "padding": 5}, "rows"),
])
def test_bad_grouped_or_transposed_requests_are_one_line(change, words, tmp_path, capsys):
    request = {**OK, "groups": 2, **change}
    code, _, err = run(request, tmp_path, capsys)
    assert code == 2
    assert err.count("\n") == 1 and words in err, err
