"""Page question.md: the question restated in its own notation, with a figure of the network."""

from __future__ import annotations

from derivations.figures.seed import network_figure
from derivations.mathematics.seed import example_numbers
from derivations.notation import base_sentence
from derivations.render.page import Asset, make_page
from derivations.render.printed_numbers import num
from derivations.render.seed_latex import key

SOURCE = "derivations/pages/question.py"
URL = "https://datascience.stackexchange.com/questions/81232/convolution-backpropagation"

TEMPLATE = r"""
# The question {#the-question}

This is a restatement, in our words, of
[“Convolution backpropagation”]({{url}}) on Data Science Stack Exchange (question with a
bounty). The asker understood backpropagation in fully connected networks and the forward
pass of a convolutional layer, but not its backward pass. The notation below is theirs.

{{index_base}}

## The network {#the-network}

![{{alt}}](figures/question-network.svg)

*The question's network, one layer per row: the first filter slides over the input to give the
map $o^1$, and the second filter covers all of $o^1$ to give the single output $o^2$.*

A three-by-three input, whose entries the question writes $i^1_1, \dots, i^1_9$ (row by row;
the superscript says "first layer", and the rest of this book drops it and writes
$i_1, \dots, i_9$), is convolved with a two-by-two filter $w^1$:

$$
\begin{pmatrix} i^1_1 & i^1_2 & i^1_3 \\ i^1_4 & i^1_5 & i^1_6 \\ i^1_7 & i^1_8 & i^1_9
\end{pmatrix} * \begin{pmatrix} w^1_1 & w^1_2 \\ w^1_3 & w^1_4 \end{pmatrix}
= \begin{pmatrix} o^1_1 & o^1_2 \\ o^1_3 & o^1_4 \end{pmatrix} \label{eq-layer-one}
$$

A second two-by-two filter $w^2$ is put on $o^1$, which leaves a single output $o^2_1$
(the book writes it $o^2$):

$$
\begin{pmatrix} o^1_1 & o^1_2 \\ o^1_3 & o^1_4 \end{pmatrix} *
\begin{pmatrix} w^2_1 & w^2_2 \\ w^2_3 & w^2_4 \end{pmatrix} = \begin{pmatrix} o^2_1
\end{pmatrix} \label{eq-layer-two}
$$

The question does not write the cost $C$ down, but the factor $\lit{2}(o^2_1 - y_1)$ in its
derivatives below is the derivative of the squared error against a target $y_1$, so the book
takes

$$
C = (o^2_1 - y_1)^{\lit{2}} , \label{eq-question-cost}
$$

and writes $y$ for $y_1$. The "$*$" is the operation
convolutional networks use: the filter slides over the input *without* being flipped, which
mathematicians call a cross-correlation ([more on that](seed/conventions.md)).

## What the asker derived {#what-the-asker-derived}

**For the second filter**, one link of the chain rule through the single output:

$$
\frac{\partial C}{\partial w^2_1} = \frac{\partial o^2}{\partial w^2_1}
\frac{\partial C}{\partial o^2} = o^1_1 \cdot \lit{2}(o^2_1 - y_1) \label{eq-asker-w2}
$$

**For the first filter**, the asker reasoned that $w^1_1$ was multiplied by $i^1_1$ to get
$o^1_1$, by $i^1_2$ to get $o^1_2$, by $i^1_4$ to get $o^1_3$ and by $i^1_5$ to get $o^1_4$,
and wrote

$$
\frac{\partial C}{\partial w^1_1} = \frac{\partial o^1}{\partial w^1_1}
\frac{\partial C}{\partial o^1} \label{eq-asker-chain}
$$

with the two factors taken as sums:

$$
\frac{\partial o^1}{\partial w^1_1} = i^1_1 + i^1_2 + i^1_4 + i^1_5 \label{eq-asker-do1}
$$

$$
\frac{\partial C}{\partial o^1} = w^2_1 \cdot \lit{2}(o^2_1 - y_1) + w^2_2 \cdot
\lit{2}(o^2_1 - y_1) + w^2_3 \cdot \lit{2}(o^2_1 - y_1) + w^2_4 \cdot \lit{2}(o^2_1 - y_1)
\label{eq-asker-dc}
$$

and then asked whether this is right, because an article they were reading seemed
"completely different".

## The short answer {#short-answer}

The gradient for $w^2$ in \eqref{eq-asker-w2} is right ([checked here](seed/grad-w2.md)).
The one for $w^1$ is a mistake. Read with vectors, \eqref{eq-asker-chain} is the chain rule,
and the four inputs in \eqref{eq-asker-do1} are exactly the right ones; but they are a
**vector**, one entry $\partial o^1_k / \partial w^1_1$ per output that $w^1_1$ touches, not
one number, and \eqref{eq-asker-dc} is likewise a vector with one entry
$\partial C / \partial o^1_k$ per output. The chain rule pairs them entry by entry and adds
the products (a sum of products); summing each list first and multiplying the two sums (a
product of sums) adds twelve more products, an input times a weight of $w^2$ that no path
through $w^1_1$ connects. On the book's example the chain rule gives
$\partial C / \partial w^1_1 = {{correct_w11}}$, which finite differences of the cost
confirm, and the question's formula gives ${{question_w11}}$. See
[the first filter's gradient](seed/grad-w1.md#the-mistake) for the numbers, and
[the conventions chapter](seed/conventions.md#flipped-kernels) for why the article looked so
different: it flips the filter (a convolution), where the question's $*$ does not (a
cross-correlation).
"""


def build():
    n = example_numbers()
    yield make_page(
        "question.md", SOURCE, TEMPLATE,
        index_base=base_sentence("question.md"), url=URL,
        alt="The network: input i, filter w¹, map o¹, filter w², output o²",
        correct_w11=num(n.grad_w1[0, 0], key("grad_w1", 0, 0)),
        question_w11=num(n.question_grad_w1[0, 0], key("question_grad_w1", 0, 0)),
    )
    yield Asset("figures/question-network.svg", network_figure())
