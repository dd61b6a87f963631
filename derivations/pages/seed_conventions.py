"""Page seed/conventions.md: cross-correlation vs convolution, and the flipped-kernel article."""

from __future__ import annotations

from derivations.examples.seed import TARGET, W1, W2, I
from derivations.mathematics.seed import example_numbers, flipped_convention
from derivations.notation import base_sentence
from derivations.render.page import make_page
from derivations.render.printed_numbers import matrix, num
from derivations.render.seed_latex import key

SOURCE = "derivations/pages/seed_conventions.py"

TEMPLATE = r"""
# Correlation and convolution {#conventions}

The asker compared their derivation with an article and found it "completely different".
Part of that difference is the question's mistake in the first filter's gradient, a product of
sums where the chain rule has a sum of products ([the mistake](grad-w1.md#the-mistake)). The
rest is not mathematics but a convention: whether the filter is flipped before it slides over
the input.

## Cross-correlation versus convolution {#correlation-vs-convolution}

Convolutional networks (and this book, and PyTorch) slide the filter over the input as it is
stored. To write that down for every position at once, entries need a row and a column, so
this is where the book moves from the question's running numbers to
[the general notation](../about/notation.md#general-notation) of the chapters that follow:
the input becomes $X$, a filter $W$, the output $Y$, and each entry is named by its row and
column, **counted from zero**. For the question's first layer,

$$
{{mapping}} \label{eq-first-switch}
$$

{{index_base}}

For a filter of $M_W$ rows and $N_W$ columns, sliding without a flip is a
**cross-correlation**:

$$
(X \star W)_{u,v} = \sum_{m} \sum_{n} W_{m,n}\, X_{u+m,\,v+n} . \label{eq-correlation}
$$

Here $u$ and $v$ pick the output entry, and $m$ and $n$ run over the filter's rows and
columns. This is the question's $*$: its own description ($w^1_1$ multiplied by $i_1$ to get
$o^1_1$, by $i_2$ to get $o^1_2$, and so on) puts the top-left weight on the top-left input of
each window, with no flip: for the first output, $u = v = \lit{0}$, the term with
$m = n = \lit{0}$ is $W_{0,0} X_{0,0} = w^1_1 i_1$. The book writes it with a five-pointed
star, $\star$, to keep the asterisk $\ast$ for the flipped operation below; the two symbols
look alike, so the table further down names each column.

In signal processing, a **convolution** turns the filter by half a turn first, so the entry
stored at the top left meets the bottom right of each window:

$$
(X \ast W)_{u,v} = \sum_{m} \sum_{n} W_{m,n}\, X_{u+M_W-1-m,\,v+N_W-1-n} .
\label{eq-convolution}
$$

The $M_W - \lit{1}$ keeps the output indices starting at zero as in \eqref{eq-correlation};
for the question's two-by-two filters it is $\lit{1}$. The two describe the same layer when
one kernel is the other turned by half a turn, $X \star W = X \ast \tilde W$ with
$\tilde W = \operatorname{rot}_{180}(W)$: a network that learns $\tilde W$ with
\eqref{eq-convolution} learns exactly what a network learns for $W$ with
\eqref{eq-correlation}, only stored upside down and back to front.

## Why a flipped-kernel article looks completely different {#flipped-kernels}

Write the question's network in the convolution convention. Its filters are the rotated ones,
written with a tilde,

$$
\tilde w^1 = \operatorname{rot}_{180}(w^1) = {{k1}}, \qquad
\tilde w^2 = \operatorname{rot}_{180}(w^2) = {{k2}}, \label{eq-rotated-filters}
$$

and convolving with them reproduces the same forward pass, $i \ast \tilde w^1 = {{article_o1}}$
and $o^2 = {{article_o2}}$. Write $\delta^1 = \partial C / \partial o^1$ for the gradient
that arrives at the first layer's output; it is the same in both conventions, since $o^1$ is.
Differentiating in the convolution convention gives formulas that, side by side with this
book's, swap where the rotation appears:

| | this book (cross-correlation) | flipped-kernel article (convolution) |
|---|---|---|
{{table_rows}}

Where one convention rotates, the other does not, and an index written $u + m$ in one is
$u + M_W - \lit{1} - m$ in the other: two correct derivations can share almost no visible
formula.

Tracked through the flips, the numbers agree. The article's filter gradient, computed from its
own formula,

$$
\frac{\partial C}{\partial \tilde w^1} = {{article_grad_k1}}
= \operatorname{rot}_{180} {{grad_w1}}
= \operatorname{rot}_{180}\left(\frac{\partial C}{\partial w^1}\right), \label{eq-grad-k1}
$$

holds the same four numbers as [this book's](grad-w1.md#all-four), in the rotated layout of
its kernel; likewise

$$
\frac{\partial C}{\partial \tilde w^2} = {{article_grad_k2}}
= \operatorname{rot}_{180} {{grad_w2}} , \label{eq-grad-k2}
$$

and the input gradient, which does not depend on how the kernel is stored, is identical:

$$
\frac{\partial C}{\partial i} = {{article_grad_input}} \label{eq-grad-input-conv}
$$

as [in the input-gradient chapter](grad-input.md#rot180). In either convention the update
of each weight is the same; what changes is only where the rotation is written. Whichever
article one reads, the first step is to find which of \eqref{eq-correlation} and
\eqref{eq-convolution} it uses.
"""


ROT = r"\operatorname{rot}_{180}"
TABLE = (
    ("forward", r"$o^1 = i \star w^1$", r"$o^1 = i \ast \tilde w^1$"),
    ("filter gradient", r"$\partial C / \partial w^1 = i \star \delta^1$",
     rf"$\partial C / \partial \tilde w^1 = {ROT}(i) \ast \delta^1$"),
    ("input gradient", rf"$\operatorname{{pad}}(\delta^1) \star {ROT}(w^1)$",
     r"$\operatorname{pad}(\delta^1) \star \tilde w^1$"),
)


def first_switch(rows: int, columns: int, letter: str, general: str, layer: str = "") -> str:
    """The question's running-numbered matrix beside the same matrix indexed from zero."""
    def grid(cell) -> str:
        body = r" \\ ".join(" & ".join(cell(a, c) for c in range(columns)) for a in range(rows))
        return rf"\begin{{pmatrix}}{body}\end{{pmatrix}}"
    return (grid(lambda a, c: f"{letter}{layer}_{{{a * columns + c + 1}}}") + " = "
            + grid(lambda a, c: f"{general}_{{{a},{c}}}"))


def build():
    n, f = example_numbers(), flipped_convention(I, W1, W2, TARGET)
    yield make_page(
        "seed/conventions.md", SOURCE, TEMPLATE,
        table_rows="\n".join("| " + " | ".join(row) + " |" for row in TABLE),
        mapping=first_switch(3, 3, "i", "X") + r", \qquad " + first_switch(2, 2, "w", "W", "^1"),
        index_base=base_sentence("seed/conventions.md"),
        k1=matrix(f.k1, key("k1")), k2=matrix(f.k2, key("k2")),
        article_o1=matrix(f.o1, key("article_o1")), article_o2=num(f.o2, key("article_o2")),
        article_grad_k1=matrix(f.grad_k1, key("article_grad_k1")),
        grad_w1=matrix(n.grad_w1, key("grad_w1")),
        article_grad_k2=matrix(f.grad_k2, key("article_grad_k2")),
        grad_w2=matrix(n.grad_w2, key("grad_w2")),
        article_grad_input=matrix(f.grad_input, key("article_grad_input")),
    )
