"""The network description: what it accepts, and one clear line for each kind of mistake."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from derivations.errors import UsageError
from derivations.mathematics.network import Conv, Pool, ReLU
from derivations.render.network_description import describe_network, parse_network_text
from derivations.worked_limits import (
    MAX_CHANNELS,
    MAX_DIGITS,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNELS,
    MAX_LAYERS,
    MAX_PADDING,
    MAX_PRODUCTS,
    MAX_STRIDE,
)


def text(obj) -> str:
    return json.dumps(obj)


def conv(weight, **options):
    return {"type": "conv", "weight": weight, **options}


def square(side, value=1):
    return [[value] * side for _ in range(side)]


def net(layers, x=None, target=0, **extra):
    return {"input": square(4) if x is None else x, "layers": layers, "target": target, **extra}


def test_a_full_description_becomes_exact_layers_with_pytorch_defaults():
    network = parse_network_text(text(net(
        [conv([[[[1, "1/2"], [0.25, -1]]], [[[2, 0], [0, 2]]]], bias=[0.5, "-1/3"], stride=2,
              padding=[1, 0]),
         {"type": "relu"}, {"type": "maxpool", "kernel": 2}, {"type": "avgpool", "kernel": [1, 2],
                                                              "stride": [1, 1]}],
        x=[[1, 2, 3, 4, 0, 0, 0, 0], [5, 6, 7, 8, 0, 0, 0, 0], [0.1, 0, 0, 0, 0, 0, 0, 0],
           [0, 0, 0, -1, 0, 0, 0, 0]], target="1/2",
        loss="mse")))
    first, relu, maxpool, avgpool = network.layers
    assert isinstance(first, Conv) and isinstance(relu, ReLU)
    assert first.weight[0][0][0] == (1, Fraction(1, 2))
    assert first.weight[0][0][1] == (Fraction(1, 4), -1)  # 0.25 exactly, not a float
    assert network.input[0][2][0] == Fraction(1, 10)
    assert first.bias == (Fraction(1, 2), Fraction(-1, 3))
    assert (first.stride, first.padding, first.dilation) == ((2, 2), (1, 0), (1, 1))
    assert maxpool == Pool("maxpool", (2, 2), (2, 2))  # stride defaults to the kernel
    assert avgpool == Pool("avgpool", (1, 2), (1, 1))
    assert (network.target, network.loss, network.input_rank) == (Fraction(1, 2), "mse", 2)


def test_the_description_reads_back_what_describe_writes():
    original = net([conv([[1, -1], [0, "2/3"]], padding=1, bias=[1]),
                    {"type": "maxpool", "kernel": 2, "stride": 1}],
                   target=[[1, 2, 3, 4]] * 4)
    network = parse_network_text(text(original))
    assert parse_network_text(text(describe_network(network))) == network


BAD = [
    ("unknown layer type", net([{"type": "dense"}]),
     'layers[0] type: unknown layer type the string "dense"; give one of conv, relu, maxpool, '
     "avgpool"),
    ("kernel larger than its map", net([conv(square(2)), conv(square(4))]),
     "layers[1] (conv) weight: kernel is 4×4 but the map it meets is 3×3; a kernel must fit "
     "inside the padded map"),
    ("dilated kernel too wide", net([conv(square(3), dilation=2)]),
     "layers[0] (conv) weight: kernel 3×3 with dilation 2 spans 5×5 but the map it meets is "
     "4×4; a kernel must fit inside the padded map"),
    ("channel mismatch", net([conv([[[[1]]], [[[2]]]]), conv([[[[1]]]])]),
     "layers[1] (conv) weight: expects 1 input channel (axis 1) but the map it meets has 2; "
     "they must be equal"),
    ("pool that does not fit", net([conv(square(3)), {"type": "maxpool", "kernel": 3}]),
     "layers[1] (maxpool) kernel: a 3×3 window does not fit the 2×2 map it meets; a pooling "
     "window must lie inside the map"),
    ("wrong target shape", net([conv(square(3))], target=[[1, 2, 3]]),
     "target: is 1×3 but the output is 2×2 (one channel); give one number or an array of the "
     "output's shape"),
    ("negative option", net([conv(square(2), padding=-1)]),
     "layers[0] (conv) padding: got -1; give an integer ≥ 0 or a pair [h, w] of them"),
    ("non-integer option", net([conv(square(2), stride=1.5)]),
     "layers[0] (conv) stride: got 1.5; give an integer ≥ 1 or a pair [h, w] of them"),
    ("option as a string", net([conv(square(2), stride=[1, "2"])]),
     'layers[0] (conv) stride[1]: got the string "2"; give an integer ≥ 1 or a pair [h, w] of '
     "them"),
    ("option past its limit", net([conv(square(2), stride=MAX_STRIDE + 1)]),
     f"layers[0] (conv) stride: got {MAX_STRIDE + 1}; give an integer from 1 to {MAX_STRIDE}, "
     "or a pair [h, w] of them"),
    ("padding past its limit", net([conv(square(1), padding=MAX_PADDING + 1)]),
     f"layers[0] (conv) padding: got {MAX_PADDING + 1}; give an integer from 0 to "
     f"{MAX_PADDING}, or a pair [h, w] of them"),
    ("input past the limit", net([conv(square(1))], x=square(MAX_INPUT_SIDE + 1)),
     f"input: is {MAX_INPUT_SIDE + 1}×{MAX_INPUT_SIDE + 1}; at most "
     f"{MAX_INPUT_SIDE}×{MAX_INPUT_SIDE} is allowed"),
    ("kernel past the limit", net([conv(square(MAX_KERNEL_SIDE + 1))], x=square(8)),
     f"layers[0] (conv) weight: kernel is {MAX_KERNEL_SIDE + 1}×{MAX_KERNEL_SIDE + 1}; at "
     f"most {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE} is allowed"),
    ("padding grows a map past the limit",
     net([conv(square(1), padding=MAX_PADDING)], x=square(MAX_INPUT_SIDE)),
     f"layers[0] (conv): its output is {MAX_INPUT_SIDE + 2 * MAX_PADDING}×"
     f"{MAX_INPUT_SIDE + 2 * MAX_PADDING}; every map is at most {MAX_INPUT_SIDE}×"
     f"{MAX_INPUT_SIDE}, so use less padding"),
    ("too many channels", net([conv([[[[1]]]] * (MAX_CHANNELS + 1))]),
     f"layers[0] (conv) weight: has {MAX_CHANNELS + 1} output channels (axis 0); at most "
     f"{MAX_CHANNELS} are allowed"),
    ("too many convs", net([conv([[1]])] * (MAX_KERNELS + 1)),
     f"layers: {MAX_KERNELS + 1} conv layers; at most {MAX_KERNELS} are allowed"),
    ("too many layers", net([conv([[1]])] + [{"type": "relu"}] * MAX_LAYERS),
     f"layers: {MAX_LAYERS + 1} given; at most {MAX_LAYERS} are allowed"),
    ("too many products",
     net([conv([[square(5)] * 4] * 4, padding=2)] * 2, x=[square(12)] * 4),
     f"layers: the forward pass multiplies {2 * 4 * 12 * 12 * 4 * 25} products; at most "
     f"{MAX_PRODUCTS} are allowed, so use fewer channels, smaller maps or smaller kernels"),
    ("no conv", net([{"type": "relu"}]),
     'layers: no "conv" layer; a network needs at least one convolution'),
    ("bias of the wrong length", net([conv(square(2), bias=[1, 2])]),
     "layers[0] (conv) bias: has 2 entries; give one per output channel, 1"),
    ("unknown key in a layer", net([conv(square(2), kernel_size=2)]),
     'layers[0] (conv): unknown key "kernel_size"; allowed keys: type, weight, bias, stride, '
     "padding, dilation"),
    ("unknown top-level key", {**net([conv(square(2))]), "batch": 1},
     'the description: unknown key "batch"; allowed keys: input, layers, target, loss'),
    ("missing weight", net([{"type": "conv"}]),
     'layers[0] (conv): missing key "weight"; a conv needs its kernel'),
    ("missing target", {"input": [[1]], "layers": [conv([[1]])]},
     'missing key "target"; "input", "layers" and "target" are required'),
    ("unknown loss", net([conv([[1]])], loss="l1"),
     'loss: got the string "l1"; give "sse" (sum of squared errors, the default) or "mse" '
     "(their mean)"),
    ("ragged input", net([conv([[1]])], x=[[1, 2], [3]]),
     "input[1]: has 1 entries, but the first at this depth has 2; every row must have the same "
     "length"),
    ("not a number", net([conv([[1, "x"]])]),
     "layers[0] (conv) weight[0][1]: 'x' is not a number; allowed: integers like -3, decimals "
     "like 0.25, fractions like 1/2"),
    ("too many digits", net([conv([[1, "1/1234567"]])]),
     f"layers[0] (conv) weight[0][1]: '1/1234567' has 8 digits; at most {MAX_DIGITS} digits "
     "per entry"),
    ("boolean entry", net([conv([[True]])]),
     'layers[0] (conv) weight[0][0]: got true; entries are numbers, or strings such as "1/2"'),
    ("3-D weight", net([conv([[[1]]])]),
     "layers[0] (conv) weight: got a 3-D list of shape (1, 1, 1); expected a (kH, kW) or "
     "(C_out, C_in, kH, kW) list"),
]


@pytest.mark.parametrize("case, description, message", BAD, ids=[c[0] for c in BAD])
def test_a_bad_description_gets_one_line_naming_where_what_and_what_is_allowed(
        case, description, message):
    with pytest.raises(UsageError) as caught:
        parse_network_text(text(description))
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("raw, start", [
    ("", "empty description"), ("[1, 2]", "got a list at the top level"),
    ('{"input": [[1]], "input": [[2]]}', 'key "input" appears twice'),
    ('{"input": [[NaN]], "layers": [], "target": 0}', "NaN is not a finite number"),
    ("{", "not JSON: Expecting property name"),
    ("[" * 100000 + "]" * 100000, "the description has 200000 characters"),
])
def test_text_that_is_not_a_description_is_refused_in_one_line(raw, start):
    with pytest.raises(UsageError) as caught:
        parse_network_text(raw)
    assert str(caught.value).startswith(start)
