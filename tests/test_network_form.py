"""The page's form read by Python: channels, kernels per channel pair, options and messages."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from network_forms import random_form

from derivations.errors import UsageError
from derivations.render.network_description import parse_network_text
from derivations.render.network_form import form_from_description, network_from_form

BASE = {"input": "1 2 3; 4 5 6; 7 8 9", "layer0-type": "conv", "layer0-weight": "1 0; 0 -1",
        "target": "0", "loss": "sse", "rate": ""}


def test_channels_and_kernels_read_as_the_json_description_writes_them():
    fields = {**BASE, "input": "1 2; 3 4 | 0 1; 1 0", "layer0-weight": "1 | -1 || 2 | 0",
              "layer0-bias": "1/2 -1", "layer0-padding": "1 0", "rate": "1/100"}
    network, rate = network_from_form(fields)
    same = parse_network_text(json.dumps({
        "input": [[[1, 2], [3, 4]], [[0, 1], [1, 0]]],
        "layers": [{"type": "conv", "weight": [[[[1]], [[-1]]], [[[2]], [[0]]]],
                    "bias": ["1/2", -1], "padding": [1, 0]}],
        "target": 0}))
    assert network == same and rate == Fraction(1, 100)


def test_the_form_reads_back_what_form_from_description_writes():
    rng = random.Random(3)
    for _ in range(20):
        fields = random_form(rng)
        try:
            network, _ = network_from_form(fields)
        except UsageError:
            continue
        from derivations.render.network_description import describe_network

        again = form_from_description(json.loads(json.dumps(describe_network(network))))
        assert network_from_form(again)[0] == network


def test_fields_of_other_layer_types_are_ignored():
    fields = {**BASE, "layer1-type": "relu", "layer1-weight": "not read", "layer1-kernel": "x"}
    assert len(network_from_form(fields)[0].layers) == 2


@pytest.mark.parametrize("change, message", [
    ({"input": "1 2 | 3"}, "input[1]: is 1×1 but input[0] is 1×2; every channel must have the "
                           "same size"),
    ({"layer0-weight": "1 | 2 || 3"}, "layers[0] (conv) weight[1]: has 1 input channel but "
                                      "layers[0] (conv) weight[0] has 2; every output channel "
                                      "needs one kernel per input channel"),
    ({"layer0-weight": "1 | 2 3"}, "layers[0] (conv) weight[0][1]: is 1×2 but layers[0] (conv) "
                                   "weight[0][0] is 1×1; every kernel of a layer has the same "
                                   "size"),
    ({"layer0-bias": "1; 2"}, "layers[0] (conv) bias: has 2 rows; write the bias as one row, "
                              "one number per output channel"),
    ({"layer0-stride": "2 x"}, "layers[0] (conv) stride[1]: got 'x'; give an integer ≥ 1 or a "
                               "pair [h, w] of them"),
    ({"layer0-weight": ""}, "layers[0] (conv) weight: empty; write rows separated by ';' and "
                            "entries by spaces or commas, e.g. '1 2; 3 4'"),
    ({"layer1-type": "maxpool"}, 'layers[1] (maxpool): missing key "kernel"; give the window '
                                 "size, e.g. 2"),
    ({"rate": "-1/2"}, "learning rate: got -1/2; the learning rate must be positive, e.g. 0.01 "
                       "or 1/100"),
    ({"target": "1 2 | 3 4"}, "target: is 2×1×2 but the output is 2×2 (one channel); give one "
                              "number or an array of the output's shape"),
])
def test_each_mistake_is_one_line_naming_the_field(change, message):
    with pytest.raises(UsageError) as caught:
        network_from_form({**BASE, **change})
    assert str(caught.value) == message
