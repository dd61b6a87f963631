r"""The worked derivation of mathematics/worked.py as Markdown, Stack Exchange text or JSON.

Pure formatting: every number comes from the WorkedChain and goes through
derivations.render.printed_numbers (integers exactly, anything else rounded to four decimals; the
computation itself is exact, and the JSON carries the exact fractions too).

- markdown: the book's page style (`$`/`$$` LaTeX, `\num{}`/`\lit{}` marks, heading ids);
- stackexchange: the same text with the book's private marks and heading ids removed, so
  it renders as-is in a Stack Exchange answer (MathJax, `$` and `$$` only, no HTML), with
  a link to the book's page for each step;
- json: the numbers, for programs.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

from derivations.mathematics.worked import EntrySum, WorkedChain, shape
from derivations.render.printed_numbers import (
    Fragment,
    join,
    matrix,
    num,
    num_signed,
    output_numbers,
)
from derivations.worked_limits import SUM_MAX_ENTRIES, SUM_MAX_TERMS

FORMATS = ("markdown", "stackexchange", "json")
BOOK_URL = "https://convbackprop.github.io/convbackprop/"
LINKS = {
    "forward": BOOK_URL + "seed/forward-pass/",
    "cost": BOOK_URL + "seed/grad-w2/",
    "last_weights": BOOK_URL + "seed/grad-w2/",
    "earlier_weights": BOOK_URL + "seed/grad-w1/#chain-rule-for-w1",
    "map_gradient": BOOK_URL + "seed/grad-w1/#chain-rule-for-w1",
    "input_gradient": BOOK_URL + "seed/grad-input/#scatter",
    "general_weights": BOOK_URL + "general/layer/#weight-gradient",
    "general_input": BOOK_URL + "general/layer/#input-gradient",
    "tool": BOOK_URL + "tools/try-your-numbers/",
}
COUNT_WORDS = ("one", "two", "three", "four")
ORDINALS = ("first", "second", "third", "fourth")
KEY = "worked"


def written_out(sums: tuple[EntrySum, ...]) -> bool:
    """True when a step is small enough to print every sum of products."""
    return len(sums) <= SUM_MAX_ENTRIES and all(len(s.terms) <= SUM_MAX_TERMS for s in sums)


def _products(entry: EntrySum, key: str) -> Fragment:
    if not entry.terms:
        return num(0, f"{key}.zero")
    return join((num_signed(a, f"{key}.a{t}") + r" \cdot " + num_signed(b, f"{key}.b{t}")
                 for t, (a, b) in enumerate(entry.terms)), " + ")


def _sum_lines(symbol: str, sums: tuple[EntrySum, ...], key: str) -> Fragment:
    r"""One align* row per entry: symbol_{u,v} &= a·b + … = value."""
    rows = []
    for entry in sums:
        i, j = entry.index
        here = f"{key}[{i},{j}]"
        rows.append(_entry(symbol, f"{i},{j}") + " &= " + _products(entry, here) + " = "
                    + num(entry.value, here))
    return "$$\n\\begin{align*}\n" + join(rows, " \\\\\n") + "\n\\end{align*}\n$$\n"


def _step(symbol: str, whole: str, sums, values, key: str) -> Fragment:
    """The sums of one step written out, then its matrix; or the matrix alone when large."""
    result = "$$\n" + whole + " = " + matrix(values, key) + "\n$$\n"
    if written_out(sums):
        return _sum_lines(symbol, sums, key) + "\nso\n\n" + result
    # No digits in this sentence: the text may become a page of the book, where prose
    # numbers must come from the formatter (the limits are stated in --help instead).
    return "\nThis step is too large to write every sum out, so here is its result:\n\n" + result


def _heading(text: str, anchor: str) -> str:
    return f"{text} {{#{anchor}}}"


def markdown(chain: WorkedChain, key: str = KEY) -> Fragment:
    """The full worked derivation in the book's Markdown (\\num marks, heading ids); its
    numbers are recorded under key (`key.map1[0,0]`, `key.cost`, …)."""
    count = len(chain.layers)
    last = count
    parts: list[Fragment | str] = []
    chain_text = ", ".join(
        f"$O^{{{k}}} = {'X' if k == 1 else f'O^{{{k - 1}}}'} \\star W^{{{k}}}$"
        for k in range(1, count + 1))
    parts.append(
        "# " + _heading("Worked derivation", "worked-derivation") + "\n\n"
        "The input $X$ goes through "
        + ("one kernel, a" if count == 1 else f"{COUNT_WORDS[count - 1]} kernels in turn, each a")
        + " valid cross-correlation (the kernel slides over the map without flipping and stays "
        f"inside it; no bias): {chain_text}. "
        f"The cost is the sum of squared errors against the target $y$: "
        f"$C = \\sum_{{u,v}} (O^{{{last}}}_{{u,v}} - y_{{u,v}})^{{2}}$. Indices count from "
        "zero, row first. Numbers that are not integers are shown rounded to four decimals; "
        "the computation itself is exact.\n\n"
    )
    given = [("X", chain.input, f"{key}.input")]
    given += [(f"W^{{{k}}}", layer.kernel, f"{key}.kernel{k}")
              for k, layer in enumerate(chain.layers, start=1)]
    if chain.target_is_number:
        target = Fragment("y_{u,v} = ") + num(chain.target[0][0], f"{key}.target")
        target_note = " (the same target for every output entry)"
    else:
        target = "y = " + matrix(chain.target, f"{key}.target")
        target_note = ""
    parts.append(
        "## " + _heading("Your numbers", "your-numbers") + "\n\n$$\n"
        + join((f"{name} = " + matrix(values, given_key) for name, values, given_key in given),
               r", \quad ") + r", \quad " + target + "\n$$\n\n" + target_note.strip()
        + ("\n\n" if target_note else "")
    )
    parts.append(
        "## " + _heading("Forward pass", "forward-pass") + "\n\n"
        "Each entry of a map is the sum of the products of the kernel with the window under it "
        f"([forward pass]({LINKS['forward']})), with $O^{{0}} = X$:\n\n"
        "$$\nO^{\\ell}_{u,v} = \\sum_{m,n} W^{\\ell}_{m,n} \\, O^{\\ell-1}_{u+m,\\,v+n}\n$$\n\n"
    )
    for k, layer in enumerate(chain.layers, start=1):
        before = "X" if k == 1 else f"O^{{{k - 1}}}"
        parts.append(
            "### " + _heading(f"The {ORDINALS[k - 1]} kernel", f"forward-{ORDINALS[k - 1]}")
            + "\n\n" + _step(f"O^{{{k}}}", f"O^{{{k}}} = {before} \\star W^{{{k}}}",
                             layer.forward_sums, layer.output_map, f"{key}.map{k}") + "\n"
        )
    parts.append(_cost(chain, last, key))
    for k in range(count, 0, -1):
        parts.append(_backward(chain, k, key))
    summary = [(f"\\frac{{\\partial C}}{{\\partial W^{{{k}}}}}", layer.grad_kernel,
                f"{key}.grad_kernel{k}") for k, layer in enumerate(chain.layers, start=1)]
    summary.append((r"\frac{\partial C}{\partial X}", chain.grad_input, f"{key}.grad_input"))
    parts.append(
        "## " + _heading("Summary", "summary") + "\n\n$$\nC = " + num(chain.cost, f"{key}.cost")
        + r", \quad " + join((f"{name} = " + matrix(values, summary_key + ".summary")
                              for name, values, summary_key in summary), r", \quad ")
        + "\n$$\n\nWorked by `python -m derivations worked` "
        f"([try your own numbers]({LINKS['tool']})).\n"
    )
    return join(parts)


def _cost(chain: WorkedChain, last: int, key: str) -> Fragment:
    out, y = chain.output, chain.target
    rows, cols = shape(out)
    lines = []
    head = "## " + _heading("Cost", "cost") + "\n\n"
    if rows * cols <= SUM_MAX_ENTRIES:
        squares = join(
            ("(" + num(out[i][j], f"{key}.cost.o[{i},{j}]") + " - "
             + num_signed(y[i][j], f"{key}.cost.y[{i},{j}]") + ")^{2}"
             for i in range(rows) for j in range(cols)), " + ")
        residuals = join((num_signed(chain.residual[i][j], f"{key}.residual[{i},{j}]") + "^{2}"
                          for i in range(rows) for j in range(cols)), " + ")
        lines.append("$$\nC = \\sum_{u,v} (O^{" + str(last) + "}_{u,v} - y_{u,v})^{2} = "
                     + squares + " = " + residuals + " = " + num(chain.cost, f"{key}.cost")
                     + "\n$$\n\n")
    else:
        lines.append("$$\nO^{" + str(last) + "} - y = "
                     + matrix(chain.residual, f"{key}.residual")
                     + ", \\quad C = \\sum_{u,v} (O^{" + str(last) + "}_{u,v} - y_{u,v})^{2} = "
                     + num(chain.cost, f"{key}.cost") + "\n$$\n\n")
    delta = chain.layers[-1].delta
    if rows * cols <= SUM_MAX_ENTRIES:
        sums = join(
            (f"\\delta^{{{last}}}_{{{i},{j}}} &= \\lit{{2}} \\cdot "
             + num_signed(chain.residual[i][j], f"{key}.residual[{i},{j}].d") + " = "
             + num(delta[i][j], f"{key}.delta{last}[{i},{j}]")
             for i in range(rows) for j in range(cols)), " \\\\\n")
        written = "$$\n\\begin{align*}\n" + sums + "\n\\end{align*}\n$$\n\n"
    else:
        written = ("$$\n\\delta^{" + str(last) + "} = "
                   + matrix(delta, f"{key}.delta{last}") + "\n$$\n\n")
    return (head + join(lines)
            + "## " + _heading("Gradient at the output", "output-gradient") + "\n\n"
            "Write $\\delta^{\\ell} = \\partial C / \\partial O^{\\ell}$ for the gradient of "
            "the cost with respect to each map. At the output, the derivative of each square is "
            f"([the same step in the book]({LINKS['cost']})):\n\n"
            f"$$\n\\delta^{{{last}}}_{{u,v}} = "
            f"\\frac{{\\partial C}}{{\\partial O^{{{last}}}_{{u,v}}}}"
            f" = \\lit{{2}} \\, (O^{{{last}}}_{{u,v}} - y_{{u,v}})\n$$\n\n" + written)


def _backward(chain: WorkedChain, k: int, key: str) -> Fragment:
    layer = chain.layers[k - 1]
    count = len(chain.layers)
    before = "X" if k == 1 else f"O^{{{k - 1}}}"
    weights_link = LINKS["last_weights"] if k == count else LINKS["earlier_weights"]
    text: Fragment = Fragment(
        "## " + _heading(f"Back through the {ORDINALS[k - 1]} kernel",
                         f"backward-{ORDINALS[k - 1]}") + "\n\n"
        f"**Its weights.** Each weight $W^{{{k}}}_{{m,n}}$ multiplies one entry of every window, "
        f"so its gradient sums, over all outputs of this kernel, $\\delta^{{{k}}}$ times the "
        f"entry of ${before}$ that the weight met ([in the book]({weights_link}); "
        f"[in general]({LINKS['general_weights']})):\n\n"
        f"$$\n\\frac{{\\partial C}}{{\\partial W^{{{k}}}_{{m,n}}}} = \\sum_{{u,v}} "
        f"\\delta^{{{k}}}_{{u,v}} \\, {before}_{{u+m,\\,v+n}}\n$$\n\n"
    )
    text = text + _step(f"\\frac{{\\partial C}}{{\\partial W^{{{k}}}}}",
                        f"\\frac{{\\partial C}}{{\\partial W^{{{k}}}}}",
                        layer.grad_kernel_sums, layer.grad_kernel, f"{key}.grad_kernel{k}")
    if k == 1:
        target, link, what = r"\frac{\partial C}{\partial X}", LINKS["input_gradient"], "input"
    else:
        target, link, what = f"\\delta^{{{k - 1}}}", LINKS["map_gradient"], "map before it"
    text = text + (
        f"\n**The {what}.** Each entry of ${before}$ reaches the outputs whose windows cover it, "
        f"each through one weight; its gradient adds those paths up, a scatter of "
        f"$\\delta^{{{k}}}$ through the kernel ([in the book]({link}); "
        f"[in general]({LINKS['general_input']})):\n\n"
        f"$$\n{_entry(target, 'a,c')} = \\sum_{{u,v}} \\delta^{{{k}}}_{{u,v}} \\, "
        f"W^{{{k}}}_{{a-u,\\,c-v}}\n$$\n\n"
        f"(only the terms where $W^{{{k}}}_{{a-u,\\,c-v}}$ exists).\n\n"
    )
    text = text + _step(target, target, layer.grad_input_sums, layer.grad_input_map,
                        f"{key}.grad_input" if k == 1 else f"{key}.delta{k - 1}")
    return text + "\n"


def _entry(symbol: str, index: str) -> str:
    """An entry of a symbol: ∂C/∂X becomes ∂C/∂X_{a,c}, δ^k becomes δ^k_{a,c}."""
    if symbol.startswith(r"\frac"):
        return symbol[:-1] + f"_{{{index}}}}}"
    return f"{symbol}_{{{index}}}"


_MARK = re.compile(r"\\(?:num|lit)\{([^{}]*)\}")
_HEADING_ID = re.compile(r" \{#[a-z0-9-]+\}$", re.MULTILINE)


def stackexchange(chain: WorkedChain) -> str:
    """Markdown for a Stack Exchange answer: MathJax `$`/`$$` only, no HTML, no book marks."""
    text = markdown(chain).text
    text = _MARK.sub(r"\1", text)
    text = _HEADING_ID.sub("", text)
    return text.replace("`python -m derivations worked`", "the convbackprop book's worked tool")


# In the book's Markdown, a number is a recorded \num{}, a declared \lit{}, or an index or
# exponent of a sub/superscript (O^{1}, δ_{0,1}, (…)^{2}); nothing else writes digits.
_MARKED_PIECE = re.compile(
    r"\\num\{(?P<num>[^{}]*)\}|\\lit\{(?P<lit>[^{}]*)\}|[_^]\{(?P<script>[^{}]*)\}")


def stackexchange_keys(chain: WorkedChain, key: str) -> list[str | None]:
    """The record key of each number in stackexchange(chain), in order (None: notation).

    Read off markdown(chain, key), which the text is made from: a \\num{} is the next record,
    a \\lit{} or a sub/superscript is notation. ValueError if a digit is anything else, or
    if the numbers found are not the text's own (the command and the page would disagree).
    """
    fragment = markdown(chain, key)
    records = iter(fragment.records)
    keys: list[str | None] = []
    spelled: list[str] = []
    cursor = 0
    for piece in _MARKED_PIECE.finditer(fragment.text):
        if output_numbers(fragment.text[cursor:piece.start()]):
            raise ValueError(f"an unmarked number in the worked text near {cursor}")
        cursor = piece.end()
        if piece.group("num") is not None:
            record = next(records)
            keys.append(record.key)
            spelled.append(record.printed)
        else:
            found = output_numbers(piece.group("lit") or piece.group("script") or "")
            keys.extend([None] * len(found))
            spelled.extend(found)
    if output_numbers(fragment.text[cursor:]):
        raise ValueError("an unmarked number at the end of the worked text")
    if spelled != output_numbers(stackexchange(chain)):
        raise ValueError("the Stack Exchange text's numbers differ from the Markdown's")
    return keys


def json_keys(text: str, key: str) -> list[str | None]:
    """The record key of each number of as_json's text, in order (None: notation).

    A JSON number at path name/k/i/j is key.name[k][i,j]; an exact "p/q" string gives
    key.exact.name[k][i,j].p and .q; the digits in the conventions' prose are notation."""
    keys: list[str | None] = []

    def walk(node, path: str, exact: bool, prose: bool) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                if name == "exact":
                    walk(child, f"{key}.exact", True, False)
                else:
                    walk(child, f"{path}.{name}", exact, prose or name == "conventions")
        elif isinstance(node, list):
            matrices = node and isinstance(node[0], list) and node[0] and isinstance(
                node[0][0], list)
            if matrices:  # a list of matrices: name[k]
                for k, child in enumerate(node):
                    walk(child, f"{path}[{k}]", exact, prose)
            else:  # one matrix: name[i,j]
                for i, row in enumerate(node):
                    for j, value in enumerate(row):
                        walk(value, f"{path}[{i},{j}]", exact, prose)
        elif prose:
            keys.extend([None] * len(output_numbers(node)))
        elif exact:
            keys.extend([f"{path}.p", f"{path}.q"][: len(output_numbers(node))])
        else:
            keys.append(path)

    walk(json.loads(text), key, False, False)
    return keys


def _plain(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


def _exact(value: Fraction) -> str:
    return str(value)


def _nested(matrix_values, convert):
    return [[convert(v) for v in row] for row in matrix_values]


def as_dict(chain: WorkedChain, convert=_plain) -> dict:
    """Every quantity of the chain; numbers via convert (JSON numbers, or exact strings)."""
    return {
        "input": _nested(chain.input, convert),
        "kernels": [_nested(k, convert) for k in chain.kernels],
        "target": _nested(chain.target, convert),
        "output": _nested(chain.output, convert),
        "cost": convert(chain.cost),
        "maps": [_nested(m, convert) for m in chain.maps],
        "grad_maps": [_nested(m, convert) for m in chain.grad_maps],
        "grad_kernels": [_nested(g, convert) for g in chain.grad_kernels],
        "grad_input": _nested(chain.grad_input, convert),
    }


def as_json(chain: WorkedChain) -> str:
    """JSON numbers (ints exact, else nearest float), plus `exact`: the same as p/q strings."""
    data = as_dict(chain)
    data["exact"] = as_dict(chain, _exact)
    data["conventions"] = {
        "cost": "sum over entries of (output - target)^2",
        "operation": "valid cross-correlation, no flip, no bias, stride 1",
        "maps": "maps[k] is the output of kernel k+1; maps[-1] is the output",
        "grad_maps": "grad_maps[k] is dC/d maps[k]",
    }
    return json.dumps(data, indent=2) + "\n"


def render(chain: WorkedChain, fmt: str) -> str:
    if fmt == "markdown":
        return markdown(chain).text
    if fmt == "stackexchange":
        return stackexchange(chain)
    if fmt == "json":
        return as_json(chain)
    raise ValueError(f"unknown format {fmt!r}")
