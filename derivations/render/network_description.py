"""The network description of `worked --network` (JSON) -> mathematics.network.Network.

    {"input": [[1, 2], [3, 4]]                      (H, W), or (C, H, W)
     "layers": [{"type": "conv", "weight": [[1, 0], [0, -1]],   (kH, kW) or (C_out, C_in, kH, kW)
                 "bias": [0.5], "stride": 1, "padding": [1, 0], "dilation": 1},
                {"type": "relu"},
                {"type": "maxpool", "kernel": 2, "stride": 2},   stride defaults to kernel
                {"type": "avgpool", "kernel": [2, 1]}],
     "target": 0                                   one number, or an array of the output's shape
     "loss": "sse"}                                "sse" (the default) or "mse"

An entry is a JSON number (an integer or a decimal, no exponent) or a string in the matrix
syntax's number forms ("1/2", "-0.25"): everything becomes an exact Fraction. Options are
an integer or an [h, w] pair, as in PyTorch. Each problem is one UsageError that names where
it is (`layers[1] (conv) stride`, `input[0][2]`), what was wrong and what is allowed;
whether the layers fit together is checked by mathematics.network.check_network, with the
same naming.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

from derivations.errors import UsageError
from derivations.mathematics.network import (
    LOSSES,
    Conv,
    Network,
    Pool,
    ReLU,
    check_network,
)
from derivations.render.matrix_syntax import QUOTE_MAX, parse_number, quote
from derivations.worked_limits import MAX_DESCRIPTION_CHARS

TOP_KEYS = ("input", "layers", "target", "loss")
LAYER_KEYS = {
    "conv": ("type", "weight", "bias", "stride", "padding", "dilation"),
    "relu": ("type",),
    "maxpool": ("type", "kernel", "stride"),
    "avgpool": ("type", "kernel", "stride"),
}
MAX_CHARS = MAX_DESCRIPTION_CHARS
MAX_DEPTH = 4  # (C_out, C_in, kH, kW)


class Literal(str):
    """A JSON number's text, kept so it becomes an exact Fraction (0.1 is 1/10, not a float)."""


# A JSON number as json.loads reads one; anything else a Literal holds came from a form field.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _describe(value) -> str:
    """A value as a message names it: numbers as written (quoted and cut when long or not
    a number), strings by their first 20 characters, JSON-escaped."""
    if isinstance(value, Literal):
        short = len(value) <= QUOTE_MAX and _JSON_NUMBER.fullmatch(value)
        return str(value) if short else quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {json.dumps(value[:20])}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _key(key: str) -> str:
    """A key as a message quotes it: JSON-escaped, cut after QUOTE_MAX characters with …."""
    shown = json.dumps(key[:QUOTE_MAX])
    return shown[:-1] + '…"' if len(key) > QUOTE_MAX else shown


def _unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise UsageError(f"key {_key(key)} appears twice; give each key once")
        seen[key] = value
    return seen


def _refuse_constant(literal: str):
    raise UsageError(f"{literal} is not a finite number; entries must be numbers")


def parse_network_text(text: str) -> Network:
    """JSON text -> a checked Network, or UsageError naming the first problem."""
    if len(text) > MAX_CHARS:
        raise UsageError(f"the description has {len(text)} characters; at most {MAX_CHARS}")
    if not text.strip():
        raise UsageError('empty description; give one JSON object such as {"input": [[1, 2], '
                         '[3, 4]], "layers": [{"type": "conv", "weight": [[1, -1]]}], '
                         '"target": 0}')
    try:
        obj = json.loads(text, parse_int=Literal, parse_float=Literal,
                         parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise UsageError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}; "
                         "give one JSON object (see --help)") from None
    except RecursionError:
        raise UsageError("lists nested too deeply; a weight has at most 4 axes") from None
    return parse_network(obj)


def parse_network(obj) -> Network:
    """A decoded JSON value (numbers as Literal or str) -> a checked Network."""
    if not isinstance(obj, dict):
        raise UsageError(f"got {_describe(obj)} at the top level; give one JSON object with "
                         f"keys {', '.join(TOP_KEYS)}")
    _known_keys(obj, TOP_KEYS, "the description")
    for key in ("input", "layers", "target"):
        if key not in obj:
            raise UsageError(f'missing key "{key}"; "input", "layers" and "target" are required')
    x, input_rank = _array(obj["input"], "input", (2, 3), "an (H, W) or (C, H, W) list")
    if input_rank == 2:
        x = (x,)
    layers_value = obj["layers"]
    if not isinstance(layers_value, list):
        raise UsageError(f"layers: got {_describe(layers_value)}; give a list of layers")
    layers = tuple(_layer(item, k) for k, item in enumerate(layers_value))
    loss = obj.get("loss", "sse")
    if not isinstance(loss, str) or isinstance(loss, Literal) or loss not in LOSSES:
        raise UsageError(f'loss: got {_describe(loss)}; give "sse" (sum of squared errors, '
                         'the default) or "mse" (their mean)')
    target_value = obj["target"]
    if isinstance(target_value, list):
        target, target_rank = _array(target_value, "target", (2, 3),
                                     "one number, or an array of the output's shape")
        if target_rank == 2:
            target = (target,)
    else:
        target, target_rank = _number(target_value, "target"), 0
    network = Network(input=x, layers=layers, target=target, loss=loss,
                      input_rank=input_rank, target_rank=target_rank)
    check_network(network)
    return network


def _known_keys(obj: dict, allowed, where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise UsageError(f"{where}: unknown key {_key(key)}; allowed keys: "
                             f"{', '.join(allowed)}")


def _layer(item, k: int):
    where = f"layers[{k}]"
    if not isinstance(item, dict):
        raise UsageError(f"{where}: got {_describe(item)}; give an object such as "
                         '{"type": "relu"}')
    kind = item.get("type")
    if kind is None:
        raise UsageError(f'{where}: missing key "type"; give one of '
                         f'{", ".join(LAYER_KEYS)}')
    if not isinstance(kind, str) or isinstance(kind, Literal) or kind not in LAYER_KEYS:
        raise UsageError(f"{where} type: unknown layer type {_describe(kind)}; give one of "
                         f'{", ".join(LAYER_KEYS)}')
    where = f"{where} ({kind})"
    _known_keys(item, LAYER_KEYS[kind], where)
    if kind == "relu":
        return ReLU()
    if kind == "conv":
        if "weight" not in item:
            raise UsageError(f'{where}: missing key "weight"; a conv needs its kernel')
        weight, rank = _array(item["weight"], f"{where} weight", (2, 4),
                              "a (kH, kW) or (C_out, C_in, kH, kW) list")
        if rank == 2:
            weight = ((weight,),)
        bias = None
        if "bias" in item:
            bias, _ = _array(item["bias"], f"{where} bias", (1,),
                             "a list of numbers, one per output channel")
        return Conv(weight=weight, bias=bias,
                    stride=_option(item, "stride", 1, 1, where),
                    padding=_option(item, "padding", 0, 0, where),
                    dilation=_option(item, "dilation", 1, 1, where), weight_rank=rank)
    if "kernel" not in item:
        raise UsageError(f'{where}: missing key "kernel"; give the window size, e.g. 2')
    kernel = _option(item, "kernel", None, 1, where)
    return Pool(kind=kind, kernel=kernel, stride=_option(item, "stride", kernel, 1, where))


def _option(item: dict, key: str, default, low: int, where: str) -> tuple[int, int]:
    """An int ≥ low or an [h, w] pair of them (PyTorch's int-or-tuple options)."""
    if key not in item:
        return default if isinstance(default, tuple) else (default, default)
    value = item[key]
    allowed = f"an integer ≥ {low} or a pair [h, w] of them"
    if isinstance(value, list) and len(value) != 2:
        raise UsageError(f"{where} {key}: got {len(value)} values; give {allowed}")
    items = value if isinstance(value, list) else [value]
    out = []
    for i, entry in enumerate(items):
        at = f"{where} {key}[{i}]" if isinstance(value, list) else f"{where} {key}"
        if not isinstance(entry, Literal) or not _is_integer_text(entry):
            raise UsageError(f"{at}: got {_describe(entry)}; give {allowed}")
        if len(entry) > 6:  # int() of a very long text is slow, and no option is this large
            raise UsageError(f"{at}: got {entry[:8]}…, far too large; give {allowed} within "
                             "the limits")
        number = int(entry)
        if number < low:
            raise UsageError(f"{at}: got {number}; give {allowed}")
        out.append(number)
    return (out[0], out[0]) if len(out) == 1 else (out[0], out[1])


def _is_integer_text(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return digits.isdigit() and digits.isascii()


def _number(value, where: str) -> Fraction:
    if isinstance(value, Fraction):  # already exact (the page's form parses its own text)
        return value
    if isinstance(value, str):  # a JSON number's text, or a string such as "1/2"
        if not isinstance(value, Literal) and not value.strip():
            raise UsageError(f"{where}: got an empty string; entries are numbers or strings "
                             'such as "1/2"')
        return parse_number(value, where)
    raise UsageError(f"{where}: got {_describe(value)}; entries are numbers, or strings such "
                     'as "1/2"')


def _array(value, where: str, ranks: tuple[int, ...], what: str):
    """A rectangular nested list of numbers -> (nested tuples of Fractions, its rank)."""
    if not isinstance(value, list):
        raise UsageError(f"{where}: got {_describe(value)}; expected {what}")
    dims, probe, at = [], value, where
    while isinstance(probe, list):
        if not probe:
            raise UsageError(f"{at}: empty list; every axis needs at least one entry")
        if len(dims) >= MAX_DEPTH:
            raise UsageError(f"{where}: nested {len(dims) + 1} deep; expected {what}")
        dims.append(len(probe))
        probe, at = probe[0], f"{at}[0]"
    if len(dims) not in ranks:
        raise UsageError(f"{where}: got a {len(dims)}-D list of shape {tuple(dims)}; "
                         f"expected {what}")
    return _walk(value, where, dims, 0), len(dims)


def _walk(value, where: str, dims: list[int], level: int):
    if not isinstance(value, list):
        raise UsageError(f"{where}: got {_describe(value)}; expected a list of {dims[level]} "
                         "like the first one at this depth (no ragged lists)")
    if len(value) != dims[level]:
        raise UsageError(f"{where}: has {len(value)} entries, but the first at this depth has "
                         f"{dims[level]}; every row must have the same length")
    if level + 1 < len(dims):
        return tuple(_walk(item, f"{where}[{i}]", dims, level + 1)
                     for i, item in enumerate(value))
    return tuple(_number(item, f"{where}[{i}]") for i, item in enumerate(value))


def describe_network(network: Network) -> dict:
    """The Network back as a JSON-ready description (exact entries as "p/q" strings)."""
    def entries(tensor):
        if isinstance(tensor, tuple):
            return [entries(item) for item in tensor]
        return tensor.numerator if tensor.denominator == 1 else str(tensor)

    def pair(value):
        return value[0] if value[0] == value[1] else list(value)

    layers = []
    for layer in network.layers:
        if isinstance(layer, Conv):
            out = {"type": "conv", "weight": entries(
                layer.weight[0][0] if layer.weight_rank == 2 else layer.weight)}
            if layer.bias is not None:
                out["bias"] = entries(layer.bias)
            for name, value, default in (("stride", layer.stride, (1, 1)),
                                         ("padding", layer.padding, (0, 0)),
                                         ("dilation", layer.dilation, (1, 1))):
                if value != default:
                    out[name] = pair(value)
        elif isinstance(layer, Pool):
            out = {"type": layer.kind, "kernel": pair(layer.kernel)}
            if layer.stride != layer.kernel:
                out["stride"] = pair(layer.stride)
        else:
            out = {"type": "relu"}
        layers.append(out)
    target = network.target
    if network.target_rank == 0:
        target_out = entries(target)
    else:
        target_out = entries(target[0] if network.target_rank == 2 else target)
    return {"input": entries(network.input[0] if network.input_rank == 2 else network.input),
            "layers": layers, "target": target_out, "loss": network.loss}
