"""Page tools/try-your-numbers.md: a form whose worked derivation updates in the page.

The computation runs in the reader's browser (derivations/web/worked.js, shipped as an
Asset next to the page, no server, no network, no CDN) and renders MathML directly, so the
page needs no MathJax. The form starts with the seed example's values (value attributes,
from derivations/examples/seed.py); the limits in the prose are read from the script that
enforces them (oracle: derivations/oracles/worked_limits.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

from derivations.notation import base_sentence
from derivations.render.matrix_syntax import format_matrix
from derivations.render.page import Asset, Page, make_page
from derivations.render.printed_numbers import text_num

SOURCE = "derivations/pages/try_your_numbers.py"
SCRIPT = Path(__file__).resolve().parents[1] / "web" / "worked.js"
SCRIPT_PATH = "assets/javascripts/worked.js"
P = "worked_limits"
ORDINALS = ("First", "Second", "Third", "Fourth")


def script_constants(source: str) -> dict[str, int]:
    """The `var NAME = 12, …` integer constants at the top of worked.js."""
    return {name: int(value) for name, value in re.findall(r"\b([A-Z_]+) = ([0-9]+)\b", source)}


def seed_fields() -> dict[str, str]:
    """The form's initial values: the book's seed example, in the matrix syntax."""
    from derivations.examples import seed as seed_example

    def exact(rows):
        return tuple(tuple(Fraction(v) for v in row) for row in rows)

    return {"input": format_matrix(exact(seed_example.I)),
            "kernel1": format_matrix(exact(seed_example.W1)),
            "kernel2": format_matrix(exact(seed_example.W2)),
            "target": format_matrix(((Fraction(seed_example.Y),),))}


def form_html(values: dict[str, str], kernels: int) -> str:
    """The form: one text field per matrix, prefilled through value attributes."""
    def field(name: str, label: str, hint: str) -> str:
        value = html.escape(values.get(name, ""), quote=True)
        return (f'<p class="worked-field"><label for="worked-{name}">{label}</label><br>\n'
                f'<input type="text" id="worked-{name}" name="{name}" value="{value}" '
                f'size="40" spellcheck="false" autocomplete="off" aria-describedby="worked-syntax"'
                f' placeholder="{hint}"></p>')

    fields = [field("input", "Input X", "rows separated by semicolons")]
    for k in range(1, kernels + 1):
        fields.append(field(f"kernel{k}", f"{ORDINALS[k - 1]} kernel",
                            "leave empty to stop the chain here"))
    fields.append(field("target", "Target y", "one number or a matrix of the output's size"))
    return ('<form id="worked-form" class="worked-form" autocomplete="off">\n'
            + "\n".join(fields) + "\n</form>")


TEMPLATE = r"""
# Try your own numbers {#try-your-numbers}

The question worked one small network by hand. Here you can work **your own**: type an input,
up to {{max_kernels}} kernels applied one after the other, and a target, and the page writes
out the whole derivation: every entry of the forward pass as a sum of products, the cost, the
gradient at the output, every weight-gradient entry and every input-gradient entry. It updates
as you type. Everything is computed in your browser, exactly (in fractions), by a small script
that ships with this page; nothing is sent anywhere.

The network is the book's: each kernel is a valid cross-correlation (it slides over the map
without flipping and stays inside it, no bias, as in the
[forward pass](../seed/forward-pass.md)), and the cost is the sum of squared errors
$C = \sum_{u,v} (O^{L}_{u,v} - y_{u,v})^{2}$ between the last map $O^{L}$ (after the last
of the $L$ kernels) and the target. The form starts with the book's own example, so what you
see first is the network of [the seed chapters](../seed/grad-w1.md), written in
[the general notation](../about/notation.md#worked-notation): the input $i$ is $X$, the
filters $w^1, w^2$ are $W^{1}, W^{2}$, the map $o^1$ is $O^{1}$.

{{index_base}} So $O^{1}_{0,0}$ here is the question's $o^1_1$, and $X_{1,1}$ its $i_5$.

## How to type a matrix {#matrix-syntax}

<p id="worked-syntax">Rows are separated by semicolons, entries by spaces or commas. An entry
is an integer, a decimal or a fraction written with a slash, and may be negative. Each entry
has at most {{max_digits}} digits; the input is at most {{max_input}}×{{max_input}}, each
kernel at most {{max_kernel}}×{{max_kernel}} and no larger than the map it slides over. The
target is one number (used for every output entry) or a matrix exactly the size of the last
map. A step whose result has more than {{sum_entries}} entries, or whose sums have more than
{{sum_terms}} products, shows its matrix instead of every sum.</p>

## Your network {#your-network}

{{form}}

<p id="worked-error" class="worked-error" role="alert" aria-live="polite"></p>

## The worked derivation {#worked-derivation}

Numbers that are not integers are shown rounded to four decimal places, as everywhere in the
book; the arithmetic behind them is exact.

<div id="worked-output" class="worked-output" data-dynamic="computed in the browser">
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
        max_kernels=limit("MAX_KERNELS"), max_digits=limit("MAX_DIGITS"),
        max_input=limit("MAX_INPUT_SIDE"), max_kernel=limit("MAX_KERNEL_SIDE"),
        sum_entries=limit("SUM_MAX_ENTRIES"), sum_terms=limit("SUM_MAX_TERMS"),
        se_max=limit("SE_MAX_CHARS"),
        form=form_html(seed_fields(), limits["MAX_KERNELS"]), script=SCRIPT_PATH,
        index_base=base_sentence("tools/try-your-numbers.md"),
    )
