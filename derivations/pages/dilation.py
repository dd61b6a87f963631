"""Page general/dilation.md: spread taps, gapped sampling of X, the dilated rotated kernel."""

from __future__ import annotations

from derivations.figures import dilation as chapter_figures
from derivations.mathematics import dilation as dl
from derivations.mathematics.general_layer import symbolic_layer
from derivations.notation import base_sentence
from derivations.render.general_latex import products, symbolic_latex
from derivations.render.page import make_page
from derivations.render.printed_numbers import join, matrix, num, num_signed, shape_text, text_num

SOURCE = "derivations/pages/dilation.py"
P = "dilation"

TEMPLATE = r"""
# Dilation {#dilation}

Dilation $d$ spreads the kernel's taps out: neighbouring taps touch input entries $d$ apart,
so a kernel of $M_W$ rows spans $d(M_W - \lit{1}) + \lit{1}$ rows of the input without using
more weights. Each window still moves by one (stride and dilation combine, but are separate
ideas).

{{index_base}}

Forward:

$$
Y_{u,v} = b + \sum_{m=0}^{M_W-1} \sum_{n=0}^{N_W-1} W_{m,n} \, X_{u + d m,\, v + d n} = X \star
W^{(d)} + b , \label{eq-dilation-forward}
$$

where $W^{(d)}$ is the kernel with $d - \lit{1}$ zeros inserted between neighbouring taps.

## The weight gradient samples the input with gaps {#dilation-weight-gradient}

Only the term with the fixed weight survives, as in
[the general layer](layer.md#weight-gradient):

$$
\frac{\partial C}{\partial W_{m,n}} = \sum_{u} \sum_{v} \delta_{u,v} \, X_{u + d m,\, v + d n} = (X
\star \delta)_{d m,\, d n} . \label{eq-dilation-weight}
$$

$\delta$ is laid over $X$ as a contiguous block (the windows still step by one), but only at
offsets that are multiples of $d$: the offsets in between belong to the zeros of $W^{(d)}$,
which are not weights.

## The input gradient uses the dilated, rotated kernel {#dilation-input-gradient}

Since the forward pass is the stride-one layer with kernel $W^{(d)}$, the
[input rule](layer.md#input-gradient) applies with that kernel:

$$
\frac{\partial C}{\partial X} = \delta \star_{\text{full}}
\operatorname{rot}_{180}\!\left(W^{(d)}\right) , \label{eq-dilation-input}
$$

with $\delta$ padded by $d(M_W - \lit{1})$ rows and $d(N_W - \lit{1})$ columns of zeros.
Rotating and dilating commute: $\operatorname{rot}_{180}(W^{(d)})$ is the rotated kernel with
the same gaps. In index form, $X_{a,c}$ meets weight $W_{m,n}$ in window $(u, v)$ when
$a = u + d m$ and $c = v + d n$, so only kernel positions a multiple of $d$ away contribute.

## Worked example {#dilation-example}

A {{x_shape}} input, a {{w_shape}} kernel, dilation $d = {{d}}$:

$$
X = {{x}}, \qquad W = {{w}}, \qquad W^{(d)} = {{w_dil}}, \label{eq-dilation-example}
$$

$$
\delta = {{delta}} . \label{eq-dilation-example-delta}
$$

The dilated kernel spans {{span}}, so the output is {{y_shape}}: $Y = {{y}}$.

**Weight gradient.** $\delta$ over $X$ at every offset gives

$$
X \star \delta = {{x_star_delta}} , \label{eq-dilation-correlation}
$$

and the weight gradient keeps the offsets $(d m, d n)$. sympy, differentiating
$C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ (the cost whose $\partial C / \partial Y$ is $\delta$)
for these sizes, shows the gaps: the weight in the first row, second column meets a block of
$X$ that starts $d$ columns in,

$$
\begin{align*}
\frac{\partial C}{\partial W_{0,1}} &= {{sym_w01}} .
\end{align*} \label{eq-dilation-sympy}
$$

Written out with the numbers, every weight and the input entries it samples:

$$
\begin{align*}
{{grad_w_sums}}
\end{align*} \label{eq-dilation-grad-w-sums}
$$

$$
\frac{\partial C}{\partial W} = {{grad_w}} . \label{eq-dilation-grad-w}
$$

![The weight gradient samples the input with gaps](figures/dilation-weight-gradient.svg)

*For one weight, the input entries paired with δ (blue) form a block; the next weight's block
starts d columns to the right.*

**Input gradient.** The rotated dilated kernel slides over $\delta$ padded with
{{pad_text}} zeros on every side:

$$
\operatorname{rot}_{180}\!\left(W^{(d)}\right) = {{w_dil_rot}}, \qquad \frac{\partial C}{\partial
X} = {{grad_x}} . \label{eq-dilation-grad-x}
$$

![The rotated dilated kernel over the padded delta](figures/dilation-input-gradient.svg)

*Yellow: the kernel's taps; the white cells between them are the inserted zeros.*

One entry written out. $X_{ {{a}},{{c}} }$ is reached from window $(u, v)$ only through the
weight with $a = u + d m$ and $c = v + d n$: each window contributes at most one term, and only
windows whose start is a multiple of $d$ away from the entry contribute at all:

$$
\frac{\partial C}{\partial X_{{{a}},{{c}}}} = {{entry_sum}} = {{entry_value}} .
\label{eq-dilation-entry}
$$
"""


def _grad_w_sums(e: dl.DilationExample):
    lines = []
    d = e.dilation
    for m in range(e.w.shape[0]):
        for n in range(e.w.shape[1]):
            pairs = [
                (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"),
                 num_signed(e.x[i + d * m, j + d * n], f"{P}.x[{i + d * m},{j + d * n}]"))
                for i in range(e.delta.shape[0]) for j in range(e.delta.shape[1])
            ]
            lines.append(rf"\frac{{\partial C}}{{\partial W_{{{m},{n}}}}} &= " + products(pairs)
                         + " = " + num(e.grad_weight[m, n], f"{P}.grad_w[{m},{n}]"))
    return join(lines, " \\\\\n")


def _entry_terms(e: dl.DilationExample, a: int, c: int):
    d = e.dilation
    return [
        (i, j, (a - i) // d, (c - j) // d)
        for i in range(e.delta.shape[0]) for j in range(e.delta.shape[1])
        if (a - i) % d == 0 and (c - j) % d == 0
        and 0 <= (a - i) // d < e.w.shape[0] and 0 <= (c - j) // d < e.w.shape[1]
    ]


def build():
    e = dl.example()
    a, c = 2, 2  # the middle entry: reached by the most (window, tap) pairs
    entry = products(
        (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"), num_signed(e.w[m, n], f"{P}.w[{m},{n}]"))
        for i, j, m, n in _entry_terms(e, a, c)
    )
    symbolic = symbolic_layer(e.x.shape, e.w.shape, dilation=e.dilation)
    yield make_page(
        "general/dilation.md", SOURCE, TEMPLATE,
        index_base=base_sentence("general/dilation.md"),
        x_shape=shape_text(e.x.shape, f"{P}.x_shape"),
        w_shape=shape_text(e.w.shape, f"{P}.w_shape"),
        d=num(e.dilation, f"{P}.d"),
        x=matrix(e.x, f"{P}.x"), w=matrix(e.w, f"{P}.w"),
        w_dil=matrix(e.w_dilated, f"{P}.w_dil"), delta=matrix(e.delta, f"{P}.delta"),
        span=shape_text(e.w_dilated.shape, f"{P}.span"),
        y_shape=shape_text(e.y.shape, f"{P}.y_shape"), y=matrix(e.y, f"{P}.y"),
        x_star_delta=matrix(e.x_star_delta, f"{P}.x_star_delta"),
        grad_w_sums=_grad_w_sums(e), grad_w=matrix(e.grad_weight, f"{P}.grad_w"),
        pad_text=text_num(e.w_dilated.shape[0] - 1, f"{P}.pad"),
        w_dil_rot=matrix(e.w_dilated_rotated, f"{P}.w_dil_rot"),
        grad_x=matrix(e.grad_input, f"{P}.grad_x"),
        a=str(a), c=str(c), sym_w01=symbolic_latex(symbolic.weight_entry(0, 1), per_line=3),
        entry_sum=entry, entry_value=num(e.grad_input[a, c], f"{P}.grad_x[{a},{c}]"),
    )
    yield from chapter_figures.figures(e)
