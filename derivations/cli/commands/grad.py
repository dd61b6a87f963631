"""`python -m derivations grad FILE`: conv2d output and gradients for a JSON request."""

from __future__ import annotations

import sys

from derivations.cli.messages import shown
from derivations.errors import UsageError

HELP = "conv2d (or conv_transpose2d) forward pass and every gradient for a JSON layer"
DESCRIPTION = """\
Read one JSON object from FILE (or standard input with -), run a conv2d layer with
PyTorch's conventions (NCHW, cross-correlation: the kernel is not flipped), or with
"transposed": true a conv_transpose2d layer, and print one JSON object with the output
and the gradients of C = sum(grad_output * output).

Request keys:
  input           nested list, 2-D (H, W) or 4-D (N, C_in, H, W)          required
  weight          2-D (kH, kW) with a 2-D input; 4-D (C_out, C_in/groups,
                  kH, kW), or (C_in, C_out/groups, kH, kW) when transposed required
  bias            one number per output channel (a 1-element list with 2-D input)
  stride          integer 1..1000000 or [h, w]                           default 1
  padding         integer 0..1000000 or [h, w] (zeros on every side)     default 0
  dilation        integer 1..1000000 or [h, w]                           default 1
  groups          integer dividing C_in and C_out (C_in: depthwise)      default 1
  transposed      true for PyTorch's conv_transpose2d                    default false
  output_padding  transposed only: rows/columns added at the bottom/right,
                  each smaller than the stride or the dilation            default 0
  grad_output     upstream gradient dC/d(output), the output's shape     default all ones

Response keys, in this order: output, grad_input, grad_weight, then grad_bias when a
bias was given. Each has the dimensionality of what it belongs to (2-D in, 2-D out; the
bias gradient of a 2-D request is a 1-element list). Arithmetic is float64. Numbers that
are whole print as integers (14, not 14.0); others print as the shortest decimal that
reads back as the same float64, so the output round-trips exactly. Input rows or columns
that no window reaches (stride leftovers) get gradient 0, as in PyTorch.

Refused with one line on stderr and exit code 2: text that is not a JSON object,
unknown or missing keys, ragged or empty lists, entries that are not finite numbers
(strings, true/false, null, NaN, Infinity), integers beyond 2^53, non-integer or
out-of-range stride/padding/dilation, a kernel (dilated) larger than the padded input,
channel or shape mismatches, results that overflow float64 (the message names the first,
e.g. grad_weight[0][1]), and requests too large to answer in a few seconds and a few
hundred MB: more than 250,000 entries in any array (input, weight, grad_output, output),
more than 10,000,000 window entries (N*C_in*kH*kW*H_out*W_out) or padded input entries
(N*C_in*(H+2p)*(W+2p)), or more than 200,000,000
multiply-adds (N*C_out*C_in*kH*kW*H_out*W_out). Text that cannot be a request is refused
before it is parsed: more than 16 objects or 20 keys, more than 80 quote marks, more than
1,100,000 lists or 2,200,000 values. FILE must be a regular file (not a FIFO, a device
or a folder) of at most 32 MiB; standard input is read up to 32 MiB."""
EPILOG = """\
worked example (3x3 input 1..9, kernel [[1, 0], [0, -1]], bias 0.5):
  $ echo '{"input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "weight": [[1, 0], [0, -1]],
           "bias": [0.5]}' | python -m derivations grad -
  {
    "output": [[-3.5, -3.5], [-3.5, -3.5]],
    "grad_input": [[1, 1, 0], [1, 0, -1], [0, -1, -1]],
    "grad_weight": [[12, 16], [24, 28]],
    "grad_bias": [4]
  }
  output[i][j] = X[i][j] - X[i+1][j+1] + 0.5 = -3.5 (no flip); with grad_output all ones,
  grad_weight[m][n] sums the 2x2 block of X starting at (m, n) (1+2+4+5 = 12), and
  grad_input adds up the kernel entries that touch each input entry.

more:
  python -m derivations grad layer.json
  python -m derivations grad - < layer.json
  {"input": [[[[...]]]], "weight": [[[[...]]]], "stride": [2, 1], "padding": 1}"""


def add_arguments(parser):
    parser.add_argument("file", metavar="FILE",
                        help="JSON request file, or - to read standard input")


def _read(name: str) -> str:
    from derivations.cli.conv2d_request import MAX_BYTES
    from derivations.cli.input_files import decode_utf8, read_regular_file

    label = f"FILE {shown(name)}"
    if name != "-":
        hint = "give a JSON file or - for stdin"
        return decode_utf8(read_regular_file(name, MAX_BYTES, label, hint), label,
                           "give a JSON text file")
    if sys.stdin is None:  # `<&-`: the shell closed it
        raise UsageError("FILE -: standard input is closed; give a file or pipe the request in")
    try:  # a pipe or terminal has no size to check first: read one byte past the limit
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or "it is closed"
        raise UsageError(f"FILE -: cannot read standard input: {reason}") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"FILE -: larger than {MAX_BYTES // 2**20} MiB; send a smaller request")
    return decode_utf8(data, label, "give a JSON text file")


def _engine(r) -> dict:
    from derivations.mathematics.conv2d import (
        conv2d_backward,
        conv2d_forward,
        conv_transpose2d_backward,
        conv_transpose2d_forward,
    )

    hyper = {"stride": r.stride, "padding": r.padding, "dilation": r.dilation,
             "groups": r.groups}
    if r.transposed:
        hyper["output_padding"] = r.output_padding
        forward, backward = conv_transpose2d_forward, conv_transpose2d_backward
    else:
        forward, backward = conv2d_forward, conv2d_backward
    output = forward(r.x, r.weight, r.bias, **hyper)
    grads = backward(r.x, r.weight, r.grad_output, **hyper, with_bias=r.bias is not None)
    results = {"output": output, "grad_input": grads.grad_input,
               "grad_weight": grads.grad_weight}
    if grads.grad_bias is not None:
        results["grad_bias"] = grads.grad_bias
    return results


def _overflowed(r) -> UsageError:
    """Which result overflowed, and where: computed again with the errors let through."""
    import numpy as np

    with np.errstate(all="ignore"):
        results = _engine(r)
    for name, value in results.items():
        bad = np.argwhere(~np.isfinite(value))
        if len(bad):
            index = bad[0][2:] if r.two_d and name != "grad_bias" else bad[0]
            where = name + "".join(f"[{i}]" for i in index)
            return UsageError(f"{where}: overflows float64 (|x| > 1.8e308); the entries are "
                              "finite but their sums are not, so use smaller entries")
    return UsageError("the computation overflowed float64; use smaller entries")


def run(args) -> int:
    import numpy as np

    from derivations.cli.conv2d_request import format_response, parse_request_text

    r = parse_request_text(_read(args.file))
    try:
        # Underflow to 0 or a subnormal is float64 doing its job; overflow is an answer the
        # command cannot give.
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            results = _engine(r)
    except FloatingPointError:
        raise _overflowed(r) from None
    sys.stdout.write(format_response(r, results["output"], results["grad_input"],
                                     results["grad_weight"], results.get("grad_bias")))
    return 0
