"""Page general/padding.md: full correlation with the rotated kernel, then crop the padding."""

from __future__ import annotations

from derivations.figures import padding as chapter_figures
from derivations.mathematics import padding as pd
from derivations.mathematics.general_layer import symbolic_layer
from derivations.notation import base_sentence
from derivations.render.general_latex import products, subscript, symbolic_latex, symbolic_terms
from derivations.render.page import make_page
from derivations.render.printed_numbers import join, matrix, num, num_signed, shape_text, text_num

SOURCE = "derivations/pages/padding.py"
P = "padding"

TEMPLATE = r"""
# Padding {#padding}

Padding $p$ surrounds the input with $p$ rows and columns of zeros before the kernel slides,
usually so that the output keeps the input's size. For the backward pass the rule is short:
**treat the padded input as the layer's input, use the rules of
[the general layer](layer.md#general-layer), then crop the padding off the input gradient.**

{{index_base}}

## The derivation {#padding-derivation}

Write $X^{\text{pad}}$ for the padded input: $X^{\text{pad}}_{a,c} = X_{a-p,\,c-p}$ where that
index lies inside $X$, and zero elsewhere (so $X^{\text{pad}}$ is counted from zero at its own
top-left corner, a padding zero). The layer is a stride-one layer on $X^{\text{pad}}$:

$$
Y = X^{\text{pad}} \star W + b . \label{eq-padding-forward}
$$

So [the weight gradient](layer.md#weight-gradient) is unchanged, with $X^{\text{pad}}$ in
place of $X$:

$$
\frac{\partial C}{\partial W} = X^{\text{pad}} \star \delta . \label{eq-padding-weight}
$$

The padding zeros multiply $\delta$ like any other entry, but they contribute nothing to the
sums. For the input, [the general rule](layer.md#input-gradient) gives the gradient with
respect to every cell of the padded array,

$$
\frac{\partial C}{\partial X^{\text{pad}}} = \delta \star_{\text{full}} \operatorname{rot}_{180}(W)
, \label{eq-padding-padded}
$$

of size $(M_X + \lit{2}p) \times (N_X + \lit{2}p)$. Each real input $X_{a,c}$ appears exactly
once in $X^{\text{pad}}$, at $(a + p,\, c + p)$, with coefficient one; the padding cells are
constants, not inputs of anything. The chain rule through $X^{\text{pad}}_{a+p,c+p} = X_{a,c}$
therefore just picks out the inner block:

$$
\frac{\partial C}{\partial X_{a,c}} = \frac{\partial C}{\partial X^{\text{pad}}_{a+p,\,c+p}},
\qquad \frac{\partial C}{\partial X} = \operatorname{crop}_p\!\left( \delta \star_{\text{full}}
\operatorname{rot}_{180}(W) \right) . \label{eq-padding-input}
$$

The cropped border holds real numbers (how the cost would change if the padding zeros were
changed), but nothing can change them, so they are thrown away. Padding $\delta$ by
$M_W - \lit{1}$ and then cropping $p$ is the same as padding $\delta$ by only
$M_W - \lit{1} - p$ in the first place (when $p \le M_W - \lit{1}$, the usual case), which is
how implementations save the work.

## Worked example {#padding-example}

A {{x_shape}} input, a {{w_shape}} kernel and padding $p = {{p}}$, so the output has the
input's size:

$$
X = {{x}}, \qquad X^{\text{pad}} = {{x_pad}}, \label{eq-padding-example-input}
$$

$$
W = {{w}}, \qquad \delta = {{delta}} . \label{eq-padding-example-kernel}
$$

The forward pass \eqref{eq-padding-forward} gives $Y = {{y}}$.

**Weight gradient** \eqref{eq-padding-weight}: $\delta$ over $X^{\text{pad}}$. Products with a
padding zero are left out, so a weight keeps only the products whose input is real:
{{kept_sentence}}.

$$
\begin{align*}
{{grad_w_sums}}
\end{align*} \label{eq-padding-grad-w-sums}
$$

$$
\frac{\partial C}{\partial W} = {{grad_w}} . \label{eq-padding-grad-w}
$$

**Input gradient.** The full correlation \eqref{eq-padding-padded} gives one entry per cell of
the padded input, a {{padded_shape}} array; crop {{p_rows}} from every side:

$$
\frac{\partial C}{\partial X^{\text{pad}}} = {{grad_x_pad}}, \qquad \frac{\partial C}{\partial X} =
{{grad_x}} . \label{eq-padding-grad-x}
$$

![The full correlation covers the padded input; the border is cropped](figures/padding-crop.svg)

*Grey: the border that belongs to padding cells and is cropped. Green, outlined: the gradient
of the real input.*

Checked entry by entry with the scatter form, the corner input $X_{0,0}$ sits in the windows
that start at or before it; with padding these are the windows $(u, v)$ whose kernel position
$(\,a + p - u,\; c + p - v\,)$ lies inside the kernel. Term by term, in the same order:

$$
\begin{align*}
\frac{\partial C}{\partial X_{0,0}} &= {{corner_symbolic}} \\
&= {{corner_sum}} = {{corner_value}} .
\end{align*} \label{eq-padding-corner}
$$

The symbolic form is sympy's derivative of $C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ (the cost whose
$\partial C / \partial Y$ is $\delta$) with the padding written as zeros: the terms that would
pair $X_{0,0}$ with a padding cell never appear.
"""


def _kept(e: pd.PaddingExample, m: int, n: int) -> int:
    """How many of δ's entries meet a real input (not a padding zero) through weight (m, n)."""
    height, width = e.x.shape
    p = e.padding
    return sum(1 for u in range(e.delta.shape[0]) for v in range(e.delta.shape[1])
               if p <= u + m < p + height and p <= v + n < p + width)


def _kept_sentence(e: pd.PaddingExample):
    """The fewest and the most products a weight keeps, read off the example, not typed."""
    counts = {(m, n): _kept(e, m, n) for m in range(e.w.shape[0]) for n in range(e.w.shape[1])}
    fewest, most = min(counts, key=counts.get), max(counts, key=counts.get)
    return (rf"$W_{{{fewest[0]},{fewest[1]}}}$, {_where(e, *fewest)}, keeps "
            + text_num(counts[fewest], f"{P}.kept[{fewest[0]},{fewest[1]}]")
            + " of its " + text_num(e.delta.size, f"{P}.delta_size")
            + rf", $W_{{{most[0]},{most[1]}}}$, {_where(e, *most)}, keeps "
            + text_num(counts[most], f"{P}.kept[{most[0]},{most[1]}]"))


def _where(e: pd.PaddingExample, m: int, n: int) -> str:
    on_row_edge, on_col_edge = m in (0, e.w.shape[0] - 1), n in (0, e.w.shape[1] - 1)
    if on_row_edge and on_col_edge:
        return "in a corner of the kernel"
    if on_row_edge or on_col_edge:
        return "on an edge of the kernel"
    return "inside the kernel"


def _grad_w_sums(e: pd.PaddingExample):
    lines = []
    p = e.padding
    height, width = e.x.shape
    for m in range(e.w.shape[0]):
        for n in range(e.w.shape[1]):
            pairs = [
                (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"),
                 num_signed(e.x_padded[i + m, j + n], f"{P}.x_pad[{i + m},{j + n}]"))
                for i in range(e.delta.shape[0]) for j in range(e.delta.shape[1])
                if p <= i + m < p + height and p <= j + n < p + width
            ]
            lines.append(rf"\frac{{\partial C}}{{\partial W_{{{m},{n}}}}} &= " + products(pairs)
                         + " = " + num(e.grad_weight[m, n], f"{P}.grad_w[{m},{n}]"))
    return join(lines, " \\\\\n")


def build():
    e = pd.example()
    symbolic = symbolic_layer(e.x.shape, e.w.shape, padding=e.padding)
    corner_expression = symbolic.input_entry(0, 0)
    # the numbers follow sympy's terms one for one, so the two lines of the equation align
    corner_terms = [(subscript(d), subscript(w)) for d, w in symbolic_terms(corner_expression)]
    corner = products(
        (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"), num_signed(e.w[m, n], f"{P}.w[{m},{n}]"))
        for (i, j), (m, n) in corner_terms
    )
    yield make_page(
        "general/padding.md", SOURCE, TEMPLATE,
        x_shape=shape_text(e.x.shape, f"{P}.x_shape"),
        w_shape=shape_text(e.w.shape, f"{P}.w_shape"),
        index_base=base_sentence("general/padding.md"),
        kept_sentence=_kept_sentence(e),
        p=num(e.padding, f"{P}.p"),
        p_rows=text_num(e.padding, f"{P}.p")
        + (" row and column" if e.padding == 1 else " rows and columns"),
        x=matrix(e.x, f"{P}.x"), x_pad=matrix(e.x_padded, f"{P}.x_pad"),
        w=matrix(e.w, f"{P}.w"), delta=matrix(e.delta, f"{P}.delta"), y=matrix(e.y, f"{P}.y"),
        grad_w_sums=_grad_w_sums(e), grad_w=matrix(e.grad_weight, f"{P}.grad_w"),
        padded_shape=shape_text(e.grad_input_padded.shape, f"{P}.padded_shape"),
        grad_x_pad=matrix(e.grad_input_padded, f"{P}.grad_x_pad"),
        grad_x=matrix(e.grad_input, f"{P}.grad_x"),
        corner_symbolic=symbolic_latex(corner_expression), corner_sum=corner,
        corner_value=num(e.grad_input[0, 0], f"{P}.grad_x[0,0]"),
    )
    yield chapter_figures.figure(e)
