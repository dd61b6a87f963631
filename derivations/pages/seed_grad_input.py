"""Page seed/grad-input.md: ∂C/∂o¹ and the nine ∂C/∂i, by scattering and by rot180 correlation."""

from __future__ import annotations

from derivations.figures.seed import rot180_figure
from derivations.mathematics.seed import example_numbers, full_correlation_rot180, seed_symbols
from derivations.notation import base_sentence
from derivations.render.page import Asset, make_page
from derivations.render.printed_numbers import join, matrix, num
from derivations.render.seed_latex import entry, key, products, sum_latex

SOURCE = "derivations/pages/seed_grad_input.py"
WINDOW = [(0, 0), (0, 1), (1, 0), (1, 1)]

TEMPLATE = r"""
# The input gradient {#grad-input}

The question stops at the weights, but a network with a layer before this one needs
$\partial C / \partial i$ as well: it is what the earlier layer receives as its own
$\partial C / \partial o$. It is computed from the same ingredients, and it shows where the
familiar "rotate the kernel by half a turn" comes from.

{{index_base}}

## The gradient at the first layer's outputs {#grad-o1}

Each $o^1_k$ reaches the cost only through $o^2$, where it is multiplied by $w^2_k$, so
$\partial C / \partial o^1_k = w^2_k \cdot \lit{2}(o^2 - y)$. This gradient at the first
layer's outputs comes up again and again, so it gets a name:
$\delta^1 = \partial C / \partial o^1$, with entries $\delta^1_k = \partial C / \partial o^1_k$
(the Greek $\delta$ for "the gradient that arrives at a layer's output", the superscript for
the layer, as in $o^1$). On the example,

$$
\delta^1 = \frac{\partial C}{\partial o^1} = {{grad_o2}} \cdot {{w2}} = {{grad_o1}} .
\label{eq-grad-o1}
$$

## Scatter: each output sends its gradient back {#scatter}

In the forward pass, output $o^1_k$ gathered four inputs, each times a weight of $w^1$. Going
backwards, it hands each of those inputs its own gradient times the same weight: output
$o^1_k$ adds $\partial C / \partial o^1_k \cdot w^1$ onto its window of the input. The four
contributions, each a three-by-three array with zeros outside the window, are

$$
\begin{array}{l}
{{scatter_lines}}
\end{array} \label{eq-scatter}
$$

and their sum is the input gradient:

$$
\frac{\partial C}{\partial i} = {{grad_input}} . \label{eq-grad-input}
$$

In symbols (sympy), an input gets one term from every output whose window covers it:
a corner input such as $i_1$ only one, the centre $i_5$ four:

$$
\frac{\partial C}{\partial i_1} = \lit{2}(o^2 - y)\, {{gi1}}, \qquad
\frac{\partial C}{\partial i_5} = \lit{2}(o^2 - y)\,({{gi5}}) . \label{eq-grad-input-symbolic}
$$

## The same numbers as a full correlation with the rotated kernel {#rot180}

![{{alt}}](figures/rot180.svg)

*The padded $\delta^1 = \partial C / \partial o^1$, the rotated filter, and the input
gradient they give: the shaded window times the rotated filter, entry by entry, summed, is the
entry outlined in bold, $\partial C / \partial i_1 = \delta^1_1 w^1_1$.*

The scatter can be turned around into a gather, one input at a time. Surround
$\partial C / \partial o^1$ with a border of zeros one entry wide (the filter's size minus
one; the zeros stand for outputs that do not exist, so a corner input gathers from one output
only), turn $w^1$ by half a turn (reverse its rows and its columns), and slide it over the
padded array exactly as in the forward pass (the cross-correlation $\star$ of
[the forward pass](forward-pass.md#first-layer)): each position collects precisely the terms
that one input received by scattering. Why rotated: in the window that gathers for an input,
the top-left entry belongs to the output whose window had that input in its *bottom-right*
corner, where it met the bottom-right weight, and the bottom-right entry to the output whose
window had it in its *top-left* corner, where it met the top-left weight. The weights must be
read backwards in both directions. On the example,

$$
\operatorname{pad}\left(\frac{\partial C}{\partial o^1}\right) = {{padded}}, \qquad
\operatorname{rot}_{180}(w^1) = {{w1_rot}}, \label{eq-pad-rot}
$$

and sliding the second over the first gives

$$
\operatorname{pad}\left(\frac{\partial C}{\partial o^1}\right) \star
\operatorname{rot}_{180}(w^1) = {{gather}} , \label{eq-rot180}
$$

the same nine numbers as \eqref{eq-grad-input}. The first of them, written out, is
${{corner_products}} = {{corner}}$. Both routes are checked against an exact central
difference of the cost in each input when the book is built. Next:
[why an article that flips kernels looks different](conventions.md).
"""


def build():
    n, s = example_numbers(), seed_symbols()
    scatter_lines = join(
        (rf"o^1_{{{2 * p + q + 1}}}: \quad " + entry(n.grad_o1, "grad_o1", p, q, signed=False)
         + r" \cdot " + matrix(n.w1, key("w1")) + r" \;\to\; "
         + matrix(n.scatter[p, q], key("scatter") + f"[{p},{q}]")
         for p, q in WINDOW),
        r" \\" + "\n")
    gather = full_correlation_rot180(n.grad_o1, n.w1)
    corner = products(
        (entry(n.grad_o1_padded, "grad_o1_padded", m, c), entry(n.w1_rot180, "w1_rot180", m, c))
        for m in range(2) for c in range(2))
    yield make_page(
        "seed/grad-input.md", SOURCE, TEMPLATE,
        index_base=base_sentence("seed/grad-input.md"),
        grad_o2=num(n.grad_o2, key("grad_o2")), w2=matrix(n.w2, key("w2")),
        grad_o1=matrix(n.grad_o1, key("grad_o1")), scatter_lines=scatter_lines,
        grad_input=matrix(n.grad_input, key("grad_input")),
        gi1=sum_latex(s.grad_input_bracket[0, 0]), gi5=sum_latex(s.grad_input_bracket[1, 1]),
        alt="The padded gradient, the rotated kernel, and the input gradient they give",
        padded=matrix(n.grad_o1_padded, key("grad_o1_padded")),
        w1_rot=matrix(n.w1_rot180, key("w1_rot180")),
        gather=matrix(gather, key("grad_input")),
        corner_products=corner, corner=num(gather[0, 0], key("grad_input", 0, 0)),
    )
    yield Asset("seed/figures/rot180.svg", rot180_figure())
