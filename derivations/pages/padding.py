"""Page general/padding.md: full correlation with the rotated kernel, then crop the padding."""

from __future__ import annotations

from derivations.figures import padding as chapter_figures
from derivations.mathematics import padding as pd
from derivations.mathematics.general_layer import symbolic_layer
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

## The derivation {#padding-derivation}

Write $X^{\text{pad}}$ for the padded input: $X^{\text{pad}}_{r,c} = X_{r-p,\,c-p}$ where that
index lies inside $X$, and zero elsewhere. The layer is a stride-one layer on $X^{\text{pad}}$:

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

of size $(H + \lit{2}p) \times (W_X + \lit{2}p)$. Each real input $X_{a,c}$ appears exactly
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
$k_H - \lit{1}$ and then cropping $p$ is the same as padding $\delta$ by only
$k_H - \lit{1} - p$ in the first place (when $p \le k_H - \lit{1}$, the usual case), which is
how implementations save the work.

## Worked example {#padding-example}

A {{x_shape}} input, a {{w_shape}} kernel and padding $p = {{p}}$, so the output has the
input's size:

$$
X = {{x}}, \qquad X^{\text{pad}} = {{x_pad}},
$$

$$
W = {{w}}, \qquad \delta = {{delta}} .
$$

The forward pass \eqref{eq-padding-forward} gives $Y = {{y}}$.

**Weight gradient** \eqref{eq-padding-weight}: $\delta$ over $X^{\text{pad}}$. Products with a
padding zero are left out; the corner weights meet the padding most often:

$$
\begin{align*}
{{grad_w_sums}}
\end{align*}
$$

$$
\frac{\partial C}{\partial W} = {{grad_w}} .
$$

**Input gradient.** The full correlation \eqref{eq-padding-padded} gives one entry per cell of
the padded input, a {{padded_shape}} array; crop {{p_text}} row and column from every side:

$$
\frac{\partial C}{\partial X^{\text{pad}}} = {{grad_x_pad}}, \qquad \frac{\partial C}{\partial X} =
{{grad_x}} .
$$

![The full correlation covers the padded input; the border is cropped](figures/padding-crop.svg)

*Grey: the border that belongs to padding cells and is cropped. Green, outlined: the gradient
of the real input.*

Checked entry by entry with the scatter form, the corner input $X_{0,0}$ sits in the windows
that start at or before it; with padding these are the windows whose kernel position
$(\,a + p - i,\; c + p - j\,)$ lies inside the kernel. Term by term, in the same order:

$$
\begin{align*}
\frac{\partial C}{\partial X_{0,0}} &= {{corner_symbolic}} \\
&= {{corner_sum}} = {{corner_value}} .
\end{align*}
$$

The symbolic form is sympy's derivative of $C = \sum_{i,j} \delta_{i,j} Y_{i,j}$ with the
padding written as zeros: the terms that would pair $X_{0,0}$ with a padding cell never appear.
"""


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
        p=num(e.padding, f"{P}.p"), p_text=text_num(e.padding, f"{P}.p"),
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
