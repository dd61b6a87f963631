"""Page about/notation.md: the book's one notation table, and the bridge between its two halves.

The symbols are data (small records), formatted here into tables; every chapter reuses
them. The question's notation serves the seed chapters, the general notation the theory.
"""

from __future__ import annotations

from dataclasses import dataclass

from derivations.render.page import make_page

SOURCE = "derivations/pages/notation.py"


@dataclass(frozen=True)
class Symbol:
    """One row of the notation table: how it is written, what it means, its name in code."""

    latex: str
    meaning: str
    code: str


QUESTION_SYMBOLS = (
    Symbol(r"i^1_k", "input entry number $k$, counted row by row from the top left", "`I`"),
    Symbol(r"w^1_k", "weight $k$ of the first filter", "`W1`"),
    Symbol(r"o^1_k", "output $k$ of the first convolution (the second layer's input)", "—"),
    Symbol(r"w^2_k", "weight $k$ of the second filter", "`W2`"),
    Symbol(r"o^2_1", "the network's single output", "—"),
    Symbol(r"y_1", "the target the output should match", "`Y`"),
    Symbol(r"C = (o^2_1 - y_1)^2", "the cost: squared error, as in the question", "—"),
)

GENERAL_SYMBOLS = (
    Symbol(r"X", r"layer input, shape $N \times C_{\text{in}} \times H \times W_X$; "
           r"entries $X_{a,c}$", "`x`"),
    Symbol(r"W", r"kernel (weights), shape $C_{\text{out}} \times C_{\text{in}} \times k_H "
           r"\times k_W$; entries $W_{m,n}$", "`weight`"),
    Symbol(r"b", "bias, one per output channel, added to every output position", "`bias`"),
    Symbol(r"Y", r"layer output, shape $N \times C_{\text{out}} \times H_{\text{out}} "
           r"\times W_{\text{out}}$; entries $Y_{i,j}$", "returned by `conv2d_forward`"),
    Symbol(r"C", "the cost, a single number computed from $Y$ by the rest of the network",
           "—"),
    Symbol(r"\delta = \partial C / \partial Y",
           "upstream gradient: how the cost changes with each output entry; same shape as $Y$",
           "`grad_output`"),
    Symbol(r"\partial C / \partial X", "input gradient, passed on to the layer before",
           "`grad_input`"),
    Symbol(r"\partial C / \partial W", "weight gradient", "`grad_weight`"),
    Symbol(r"\partial C / \partial b", "bias gradient", "`grad_bias`"),
    Symbol(r"s", "stride: how far the kernel jumps between neighbouring windows", "`stride`"),
    Symbol(r"p", "padding: rows and columns of zeros added on every side of $X$",
           "`padding`"),
    Symbol(r"d", "dilation: the spacing between the kernel's taps", "`dilation`"),
    Symbol(r"N", "batch size: how many examples pass through together", "`x.shape[0]`"),
    Symbol(r"C_{\text{in}}", "input channels", "`x.shape[1]`"),
    Symbol(r"C_{\text{out}}", "output channels (number of filters)", "`weight.shape[0]`"),
    Symbol(r"k_H, k_W", "kernel height and width", "`weight.shape[2:]`"),
    Symbol(r"\star", "cross-correlation (what deep-learning libraries call convolution)",
           "—"),
    Symbol(r"\operatorname{rot}_{180}(W)", "the kernel turned by a half turn (flipped in both "
           "directions)", "—"),
    Symbol(r"\lit{1}[\ldots]", "one where the condition in brackets holds, zero elsewhere",
           "—"),
    Symbol(r"O^{k}", r"in a whole network, the output of layer $k$, shape $C \times H \times "
           r"W$ (one example); $O^{0} = X$; entries $O^{k}_{c,i,j}$", "`maps[k - 1]`"),
    Symbol(r"W^{k}, b^{k}", "the weight and bias of layer $k$ of a network", "`layers[k - 1]`"),
    Symbol(r"\delta^{k} = \partial C / \partial O^{k}",
           "the gradient arriving at layer $k$'s output; it plays $\\delta$ for that layer",
           "`deltas[k - 1]`"),
    Symbol(r"y", "the target the network's output should match", "`target`"),
    Symbol(r"M", "the number of output entries, which the mean squared error divides by", "—"),
    Symbol(r"\eta", "the learning rate of a gradient-descent step", "`--step`"),
)

TEMPLATE = r"""
# Notation {#notation}

The book uses two notations and never mixes them on one line. The seed chapters keep the
question's own symbols, so that each step can be read next to
[the question](../question.md);
the general chapters use one fixed notation for any convolutional layer. The bridge below
states once how the two correspond.

## The question's notation {#question-notation}

Used in the seed chapters. The question numbers the entries of each matrix row by row,
starting at one; superscripts name the layer, not a power.

{{question_table}}

## The general notation {#general-notation}

Used from [the general layer](../general/layer.md#general-layer) on. Indices start at zero, as
in the code; shapes follow PyTorch's conventions (batch, channels, height, width), and a
"convolution" is a cross-correlation, as in every deep-learning library.

{{general_table}}

## The bridge between them {#bridge}

Each convolution of the question's network is one general layer with a single example, a
single input channel, a single output channel, no bias, stride, padding or dilation:

| general | first layer | second layer |
|---|---|---|
| $X$ | the input $i^1$, as a matrix | $o^1$, as a matrix |
| $W$ | the first filter $w^1$ | the second filter $w^2$ |
| $Y$ | $o^1$ | $o^2$ |
| $\delta$ | $\partial C / \partial o^1$ | $\partial C / \partial o^2_1 = \lit{2}(o^2_1 - y_1)$ |

The question's running number $k$ and the general row and column indices $(r, c)$, counted
from zero, name the same entry when

$$
k = r \cdot n + c + \lit{1} , \label{eq-bridge-index}
$$

where $n$ is the length of a row: three for the input $i^1$, two for the filters
$w^1$ and $w^2$ and for $o^1$. So $i^1_k = X_{r,c}$, $w^1_k = W_{r,c}$ and $o^1_k = Y_{r,c}$
whenever \eqref{eq-bridge-index} holds, and
[the seed as a special case](../general/layer.md#seed-as-special-case) runs the question's
network through the general rules in exactly this way.
"""


def symbol_table(symbols: tuple[Symbol, ...]) -> str:
    """A Markdown table of symbols; the header row names the columns."""
    rows = ["| symbol | meaning | in the code |", "|---|---|---|"]
    rows += [f"| ${s.latex}$ | {s.meaning} | {s.code} |" for s in symbols]
    return "\n".join(rows)


def build():
    yield make_page(
        "about/notation.md", SOURCE, TEMPLATE,
        question_table=symbol_table(QUESTION_SYMBOLS),
        general_table=symbol_table(GENERAL_SYMBOLS),
    )
