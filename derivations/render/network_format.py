r"""A worked network (mathematics/network.py) as Markdown, Stack Exchange text, JSON or PyTorch.

Pure formatting: every number comes from the NetworkWork and goes through
derivations.render.printed_numbers, keyed by the quantity it is (`{key}.W1[0,0,1,2]`,
`{key}.O2[1,0,0]`, `{key}.delta3[0,1,1]`), so a page that shows a derivation can be
audited entry by entry. Symbols (the book's one notation, derivations/notation.py): X the
input, O^ℓ the output of layer ℓ (O^0 = X), W^ℓ and b^ℓ its weight and bias, y the target,
δ^ℓ = ∂C/∂O^ℓ (δ^0 = ∂C/∂X), T the output's number of entries, η the learning rate.
Indices count from zero: a map entry is [channel, row, column], O^ℓ_{f,u,v} for a layer's
output and O^{ℓ-1}_{g,a,c} for its input; a weight entry W^ℓ_{f,g,m,n} [output channel,
input channel, row, column]; a whole channel is O^ℓ_{f,·,·}.

- markdown: the book's page style (`$`/`$$` LaTeX, `\num{}`/`\lit{}` marks, heading ids);
- stackexchange: the same without the book's private marks and heading ids;
- json: the numbers, for programs (exact twins as "p/q" strings);
- pytorch: a standalone script that rebuilds the network in PyTorch, runs autograd and
  asserts that its gradients equal these.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

from derivations.mathematics.network import (
    Conv,
    EntrySum,
    LayerWork,
    NetworkWork,
    Pool,
    StepWork,
    shape,
)
from derivations.render.network_description import describe_network
from derivations.render.printed_numbers import (
    Fragment,
    join,
    lit,
    num,
    num_signed,
    text_lit,
    text_num,
)
from derivations.worked_limits import SUM_MAX_ENTRIES, SUM_MAX_TERMS

FORMATS = ("markdown", "stackexchange", "json", "pytorch")
BOOK_URL = "https://convbackprop.github.io/convbackprop/"
LINKS = {
    "network": BOOK_URL + "general/network/",
    "forward": BOOK_URL + "general/layer/#general-layer",
    "weights": BOOK_URL + "general/layer/#weight-gradient",
    "input": BOOK_URL + "general/layer/#input-gradient",
    "bias": BOOK_URL + "general/bias-relu-pooling/#shared-bias",
    "stride": BOOK_URL + "general/stride/#stride",
    "padding": BOOK_URL + "general/padding/#padding",
    "dilation": BOOK_URL + "general/dilation/#dilation",
    "channels": BOOK_URL + "general/channels/#channels-and-batch",
    "relu": BOOK_URL + "general/bias-relu-pooling/#relu",
    "maxpool": BOOK_URL + "general/bias-relu-pooling/#max-pooling",
    "avgpool": BOOK_URL + "general/bias-relu-pooling/#average-pooling",
    "cost": BOOK_URL + "seed/grad-w2/",
    "tool": BOOK_URL + "tools/try-your-numbers/",
}
KIND_NAMES = {"conv": "convolution", "relu": "ReLU", "maxpool": "max pooling",
              "avgpool": "average pooling"}
KIND_TITLES = {"conv": "Convolution", "relu": "ReLU", "maxpool": "Max pooling",
               "avgpool": "Average pooling"}
KEY = "worked"


# ---------------------------------------------------------------- symbols and keys


def map_symbol(k: int) -> str:
    return "X" if k == 0 else f"O^{{{k}}}"


def delta_symbol(k: int) -> str:
    return r"\frac{\partial C}{\partial X}" if k == 0 else f"\\delta^{{{k}}}"


def map_key(key: str, k: int) -> str:
    return f"{key}.X" if k == 0 else f"{key}.O{k}"


def delta_key(key: str, k: int) -> str:
    return f"{key}.gradX" if k == 0 else f"{key}.delta{k}"


def entry(symbol: str, index) -> str:
    """An entry of a symbol: ∂C/∂X becomes ∂C/∂X_{g,a,c}, δ^ℓ becomes δ^ℓ_{g,a,c}."""
    text = ",".join(map(str, index))
    if symbol.startswith(r"\frac"):
        return symbol[:-1] + f"_{{{text}}}}}"
    return f"{symbol}_{{{text}}}"


def _idx(index) -> str:
    return ",".join(map(str, index))


def tensor_matrix(values, key: str, prefix=()) -> Fragment:
    r"""One (H, W) slice as a pmatrix; entry (r, q) recorded as key[*prefix, r, q]."""
    rows = [join((num(v, f"{key}[{_idx((*prefix, r, q))}]") for q, v in enumerate(row)), " & ")
            for r, row in enumerate(values)]
    return r"\begin{pmatrix}" + join(rows, r" \\ ") + r"\end{pmatrix}"


ALL = r"\cdot"  # an index left free: O_{f,·,·} is channel f, every row and column


def channel(symbol: str, c: int) -> str:
    """Channel c of a map, every row and column of it: O^ℓ_{c,·,·}."""
    return entry(symbol, (c, ALL, ALL))


def show_map(symbol: str, values, key: str) -> Fragment:
    """A (C, H, W) map: one matrix, or one per channel labelled by the channel index."""
    if len(values) == 1:
        return symbol + " = " + tensor_matrix(values[0], key, (0,))
    return join((channel(symbol, c) + " = " + tensor_matrix(values[c], key, (c,))
                 for c in range(len(values))), r", \quad ")


def show_weight(symbol: str, values, key: str) -> Fragment:
    """A (C_out, C_in, kH, kW) weight: one matrix per (output, input) channel pair."""
    if len(values) == 1 and len(values[0]) == 1:
        return symbol + " = " + tensor_matrix(values[0][0], key, (0, 0))
    return join((entry(symbol, (o, c)) + " = " + tensor_matrix(values[o][c], key, (o, c))
                 for o in range(len(values)) for c in range(len(values[0]))), r", \quad ")


def show_vector(symbol: str, values, key: str) -> Fragment:
    return symbol + " = " + row_vector(values, key)


def row_vector(values, key: str) -> Fragment:
    """A bias (one entry per output channel) as a one-row pmatrix, entry o as key[o]."""
    cells = join((num(v, f"{key}[{o}]") for o, v in enumerate(values)), " & ")
    return r"\begin{pmatrix}" + cells + r"\end{pmatrix}"


def scale_text(scale: Fraction) -> str:
    if scale.denominator == 1:
        return lit(scale.numerator)
    return rf"\tfrac{{{lit(scale.numerator)}}}{{{lit(scale.denominator)}}}"


def written_out(count: int, longest: int) -> bool:
    """True when a step is small enough to print every sum (the worked command's rule)."""
    return count <= SUM_MAX_ENTRIES and longest <= SUM_MAX_TERMS


def _sums_written_out(sums) -> bool:
    return written_out(len(sums), max((len(s.terms) for s in sums), default=0))


class Keys:
    """The record key of each source tensor of layer k's sums."""

    def __init__(self, key: str, k: int):
        self.names = {"input": map_key(key, k - 1), "weight": f"{key}.W{k}",
                      "bias": f"{key}.b{k}", "delta": delta_key(key, k),
                      "residual": f"{key}.residual"}

    def __call__(self, source) -> str:
        name, index = source
        return f"{self.names[name]}[{_idx(index)}]"


def sum_text(s: EntrySum, keys: Keys, result_key: str) -> Fragment:
    """`[b +] [scale ·] (a·b + …) = value`, each factor recorded as the entry it is."""
    value = num(s.value, f"{result_key}[{_idx(s.index)}]")
    if not s.terms:  # nothing reaches this entry (or every tap is on padding)
        if s.offset is None:
            return value
        return num(s.offset, keys(("bias", s.index[:1]))) + " = " + value
    products = join((join((num_signed(f, keys(src)) for f, src in zip(factors, sources,
                                                                      strict=True)),
                          r" \cdot ")
                     for factors, sources in zip(s.terms, s.sources, strict=True)), " + ")
    if s.scale != 1:
        products = scale_text(s.scale) + r" \cdot " + (
            "(" + products + ")" if len(s.terms) > 1 else products)
    if s.offset is not None:
        products = num(s.offset, keys(("bias", s.index[:1]))) + " + " + products
    if len(s.terms) == 1 and len(s.terms[0]) == 1 and s.scale == 1 and s.offset is None:
        return products  # a single factor is the value itself
    return products + " = " + value


def sum_lines(symbol: str, sums, keys: Keys, result_key: str) -> Fragment:
    r"""One align* row per entry: symbol_{index} &= a·b + … = value."""
    rows = [entry(symbol, s.index) + " &= " + sum_text(s, keys, result_key) for s in sums]
    return "$$\n\\begin{align*}\n" + join(rows, " \\\\\n") + "\n\\end{align*}\n$$\n"


def _step(intro_sums: Fragment | None, whole: Fragment) -> Fragment:
    if intro_sums is None:
        # No digits here: the text may become a page, where prose numbers must be recorded.
        return ("\nThis step is too large to write every sum out, so here is its result:\n\n"
                + "$$\n" + whole + "\n$$\n")
    return intro_sums + "\nso\n\n$$\n" + whole + "\n$$\n"


def _heading(text: str, anchor: str) -> str:
    return f"{text} {{#{anchor}}}"


def index_expression(out: str, tap: str, s: int, d: int, p: int) -> str:
    """Row (or column) read by output `out` through tap `tap`: s·out + d·tap − p."""
    text = (f"{lit(s)}{out}" if s != 1 else out) + " + " + (f"{lit(d)}{tap}" if d != 1 else tap)
    return text + (f" - {lit(p)}" if p else "")


# ---------------------------------------------------------------- markdown


def _describe_layer(k: int, done: LayerWork, key: str) -> Fragment:
    layer = done.layer
    # A Markdown list item: the browser numbers it, so the number is no text to audit.
    out = Fragment(f"1. {KIND_TITLES[layer.kind]}")
    if isinstance(layer, Conv):
        c_out, c_in, kh, kw = shape(layer.weight)
        out = out + f" with kernel $W^{{{k}}}$ (" + _sizes((c_out, c_in, kh, kw),
                                                             f"{key}.shape.W{k}") + ")"
        if layer.bias is not None:
            out = out + f" and bias $b^{{{k}}}$"
        options = [(name, value) for name, value, default in (
            ("stride", layer.stride, (1, 1)), ("padding", layer.padding, (0, 0)),
            ("dilation", layer.dilation, (1, 1))) if value != default]
        if options:
            out = out + ", " + join((f"[{name}]({LINKS[name]}) " + _option(value,
                                                                          f"{key}.{name}{k}")
                                     for name, value in options), ", ")
    elif isinstance(layer, Pool):
        out = out + " over " + _sizes(layer.kernel, f"{key}.kernel{k}") + " windows"
        if layer.stride != layer.kernel:
            out = out + ", stride " + _option(layer.stride, f"{key}.poolstride{k}")
    return out + f": $O^{{{k}}}$ is " + _sizes(shape(done.output_map), f"{key}.shape.O{k}")


def _sizes(dims, key: str) -> Fragment:
    return join((text_num(d, f"{key}[{n}]") for n, d in enumerate(dims)), "×")


def _option(value, key: str) -> Fragment:
    if value[0] == value[1]:
        return text_num(value[0], f"{key}[0]")
    return "(" + text_num(value[0], f"{key}[0]") + ", " + text_num(value[1], f"{key}[1]") + ")"


def markdown(work: NetworkWork, step: StepWork | None = None, key: str = KEY) -> Fragment:
    """The whole derivation in the book's Markdown (\\num marks, heading ids)."""
    network = work.network
    count = len(work.layers)
    parts: list[Fragment | str] = []
    loss_text = (r"the sum of squared errors against the target $y$, $C = \sum_{f,u,v} "
                 r"(O^{L}_{f,u,v} - y_{f,u,v})^{2}$" if network.loss == "sse" else
                 r"the mean squared error against the target $y$, $C = \frac{\lit{1}}{T} "
                 r"\sum_{f,u,v} (O^{L}_{f,u,v} - y_{f,u,v})^{2}$ with $T$ the number of "
                 "output entries")
    parts.append(
        "# " + _heading("Worked derivation", "worked-derivation") + "\n\n"
        "The input $X$ goes through the layers in order; layer $\\ell$ turns "
        "$O^{\\ell-1}$ into $O^{\\ell}$ (with $O^{0} = X$), and the cost is "
        + loss_text.replace("{L}", f"{{{count}}}") + ". Indices count from zero: a map entry is "
        "[channel, row, column], a weight entry [output channel, input channel, row, "
        "column]. Numbers that are not integers are shown rounded to four decimals; the "
        "computation itself is exact.\n\n"
        + join((_describe_layer(k, done, key) for k, done in enumerate(work.layers, start=1)),
               "\n") + "\n\n")
    given: list[Fragment] = [show_map("X", network.input, map_key(key, 0))]
    for k, done in enumerate(work.layers, start=1):
        if isinstance(done.layer, Conv):
            given.append(show_weight(f"W^{{{k}}}", done.layer.weight, f"{key}.W{k}"))
            if done.layer.bias is not None:
                given.append(show_vector(f"b^{{{k}}}", done.layer.bias, f"{key}.b{k}"))
    if network.target_rank == 0:
        given.append(Fragment("y_{f,u,v} = ") + num(network.target, f"{key}.y"))
        note = "The target is one number, the same for every output entry.\n\n"
    else:
        given.append(show_map("y", work.target, f"{key}.y"))
        note = ""
    parts.append("## " + _heading("Your numbers", "your-numbers") + "\n\n"
                 + join(("$$\n" + g + "\n$$\n" for g in given), "\n") + "\n" + note)
    parts.append("## " + _heading("Forward pass", "forward-pass") + "\n\n")
    for k, done in enumerate(work.layers, start=1):
        parts.append(_forward(k, done, key))
    parts.append(_cost(work, key))
    parts.append("## " + _heading("Backward pass", "backward-pass") + "\n\n"
                 "Each layer receives $\\delta^{\\ell} = \\partial C / \\partial O^{\\ell}$ and "
                 "passes $\\delta^{\\ell-1}$ on to the layer before it ([the chain rule of the "
                 f"general layer]({LINKS['forward']})); the last one is "
                 "$\\partial C / \\partial X$.\n\n")
    for k in range(count, 0, -1):
        parts.append(_backward(k, work.layers[k - 1], key))
    parts.append(_summary(work, key))
    if step is not None:
        parts.append(step_markdown(work, step, key))
    parts.append("Worked by `python -m derivations worked --network` "
                 f"([a whole network, worked]({LINKS['network']})).\n")
    return join(parts)


def _forward(k: int, done: LayerWork, key: str) -> Fragment:
    layer = done.layer
    before, after = map_symbol(k - 1), map_symbol(k)
    head = "### " + _heading(f"Layer {text_lit(k)}: {KIND_NAMES[layer.kind]}",
                             f"forward-layer-{k}") + "\n\n"
    result = show_map(after, done.output_map, map_key(key, k))
    if isinstance(layer, Conv):
        (sh, sw), (ph, pw), (dh, dw) = layer.stride, layer.padding, layer.dilation
        bias = f"b^{{{k}}}_{{f}} + " if layer.bias is not None else ""
        padded = (f" (zero where the index falls outside ${before}$: [padding]"
                  f"({LINKS['padding']}))") if (ph, pw) != (0, 0) else ""
        text = Fragment(
            head + "Each output entry is the sum, over every input channel $g$ and kernel "
            f"tap $(m, n)$, of a weight times the entry of ${before}$ under it "
            f"([the general layer]({LINKS['forward']}); [channels]({LINKS['channels']})){padded}"
            ":\n\n$$\n"
            f"{after}_{{f,u,v}} = {bias}\\sum_{{g,m,n}} W^{{{k}}}_{{f,g,m,n}} \\, "
            f"{before}_{{g,\\,{index_expression('u', 'm', sh, dh, ph)},\\,"
            f"{index_expression('v', 'n', sw, dw, pw)}}}\n$$\n\n")
        keys = Keys(key, k)
        lines = sum_lines(after, done.forward_sums, keys, map_key(key, k)) \
            if _sums_written_out(done.forward_sums) else None
        return text + _step(lines, result) + "\n"
    if layer.kind == "relu":
        return (head + f"[ReLU]({LINKS['relu']}) keeps each positive entry and sets the rest to "
                f"zero: ${after} = \\max({before}, \\lit{{0}})$, entry by entry.\n\n$$\n" + result
                + "\n$$\n\n")
    if layer.kind == "maxpool":
        text = Fragment(head + f"Each entry is the largest of its window of ${before}$ "
                        f"([max pooling]({LINKS['maxpool']})):\n\n")
        longest = max(len(w.cells) for w in done.windows)
        lines = "$$\n" + maxpool_lines(k, done, key) + "\n$$\n" \
            if written_out(len(done.windows), longest) else None
        return text + _step(lines, result) + "\n"
    text = Fragment(head + f"Each entry is the mean of its window of ${before}$ "
                    f"([average pooling]({LINKS['avgpool']})):\n\n")
    keys = Keys(key, k)
    lines = sum_lines(after, done.forward_sums, keys, map_key(key, k)) \
        if _sums_written_out(done.forward_sums) else None
    return text + _step(lines, result) + "\n"


def maxpool_lines(k: int, done: LayerWork, key: str) -> Fragment:
    r"""An align* block: O^ℓ_{g,u,v} &= \max(window entries) = value, one row per window."""
    after = map_symbol(k)
    rows = [entry(after, w.index) + r" &= \max(" + join(
        (num(v, f"{map_key(key, k - 1)}[{_idx((w.index[0], *cell))}]")
         for v, cell in zip(w.values, w.cells, strict=True)), ", ") + ") = "
        + num(w.value, f"{map_key(key, k)}[{_idx(w.index)}]") for w in done.windows]
    return "\\begin{align*}\n" + join(rows, " \\\\\n") + "\n\\end{align*}"


def cost_equation(work: NetworkWork, key: str, aligned: bool = False) -> Fragment:
    """C = [scale] Σ (O − y)² written out entry by entry (or with the residual as a matrix);
    aligned: as the rows of an align* (`C &= … \\\\ &= …`), for a narrow page."""
    network, last = work.network, len(work.layers)
    out = map_symbol(last)
    dims = shape(work.output)
    cells = [(c, i, j) for c in range(dims[0]) for i in range(dims[1]) for j in range(dims[2])]
    scale = work.cost_sum.scale
    lead = r"\sum_{f,u,v}" if scale == 1 else scale_text(scale) + r" \sum_{f,u,v}"
    if len(cells) > SUM_MAX_ENTRIES:
        return (show_map(f"({out} - y)", work.residual, f"{key}.residual")
                + r", \quad C = " + lead + f" ({out}_{{f,u,v}} - y_{{f,u,v}})^{{2}} = "
                + num(work.cost, f"{key}.cost"))
    y_key = (lambda c, i, j: f"{key}.y") if network.target_rank == 0 else \
        (lambda c, i, j: f"{key}.y[{c},{i},{j}]")
    squares = join(("(" + num(work.output[c][i][j], f"{map_key(key, last)}[{c},{i},{j}]")
                    + " - " + num_signed(work.target[c][i][j], y_key(c, i, j)) + ")^{2}"
                    for c, i, j in cells), " + ")
    residuals = join((num_signed(work.residual[c][i][j], f"{key}.residual[{c},{i},{j}]")
                      + "^{2}" for c, i, j in cells), " + ")
    if scale != 1:
        squares = scale_text(scale) + r" \, (" + squares + ")"
        residuals = scale_text(scale) + r" \, (" + residuals + ")"
    if aligned:
        return ("C &= " + lead + f" ({out}_{{f,u,v}} - y_{{f,u,v}})^{{2}} \\\\\n&= " + squares
                + " \\\\\n&= " + residuals + " = " + num(work.cost, f"{key}.cost"))
    return ("C = " + lead + f" ({out}_{{f,u,v}} - y_{{f,u,v}})^{{2}} = " + squares
            + " = " + residuals + " = " + num(work.cost, f"{key}.cost"))


def _cost(work: NetworkWork, key: str) -> Fragment:
    last = len(work.layers)
    out = map_symbol(last)
    dims = shape(work.output)
    cells = [(c, i, j) for c in range(dims[0]) for i in range(dims[1]) for j in range(dims[2])]
    scale = work.cost_sum.scale
    head = "## " + _heading("Cost", "cost") + "\n\n"
    body = "$$\n" + cost_equation(work, key) + "\n$$\n\n"
    factor = r"\lit{2}" if scale == 1 else r"\frac{\lit{2}}{T}"
    why = "" if scale == 1 else (f" with $T = {lit(len(cells))}$: this is where the mean's "
                                 "$\\lit{1}/T$ enters every gradient")
    delta = delta_symbol(last)
    if len(cells) <= SUM_MAX_ENTRIES:
        lines = sum_lines(delta, work.output_delta_sums, Keys(key, last), delta_key(key, last))
    else:
        lines = "$$\n" + show_map(delta, work.layers[-1].delta, delta_key(key, last)) + "\n$$\n"
    return (head + body
            + "## " + _heading("Gradient at the output", "output-gradient") + "\n\n"
            f"The derivative of each square ([the same step in the book]({LINKS['cost']})){why}:"
            f"\n\n$$\n{entry(delta, ('f', 'u', 'v'))} = "
            f"\\frac{{\\partial C}}{{\\partial {out}_{{f,u,v}}}} = {factor} \\, "
            f"({out}_{{f,u,v}} - y_{{f,u,v}})\n$$\n\n" + lines + "\n")


def _backward(k: int, done: LayerWork, key: str) -> Fragment:
    layer = done.layer
    before, after = map_symbol(k - 1), map_symbol(k)
    delta, previous = delta_symbol(k), delta_symbol(k - 1)
    head = "### " + _heading(f"Back through layer {text_lit(k)}: {KIND_NAMES[layer.kind]}",
                             f"backward-layer-{k}") + "\n\n"
    keys = Keys(key, k)
    passed = show_map(previous, done.grad_input, delta_key(key, k - 1))
    if isinstance(layer, Conv):
        (sh, sw), (ph, pw), (dh, dw) = layer.stride, layer.padding, layer.dilation
        row = index_expression("u", "m", sh, dh, ph)
        col = index_expression("v", "n", sw, dw, pw)
        text = Fragment(
            head + f"**Its weights.** Each weight $W^{{{k}}}_{{f,g,m,n}}$ multiplies one entry of "
            f"${before}$ in every output of channel $f$, so its gradient adds up $\\delta^{{{k}}}$ "
            f"times that entry over all of them ([weight gradient]({LINKS['weights']})):\n\n$$\n"
            f"\\frac{{\\partial C}}{{\\partial W^{{{k}}}_{{f,g,m,n}}}} = \\sum_{{u,v}} "
            f"\\delta^{{{k}}}_{{f,u,v}} \\, {before}_{{g,\\,{row},\\,{col}}}\n$$\n\n")
        grad_w = f"\\frac{{\\partial C}}{{\\partial W^{{{k}}}}}"
        lines = sum_lines(grad_w, done.grad_weight_sums, keys, f"{key}.gradW{k}") \
            if _sums_written_out(done.grad_weight_sums) else None
        text = text + _step(lines, show_weight(grad_w, done.grad_weight, f"{key}.gradW{k}"))
        if layer.bias is not None:
            grad_b = f"\\frac{{\\partial C}}{{\\partial b^{{{k}}}}}"
            text = text + (
                f"\n**Its bias.** $b^{{{k}}}_{{f}}$ is added to every entry of output channel "
                f"$f$, so its gradient is the sum of $\\delta^{{{k}}}$ over that channel "
                f"([a shared bias]({LINKS['bias']})):\n\n")
            lines = sum_lines(grad_b, done.grad_bias_sums, keys, f"{key}.gradb{k}") \
                if _sums_written_out(done.grad_bias_sums) else None
            text = text + _step(lines, show_vector(grad_b, done.grad_bias, f"{key}.gradb{k}"))
        what = "input" if k == 1 else "map before it"
        text = text + (
            f"\n**The {what}.** Each entry of ${before}$ reaches every output whose window "
            f"covers it, once per tap that lands on it, through that tap's weight; its gradient "
            f"adds those paths up, a scatter of $\\delta^{{{k}}}$ back through the kernel "
            f"([input gradient]({LINKS['input']})"
            + (f"; [stride]({LINKS['stride']})" if (sh, sw) != (1, 1) else "")
            + (f"; [dilation]({LINKS['dilation']})" if (dh, dw) != (1, 1) else "")
            + "):\n\n$$\n"
            f"{entry(previous, ('g', 'a', 'c'))} = \\sum_{{f,u,v,m,n \\,:\\, {row} = a,\\ "
            f"{col} = c}} \\delta^{{{k}}}_{{f,u,v}} \\, W^{{{k}}}_{{f,g,m,n}}\n$$\n\n")
        lines = sum_lines(previous, done.grad_input_sums, keys, delta_key(key, k - 1)) \
            if _sums_written_out(done.grad_input_sums) else None
        return text + _step(lines, passed) + "\n"
    if layer.kind == "relu":
        mask = show_map(f"\\lit{{1}}[{before} > \\lit{{0}}]", done.mask, f"{key}.mask{k}")
        return (head + f"ReLU's slope is $\\lit{{1}}$ where its input was positive and "
                f"$\\lit{{0}}$ elsewhere, at $\\lit{{0}}$ itself too (PyTorch's choice; "
                f"[ReLU]({LINKS['relu']})), so $\\delta^{{{k}}}$ passes only where "
                f"${before} > \\lit{{0}}$:\n\n$$\n{entry(previous, ('g', 'a', 'c'))} = "
                f"{entry(delta, ('g', 'a', 'c'))} \\cdot "
                f"\\lit{{1}}[{before}_{{g,a,c}} > \\lit{{0}}]"
                "\n$$\n\n$$\n" + mask + "\n$$\n\nso\n\n$$\n" + passed + "\n$$\n\n")
    if layer.kind == "maxpool":
        text = Fragment(
            head + f"Only the entry that won a window moved ${after}$, so each window's "
            f"$\\delta^{{{k}}}$ goes back to its winner, and an entry that won several windows "
            f"adds them up ([max pooling]({LINKS['maxpool']})). When a window's maximum is "
            "reached more than once, the first of them in reading order (row by row) takes the "
            "gradient, as in PyTorch:\n\n$$\n"
            f"{entry(previous, ('g', 'a', 'c'))} = \\sum_{{\\text{{windows }} (u,v) "
            f"\\text{{ won by }} (a,c)}} {entry(delta, ('g', 'u', 'v'))}\n$$\n\n"
            "(zero for an entry that won no window).\n\n")
        lines = sum_lines(previous, done.grad_input_sums, keys, delta_key(key, k - 1)) \
            if _sums_written_out(done.grad_input_sums) else None
        return text + _step(lines, passed) + "\n"
    kh, kw = layer.kernel
    text = Fragment(
        head + f"Each entry of a window moved ${after}$ by the same share, so it gets that share "
        f"of the window's $\\delta^{{{k}}}$, summed over the windows it is in "
        f"([average pooling]({LINKS['avgpool']})):\n\n$$\n"
        f"{entry(previous, ('g', 'a', 'c'))} = {scale_text(Fraction(1, kh * kw))} "
        f"\\sum_{{\\text{{windows }} (u,v) \\ni (a,c)}} {entry(delta, ('g', 'u', 'v'))}"
        "\n$$\n\n")
    lines = sum_lines(previous, done.grad_input_sums, keys, delta_key(key, k - 1)) \
        if _sums_written_out(done.grad_input_sums) else None
    return text + _step(lines, passed) + "\n"


def _summary(work: NetworkWork, key: str) -> Fragment:
    rows: list[Fragment] = [Fragment("C = ") + num(work.cost, f"{key}.cost")]
    for k, done in enumerate(work.layers, start=1):
        if isinstance(done.layer, Conv):
            rows.append(show_weight(f"\\frac{{\\partial C}}{{\\partial W^{{{k}}}}}",
                                    done.grad_weight, f"{key}.gradW{k}"))
            if done.grad_bias is not None:
                rows.append(show_vector(f"\\frac{{\\partial C}}{{\\partial b^{{{k}}}}}",
                                        done.grad_bias, f"{key}.gradb{k}"))
    rows.append(show_map(delta_symbol(0), work.grad_input, delta_key(key, 0)))
    return ("## " + _heading("Summary", "summary") + "\n\n"
            + join(("$$\n" + row + "\n$$\n" for row in rows), "\n") + "\n")


def step_lines(work: NetworkWork, step: StepWork, key: str = KEY) -> list[Fragment]:
    """θ − η ∂C/∂θ = new θ for every weight slice and bias of the network, in layer order."""
    rows: list[Fragment] = []
    for k, (old, new) in enumerate(zip(work.layers, step.network.layers, strict=True), start=1):
        if isinstance(old.layer, Conv):
            rows += _moved(k, old, new, key)
    return rows


def _moved(k: int, old: LayerWork, new: Conv, key: str) -> list[Fragment]:
    """θ − η ∂C/∂θ = new θ, per channel pair of the weight and for the bias, with numbers."""
    rows: list[Fragment] = []
    c_out, c_in = len(new.weight), len(new.weight[0])
    for o in range(c_out):
        for c in range(c_in):
            symbol = f"W^{{{k}}}" if (c_out, c_in) == (1, 1) else f"W^{{{k}}}_{{{o},{c}}}"
            rows.append(symbol + " - \\eta \\, \\frac{\\partial C}{\\partial " + symbol + "} = "
                        + tensor_matrix(old.layer.weight[o][c], f"{key}.W{k}", (o, c)) + " - "
                        + "\\eta \\cdot "
                        + tensor_matrix(old.grad_weight[o][c], f"{key}.gradW{k}", (o, c))
                        + " = " + tensor_matrix(new.weight[o][c], f"{key}.step.W{k}", (o, c)))
    if new.bias is not None:
        symbol = f"b^{{{k}}}"
        rows.append(symbol + " - \\eta \\, \\frac{\\partial C}{\\partial " + symbol + "} = "
                    + row_vector(old.layer.bias, f"{key}.b{k}") + " - \\eta \\cdot "
                    + row_vector(old.grad_bias, f"{key}.gradb{k}") + " = "
                    + row_vector(new.bias, f"{key}.step.b{k}"))
    return rows


def step_markdown(work: NetworkWork, step: StepWork, key: str = KEY) -> Fragment:
    """One gradient-descent step: each weight and bias moved by −η times its gradient."""
    rows = step_lines(work, step, key)
    change = step.cost_after - step.cost_before
    verdict = ("falls" if change < 0 else "rises" if change > 0 else "stays the same")
    advice = {"falls": "",
              "rises": " The rate is too large for these numbers: the gradient describes "
                       "the cost only near them, and this step went past where it helps; a "
                       "smaller $\\eta$ makes the cost fall.",
              "stays the same": ""}[verdict]
    return ("## " + _heading("One gradient-descent step", "gradient-step") + "\n\n"
            "Move every weight and bias against its gradient, with learning rate $\\eta = "
            + num(step.rate, f"{key}.rate") + "$:\n\n$$\n\\theta \\leftarrow \\theta - \\eta \\, "
            "\\frac{\\partial C}{\\partial \\theta}\n$$\n\n"
            + join(("$$\n" + row + "\n$$\n" for row in rows), "\n")
            + "\nRun forward again with the new numbers: the cost " + verdict + ",\n\n$$\n"
            "C_{\\text{before}} = " + num(step.cost_before, f"{key}.cost")
            + r", \quad C_{\text{after}} = " + num(step.cost_after, f"{key}.step.cost")
            + "\n$$\n\n" + advice.strip() + ("\n\n" if advice else ""))


# ---------------------------------------------------------------- stackexchange, json


_MARK = re.compile(r"\\(?:num|lit)\{([^{}]*)\}")
_LIT_SPAN = re.compile(r'<span class="(?:lit|num)">([^<]*)</span>')
_HEADING_ID = re.compile(r" \{#[a-z0-9-]+\}$", re.MULTILINE)


def strip_book_marks(text: str) -> str:
    """The book's private marks (\\num, \\lit, number spans, heading ids) removed."""
    text = _MARK.sub(r"\1", text)
    text = _LIT_SPAN.sub(lambda m: m.group(1).replace("\u2212", "-"), text)
    return _HEADING_ID.sub("", text)


def stackexchange(work: NetworkWork, step: StepWork | None = None) -> str:
    """Markdown for a Stack Exchange answer: MathJax `$`/`$$` only, no HTML, no book marks."""
    text = strip_book_marks(markdown(work, step).text)
    return text.replace("`python -m derivations worked --network`",
                        "the convbackprop book's worked tool")


def plain_number(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


def exact_number(value: Fraction) -> str:
    return str(value)


def _nested(tensor, convert):
    if isinstance(tensor, tuple):
        return [_nested(item, convert) for item in tensor]
    return convert(tensor)


def _as_given(tensor, rank: int):
    """A (C, H, W) map or (C_out, C_in, kH, kW) weight in the rank the description used."""
    return tensor[0][0] if rank == 2 and len(shape(tensor)) == 4 else \
        tensor[0] if rank == 2 else tensor


def as_dict(work: NetworkWork, step: StepWork | None, convert=plain_number) -> dict:
    """Every quantity; numbers via convert (JSON numbers, or exact strings)."""
    params = []
    for done in work.layers:
        if isinstance(done.layer, Conv):
            entry_ = {"grad_weight": _nested(_as_given(done.grad_weight, done.layer.weight_rank),
                                             convert)}
            if done.grad_bias is not None:
                entry_["grad_bias"] = _nested(done.grad_bias, convert)
            params.append(entry_)
        else:
            params.append(None)
    data = {
        "output": _nested(work.output, convert),
        "cost": convert(work.cost),
        "maps": [_nested(done.output_map, convert) for done in work.layers],
        "deltas": [_nested(d, convert) for d in work.deltas],
        "grad_input": _nested(_as_given(work.grad_input, work.network.input_rank), convert),
        "grad_params": params,
    }
    if step is not None:
        updated = []
        for layer in step.network.layers:
            if isinstance(layer, Conv):
                new = {"weight": _nested(_as_given(layer.weight, layer.weight_rank), convert)}
                if layer.bias is not None:
                    new["bias"] = _nested(layer.bias, convert)
                updated.append(new)
            else:
                updated.append(None)
        data["step"] = {"rate": convert(step.rate), "params": updated,
                        "cost_before": convert(step.cost_before),
                        "cost_after": convert(step.cost_after)}
    return data


def as_json(work: NetworkWork, step: StepWork | None = None) -> str:
    """JSON numbers (ints exact, else nearest float), plus `exact`: the same as p/q strings."""
    data = {"network": describe_network(work.network)}
    data.update(as_dict(work, step))
    data["exact"] = as_dict(work, step, exact_number)
    data["conventions"] = {
        "shapes": "maps and deltas are (C, H, W); grad_input and grad_weight have the shape "
                  "the description gave the input and the weight",
        "maps": "maps[k] is the output of layers[k]; maps[-1] is the output",
        "deltas": "deltas[k] is dC/d maps[k]; grad_input is dC/d input",
        "grad_params": "grad_params[k] belongs to layers[k]; null for a layer without "
                       "parameters",
        "cost": "sum over entries of (output - target)^2" if work.network.loss == "sse"
                else "mean over entries of (output - target)^2",
        "ties": "max pooling sends the gradient to the first maximum of a window in reading "
                "order, as PyTorch",
    }
    return dumps(data) + "\n"


def dumps(value, indent: str = "") -> str:
    """JSON, indented by two spaces, with each row of numbers (or any short list) on one
    line."""
    inner = indent + "  "
    flat_text = json.dumps(value)
    if len(flat_text) <= 60:
        return flat_text  # short values (a row, a small kernel, a ReLU) read best on one line
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value)


def render(work: NetworkWork, fmt: str, step: StepWork | None = None) -> str:
    if fmt == "markdown":
        return markdown(work, step).text
    if fmt == "stackexchange":
        return stackexchange(work, step)
    if fmt == "json":
        return as_json(work, step)
    if fmt == "pytorch":
        from derivations.render.network_pytorch import pytorch_script

        return pytorch_script(work, step)
    raise ValueError(f"unknown format {fmt!r}")
