"""Page general/stride.md: stride as zeros inserted into δ, and the rows no window reaches."""

from __future__ import annotations

from derivations.figures import stride as chapter_figures
from derivations.mathematics import stride as st
from derivations.mathematics.general_layer import symbolic_layer
from derivations.render.general_latex import products, symbolic_latex
from derivations.render.page import make_page
from derivations.render.printed_numbers import join, matrix, num, num_signed, shape_text, text_num

SOURCE = "derivations/pages/stride.py"
P = "stride"

TEMPLATE = r"""
# Stride {#stride}

With stride $s$ the kernel jumps $s$ entries between neighbouring windows instead of one.
Everything in [the general layer](layer.md#general-layer) carries over; only the index
bookkeeping changes, and it changes in two visible ways: $\delta$ gets **zeros inserted**
between its entries, and input rows and columns that no window covers get **zero gradient**.

The forward pass takes every $s$-th window:

$$
Y_{i,j} = b + \sum_{m=0}^{k_H-1} \sum_{n=0}^{k_W-1} W_{m,n} \, X_{s i + m,\, s j + n}, \qquad
H_{\text{out}} = \left\lfloor \frac{H - k_H}{s} \right\rfloor + \lit{1} . \label{eq-stride-forward}
$$

## The weight gradient with stride {#stride-weight-gradient}

The bookkeeping of [the weight gradient](layer.md#weight-gradient) is unchanged: only the term
with $m' = m$, $n' = n$ survives, so

$$
\frac{\partial C}{\partial W_{m,n}} = \sum_{i} \sum_{j} \delta_{i,j} \, X_{s i + m,\, s j + n} .
\label{eq-stride-weight}
$$

The products now pair $\delta_{i,j}$ with input entries $s$ apart. To make this a plain
sliding window again, spread $\delta$ out: put $\delta_{i,j}$ at position $(s i, s j)$ and
fill the $s - \lit{1}$ places between neighbours with zeros,

$$
\delta^{(s)}_{p,q} = \begin{cases} \delta_{p/s,\, q/s} & \text{if } s \text{ divides } p
\text{ and } q, \\ \lit{0} & \text{otherwise.} \end{cases}
$$

The zeros add nothing, so \eqref{eq-stride-weight} is
$\sum_{p,q} \delta^{(s)}_{p,q} X_{p+m,\,q+n}$, the stride-one rule with the dilated $\delta$:

$$
\frac{\partial C}{\partial W} = X \star \delta^{(s)} \qquad \text{(on the rows and columns of } X
\text{ that windows reach).} \label{eq-stride-weight-dilated}
$$

## The input gradient with stride {#stride-input-gradient}

$X_{a,c}$ sits in window $(i, j)$ at kernel position $(a - s i,\, c - s j)$ when that lies
inside the kernel, so

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{i} \sum_{j} \delta_{i,j} \, W_{a - s i,\, c - s j} =
\sum_{p} \sum_{q} \delta^{(s)}_{p,q} \, W_{a-p,\, c-q} ,
$$

which is the stride-one scatter with $\delta^{(s)}$ in place of $\delta$; the same two changes of
variables as before give

$$
\frac{\partial C}{\partial X} = \delta^{(s)} \star_{\text{full}} \operatorname{rot}_{180}(W)
\quad\text{then zeros for unreached rows and columns.} \label{eq-stride-input}
$$

## Worked example {#stride-example}

A {{x_shape}} input, a {{w_shape}} kernel and stride $s = {{s}}$:

$$
X = {{x}}, \qquad W = {{w}}, \qquad \delta = {{delta}} .
$$

The forward pass gives a {{y_shape}} output $Y = {{y}}$, so $\delta$ has that size too. Spread
out with $s - \lit{1} = {{s_minus_one}}$ zero between neighbours, it becomes

$$
\delta^{(s)} = {{delta_dil}} .
$$

![Delta with zeros inserted between its entries](figures/stride-dilated-delta.svg)

*Grey cells are the inserted zeros: they stand for the stride-one windows the layer skipped.*

**Weight gradient.** Each entry pairs the {{n_delta}} entries of $\delta$ with input entries
$s$ apart, as in \eqref{eq-stride-weight} (the zeros of $\delta^{(s)}$ are left out):

$$
\begin{align*}
{{grad_w_sums}}
\end{align*}
$$

$$
\frac{\partial C}{\partial W} = {{grad_w}} .
$$

**Input gradient.** Sliding $\operatorname{rot}_{180}(W)$ over $\delta^{(s)}$ padded with
$k_H - \lit{1}$ zeros gives a {{reached_shape}} block, the part of $X$ that windows reach:

$$
\delta^{(s)} \star_{\text{full}} \operatorname{rot}_{180}(W) = {{grad_x_reached}} .
$$

Where windows overlap the contributions add. The entry in the middle of the overlap is
reached by all {{n_delta}} windows:

$$
\frac{\partial C}{\partial X_{{{a}},{{c}}}} = {{overlap_sum}} = {{overlap_value}} .
$$

## Leftover rows and columns {#leftover-rows}

The windows start at rows $\lit{0}, s, \lit{2}s, \dots$ and the last one ends at row
$s(H_{\text{out}} - \lit{1}) + k_H - \lit{1}$. Here that covers {{reached_rows}} of the
{{x_rows}} rows, so {{leftover_rows}} row at the bottom (and likewise {{leftover_cols}} column
at the right) is never inside any window. For such an entry there is no $(i, j)$ with
$\lit{0} \le a - s i \le k_H - \lit{1}$: the sum for $\partial C / \partial X_{a,c}$ is
empty, and an empty sum is zero. The input does not influence the output there, so it
receives no gradient:

$$
\frac{\partial C}{\partial X} = {{grad_x}} .
$$

![Rows and columns the windows reach, and the ones they miss](figures/stride-unreached.svg)

*Blue: covered by at least one window. Red, hatched: covered by none, gradient zero. In the
gradient on the right the same cells are zero.*

sympy agrees. Differentiating $C = \sum_{i,j} \delta_{i,j} Y_{i,j}$ symbol by symbol for these
sizes gives, for the overlap entry, a leftover entry and the corner entry the last window
just reaches:

$$
\begin{align*}
\frac{\partial C}{\partial X_{ {{a}},{{c}} }} &= {{sym_overlap}} \\
\frac{\partial C}{\partial X_{ {{lr}},{{lc}} }} &= {{sym_leftover}} \\
\frac{\partial C}{\partial X_{ {{er}},{{ec}} }} &= {{sym_edge}}
\end{align*}
$$

A backward pass written as "full correlation with the rotated kernel" returns only the
reached block; it must be placed into a zero array of the input's size, or the shapes will not
match. Frameworks do this for you: PyTorch's `conv_transpose2d` (the
[transposed convolution](matrix-view.md#transposed-convolution)) takes an `output_padding`
argument for exactly these extra rows.
"""


def _grad_w_sums(e: st.StrideExample):
    lines = []
    s = e.stride
    for m in range(e.w.shape[0]):
        for n in range(e.w.shape[1]):
            pairs = [
                (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"),
                 num_signed(e.x[s * i + m, s * j + n], f"{P}.x[{s * i + m},{s * j + n}]"))
                for i in range(e.delta.shape[0]) for j in range(e.delta.shape[1])
            ]
            lines.append(rf"\frac{{\partial C}}{{\partial W_{{{m},{n}}}}} &= " + products(pairs)
                         + " = " + num(e.grad_weight[m, n], f"{P}.grad_w[{m},{n}]"))
    return join(lines, " \\\\\n")


def build():
    e = st.example()
    a, c = e.stride, e.stride  # the input entry in the middle of the overlap
    terms = st.surviving_terms(e.delta.shape, e.w.shape, e.stride, a, c)
    overlap = products(
        (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"), num_signed(e.w[m, n], f"{P}.w[{m},{n}]"))
        for i, j, m, n in terms
    )
    symbolic = symbolic_layer(e.x.shape, e.w.shape, stride=e.stride)
    leftover = (e.x.shape[0] - 1, 0)  # the first entry of the last row
    edge = (e.reached[0] - 1, e.reached[1] - 1)
    yield make_page(
        "general/stride.md", SOURCE, TEMPLATE,
        x_shape=shape_text(e.x.shape, f"{P}.x_shape"),
        w_shape=shape_text(e.w.shape, f"{P}.w_shape"),
        s=num(e.stride, f"{P}.s"),
        x=matrix(e.x, f"{P}.x"), w=matrix(e.w, f"{P}.w"), delta=matrix(e.delta, f"{P}.delta"),
        y_shape=shape_text(e.y.shape, f"{P}.y_shape"), y=matrix(e.y, f"{P}.y"),
        s_minus_one=num(e.stride - 1, f"{P}.s_minus_one"),
        delta_dil=matrix(e.delta_dilated, f"{P}.delta_dil"),
        n_delta=text_num(e.delta.size, f"{P}.delta_size"),
        grad_w_sums=_grad_w_sums(e), grad_w=matrix(e.grad_weight, f"{P}.grad_w"),
        reached_shape=shape_text(e.reached, f"{P}.reached"),
        grad_x_reached=matrix(e.grad_input_reached, f"{P}.grad_x_reached"),
        a=str(a), c=str(c),
        overlap_sum=overlap, overlap_value=num(e.grad_input[a, c], f"{P}.grad_x[{a},{c}]"),
        reached_rows=text_num(e.reached[0], f"{P}.reached[0]"),
        x_rows=text_num(e.x.shape[0], f"{P}.x_shape[0]"),
        leftover_rows=text_num(e.leftover[0], f"{P}.leftover[0]"),
        leftover_cols=text_num(e.leftover[1], f"{P}.leftover[1]"),
        grad_x=matrix(e.grad_input, f"{P}.grad_x"),
        sym_overlap=symbolic_latex(symbolic.input_entry(a, c)),
        lr=str(leftover[0]), lc=str(leftover[1]), er=str(edge[0]), ec=str(edge[1]),
        sym_leftover=num(symbolic.input_entry(*leftover), f"{P}.sym_leftover"),
        sym_edge=symbolic_latex(symbolic.input_entry(*edge)),
    )
    yield from chapter_figures.figures(e)
