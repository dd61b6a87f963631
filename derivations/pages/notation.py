"""Page about/notation.md: the book's one notation table, its index rule, and the bridge.

The symbols are data (derivations/notation.py, one record per row), formatted here into
tables; every chapter reuses them, and tests/test_notation.py checks every page against them.
"""

from __future__ import annotations

from derivations.notation import (
    NOTATION_PAGE,
    PAGES,
    SECTIONS,
    SYMBOLS,
    Symbol,
    base_sentence,
    relative_link,
)
from derivations.render.page import make_page

SOURCE = "derivations/pages/notation.py"

TEMPLATE = r"""
# Notation {#notation}

One notation serves the whole book, and every symbol in it has one meaning: a letter that
names the kernel never names a width, the cost's letter never counts channels. The seed
chapters keep the question's own symbols, so that each step can be read next to
[the question](../question.md); the general chapters use one fixed notation for any
convolutional layer; [the bridge](#bridge) states once how the two correspond. A page that
needs both shows the correspondence where it uses it: {{both_pages}}.

{{index_base}}

## Index bases {#index-bases}

One rule: **the question's running numbers count from one, every other index counts from
zero.** The question names entries by one number each, in reading order (row by row, left to
right), starting at one: $i_1$ is the top-left input, $i_9$ the bottom-right one. Everything
else (rows, columns, channels, examples) is counted from zero, as in Python and PyTorch, and
rows come first: $X_{0,0}$ is the top-left entry. The two meet where a page turns the
question's network into the general layer's matrices
([correlation and convolution](../seed/conventions.md#correlation-vs-convolution) is the
first): entry $k$ of a matrix with $N$ columns sits in row $a$ and column $c$ when

$$
k = a \cdot N + c + \lit{1} , \label{eq-index-bases}
$$

so for the question's three-by-three input $i$, as the general layer's $X$:

{{input_mapping}}

Every page says which of the two it uses, next to the first index it writes.

## The question's notation {#question-notation}

Used in the seed chapters. The question numbers the entries of each matrix row by row,
starting at one; superscripts name the layer, not a power.

{{question_table}}

## The general notation {#general-notation}

Used from [the general layer](../general/layer.md#general-layer) on. Indices start at zero, as
in the code; shapes follow PyTorch's order (batch, channels, rows, columns), and a
"convolution" is a cross-correlation, as in every deep-learning library. The sizes are
written $M$ (rows) and $N$ (columns) with the array they measure as a subscript, so that no
letter of the arrays themselves is reused for a size.

{{general_table}}

## Index letters {#index-letters}

Each index letter always counts the same thing, on every page; a prime ($m'$) is another
index of the same kind.

{{index_table}}

## Operations and derived arrays {#operations}

{{operations_table}}

## Around the layer, and gradient checking {#around-the-layer}

{{around_table}}

## The worked derivation {#worked-notation}

[Try your own numbers](../tools/try-your-numbers.md) and
[the worked command](../tools/worked-cli.md) work a chain of kernels:

{{worked_table}}

## The bridge between them {#bridge}

Each convolution of the question's network is one general layer with a single example, a
single input channel, a single output channel, no bias, stride, padding or dilation:

| general | first layer | second layer |
|---|---|---|
| $X$ | the input $i$, as a matrix | $o^1$, as a matrix |
| $W$ | the first filter $w^1$ | the second filter $w^2$ |
| $Y$ | $o^1$ | $o^2$ |
| $\delta$ | $\delta^1 = \partial C / \partial o^1$ | $\partial C / \partial o^2$, one number |

The question's running number $k$ and the general row and column indices, counted from zero,
name the same entry when

$$
\begin{align*}
k &= a \cdot N_X + c + \lit{1} &&\text{for } i_k = X_{a,c}, \\
k &= m \cdot N_W + n + \lit{1} &&\text{for } w^1_k = W_{m,n}, \\
k &= u \cdot N_Y + v + \lit{1} &&\text{for } o^1_k = Y_{u,v} .
\end{align*} \label{eq-bridge-index}
$$

where $N_X$ is three and $N_W$ and $N_Y$ are two: \eqref{eq-index-bases} for each matrix.
[The seed as a special case](../general/layer.md#seed-as-special-case) runs the question's
network through the general rules in exactly this way.
"""


def symbol_table(symbols: tuple[Symbol, ...]) -> str:
    """A Markdown table of symbols; the header row names the columns."""
    rows = ["| symbol | meaning | in the code |", "|---|---|---|"]
    rows += [f"| ${s.shown}$ | {s.meaning} | {s.code} |" for s in symbols]
    return "\n".join(rows)


def section_table(section: str) -> str:
    if section not in SECTIONS:
        raise KeyError(section)
    return symbol_table(tuple(s for s in SYMBOLS if s.section == section))


def index_mapping(rows: int, columns: int) -> str:
    """The question's i_k beside the general X_{a,c}, laid out like the matrix, from the rule."""
    header = " | ".join(rf"column $\lit{{{c}}}$" for c in range(columns))
    lines = [f"| row | {header} |", "|---" * (columns + 1) + "|"]
    for a in range(rows):
        cells = [f"$i_{{{a * columns + c + 1}}} = X_{{{a},{c}}}$" for c in range(columns)]
        lines.append(rf"| $\lit{{{a}}}$ | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pages_using_both() -> str:
    """The pages whose registry entry says they use both index bases, linked, in order."""
    links = [f"[{page.title[0].lower() + page.title[1:]}]({relative_link(NOTATION_PAGE, path)})"
             for path, page in PAGES.items() if page.base == "both" and path != NOTATION_PAGE]
    return ", ".join(links[:-1]) + " and " + links[-1]


def build():
    yield make_page(
        NOTATION_PAGE, SOURCE, TEMPLATE,
        both_pages=pages_using_both(),
        index_base=base_sentence(NOTATION_PAGE),
        input_mapping=index_mapping(3, 3),
        question_table=section_table("question"),
        general_table=section_table("general"),
        index_table=section_table("indices"),
        operations_table=section_table("operations"),
        around_table=section_table("around"),
        worked_table=section_table("worked"),
    )
