"""Page seed/conventions.md: cross-correlation vs convolution, and the flipped-kernel article."""

from __future__ import annotations

from derivations.examples.seed import W1, W2, I, Y
from derivations.mathematics.seed import example_numbers, flipped_convention
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
stored. For a two-by-two filter that is a **cross-correlation**:

$$
(i \star w)_{p,q} = \sum_{m} \sum_{n} w_{m,n}\, i_{p+m,\,q+n} . \label{eq-correlation}
$$

Here $p$ and $q$ pick the output entry, and $m$ and $n$ run over the filter's rows and
columns, counted from zero. This is the question's $*$: its own description ($w^1_1$
multiplied by $i_1$ to get $o^1_1$, by $i_2$ to get $o^1_2$, and so on) puts the top-left
weight on the top-left input of each window, with no flip. The book writes it with a
five-pointed star, $\star$, to keep the asterisk $\ast$ for the flipped operation below; the
two symbols look alike, so the table further down names each column.

In signal processing, a **convolution** turns the filter by half a turn first, so the entry
stored at the top left meets the bottom right of each window:

$$
(i \ast k)_{p,q} = \sum_{m} \sum_{n} k_{m,n}\, i_{p+\lit{1}-m,\,q+\lit{1}-n} .
\label{eq-convolution}
$$

The $\lit{1}$ is the filter's size minus one, which keeps the output indices starting at zero
as in \eqref{eq-correlation}; for a $K$-by-$K$ filter the row index is $p + K - \lit{1} - m$.

The two describe the same layer when $k = \operatorname{rot}_{180}(w)$: a network that learns
$k$ with \eqref{eq-convolution} learns exactly what a network learns for $w$ with
\eqref{eq-correlation}, only stored upside down and back to front.

## Why a flipped-kernel article looks completely different {#flipped-kernels}

Write the question's network in the convolution convention. Its filters are the rotated ones,

$$
k^1 = \operatorname{rot}_{180}(w^1) = {{k1}}, \qquad
k^2 = \operatorname{rot}_{180}(w^2) = {{k2}}, \label{eq-rotated-filters}
$$

and convolving with them reproduces the same forward pass, $i \ast k^1 = {{article_o1}}$ and
$o^2 = {{article_o2}}$. Differentiating in that convention gives formulas that, side by side
with this book's, swap where the rotation appears:

| | this book (cross-correlation) | flipped-kernel article (convolution) |
|---|---|---|
{{table_rows}}

where $\delta = \partial C / \partial o^1$ in both. Where one convention rotates, the other
does not, and an index written $p + m$ in one is $p + \lit{1} - m$ in the other: two correct
derivations can share almost no visible formula.

Tracked through the flips, the numbers agree. The article's filter gradient, computed from its
own formula,

$$
\frac{\partial C}{\partial k^1} = {{article_grad_k1}}
= \operatorname{rot}_{180} {{grad_w1}}
= \operatorname{rot}_{180}\left(\frac{\partial C}{\partial w^1}\right), \label{eq-grad-k1}
$$

holds the same four numbers as [this book's](grad-w1.md#all-four), in the rotated layout of
its kernel; likewise

$$
\frac{\partial C}{\partial k^2} = {{article_grad_k2}}
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
    ("forward", r"$o^1 = i \star w^1$", r"$o^1 = i \ast k^1$"),
    ("filter gradient", r"$\partial C / \partial w^1 = i \star \delta$",
     rf"$\partial C / \partial k^1 = {ROT}(i) \ast \delta$"),
    ("input gradient", rf"$\operatorname{{pad}}(\delta) \star {ROT}(w^1)$",
     r"$\operatorname{pad}(\delta) \star k^1$"),
)


def build():
    n, f = example_numbers(), flipped_convention(I, W1, W2, Y)
    yield make_page(
        "seed/conventions.md", SOURCE, TEMPLATE,
        table_rows="\n".join("| " + " | ".join(row) + " |" for row in TABLE),
        k1=matrix(f.k1, key("k1")), k2=matrix(f.k2, key("k2")),
        article_o1=matrix(f.o1, key("article_o1")), article_o2=num(f.o2, key("article_o2")),
        article_grad_k1=matrix(f.grad_k1, key("article_grad_k1")),
        grad_w1=matrix(n.grad_w1, key("grad_w1")),
        article_grad_k2=matrix(f.grad_k2, key("article_grad_k2")),
        grad_w2=matrix(n.grad_w2, key("grad_w2")),
        article_grad_input=matrix(f.grad_input, key("article_grad_input")),
    )
