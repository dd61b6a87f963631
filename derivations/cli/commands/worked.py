"""`python -m derivations worked`: the full worked derivation for your own numbers."""

import argparse
import sys
import textwrap

from derivations.cli.atomic import check_output_file, write_text_atomic
from derivations.errors import UsageError
from derivations.render.printed_numbers import DISPLAY_DECIMALS
from derivations.worked_limits import (
    MAX_CHANNELS,
    MAX_DESCRIPTION_CHARS,
    MAX_DIGITS,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNELS,
    MAX_LAYERS,
    MAX_PADDING,
    MAX_PRODUCTS,
    MAX_STRIDE,
    SE_MAX_CHARS,
    SUM_MAX_ENTRIES,
    SUM_MAX_TERMS,
)

HELP = "work the forward pass, cost and every gradient for your own input, kernels and target"
_DESCRIPTION = f"""\
Work a chain of valid cross-correlations (no flip, no bias, stride 1) for your own numbers:
the input goes through each --kernel in turn, the cost is C = sum of (output - target)^2,
and every forward entry, the cost, dC/d(output), every weight gradient entry and every
input gradient entry is written out as a sum of products. With --network, the same for a
whole network of convolutions, ReLUs and pooling layers (below).

With no --input/--kernel/--target at all, it works the book's seed example (the question's
network: a 3x3 input, two 2x2 kernels, one target number).

Matrix syntax: rows separated by ';', entries by spaces or commas, e.g. "1 2; 3 -4" or
"1,2;3,-4". Entries: integers (-3), decimals (0.25, .5) or fractions (1/2, -3/4); at most
{MAX_DIGITS} digits per entry. The arithmetic is exact (fractions); the text shows integers
exactly and anything else rounded to {DISPLAY_DECIMALS} decimals (the JSON also carries the
exact values as "p/q").

Limits (larger requests are refused, exit 2): input at most {MAX_INPUT_SIDE}x{MAX_INPUT_SIDE},
1 to {MAX_KERNELS} kernels, each kernel at most {MAX_KERNEL_SIDE}x{MAX_KERNEL_SIDE} and no
larger than the map it slides over; the target is one number (the same for every output
entry) or a matrix of exactly the output's size. A step's sums are written out when its
result has at most {SUM_MAX_ENTRIES} entries and each sum at most {SUM_MAX_TERMS} products;
larger steps show their matrices instead.

A whole network: --network FILE (or - for standard input) reads a JSON object with keys
"input" (an (H, W) or (C, H, W) list), "layers" (a list, applied in order), "target" (one
number or an array of the output's shape) and "loss" ("sse", the default, or "mse"). A layer
is an object with "type": "conv" (keys "weight", a (kH, kW) or (C_out, C_in, kH, kW) list;
"bias", one number per output channel; "stride", "padding", "dilation", each an integer or
[h, w]), "relu", "maxpool" or "avgpool" (keys "kernel" and "stride"; the stride defaults to
the kernel), with PyTorch's conventions; entries are numbers or strings such as "1/2". Every
map is at most {MAX_INPUT_SIDE}x{MAX_INPUT_SIDE} with at most {MAX_CHANNELS} channels; at
most {MAX_LAYERS} layers, {MAX_KERNELS} of them convolutions; stride and dilation at most
{MAX_STRIDE}, padding at most {MAX_PADDING}; at most {MAX_PRODUCTS} products in the forward
pass. --format pytorch writes a script that rebuilds the network in PyTorch and asserts that
autograd's gradients equal these; --step LR appends one gradient-descent step with learning
rate LR: the updated weights and the new cost, exactly. FILE must be a regular file (not a
FIFO, a device or a folder) of UTF-8 JSON, at most {MAX_DESCRIPTION_CHARS:,} characters;
standard input is read up to the same.

A value may start with a minus sign (--kernel -1/2 or --kernel "-1 2; 3 4"). Stack Exchange
accepts at most {SE_MAX_CHARS} characters in a post; when --format stackexchange writes more,
a note on standard error says so (the text is still written, exit status 0)."""
# Each paragraph refilled after the limits are put in, so no line comes out ragged.
DESCRIPTION = "\n\n".join(
    textwrap.fill(" ".join(paragraph.split()), 88, break_on_hyphens=False,
                  break_long_words=False)
    for paragraph in _DESCRIPTION.split("\n\n"))
EPILOG = """\
examples:
  python -m derivations worked
  python -m derivations worked --input "1 2 3; 4 5 6; 7 8 9" --kernel "1 0; 0 -1" --target 2
  python -m derivations worked --input "1 2 3; 4 5 6; 7 8 9" --kernel "1 0; 0 -1" \\
      --kernel "1/2 1; 1 1" --target 0 --format stackexchange --out answer.md
  python -m derivations worked --format json
  python -m derivations worked --network net.json --step 1/100
  python -m derivations worked --network net.json --format pytorch > check.py"""


class _Once(argparse.Action):
    """A value option that must not be repeated (a second --input would silently win)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest) is not None:
            raise UsageError(f"{option_string} given twice; give it once (only --kernel "
                             "repeats, once per layer)")
        setattr(namespace, self.dest, values)


def add_arguments(parser):
    from derivations.render.network_format import FORMATS

    parser.add_argument("--input", metavar="MATRIX", action=_Once,
                        help='the input, e.g. "1 2 3; 4 5 6; 7 8 9"')
    parser.add_argument("--kernel", metavar="MATRIX", action="append",
                        help="a kernel; repeat for a chain, applied in the order given")
    parser.add_argument("--target", metavar="MATRIX", action=_Once,
                        help="one number, or a matrix the size of the final output")
    parser.add_argument("--network", metavar="FILE", action=_Once,
                        help="a JSON description of a whole network (- reads standard input), "
                             "instead of --input/--kernel/--target")
    parser.add_argument("--step", metavar="LR", action=_Once,
                        help="append one gradient-descent step with learning rate LR")
    parser.add_argument("--format", default="markdown", choices=FORMATS,
                        help="markdown (the book's style, default), stackexchange (paste into "
                             "an answer), json, or pytorch (a script that checks every "
                             "gradient with PyTorch)")
    parser.add_argument("--out", metavar="FILE", action=_Once,
                        help="write to FILE instead of standard output: a regular file, "
                             "replaced whole or not at all, or a new name (a symlink, FIFO "
                             "or device is refused)")


def seed_values():
    from fractions import Fraction

    from derivations.examples import seed as seed_example

    def exact(rows):
        return tuple(tuple(Fraction(v) for v in row) for row in rows)

    return (exact(seed_example.I), (exact(seed_example.W1), exact(seed_example.W2)),
            ((Fraction(seed_example.TARGET),),))


def run(args) -> int:
    from derivations.cli import worked_network
    from derivations.mathematics.worked import work_chain
    from derivations.render.matrix_syntax import parse_matrix
    from derivations.render.worked_format import render

    given = {"--input": args.input, "--kernel": args.kernel, "--target": args.target}
    rate = None if args.step is None else worked_network.parse_rate(args.step)
    if args.network is not None:
        if any(value is not None for value in given.values()):
            raise UsageError("--network replaces --input, --kernel and --target; give one or "
                             "the other")
        if args.out is not None:
            check_output_file(args.out, "--out")
        return _emit(worked_network.network_text(args.network, args.format, rate), args)
    if all(value is None for value in given.values()):
        x, kernels, target = seed_values()
    else:
        missing = [name for name, value in given.items() if value is None]
        if missing:
            raise UsageError(f"{', '.join(missing)} missing; give --input, --kernel and --target "
                             "together (or none of them for the book's seed example)")
        x = parse_matrix(args.input, "--input")
        kernels = tuple(parse_matrix(text, f"--kernel {k}")
                        for k, text in enumerate(args.kernel, start=1))
        target = parse_matrix(args.target, "--target")
    if args.out is not None:
        check_output_file(args.out, "--out")
    chain = work_chain(x, kernels, target)
    text = render(chain, args.format) if args.format != "pytorch" else ""
    if args.format == "pytorch" or rate is not None:
        text = worked_network.shorthand_text(text, x, kernels, target, args.format, rate)
    return _emit(text, args)


def _emit(text: str, args) -> int:
    if args.format == "stackexchange" and len(text) > SE_MAX_CHARS:
        print(f"note: the answer is {len(text)} characters; Stack Exchange accepts at most "
              f"{SE_MAX_CHARS} in a post, so use a smaller input or fewer kernels, or split it "
              "over two posts", file=sys.stderr)
    if args.out is None:
        print(text, end="")
        return 0
    write_text_atomic(args.out, text, "--out")
    return 0
