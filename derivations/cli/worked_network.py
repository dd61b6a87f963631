"""`worked --network FILE|-` and `--step LR`: read a network description, work it, format it.

The edge part only: reading the file (or standard input) and the learning rate, with one
UsageError line for each problem; parsing is render/network_description.py, the
mathematics mathematics/network.py, the text render/network_format.py.
"""

from __future__ import annotations

import sys
from fractions import Fraction

from derivations.cli.input_files import decode_utf8, read_regular_file, size_text
from derivations.cli.messages import shown
from derivations.errors import UsageError
from derivations.mathematics.network import (
    Conv,
    Network,
    NetworkWork,
    StepWork,
    gradient_step,
    work_network,
)
from derivations.render import network_form
from derivations.render.network_description import MAX_CHARS, parse_network_text

# UTF-8 spends at most 4 bytes on a character: no description of MAX_CHARS is refused as
# too large before its characters are counted.
MAX_BYTES = 4 * MAX_CHARS


def read_description(source: str) -> str:
    """The text of FILE, or of standard input for `-`, through the bounded reader.

    Like grad's FILE: a regular file only (a FIFO, a device or a folder is refused before
    a byte is read), at most MAX_BYTES, UTF-8; then at most MAX_CHARS characters."""
    label = f"--network {shown(source)}"
    text_hint = "give a JSON text file"
    if source != "-":
        data = read_regular_file(source, MAX_BYTES, label,
                                 "give a JSON file, or - for standard input")
    else:
        if sys.stdin is None:  # `<&-`: the shell closed it
            raise UsageError(f"{label}: standard input is closed; give a file or pipe the "
                             "description in")
        try:  # a pipe or terminal has no size to check first: read one byte past the limit
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or "it is closed"
            raise UsageError(f"{label}: cannot read standard input: {reason}") from None
        if len(data) > MAX_BYTES:
            raise UsageError(f"{label}: larger than {size_text(MAX_BYTES)}; a description "
                             "within the limits is far smaller")
    text = decode_utf8(data, label, text_hint)
    if len(text) > MAX_CHARS:
        raise UsageError(f"{label}: longer than {MAX_CHARS} characters; a description within "
                         "the limits is far shorter")
    return text


def parse_rate(text: str) -> Fraction:
    """The learning rate η of --step (render/network_form.py's rule, the page's too)."""
    return network_form.parse_rate(text, "--step")


def chain_as_network(x, kernels, target) -> Network:
    """The shorthand's chain (valid, stride 1, one channel, no bias, SSE) as a Network."""
    one_number = len(target) == 1 and len(target[0]) == 1
    return Network(input=(x,), layers=tuple(Conv(((w,),), weight_rank=2) for w in kernels),
                   target=target[0][0] if one_number else (target,), loss="sse",
                   input_rank=2, target_rank=0 if one_number else 2)


def work_with_step(network: Network, rate: Fraction | None) -> tuple[NetworkWork,
                                                                    StepWork | None]:
    work = work_network(network)
    return work, None if rate is None else gradient_step(work, rate)


def network_text(source: str, fmt: str, rate: Fraction | None) -> str:
    """The whole derivation of the described network, in one of render/network_format's
    formats."""
    from derivations.render.network_format import render

    work, step = work_with_step(parse_network_text(read_description(source)), rate)
    return render(work, fmt, step)


def shorthand_text(chain_text: str, x, kernels, target, fmt: str, rate: Fraction | None) -> str:
    """The shorthand's output extended: a PyTorch script, or today's text plus the step.

    Without --step and in today's formats the command prints chain_text unchanged.
    """
    import json

    from derivations.render import network_format

    work, step = work_with_step(chain_as_network(x, kernels, target), rate)
    if fmt == "pytorch":
        return network_format.render(work, fmt, step)
    if step is None:
        return chain_text
    if fmt == "json":
        data = json.loads(chain_text)
        data["step"] = _step_dict(step, network_format.plain_number)
        data["exact"]["step"] = _step_dict(step, network_format.exact_number)
        return json.dumps(data, indent=2) + "\n"
    section = network_format.step_markdown(work, step).text
    if fmt == "stackexchange":
        section = network_format.strip_book_marks(section)
    return chain_text + "\n" + section


def _step_dict(step: StepWork, convert) -> dict:
    return {"rate": convert(step.rate),
            "kernels": [[[convert(v) for v in row] for row in layer.weight[0][0]]
                        for layer in step.network.layers],
            "cost_before": convert(step.cost_before), "cost_after": convert(step.cost_after)}
