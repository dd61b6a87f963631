"""Page seed/grad-w2.md: the asker's ∂C/∂w² confirmed, all four entries."""

from __future__ import annotations

from derivations.mathematics.seed import example_numbers, seed_symbols
from derivations.notation import base_sentence
from derivations.render.page import make_page
from derivations.render.printed_numbers import join, matrix, num
from derivations.render.seed_latex import entry, key, sum_latex

SOURCE = "derivations/pages/seed_grad_w2.py"
WINDOW = [(0, 0), (0, 1), (1, 0), (1, 1)]

TEMPLATE = r"""
# The second filter's gradient {#grad-w2}

The asker's result for the second filter is right, and this page shows why, for all four of
its weights.

{{index_base}}

## One path from each weight to the cost {#one-path}

The cost depends on $w^2_1$ only through the single output $o^2$, and $o^2$ is a plain sum of
products, $o^2 = {{o2_symbolic}}$ (see [the forward pass](forward-pass.md)). So the chain rule
has exactly one term:

$$
\frac{\partial C}{\partial w^2_1} = \frac{\partial o^2}{\partial w^2_1}
\frac{\partial C}{\partial o^2} \label{eq-chain-w2}
$$

The first factor is the number $w^2_1$ is multiplied by, $o^1_1$; the second is the
derivative of the square, $\partial C / \partial o^2 = {{grad_o2_symbolic}}$. sympy gives,
for the four weights,

$$
\begin{array}{l}
{{grad_w2_symbolic}}
\end{array} \label{eq-grad-w2}
$$

which is the question's $o^1_1 \cdot \lit{2}(o^2_1 - y_1)$ for the first weight.

## With the example's numbers {#numbers}

In the example $o^2 = {{o2}}$ and $y = {{y}}$, so
$\partial C / \partial o^2 = \lit{2}({{o2}} - {{y_signed}}) = {{grad_o2}}$, and

$$
\begin{array}{l}
{{grad_w2_numeric}}
\end{array} \label{eq-grad-w2-numbers}
$$

or, as a matrix laid out like $w^2$,

$$
\frac{\partial C}{\partial w^2} = {{grad_o2}} \cdot {{o1}} = {{grad_w2}} .
\label{eq-grad-w2-matrix}
$$

These numbers are checked by an exact central difference of the cost in each weight when the
book is built. Next: [the first filter](grad-w1.md), where the asker's reasoning goes wrong.
"""


def build():
    n, s = example_numbers(), seed_symbols()
    grad_w2_symbolic = join(
        (rf"\dfrac{{\partial C}}{{\partial w^2_{{{k + 1}}}}} = o^1_{{{k + 1}}} \cdot "
         r"\lit{2}(o^2 - y)" for k in range(4)), r" \\" + "\n")
    # The printed form above is checked against sympy's derivative in tests/test_seed.py.
    grad_w2_numeric = join(
        (rf"\dfrac{{\partial C}}{{\partial w^2_{{{2 * p + q + 1}}}}} = "
         + entry(n.o1, "o1", p, q) + r" \cdot " + entry(n.grad_o2, "grad_o2") + " = "
         + entry(n.grad_w2, "grad_w2", p, q, signed=False) for p, q in WINDOW),
        r" \\" + "\n")
    yield make_page(
        "seed/grad-w2.md", SOURCE, TEMPLATE,
        index_base=base_sentence("seed/grad-w2.md"),
        # the printed 2(o² − y) is sympy's ∂C/∂o² (tests/test_seed.py)
        o2_symbolic=sum_latex(s.o2), grad_o2_symbolic=r"\lit{2}(o^2 - y)",
        grad_w2_symbolic=grad_w2_symbolic, o2=num(n.o2, key("o2")), y=num(n.y, key("y")),
        y_signed=entry(n.y, "y"), grad_o2=num(n.grad_o2, key("grad_o2")),
        grad_w2_numeric=grad_w2_numeric, o1=matrix(n.o1, key("o1")),
        grad_w2=matrix(n.grad_w2, key("grad_w2")),
    )
