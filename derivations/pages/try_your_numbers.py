"""Page tools/try-your-numbers.md: a form for a whole network whose derivation updates in the page.

The computation runs in the reader's browser (derivations/web/worked.js, shipped as an
Asset next to the page, no server, no network, no CDN), in a Web Worker started from the
same script, and renders MathML directly, so the page needs no MathJax. The form's fields
follow derivations/render/network_form.py; it starts with the seed example as a network of
two convolutions (value attributes, from derivations/examples/seed.py). The limits in the
prose are read from the script that enforces them (oracle: derivations/oracles/worked_limits.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path

from derivations.notation import base_sentence
from derivations.render.network_form import form_from_description
from derivations.render.page import Asset, Page, make_page
from derivations.render.printed_numbers import text_num

SOURCE = "derivations/pages/try_your_numbers.py"
SCRIPT = Path(__file__).resolve().parents[1] / "web" / "worked.js"
SCRIPT_PATH = "assets/javascripts/worked.js"
P = "worked_limits"
KINDS = (("conv", "convolution"), ("relu", "ReLU"), ("maxpool", "max pooling"),
         ("avgpool", "average pooling"))
# Each layer field: (name, label, the layer types it belongs to, placeholder).
LAYER_FIELDS = (
    ("weight", "Kernel", "conv", "e.g. 1 0; 0 -1 (| between input channels, || between outputs)"),
    ("bias", "Bias", "conv", "one number per output channel, or empty for none"),
    ("kernel", "Window", "maxpool avgpool", "e.g. 2, or 2 1 for height and width"),
    ("stride", "Stride", "conv maxpool avgpool", "empty: 1 (a pool: its window)"),
    ("padding", "Padding", "conv", "empty: 0"),
    ("dilation", "Dilation", "conv", "empty: 1"),
)


def script_constants(source: str) -> dict[str, int]:
    """The `var NAME = 12, …` integer constants at the top of worked.js."""
    return {name: int(value) for name, value in re.findall(r"\b([A-Z_]+) = ([0-9]+)\b", source)}


def seed_description() -> dict:
    """The book's seed example as a network: two valid convolutions, the SSE cost."""
    from derivations.examples import seed as seed_example

    def rows(matrix):
        return [list(row) for row in matrix]

    return {"input": rows(seed_example.I),
            "layers": [{"type": "conv", "weight": rows(seed_example.W1)},
                       {"type": "conv", "weight": rows(seed_example.W2)}],
            "target": seed_example.TARGET, "loss": "sse"}


def seed_fields() -> dict[str, str]:
    """The form's initial values: the seed example, as the form's fields."""
    return form_from_description(seed_description())


def _text_field(name: str, label: str, value: str, hint: str, attributes: str = "") -> str:
    return (f'<p class="worked-field"{attributes}><label for="worked-{name}">{label}</label><br>\n'
            f'<input type="text" id="worked-{name}" name="{name}" '
            f'value="{html.escape(value, quote=True)}" size="40" spellcheck="false" '
            f'autocomplete="off" aria-describedby="worked-syntax" placeholder="{hint}"></p>')


def _select(name: str, label: str, options, chosen: str, extra: str = "") -> str:
    items = "".join(f'<option value="{value}"{" selected" if value == chosen else ""}>'
                    f"{text}</option>" for value, text in options)
    return (f'<p class="worked-field"><label for="worked-{name}">{label}</label>\n'
            f'<select id="worked-{name}" name="{name}">{items}</select>{extra}</p>')


def layer_html(k: int, values: dict[str, str]) -> str:
    """One layer: its type, and the fields of every type (the script shows the right ones)."""
    kind = values.get(f"layer{k}-type", "relu")
    remove = ' <button type="button" class="worked-remove md-button">Remove</button>'
    # The index is notation, not a result (class "lit"): the audit passes it by.
    parts = [f'<fieldset class="worked-layer">\n<legend>layers[<span class="lit">{k}</span>]'
             "</legend>",
             _select(f"layer{k}-type", "Type", KINDS, kind, remove)]
    for field, label, kinds, hint in LAYER_FIELDS:
        hidden = "" if kind in kinds.split() else " hidden"
        parts.append(_text_field(f"layer{k}-{field}", label, values.get(f"layer{k}-{field}", ""),
                                 hint, f' data-for="{kinds}"{hidden}'))
    return "\n".join(parts) + "\n</fieldset>"


def form_html(values: dict[str, str]) -> str:
    """The form: input, the layers, target, loss and learning rate, prefilled by value."""
    count = 0
    while f"layer{count}-type" in values:
        count += 1
    parts = [_text_field("input", "Input X", values["input"],
                         "rows separated by ;, channels by |"),
             '<div id="worked-layers">',
             *(layer_html(k, values) for k in range(count)),
             "</div>",
             '<p id="worked-add-row"><button type="button" id="worked-add" class="md-button">'
             "Add a layer</button></p>",
             _text_field("target", "Target y", values["target"],
                         "one number, or the output's size (channels by |)"),
             _select("loss", "Cost", (("sse", "sum of squared errors"),
                                      ("mse", "mean squared error")), values["loss"]),
             _text_field("rate", "Learning rate (optional: one gradient-descent step)",
                         values.get("rate", ""), "e.g. 1/100; empty for no step")]
    return ('<form id="worked-form" class="worked-form" autocomplete="off">\n'
            + "\n".join(parts) + "\n</form>")


TEMPLATE = r"""
# Try your own numbers {#try-your-numbers}

The question worked one small network by hand. Here you can work **your own**: an input, up
to {{max_layers}} layers (convolutions with their stride, padding, dilation, channels and
bias, ReLUs, max and average pooling), a target and a cost, and the page writes out the whole
derivation: every entry of the forward pass as a sum of products, the cost, $\delta$ at every
layer boundary, every weight and bias gradient and the input gradient, with one step of
gradient descent if you give a learning rate. It updates as you type. Everything is computed
in your browser, exactly (in fractions), by a small script that ships with this page; nothing
is sent anywhere. It is the derivation that
[`python -m derivations worked --network`](worked-cli.md) writes, to the character, and
[a whole network, worked](../general/network.md) explains every step on an example.

The layers follow PyTorch: a convolution is a cross-correlation (the kernel is not flipped),
a pool's stride is its window unless you give one, ReLU passes nothing at exactly zero, and a
max-pooling window whose maximum is reached twice sends its gradient to the first of them in
reading order. The form starts with the book's own example, so what you see first is the
network of [the seed chapters](../seed/grad-w1.md), written in
[the general notation](../about/notation.md#worked-notation): the input $i$ is $X$, the
filters $w^1, w^2$ are $W^{1}, W^{2}$, the map $o^1$ is $O^{1}$.

{{index_base}} An entry of a map is named by its channel, then its row and column, so
$O^{1}_{0,0,0}$ here is the question's $o^1_1$, and $X_{0,1,1}$ its $i_5$.

## How to type a network {#matrix-syntax}

<p id="worked-syntax">Rows are separated by semicolons, entries by spaces or commas. An entry
is an integer, a decimal or a fraction written with a slash, and may be negative; each entry
has at most {{max_digits}} digits. Channels are separated by a bar: <code>1 2; 3 4 | 0 1; 1 0</code>
is an input with two channels. A kernel has one matrix per input channel, separated by
<code>|</code>, and one such group per output channel, separated by <code>||</code>. Stride,
padding, dilation and a pool's window are one integer, or two (height and width). Every map
is at most {{max_input}}×{{max_input}} with at most {{max_channels}} channels; a network has at
most {{max_layers_again}} layers, {{max_kernels}} of them convolutions with kernels at most
{{max_kernel}}×{{max_kernel}}; stride and dilation are at most {{max_stride}} and
{{max_dilation}}, padding at most {{max_padding}}; and the forward pass multiplies at most
{{max_products}} products, so that the exact arithmetic finishes within moments. The target
is one number (used for every output entry) or an array of the output's size. A step whose
result has more than {{sum_entries}} entries, or whose sums have more than {{sum_terms}}
products, shows its result instead of every sum.</p>

## Your network {#your-network}

{{form}}

<p id="worked-error" class="worked-error" role="alert" aria-live="polite"></p>

## The worked derivation {#worked-derivation}

Numbers that are not integers are shown rounded to four decimal places, as everywhere in the
book; the arithmetic behind them is exact.

<div id="worked-output" class="worked-output" data-dynamic="computed in the browser"
     aria-live="polite">
<noscript>This part needs JavaScript. Without it, the command line tool writes the same
derivation: see <a href="../worked-cli/">the worked command</a>.</noscript>
</div>

## For an answer on Stack Exchange {#for-an-answer}

The same derivation as Markdown with MathJax, which Stack Exchange renders as it is, with a
link to the book's page for each step. Copy it into your answer; the
[worked command](worked-cli.md) writes the same text from the command line. Stack Exchange
accepts at most {{se_max}} characters in a post; when the text is longer, a note under the
box says so.

<p><label for="worked-stackexchange">Markdown for a Stack Exchange answer</label>
<button type="button" id="worked-copy" class="md-button">Copy</button>
<span id="worked-copy-status" role="status"></span></p>
<textarea id="worked-stackexchange" class="worked-stackexchange" readonly rows="12"
          cols="80" spellcheck="false" aria-describedby="worked-length"></textarea>
<p id="worked-length" class="worked-length"></p>

<script src="../../{{script}}"></script>
"""


def build() -> Iterable[Page | Asset]:
    source = SCRIPT.read_text(encoding="utf-8")
    limits = script_constants(source)

    def limit(name: str):
        return text_num(limits[name], f"{P}.{name}")

    yield Asset(SCRIPT_PATH, source)
    yield make_page(
        "tools/try-your-numbers.md", SOURCE, TEMPLATE,
        max_layers=limit("MAX_LAYERS"), max_layers_again=limit("MAX_LAYERS"),
        max_kernels=limit("MAX_KERNELS"), max_digits=limit("MAX_DIGITS"),
        max_input=limit("MAX_INPUT_SIDE"), max_kernel=limit("MAX_KERNEL_SIDE"),
        max_channels=limit("MAX_CHANNELS"), max_stride=limit("MAX_STRIDE"),
        max_dilation=limit("MAX_DILATION"), max_padding=limit("MAX_PADDING"),
        max_products=limit("MAX_PRODUCTS"),
        sum_entries=limit("SUM_MAX_ENTRIES"), sum_terms=limit("SUM_MAX_TERMS"),
        se_max=limit("SE_MAX_CHARS"),
        form=form_html(seed_fields()), script=SCRIPT_PATH,
        index_base=base_sentence("tools/try-your-numbers.md"),
    )
