"""The "Try your own numbers" form as a network description: the page's rules, in Python.

The page (derivations/web/worked.js) turns its fields into the description that
`worked --network` reads and checks it with the same rules and messages; this module is
the Python side of that contract, so tests can compare the page with the command.

Fields (text, as typed): `input` and `target` in the matrix syntax (render/matrix_syntax.py)
with channels separated by `|` (the target may be one number); `loss` ("sse" or "mse");
`rate`, the learning rate of one gradient-descent step (empty: no step); and for each layer
k = 0, 1, …: `layer{k}-type` (conv, relu, maxpool, avgpool), for a conv `layer{k}-weight`
(a kernel, or `|` between input channels and `||` between output channels), `-bias` (one
number per output channel), `-stride`, `-padding`, `-dilation`, for a pool `-kernel` and
`-stride` (an integer, or two for height and width; empty for the default).
"""

from __future__ import annotations

import re
from fractions import Fraction

from derivations.errors import UsageError
from derivations.mathematics.network import Network
from derivations.render.matrix_syntax import SPACES, parse_matrix, parse_number
from derivations.render.network_description import Literal, parse_network

OPTIONS = {"conv": ("stride", "padding", "dilation"), "relu": (), "maxpool": ("kernel", "stride"),
           "avgpool": ("kernel", "stride")}
LAYER_FIELDS = ("type", "weight", "bias", "stride", "padding", "dilation", "kernel")


# SPACES is a character class body (it holds ranges), so it is used inside [...] only.
_EDGE_SPACES = re.compile(f"^[{SPACES}]+|[{SPACES}]+$")
_SEPARATOR = re.compile(f"[{SPACES},]+")


def _strip(text: str) -> str:
    return _EDGE_SPACES.sub("", text)


def _blank(text: str | None) -> bool:
    return text is None or not _strip(text)


def _size(matrix) -> str:
    return f"{len(matrix)}×{len(matrix[0])}"


def _matrix(text: str, name: str) -> list[list[Fraction]]:
    """parse_matrix's rows as lists (the description's arrays are JSON lists)."""
    return [list(row) for row in parse_matrix(text, name)]


def parse_channels(text: str, name: str):
    """`a b; c d | e f; g h` -> one matrix per channel (one channel without `|`)."""
    if "|" not in text:
        return [_matrix(text, name)]
    channels = [_matrix(part, f"{name}[{c}]") for c, part in enumerate(text.split("|"))]
    for c, matrix in enumerate(channels[1:], start=1):
        if _size(matrix) != _size(channels[0]):
            raise UsageError(f"{name}[{c}]: is {_size(matrix)} but {name}[0] is "
                             f"{_size(channels[0])}; every channel must have the same size")
    return channels


def parse_weight(text: str, name: str):
    """`||` between output channels, `|` between input channels -> a 4-D weight (or 2-D)."""
    if "|" not in text:
        return _matrix(text, name), 2
    outputs = text.split("||")
    weight = [[_matrix(part, f"{name}[{o}][{c}]") for c, part in enumerate(out.split("|"))]
              for o, out in enumerate(outputs)]
    for o, slices in enumerate(weight):
        if len(slices) != len(weight[0]):
            raise UsageError(f"{name}[{o}]: has {len(slices)} input channel"
                             f"{'s' if len(slices) != 1 else ''} but {name}[0] has "
                             f"{len(weight[0])}; every output channel needs one kernel per "
                             "input channel")
        for c, matrix in enumerate(slices):
            if _size(matrix) != _size(weight[0][0]):
                raise UsageError(f"{name}[{o}][{c}]: is {_size(matrix)} but {name}[0][0] is "
                                 f"{_size(weight[0][0])}; every kernel of a layer has the same "
                                 "size")
    return weight, 4


def _option(text: str):
    """`2` -> 2, `2 1` -> [2, 1], as JSON numbers' text (the description checks them)."""
    tokens = [t for t in _SEPARATOR.split(text) if t]
    values = [Literal(t) for t in tokens]
    return values[0] if len(values) == 1 else values


def parse_rate(text: str, name: str) -> Fraction:
    """The learning rate η: an exact positive number in the matrix syntax's number forms."""
    rate = parse_number(_strip(text), name)
    if rate <= 0:
        raise UsageError(f"{name}: got {_strip(text)}; the learning rate must be positive, "
                         "e.g. 0.01 or 1/100")
    return rate


def layer_count(fields: dict[str, str]) -> int:
    count = 0
    while f"layer{count}-type" in fields:
        count += 1
    return count


def description_from_form(fields: dict[str, str]) -> dict:
    """The description the fields stand for (entries exact), refusing bad matrix syntax."""
    channels = parse_channels(fields.get("input", ""), "input")
    description: dict = {"input": channels if len(channels) > 1 else channels[0]}
    layers = []
    for k in range(layer_count(fields)):
        kind = fields[f"layer{k}-type"]
        where = f"layers[{k}] ({kind})"
        layer: dict = {"type": kind}
        if kind == "conv":
            layer["weight"] = parse_weight(fields.get(f"layer{k}-weight", ""),
                                           f"{where} weight")[0]
            bias = fields.get(f"layer{k}-bias", "")
            if not _blank(bias):
                rows = _matrix(bias, f"{where} bias")
                if len(rows) != 1:
                    raise UsageError(f"{where} bias: has {len(rows)} rows; write the bias as "
                                     "one row, one number per output channel")
                layer["bias"] = rows[0]
        for option in OPTIONS.get(kind, ()):
            text = fields.get(f"layer{k}-{option}", "")
            if not _blank(text):
                layer[option] = _option(text)
        layers.append(layer)
    description["layers"] = layers
    target = parse_channels(fields.get("target", ""), "target")
    one_number = len(target) == 1 and len(target[0]) == 1 and len(target[0][0]) == 1
    description["target"] = target[0][0][0] if one_number else \
        (target if len(target) > 1 else target[0])
    description["loss"] = fields.get("loss", "sse")
    return description


def network_from_form(fields: dict[str, str]) -> tuple[Network, Fraction | None]:
    """The checked network and the learning rate (None without a step)."""
    network = parse_network(description_from_form(fields))
    rate = None if _blank(fields.get("rate")) else parse_rate(fields["rate"], "learning rate")
    return network, rate


def form_from_description(description: dict, rate: str = "") -> dict[str, str]:
    """Form fields that stand for a description (e.g. to prefill the page with an example)."""
    def matrix(rows) -> str:
        return "; ".join(" ".join(str(v) for v in row) for row in rows)

    def channels(value) -> str:
        return " | ".join(matrix(ch) for ch in value) if _depth(value) == 3 else matrix(value)

    fields = {"input": channels(description["input"])}
    for k, layer in enumerate(description["layers"]):
        fields[f"layer{k}-type"] = layer["type"]
        if "weight" in layer:
            weight = layer["weight"]
            fields[f"layer{k}-weight"] = " || ".join(
                " | ".join(matrix(ch) for ch in out) for out in weight) \
                if _depth(weight) == 4 else matrix(weight)
        if "bias" in layer:
            fields[f"layer{k}-bias"] = " ".join(str(v) for v in layer["bias"])
        for option in OPTIONS[layer["type"]]:
            if option in layer:
                value = layer[option]
                fields[f"layer{k}-{option}"] = " ".join(map(str, value)) \
                    if isinstance(value, list) else str(value)
    target = description["target"]
    fields["target"] = channels(target) if isinstance(target, list) else str(target)
    fields["loss"] = description.get("loss", "sse")
    fields["rate"] = rate
    return fields


def _depth(value) -> int:
    depth = 0
    while isinstance(value, list | tuple):
        depth, value = depth + 1, value[0]
    return depth

