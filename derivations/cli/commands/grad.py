"""`python -m derivations grad FILE`: conv2d output and gradients for a JSON request."""

from __future__ import annotations

import sys
from pathlib import Path

from derivations.errors import UsageError

HELP = "conv2d forward pass and every gradient (input, weight, bias) for a JSON layer"
DESCRIPTION = """\
Read one JSON object from FILE (or standard input with -), run a conv2d layer with
PyTorch's conventions (NCHW, cross-correlation: the kernel is not flipped), and print
one JSON object with the output and the gradients of C = sum(grad_output * output).

Request keys:
  input        nested list, 2-D (H, W) or 4-D (N, C_in, H, W)             required
  weight       2-D (kH, kW) with a 2-D input, 4-D (C_out, C_in, kH, kW)  required
  bias         one number per output channel (a 1-element list with 2-D input)
  stride       integer >= 1 or [h, w]                                    default 1
  padding      integer >= 0 or [h, w] (zeros on every side)              default 0
  dilation     integer >= 1 or [h, w]                                    default 1
  grad_output  upstream gradient dC/d(output), the output's shape        default all ones

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
channel or shape mismatches, and requests too large to answer in a few seconds: more
than 250,000 entries in any array (input, weight, grad_output, output), more than
10,000,000 window entries (N*C_in*kH*kW*H_out*W_out) or more than 200,000,000
multiply-adds (N*C_out*C_in*kH*kW*H_out*W_out), or a file over 32 MiB."""
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

    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with Path(name).open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"FILE {name}: no such file; give a JSON file or - for stdin") from None
    except IsADirectoryError:
        raise UsageError(f"FILE {name}: is a folder; give a JSON file or - for stdin") from None
    except OSError as error:
        raise UsageError(f"FILE {name}: cannot read: {error.strerror}") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"FILE {name}: larger than {MAX_BYTES // 2**20} MiB; "
                         "send a smaller request")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"FILE {name}: not UTF-8 text (byte {error.start}); "
                         "give a JSON text file") from None


def run(args) -> int:
    from derivations.cli.conv2d_request import format_response, parse_request_text
    from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward

    r = parse_request_text(_read(args.file))
    hyper = {"stride": r.stride, "padding": r.padding, "dilation": r.dilation}
    output = conv2d_forward(r.x, r.weight, r.bias, **hyper)
    grads = conv2d_backward(r.x, r.weight, r.grad_output, **hyper, with_bias=r.bias is not None)
    sys.stdout.write(format_response(r, output, grads.grad_input, grads.grad_weight,
                                     grads.grad_bias))
    return 0
