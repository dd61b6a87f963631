"""Page general/stride.md: stride as zeros inserted into δ, and the rows no window reaches."""

from __future__ import annotations

from derivations.figures import stride as chapter_figures
from derivations.mathematics import stride as st
from derivations.mathematics.general_layer import symbolic_layer
from derivations.notation import base_sentence
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

{{index_base}}

The forward pass takes every $s$-th window:

$$
Y_{u,v} = b + \sum_{m=0}^{M_W-1} \sum_{n=0}^{N_W-1} W_{m,n} \, X_{s u + m,\, s v + n}, \qquad
M_Y = \left\lfloor \frac{M_X - M_W}{s} \right\rfloor + \lit{1} \label{eq-stride-forward}
$$

(and likewise $N_Y$ for the columns).

## The weight gradient with stride {#stride-weight-gradient}

The bookkeeping of [the weight gradient](layer.md#weight-gradient) is unchanged: only the term
with $m' = m$, $n' = n$ survives, so

$$
\frac{\partial C}{\partial W_{m,n}} = \sum_{u} \sum_{v} \delta_{u,v} \, X_{s u + m,\, s v + n} .
\label{eq-stride-weight}
$$

The products now pair $\delta_{u,v}$ with input entries $s$ apart. To make this a plain
sliding window again, spread $\delta$ out: put $\delta_{u,v}$ at position $(s u, s v)$ and
fill the $s - \lit{1}$ places between neighbours with zeros. Indexed by positions $(u', v')$
on that finer grid,

$$
\delta^{(s)}_{u',v'} = \begin{cases} \delta_{u'/s,\, v'/s} & \text{if } s \text{ divides } u'
\text{ and } v', \\ \lit{0} & \text{otherwise.} \end{cases} \label{eq-stride-spread}
$$

The zeros add nothing, so \eqref{eq-stride-weight} is
$\sum_{u',v'} \delta^{(s)}_{u',v'} X_{u'+m,\,v'+n}$, the stride-one rule with the spread
$\delta$. Slid over the whole of $X$, $\delta^{(s)}$ fits in more places than the kernel has
weights when rows or columns of $X$ are left over (as [below](#leftover-rows)); those extra
positions pair $\delta$ with offsets no weight has, so the gradient keeps only the first
$M_W$ rows and $N_W$ columns of the correlation:

$$
\frac{\partial C}{\partial W_{m,n}} = \big(X \star \delta^{(s)}\big)_{m,n}, \qquad
m = \lit{0}, \dots, M_W - \lit{1}, \quad n = \lit{0}, \dots, N_W - \lit{1} .
\label{eq-stride-weight-dilated}
$$

## The input gradient with stride {#stride-input-gradient}

$X_{a,c}$ sits in window $(u, v)$ at kernel position $(a - s u,\, c - s v)$ when that lies
inside the kernel, so

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{u} \sum_{v} \delta_{u,v} \, W_{a - s u,\, c - s v} =
\sum_{u'} \sum_{v'} \delta^{(s)}_{u',v'} \, W_{a-u',\, c-v'} , \label{eq-stride-scatter}
$$

which is the stride-one scatter with $\delta^{(s)}$ in place of $\delta$. The same two changes
of variables as before turn it into a full correlation with the rotated kernel, which has
$s(M_Y - \lit{1}) + M_W$ rows and $s(N_Y - \lit{1}) + N_W$ columns: the rows and columns some
window reaches. Every other entry of $X$ is in no window, and its sum is empty:

$$
\frac{\partial C}{\partial X_{a,c}} = \begin{cases}
\big(\delta^{(s)} \star_{\text{full}} \operatorname{rot}_{180}(W)\big)_{a,c} & \text{if }
a < s(M_Y - \lit{1}) + M_W \\
& \text{and } c < s(N_Y - \lit{1}) + N_W, \\
\lit{0} & \text{otherwise.} \end{cases} \label{eq-stride-input}
$$

## Worked example {#stride-example}

A {{x_shape}} input, a {{w_shape}} kernel and stride $s = {{s}}$:

$$
X = {{x}}, \qquad W = {{w}}, \qquad \delta = {{delta}} . \label{eq-stride-example}
$$

The forward pass gives a {{y_shape}} output $Y = {{y}}$, so $\delta$ has that size too. Spread
out with $s - \lit{1} = {{s_minus_one}}$ zero between neighbours, it becomes

$$
\delta^{(s)} = {{delta_dil}} . \label{eq-stride-spread-example}
$$

![Delta with zeros inserted between its entries](figures/stride-dilated-delta.svg)

*Grey cells are the inserted zeros: they stand for the stride-one windows the layer skipped.*

**Weight gradient.** Each entry pairs the {{n_delta}} entries of $\delta$ with input entries
$s$ apart, as in \eqref{eq-stride-weight} (the zeros of $\delta^{(s)}$ are left out):

$$
\begin{align*}
{{grad_w_sums}}
\end{align*} \label{eq-stride-grad-w-sums}
$$

$$
\frac{\partial C}{\partial W} = {{grad_w}} . \label{eq-stride-grad-w}
$$

The same numbers come out of \eqref{eq-stride-weight-dilated}. Slid over the whole
{{x_shape_again}} input, $\delta^{(s)}$ fits in {{corr_shape}} positions, one more row and
column of them than the kernel has weights{{corr_reason}}:

$$
X \star \delta^{(s)} = {{x_corr_spread}} , \label{eq-stride-correlation}
$$

and its first {{w_shape_again}} block is $\partial C / \partial W$.

**Input gradient.** Sliding $\operatorname{rot}_{180}(W)$ over $\delta^{(s)}$ padded with
$M_W - \lit{1}$ rows and $N_W - \lit{1}$ columns of zeros gives a {{reached_shape}} block, the
part of $X$ that windows reach:

$$
\delta^{(s)} \star_{\text{full}} \operatorname{rot}_{180}(W) = {{grad_x_reached}} .
\label{eq-stride-grad-x-reached}
$$

Where windows overlap the contributions add. {{overlap_sentence}}

$$
\frac{\partial C}{\partial X_{{{a}},{{c}}}} = {{overlap_sum}} = {{overlap_value}} .
\label{eq-stride-overlap}
$$

## Leftover rows and columns {#leftover-rows}

The windows start at rows $\lit{0}, s, \lit{2}s, \dots$ and the last one ends at row
$s(M_Y - \lit{1}) + M_W - \lit{1}$. Here that covers {{reached_rows}} of the
{{x_rows}} rows, so {{leftover_rows}} at the bottom (and likewise {{leftover_cols}} at the
right) {{leftover_verb}} never inside any window. For such an entry there is no $(u, v)$ with
$\lit{0} \le a - s u \le M_W - \lit{1}$: the sum for $\partial C / \partial X_{a,c}$ is
empty, and an empty sum is zero. The input does not influence the output there, so it
receives no gradient, which is the second case of \eqref{eq-stride-input}:

$$
\frac{\partial C}{\partial X} = {{grad_x}} . \label{eq-stride-grad-x}
$$

![Rows and columns the windows reach, and the ones they miss](figures/stride-unreached.svg)

*Blue: covered by at least one window. Red, hatched: covered by none, gradient zero. In the
gradient on the right the same cells are zero.*

sympy agrees. Differentiating $C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ (the cost whose
$\partial C / \partial Y$ is $\delta$) symbol by symbol for these sizes gives, for the overlap
entry, a leftover entry and the corner entry the last window just reaches:

$$
\begin{align*}
\frac{\partial C}{\partial X_{ {{a}},{{c}} }} &= {{sym_overlap}} \\
\frac{\partial C}{\partial X_{ {{lr}},{{lc}} }} &= {{sym_leftover}} \\
\frac{\partial C}{\partial X_{ {{er}},{{ec}} }} &= {{sym_edge}}
\end{align*} \label{eq-stride-sympy}
$$

A backward pass written as "full correlation with the rotated kernel" returns only the
reached block; it must be placed into a zero array of the input's size, or the shapes will not
match. Frameworks do this for you: PyTorch's `conv_transpose2d` (the
[transposed convolution](matrix-view.md#transposed-convolution)) takes an `output_padding`
argument for exactly these extra rows.
"""


def _count(number: int, key: str, noun: str):
    """'1 row', '2 rows': the number recorded, the noun agreeing with it."""
    return text_num(number, key) + f" {noun}" + ("" if number == 1 else "s")


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
    windows = len(terms)
    everyone = " all" if windows == e.delta.size else ""
    overlap_sentence = (rf"The entry $X_{{{a},{c}}}$ is reached by{everyone} "
                        + text_num(windows, f"{P}.windows_at[{a},{c}]")
                        + (" window:" if windows == 1 else " windows:"))
    corr = e.weight_correlation_full
    extra = (corr.shape[0] - e.w.shape[0], corr.shape[1] - e.w.shape[1])
    if extra != (1, 1):
        raise ValueError(f"the page says one extra row and column, the example has {extra}")
    yield make_page(
        "general/stride.md", SOURCE, TEMPLATE,
        index_base=base_sentence("general/stride.md"),
        x_shape_again=shape_text(e.x.shape, f"{P}.x_shape"),
        w_shape_again=shape_text(e.w.shape, f"{P}.w_shape"),
        corr_shape=shape_text(corr.shape, f"{P}.x_corr_spread_shape"),
        corr_reason=" (the leftover row and column below)" if e.leftover == (1, 1) else "",
        x_corr_spread=matrix(corr, f"{P}.x_corr_spread"),
        overlap_sentence=overlap_sentence,
        leftover_verb="is" if e.leftover[0] == 1 and e.leftover[1] == 1 else "are",
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
        leftover_rows=_count(e.leftover[0], f"{P}.leftover[0]", "row"),
        leftover_cols=_count(e.leftover[1], f"{P}.leftover[1]", "column"),
        grad_x=matrix(e.grad_input, f"{P}.grad_x"),
        sym_overlap=symbolic_latex(symbolic.input_entry(a, c)),
        lr=str(leftover[0]), lc=str(leftover[1]), er=str(edge[0]), ec=str(edge[1]),
        sym_leftover=num(symbolic.input_entry(*leftover), f"{P}.sym_leftover"),
        sym_edge=symbolic_latex(symbolic.input_entry(*edge)),
    )
    yield from chapter_figures.figures(e)
