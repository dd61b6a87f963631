"""JSON request -> validated Conv2dRequest, and results -> JSON text, for `derivations grad`.

Pure: no I/O. Every problem is a UsageError saying what is wrong, where (`input[1][2]`,
`stride[0]`) and what is allowed, so the command can print it as one line.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from derivations.cli.messages import shown
from derivations.errors import UsageError

KEYS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups", "transposed",
        "output_padding", "grad_output")
REQUIRED = ("input", "weight")
# Limits keep one request within a few seconds and ~200 MB on a small (2-core) machine.
# Measured on one: JSON dominates, ~1-2 s per 10^6 printed or parsed random floats, so at
# most 250,000 per array (input + grad_output in, output + grad_input out: ≤ 10^6 numbers,
# ~2 s end to end under load). The arithmetic: 2·10^8 multiply-adds over 10^7 window
# entries ran forward + backward in 0.3-0.5 s; 2·10^7 window entries (two 160 MB copies)
# took 1.6-3.7 s, hence the separate window limit.
MAX_BYTES = 32 * 2**20
MAX_ENTRIES = 250_000  # per array: input, weight, bias, grad_output, output
MAX_MULTIPLY_ADDS = 200_000_000  # N·C_out·C_in·kH·kW·H_out·W_out (forward pass)
MAX_WINDOW_ENTRIES = 10_000_000  # N·C_in·kH·kW·H_out·W_out: the im2col copy, 8 bytes each
MAX_PADDED_ENTRIES = 10_000_000  # N·C_in·(H+2p)·(W+2p): the padded input and its gradient
MAX_HYPER = 1_000_000  # stride, padding, dilation: far beyond use, far below int64 strides
EXACT_INT = 2**53  # integers beyond this are not all representable in float64
MAX_INT_DIGITS = 30  # longer integer literals are kept as their length, never converted
# json.loads builds every value before anything can be checked: 32 MiB of `{},` is 11
# million dicts (850 MB). A valid request is one object of at most 7 keys holding numbers
# and lists, so counting its punctuation (linear, no allocation) refuses such text first;
# the bounds still leave the exact messages to the full check for small mistakes.
MAX_OBJECTS = 16
MAX_KEYS = 20
MAX_QUOTES = 4 * MAX_KEYS  # only keys are strings
MAX_ITEMS = 1_100_000  # lists; values twice that: four arrays of MAX_ENTRIES and some room
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)


@dataclass(frozen=True)
class Conv2dRequest:
    """A validated layer: 4-D float64 arrays (a 2-D request gets N = C_in = C_out = 1)."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    grad_output: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    two_d: bool
    groups: int = 1
    transposed: bool = False  # PyTorch's conv_transpose2d, weight (C_in, C_out/G, kH, kW)
    output_padding: tuple[int, int] = (0, 0)


class _NonFinite:
    """A NaN or ±Infinity literal, kept until validation can say where it stands."""

    def __init__(self, literal: str):
        self.literal = literal


class _HugeInteger:
    """An integer literal too long to be a usable number, kept as its digit count (Python
    refuses to convert more than 4300 digits, and is slow long before)."""

    def __init__(self, digits: int):
        self.digits = digits


def _integer(literal: str):
    digits = len(literal) - literal.startswith("-")
    return _HugeInteger(digits) if digits > MAX_INT_DIGITS else int(literal)


def _describe(value) -> str:
    if isinstance(value, _NonFinite):
        return value.literal
    if isinstance(value, _HugeInteger):
        return f"an integer of {value.digits} digits"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {shown(json.dumps(value[:20]), 30)}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise UsageError(f'key "{shown(key)}" appears twice; give each key once')
        seen[key] = value
    return seen


def _check_structure(text: str) -> None:
    """Refuse text that cannot be a request before json.loads spends memory on it."""
    quotes = text.count('"')
    if quotes > MAX_QUOTES:
        raise UsageError(f"not a usable request: {quotes} quote marks, but only the keys "
                         f"({', '.join(KEYS)}) are strings")
    bare = _STRING.sub('""', text)  # brackets inside a key do not count
    objects, keys = bare.count("{"), bare.count(":")
    if objects > MAX_OBJECTS or keys > MAX_KEYS:
        raise UsageError(f"not a usable request: {objects} objects and {keys} keys; a request "
                         f"is one object with the keys {', '.join(KEYS)}")
    lists, values = bare.count("["), bare.count(",") + 1
    if lists > MAX_ITEMS or values > 2 * MAX_ITEMS:
        raise UsageError(f"not a usable request: {lists} lists and {values} values; a request "
                         f"holds at most 4 arrays of {MAX_ENTRIES} entries")


def parse_request_text(text: str) -> Conv2dRequest:
    """JSON text -> Conv2dRequest; NaN/Infinity literals (located) and repeated keys refused."""
    if not text.strip():
        raise UsageError("empty input; give one JSON object such as "
                         '{"input": [[1, 2], [3, 4]], "weight": [[1]]}')
    _check_structure(text)
    try:
        obj = json.loads(text, parse_constant=_NonFinite, parse_int=_integer,
                         object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise UsageError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}; "
                         "give one JSON object (see --help)") from None
    except RecursionError:
        raise UsageError("not a usable request: lists nested too deeply; "
                         "input is 2-D or 4-D") from None
    return parse_request(obj)


def _shape(value, key: str) -> list[int]:
    """The shape read along the first entries; the full walk checks every other entry."""
    shape, probe, where = [], value, key
    while isinstance(probe, list):
        if not probe:
            raise UsageError(f"{where}: empty list; every row needs at least one entry")
        shape.append(len(probe))
        probe, where = probe[0], f"{where}[0]"
    return shape


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _walk(value, where: str, shape: list[int], level: int) -> None:
    if not isinstance(value, list):
        raise UsageError(f"{where}: got {_describe(value)}; expected a list of "
                         f"{_entries(shape[level])} like the first one (no ragged lists)")
    if len(value) != shape[level]:
        raise UsageError(f"{where}: has {_entries(len(value))}, but the first at this depth has "
                         f"{shape[level]}; every row must have the same length")
    if level + 1 < len(shape):
        for i, item in enumerate(value):
            _walk(item, f"{where}[{i}]", shape, level + 1)
        return
    for i, item in enumerate(value):
        kind = type(item)  # exact type: bool is an int subclass but not a number here
        if kind is float:
            if not math.isfinite(item):
                raise UsageError(f"{where}[{i}]: overflows float64 to infinity; entries "
                                 "must be finite numbers (|x| < 1.8e308)")
        elif kind is int:
            if abs(item) > EXACT_INT:
                raise UsageError(f"{where}[{i}]: integer too large for exact float64 "
                                 f"(|n| ≤ 2^53 = {EXACT_INT}); give a smaller number")
        elif kind is _NonFinite:
            raise UsageError(f"{where}[{i}]: {item.literal} is not a finite number; entries "
                             "must be finite numbers")
        elif kind is _HugeInteger:
            raise UsageError(f"{where}[{i}]: an integer of {item.digits} digits is too large "
                             f"for exact float64 (|n| ≤ 2^53 = {EXACT_INT})")
        else:
            raise UsageError(f"{where}[{i}]: got {_describe(item)}; entries must be numbers")


def _array(value, key: str, dims: tuple[int, ...], what: str) -> np.ndarray:
    if not isinstance(value, list):
        raise UsageError(f"{key}: got {_describe(value)}; expected {what}")
    shape = _shape(value, key)
    if len(shape) not in dims:
        raise UsageError(f"{key}: got a {len(shape)}-D list of shape {tuple(shape)}; "
                         f"expected {what}")
    if math.prod(shape) > MAX_ENTRIES:
        raise UsageError(f"{key}: {math.prod(shape)} entries is too large; at most "
                         f"{MAX_ENTRIES} per array")
    _walk(value, key, shape, 0)
    return np.array(value, dtype=np.float64)


def _hyper(obj: dict, key: str, default: int, low: int) -> tuple[int, int]:
    value = obj.get(key, default)
    allowed = f"an integer from {low} to {MAX_HYPER} or a pair [h, w] of them"
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) != 2:
        raise UsageError(f"{key}: got {len(value)} values; give {allowed}")
    out = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]" if isinstance(value, list) else key
        if type(item) is not int:
            raise UsageError(f"{where}: got {_describe(item)}; give {allowed}")
        if not low <= item <= MAX_HYPER:
            raise UsageError(f"{where}: got {shown(item)}; give {allowed}")
        out.append(item)
    return (out[0], out[0]) if len(out) == 1 else (out[0], out[1])


def parse_request(obj) -> Conv2dRequest:
    """A decoded JSON value -> Conv2dRequest, or UsageError naming the first problem."""
    if not isinstance(obj, dict):
        raise UsageError(f"got {_describe(obj)} at the top level; give one JSON object with "
                         f"keys {', '.join(KEYS)}")
    unknown = [key for key in obj if key not in KEYS]
    if unknown:
        raise UsageError(f'unknown key "{shown(unknown[0])}"; allowed keys: {", ".join(KEYS)}')
    missing = [key for key in REQUIRED if key not in obj]
    if missing:
        raise UsageError(f'missing key "{missing[0]}"; "input" and "weight" are required')
    stride = _hyper(obj, "stride", 1, 1)
    padding = _hyper(obj, "padding", 0, 0)
    dilation = _hyper(obj, "dilation", 1, 1)
    groups = _groups(obj)
    transposed = obj.get("transposed", False)
    if type(transposed) is not bool:
        raise UsageError(f"transposed: got {_describe(transposed)}; give true or false")
    if "output_padding" in obj and not transposed:
        raise UsageError('output_padding: only a transposed convolution has it; add '
                         '"transposed": true or remove output_padding')
    output_padding = _hyper(obj, "output_padding", 0, 0)
    layout = "(C_in, C_out/groups, kH, kW)" if transposed else "(C_out, C_in/groups, kH, kW)"
    x = _array(obj["input"], "input", (2, 4), "a 2-D (H, W) or 4-D (N, C_in, H, W) list")
    two_d = x.ndim == 2
    if two_d:
        weight = _array(obj["weight"], "weight", (2,), "a 2-D (kH, kW) list with a 2-D input")
        x, weight = x[None, None], weight[None, None]
    else:
        weight = _array(obj["weight"], "weight", (4,),
                        f"a 4-D {layout} list with a 4-D input")
    (n, c_in, h, w), (kh, kw) = x.shape, weight.shape[2:]
    if transposed:
        c_out = _transposed_channels(c_in, weight.shape, groups)
    else:
        c_out = _channels(c_in, weight.shape, groups)
    from derivations.mathematics import conv2d

    try:
        if transposed:
            out_hw = conv2d.conv_transpose2d_output_size((h, w), (kh, kw), stride, padding,
                                                         output_padding, dilation)
        else:
            out_hw = conv2d.conv2d_output_size((h, w), (kh, kw), stride, padding, dilation)
    except ValueError as error:
        raise UsageError(f"weight: {error}") from None
    if transposed:  # the work is a convolution's backward pass run from the output's side
        _check_cost(n, c_out, c_in, kh, kw, (h, w),
                    (out_hw[0] + 2 * padding[0]) * (out_hw[1] + 2 * padding[1]), groups)
        _check_outputs(n * c_out * out_hw[0] * out_hw[1])
    else:
        _check_cost(n, c_in, c_out, kh, kw, out_hw,
                    (h + 2 * padding[0]) * (w + 2 * padding[1]), groups)
    bias = None
    if "bias" in obj:
        what = f"a list of {c_out} number(s), one per output channel"
        bias = _array(obj["bias"], "bias", (1,), what)
        if bias.shape != (c_out,):
            raise UsageError(f"bias: has {bias.size} entries; expected {what}")
    out_shape = (n, c_out, *out_hw)
    if "grad_output" in obj:
        want = out_hw if two_d else out_shape
        delta = _array(obj["grad_output"], "grad_output", (len(want),),
                       f"the output's shape {want}")
        if delta.shape != want:
            raise UsageError(f"grad_output: has shape {delta.shape}; expected the output's "
                             f"shape {want}")
        delta = delta.reshape(out_shape)
    else:
        delta = np.ones(out_shape)
    return Conv2dRequest(x, weight, bias, delta, stride, padding, dilation, two_d, groups,
                         transposed, output_padding)


def _groups(obj: dict) -> int:
    value = obj.get("groups", 1)
    allowed = f"give an integer from 1 to {MAX_HYPER} that divides both channel counts"
    if type(value) is not int:
        raise UsageError(f"groups: got {_describe(value)}; {allowed}")
    if not 1 <= value <= MAX_HYPER:
        raise UsageError(f"groups: got {shown(value)}; {allowed}")
    return value


def _divides(groups: int, c_in: int, c_out: int) -> None:
    for name, count in (("C_in", c_in), ("C_out", c_out)):
        if count % groups:
            raise UsageError(f"groups: {groups} does not divide {name} = {count}; both "
                             "channel counts must be multiples of groups")


def _channels(c_in: int, weight_shape, groups: int) -> int:
    """C_out of a convolution whose weight is (C_out, C_in/groups, kH, kW)."""
    c_out, per_group = weight_shape[0], weight_shape[1]
    _divides(groups, c_in, c_out)
    if per_group != c_in // groups:
        raise UsageError(f"weight: has C_in/groups = {per_group} (its axis 1) but input has "
                         f"C_in = {c_in} channels in {groups} group(s), so {c_in // groups} per "
                         "group; they must be equal")
    return c_out


def _transposed_channels(c_in: int, weight_shape, groups: int) -> int:
    """C_out of a transposed convolution whose weight is (C_in, C_out/groups, kH, kW)."""
    if weight_shape[0] != c_in:
        raise UsageError(f"weight: has C_in = {weight_shape[0]} (its axis 0, for a transposed "
                         f"convolution) but input has {c_in} channels; they must be equal")
    c_out = weight_shape[1] * groups
    _divides(groups, c_in, c_out)
    return c_out


def _check_outputs(outputs: int) -> None:
    if outputs > MAX_ENTRIES:
        raise UsageError(f"too large: {outputs} output entries N·C_out·H_out·W_out, at most "
                         f"{MAX_ENTRIES}; use a smaller input, kernel or stride")


def _check_cost(n, c_in, c_out, kh, kw, out_hw, padded_hw, groups=1) -> None:
    """The convolution's work; a transposed layer passes the convolution it transposes."""
    outputs = n * c_out * out_hw[0] * out_hw[1]
    windows = n * c_in * kh * kw * out_hw[0] * out_hw[1]
    for count, limit, what in (
        (outputs, MAX_ENTRIES, "output entries N·C_out·H_out·W_out"),
        (n * c_in * padded_hw, MAX_PADDED_ENTRIES, "padded input entries N·C_in·(H+2p)·(W+2p)"),
        (windows, MAX_WINDOW_ENTRIES, "window entries N·C_in·kH·kW·H_out·W_out"),
        (windows * c_out // groups, MAX_MULTIPLY_ADDS,
         "multiply-adds N·C_out·(C_in/groups)·kH·kW·H_out·W_out"),
    ):
        if count > limit:
            raise UsageError(f"too large: {count} {what}, at most {limit}; "
                             "use a smaller input, kernel or padding, or a larger stride")


def _number(value: float):
    """Integral floats print as JSON integers (14, not 14.0; −0.0 as 0); others as repr."""
    if value.is_integer() and abs(value) <= EXACT_INT:
        return int(value)
    return value  # json.dumps writes float.__repr__: the shortest text that round-trips


def _numbers(nested):
    if isinstance(nested, list):
        return [_numbers(item) for item in nested]
    return _number(nested)


def format_response(request: Conv2dRequest, output: np.ndarray, grad_input: np.ndarray,
                    grad_weight: np.ndarray, grad_bias: np.ndarray | None) -> str:
    """One JSON object, keys in a fixed order, one key per line; shapes follow the request."""
    if request.two_d:
        output, grad_input, grad_weight = output[0, 0], grad_input[0, 0], grad_weight[0, 0]
    fields = {"output": output, "grad_input": grad_input, "grad_weight": grad_weight}
    if grad_bias is not None:
        fields["grad_bias"] = grad_bias
    lines = [f"  {json.dumps(key)}: {json.dumps(_numbers(value.tolist()), allow_nan=False)}"
             for key, value in fields.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"
