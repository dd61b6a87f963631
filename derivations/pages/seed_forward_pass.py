"""Page seed/forward-pass.md: each o¹ₖ and o², symbolically (sympy) and with the numbers."""

from __future__ import annotations

from derivations.mathematics.seed import example_numbers, seed_symbols
from derivations.notation import base_sentence
from derivations.render.page import make_page
from derivations.render.printed_numbers import join, matrix, num
from derivations.render.seed_latex import entry, key, products, sum_latex

SOURCE = "derivations/pages/seed_forward_pass.py"
WINDOW = [(0, 0), (0, 1), (1, 0), (1, 1)]

TEMPLATE = r"""
# The forward pass {#forward-pass}

Before differentiating anything, we write out what the network computes, once with symbols
in the question's notation and once with the book's example. Every expression below is
produced by sympy from the definition of the layer, and every number by Python.

{{index_base}}

## The first layer {#first-layer}

The filter $w^1$ is placed on each two-by-two window of the input in turn, left to right
and top to bottom, and each output entry is the sum of the products of the entries that lie
on top of each other (no flipping: see [conventions](conventions.md)):

$$
\begin{array}{l}
{{o1_symbolic}}
\end{array} \label{eq-first-layer}
$$

Each $o^1_k$ is a **sum of four products**, and each weight $w^1_j$ appears in all four of
them, each time next to a different input. That observation is the whole key to
[the first filter's gradient](grad-w1.md).

The book writes this sliding sum of products $o^1 = i \star w^1$, with a five-pointed star
$\star$ where the question writes $*$: the asterisk $\ast$ is kept for the flipped
operation of [the conventions chapter](conventions.md#correlation-vs-convolution).

## The example {#the-example}

The book uses one example throughout, small enough to check by hand:

$$
i = {{i}}, \qquad w^1 = {{w1}}, \qquad w^2 = {{w2}}, \qquad y = {{y}} . \label{eq-example}
$$

With these numbers the four sums of products are

$$
\begin{array}{l}
{{o1_numeric}}
\end{array} \label{eq-first-layer-numbers}
$$

that is, $o^1 = {{o1}}$.

## The second layer and the cost {#second-layer}

The second filter covers all of $o^1$ at once, so there is one window and one output:

$$
o^2 = {{o2_symbolic}} = {{o2_products}} = {{o2}} \label{eq-second-layer}
$$

and the cost is

$$
C = (o^2 - y)^{\lit{2}} = ({{o2}} - {{y_signed}})^{\lit{2}} = {{cost}} . \label{eq-cost}
$$

Next: [the second filter's gradient](grad-w2.md).
"""


def build():
    n, s = example_numbers(), seed_symbols()
    o1_symbolic = join(
        (rf"o^1_{{{k + 1}}} = " + sum_latex(s.o1[k]) for k in range(4)), r" \\" + "\n")
    o1_numeric = join(
        (rf"o^1_{{{2 * p + q + 1}}} = "
         + products((entry(n.input, "input", p + m, q + c), entry(n.w1, "w1", m, c))
                    for m, c in WINDOW)
         + " = " + entry(n.o1, "o1", p, q, signed=False)
         for p, q in WINDOW),
        r" \\" + "\n")
    o2_products = products((entry(n.w2, "w2", p, q), entry(n.o1, "o1", p, q))
                           for p, q in WINDOW)
    yield make_page(
        "seed/forward-pass.md", SOURCE, TEMPLATE,
        index_base=base_sentence("seed/forward-pass.md"),
        o1_symbolic=o1_symbolic, o1_numeric=o1_numeric,
        i=matrix(n.input, key("input")), w1=matrix(n.w1, key("w1")),
        w2=matrix(n.w2, key("w2")), y=num(n.y, key("y")), o1=matrix(n.o1, key("o1")),
        o2_symbolic=sum_latex(s.o2), o2_products=o2_products, o2=num(n.o2, key("o2")),
        y_signed=entry(n.y, "y"), cost=num(n.cost, key("cost")),
    )
