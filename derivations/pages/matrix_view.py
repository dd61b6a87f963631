"""Page general/matrix-view.md: im2col, the seed's 4×9 Jacobian, Jᵀδ and transposed convolution."""

from __future__ import annotations

import sympy

from derivations.figures.matrix_view import jacobian_figure, transposed_figure
from derivations.mathematics import matrix_view as mv
from derivations.notation import base_sentence
from derivations.render.page import Asset, make_page
from derivations.render.printed_numbers import (
    Fragment,
    join,
    lit,
    matrix,
    num,
    num_signed,
    shape_text,
    text_num,
)

SOURCE = "derivations/pages/matrix_view.py"
P = "matrix_view"

TEMPLATE = r"""
# The matrix view {#matrix-view}

A convolution is linear in its input and linear in its kernel. Linear maps are matrices, so
a convolution can be written as a matrix product, twice over: once with the **data** laid
out as a matrix (im2col, which is how many libraries compute the forward pass), once with the
**kernel** laid out as a matrix (the Jacobian). In the second form backpropagation to the
input is a single line of linear algebra, $\partial C / \partial X = J^{\top} \delta$, and the
"full convolution with the rotated kernel" of [the general layer](layer.md#input-gradient) is
what that transpose looks like when you read it back as a sliding window.

im2col below works on [the general layer's example](layer.md#weight-gradient), so that its
matrix is not square; everything after it uses the question's first layer,
$o^1 = i \star w^1$, with the values of the seed chapters and
$\delta^1 = \partial C / \partial o^1$ as they compute it.

{{index_base}}

## im2col: the windows as columns {#im2col}

Cut out every window the kernel visits and lay it down as one column (the name is "image to
columns"). With the {{k_shape}} kernel $W$ on the {{x_shape}} input $X$ of
[the general layer](layer.md#weight-gradient) there are {{n_windows}} windows of {{n_taps}}
entries each. Column $(u, v)$, in reading order, is window $(u, v)$ read row by row; row
$(m, n)$, in reading order, holds the input that weight $W_{m,n}$ meets in each window. The
entry in row $(m, n)$ and column $(u, v)$ is $X_{u+m,\,v+n}$:

$$
X_{\text{col}} = {{cols_names}} = {{cols}} . \label{eq-im2col}
$$

{{shape_sentence}} Write $\operatorname{vec}$ for a matrix read row by row into a column. The
forward pass is one row vector times this matrix, plus the bias in every entry:

$$
\begin{align*}
\operatorname{vec}(Y)^{\top} &= \operatorname{vec}(W)^{\top} X_{\text{col}} + b
= {{w_row}} X_{\text{col}} + {{b}} \\
&= {{y_row}} .
\end{align*} \label{eq-im2col-forward}
$$

the $Y$ of [the general layer](layer.md#weight-gradient), read row by row. This is how
libraries turn a convolution into one large matrix multiplication (GEMM), for every kernel and
channel at once. It also gives the **weight gradient** as a matrix product, because $Y$ is
linear in $\operatorname{vec}(W)$ with matrix $X_{\text{col}}^{\top}$:

$$
\frac{\partial C}{\partial \operatorname{vec}(W)} = X_{\text{col}} \operatorname{vec}(\delta)
. \label{eq-im2col-weight-gradient}
$$

With that chapter's $\delta = {{delta}}$, the first entry is row one of $X_{\text{col}}$ times
$\operatorname{vec}(\delta)$:

$$
\frac{\partial C}{\partial W_{0,0}} = {{w00_sum}} = {{w00}}, \label{eq-im2col-first-entry}
$$

and in full $\partial C / \partial W = {{grad_w}}$, the general layer's result. For the
question's first layer, $X_{\text{col}}$ is {{seed_cols_shape}}{{seed_symmetric}}, and its
first row is $(i_1, i_2, i_4, i_5)$: exactly the four inputs of the question's formula, but
each multiplied by *its own* entry of $\delta^1$ and the products added: a sum of products, not
the [product of two sums](../seed/grad-w1.md#the-mistake).

## The Jacobian ∂o¹/∂i {#jacobian}

From here on, the question's first layer, with the values of the seed chapters:

$$
i = {{i}}, \qquad w^1 = {{w1}}, \qquad \delta^1 = \lit{2}(o^2_1 - y_1)\, w^2 = {{delta1}} .
\label{eq-matrix-seed-example}
$$

Read row by row, the vectors follow the question's numbering:
$\operatorname{vec}(i) = (i_1, i_2, \dots, i_9)^{\top}$ and
$\operatorname{vec}(o^1) = (o^1_1, \dots, o^1_4)^{\top}$, so the rows and columns of the
matrices below carry the question's running numbers, counted from one.

Now fix the kernel and let the input vary. Each output is a weighted sum of inputs, so
$\operatorname{vec}(o^1) = J \operatorname{vec}(i)$ with the {{j_shape}} matrix

$$
J_{k,l} = \frac{\partial o^1_k}{\partial i_l} . \label{eq-jacobian}
$$

Entry by entry from the definition: $o^1_k$ is a sum of four products $w^1_j \, i_l$, one
for each input under window $k$. So row $k$ of $J$ holds $w^1_j$ in the column of the input
$i_l$ that weight $w^1_j$ multiplies in window $k$, and zero in the columns of the inputs
that window $k$ does not cover. sympy's own `jacobian` of $\operatorname{vec}(i \star w^1)$
with respect to $\operatorname{vec}(i)$ gives exactly that:

$$
\frac{\partial o^1}{\partial i} = J = {{j_symbolic}} \label{eq-jacobian-symbolic}
$$

Every row is the kernel, unrolled and shifted: within a row, $w^1_1, w^1_2$ sit next to each
other (one input row) and $w^1_3, w^1_4$ one input row later, three columns on. With the
example's kernel,

$$
J = {{jacobian}} , \label{eq-jacobian-numbers}
$$

and the forward pass really is this matrix times the input:
$J \operatorname{vec}(i) = {{o1_by_jacobian}}^{\top}$, the same $o^1$ as before.

![The Jacobian: each row is the kernel shifted to its window](figures/matrix-jacobian.svg)

*Rows are outputs $o^1_1 \dots o^1_4$, columns are inputs $i_1 \dots i_9$; grey cells are
zeros, the first row's non-zeros are highlighted.*

## ∂C/∂X = Jᵀ δ {#input-gradient-as-transpose}

For any linear map $\operatorname{vec}(o^1) = J \operatorname{vec}(i)$ the chain rule,
$\partial C / \partial i_l = \sum_k (\partial C / \partial o^1_k)(\partial o^1_k / \partial i_l)$,
is a product with the **transpose**:

$$
\frac{\partial C}{\partial \operatorname{vec}(i)} = J^{\top} \operatorname{vec}(\delta^1) .
\label{eq-jacobian-transpose}
$$

Column $l$ of $J$ (row $l$ of $J^{\top}$) lists the weights through which $i_l$ reaches each
output, so each input gradient is a sum over the windows that contain it. With the zero
entries of $J$ left out:

$$
\begin{align*}
{{jt_sums}}
\end{align*} \label{eq-jacobian-transpose-sums}
$$

Read back as a {{i_shape_again}} array, $\partial C / \partial i = {{grad_i}}$.

The same numbers come out of [the full correlation with the rotated
kernel](layer.md#input-gradient): pad $\delta^1$ with one ring of zeros and slide
$\operatorname{rot}_{180}(w^1)$ over it,

$$
\operatorname{pad}(\delta^1) = {{delta1_padded}}, \qquad \operatorname{rot}_{180}(w^1) =
{{w1_rot}}, \label{eq-matrix-pad-rot}
$$

$$
\operatorname{pad}(\delta^1) \star \operatorname{rot}_{180}(w^1) = {{grad_i_full}} .
\label{eq-matrix-full-correlation}
$$

Why the rotation? Row $l$ of $J^{\top}$ lists the weights that meet $i_l$, window by window,
and they come in *reverse* order. The centre input $i_5$, which every window covers, meets
$w^1_4$ in the first window, $w^1_3$ in the second, $w^1_2$ in the third and $w^1_1$ in the
last:

$$
\frac{\partial C}{\partial i_5} = w^1_4 \, \delta^1_1 + w^1_3 \, \delta^1_2 + w^1_2 \,
\delta^1_3 + w^1_1 \, \delta^1_4 . \label{eq-centre-input}
$$

The kernel is read backwards while $\delta^1$ is read forwards, and that is sliding the
rotated kernel over $\delta^1$. (The [seed chapter](../seed/grad-input.md#rot180) draws this
for the question's network.)

## Transposed convolution {#transposed-convolution}

The operation $\delta \mapsto J^{\top} \delta$ has its own name: **transposed convolution**
(sometimes, misleadingly, "deconvolution"). It is the backward pass of a convolution with
respect to its input, and it is easiest to picture as a *scatter*: each entry of $\delta$
stamps a copy of the kernel, scaled by itself, onto the window it came from, and overlapping
stamps add:

$$
J^{\top} \operatorname{vec}(\delta^1) \;=\; \sum_{k} \delta^1_k \cdot \left( w^1
\text{ placed on window } k \right) . \label{eq-transposed-convolution}
$$

For the example the {{n_stamps}} stamps are $\delta^1_k w^1$ on the four windows:

![Each delta entry stamps delta times the kernel onto its window](figures/matrix-transposed.svg)

$$
{{stamps_sum}} = {{grad_i_again}} . \label{eq-stamps}
$$

This is the gradient again, entry for entry.

**With a stride.** Stamps are placed where the windows were, so with stride $s$ they land
$s$ apart. In the general notation, take a {{st_x_shape}} input, the {{st_w_shape}} kernel
$W$ of [the general layer's example](layer.md#weight-gradient) and stride {{st_stride}}, so
that $\delta$ is {{st_delta_shape}}:

$$
\delta = {{st_delta}}, \qquad W = {{st_w}} . \label{eq-strided-example}
$$

The stamp $\delta_{u,v} W$ has its top-left corner at row $s u$, column $s v$ (rows and
columns counted from zero again); the stamps overlap on {{st_overlap}}, and add up to
$\partial C / \partial X$:

![With a stride the stamps land s apart](figures/matrix-transposed-stride.svg)

$$
\frac{\partial C}{\partial X} = J^{\top} \operatorname{vec}(\delta) = {{st_grad}} .
\label{eq-strided-transposed}
$$

[The stride chapter](stride.md#stride-input-gradient) reaches the same matrix as a sliding
window: insert $s - \lit{1}$ zeros between the entries of $\delta$, pad with $M_W - \lit{1}$
rows and $N_W - \lit{1}$ columns of zeros, and slide $\operatorname{rot}_{180}(W)$ over it:

$$
\operatorname{pad}\big(\delta^{(s)}\big) = {{st_spread}}, \label{eq-strided-spread}
$$

$$
\operatorname{pad}\big(\delta^{(s)}\big) \star \operatorname{rot}_{180}(W) = {{st_grad_spread}} .
\label{eq-strided-sliding}
$$

Three remarks:

- **Transpose, not inverse.** Applying the convolution to the result does not give
  $\delta^1$ back: $J (J^{\top} \operatorname{vec}(\delta^1)) = {{roundtrip}}^{\top}$, not
  $\operatorname{vec}(\delta^1)$. The name "deconvolution" suggests an undoing that does not
  happen.
- **Stride, padding, dilation.** With stride $s$ the windows are $s$ apart, so the stamps are
  too; this is [the stride chapter's](stride.md#stride) $\delta$ with zeros inserted. Padding
  drops the parts of stamps that fall on the padded border ([padding](padding.md#padding)),
  and dilation spreads each stamp's taps ([dilation](dilation.md#dilation)). The Jacobian
  covers all of them: it is built from the same definition with
  $a = s u + d m - p$.
- **In PyTorch.** `torch.nn.functional.conv_transpose2d` is this operation. Called on
  $\delta$ with the layer's own weight tensor and the same stride, padding and dilation, it
  returns $\partial C / \partial X$ (its `output_padding` restores
  [leftover rows](stride.md#leftover-rows) that a stride skipped). Used forwards, as an
  upsampling layer, it is the same map with learned weights
  ([transposed convolution as a layer](transposed.md#transposed-convolution-layer)).

## With channels and batch: three GEMMs {#gemm-shapes}

Real layers run im2col once for all channels and the whole batch. $X_{\text{col}}$ gets one
**row** per input channel and kernel tap $(g, m, n)$ and one **column** per example and
window $(e, u, v)$; each filter is flattened into a row of $W_{\text{mat}}$ in the same
$(g, m, n)$ order, and $\delta$ into $\delta_{\text{mat}}$, one row per output channel,
columns in $X_{\text{col}}$'s order. The forward pass is one matrix product,
$W_{\text{mat}} X_{\text{col}}$ plus the bias in every column, and so is each gradient:

$$
\frac{\partial C}{\partial W_{\text{mat}}} = \delta_{\text{mat}} X_{\text{col}}^{\top},
\qquad \frac{\partial C}{\partial X_{\text{col}}} = W_{\text{mat}}^{\top}
\delta_{\text{mat}}, \qquad \frac{\partial C}{\partial b} = \delta_{\text{mat}} \lit{1} .
\label{eq-gemm-gradients}
$$

The inner dimension of each product is the sum that [channels and
batch](channels.md#how-channels-line-up) found by the chain rule:

{{gemm_table}}

The last column is the example below. With [groups](groups.md#groups-gradients) each group is
its own GEMM, with $D_X / Q$ and $D_Y / Q$ in place of $D_X$ and $D_Y$.

## The input gradient by col2im {#col2im}

$\partial C / \partial X_{\text{col}}$ is not yet $\partial C / \partial X$. Its entry in row
$(g, m, n)$, column $(e, u, v)$ is the gradient of one **copy**: the cell
$X^{\text{pad}}_{e,g,\, s u + d m,\, s v + d n}$ as window $(u, v)$ used it. im2col copied
each cell into every column whose window covers it, so by the chain rule the copies'
gradients add. **col2im** undoes im2col that way: scatter-add every entry back to the cell it
was copied from, in a zero array of the padded input's size, then crop the padding:

$$
\frac{\partial C}{\partial X^{\text{pad}}_{e,g,a,c}} = \sum_{m,n,u,v \,:\, s u + d m = a,\;
s v + d n = c} \left( \frac{\partial C}{\partial X_{\text{col}}} \right)_{(g,m,n),\,(e,u,v)},
\label{eq-col2im}
$$

$$
\frac{\partial C}{\partial X} = \operatorname{crop}_p \left( \frac{\partial
C}{\partial X^{\text{pad}}} \right) . \label{eq-col2im-crop}
$$

Cells that no window reaches receive nothing and stay zero, as in
[the shapes chapter](shapes.md#unreached-rows).

**Worked, with a batch and channels.** {{c2_n}} examples with one input channel of
{{c2_hw}}, {{c2_cout}} output channels, a {{c2_k}} kernel, stride $s = {{c2_s}}$ and padding
$p = {{c2_p}}$, so each example has {{c2_windows}} windows:

$$
X_{0,0} = {{c2_x0}}, \quad X_{1,0} = {{c2_x1}}, \qquad W_{0,0} = {{c2_w0}}, \quad
W_{1,0} = {{c2_w1}} . \label{eq-col2im-example}
$$

$X_{\text{col}}$ has one block of columns per example, and so has $\delta_{\text{mat}}$:

$$
X_{\text{col}} \text{, example } \lit{0} \text{:} \quad {{c2_cols0}},
\label{eq-col2im-cols-first}
$$

$$
X_{\text{col}} \text{, example } \lit{1} \text{:} \quad {{c2_cols1}},
\label{eq-col2im-cols-second}
$$

$$
W_{\text{mat}} = {{c2_wmat}}, \label{eq-col2im-weight-matrix}
$$

$$
\delta_{\text{mat}} \text{, example } \lit{0} \text{:} \quad {{c2_d0}},
\label{eq-col2im-delta-matrix}
$$

$$
\delta_{\text{mat}} \text{, example } \lit{1} \text{:} \quad {{c2_d1}} .
\label{eq-col2im-delta-matrix-second}
$$

Weight and bias gradients \eqref{eq-gemm-gradients}:

$$
\frac{\partial C}{\partial W_{\text{mat}}} = \delta_{\text{mat}} X_{\text{col}}^{\top} =
{{c2_gw}}, \qquad \frac{\partial C}{\partial b} = \delta_{\text{mat}} \lit{1} = {{c2_gb}} .
\label{eq-col2im-weight-bias}
$$

The input gradient of the copies, $W_{\text{mat}}^{\top} \delta_{\text{mat}}$, example by
example:

$$
\frac{\partial C}{\partial X_{\text{col}}} \text{, example } \lit{0} \text{:} \quad
{{c2_gc0}}, \label{eq-col2im-copies-first}
$$

$$
\frac{\partial C}{\partial X_{\text{col}}} \text{, example } \lit{1} \text{:} \quad
{{c2_gc1}} . \label{eq-col2im-copies-second}
$$

col2im \eqref{eq-col2im}. The padded cell $({{c2_r}}, {{c2_q}})$ of example $\lit{0}$ was
copied into {{c2_ncopies}} columns, one per window that covers it, and collects

$$
\frac{\partial C}{\partial X^{\text{pad}}_{0,0,{{c2_r_again}},{{c2_q_again}}}} =
{{c2_entry_sum}} = {{c2_entry}} . \label{eq-col2im-entry}
$$

All cells, then the crop:

$$
\frac{\partial C}{\partial X^{\text{pad}}_{0,0}} = {{c2_pad0}}, \quad
\frac{\partial C}{\partial X^{\text{pad}}_{1,0}} = {{c2_pad1}}, \label{eq-col2im-padded}
$$

$$
\frac{\partial C}{\partial X_{0,0}} = {{c2_gx0}}, \quad
\frac{\partial C}{\partial X_{1,0}} = {{c2_gx1}} . \label{eq-col2im-cropped}
$$

The engine (`derivations/mathematics/conv2d.py`) computes every layer this way, one GEMM per
gradient (per group), with col2im vectorised over the kernel taps.
"""


def _pairs_matrix(index_rows, letter: str) -> str:
    """A matrix of indexed names, X_{a,c} in every cell, from (a, c) pairs."""
    rows = (" & ".join(f"{letter}_{{{a},{c}}}" for a, c in row) for row in index_rows)
    return r"\begin{pmatrix}" + r" \\ ".join(rows) + r"\end{pmatrix}"


def _shape_sentence(e: mv.Im2col) -> str:
    """What the shape of X_col lets a reader see, said only when it is true of the numbers."""
    taps, windows = e.cols.shape
    if taps == windows:
        raise ValueError("the im2col example must not be square: its axes would look alike")
    return (f"With {'more' if taps > windows else 'fewer'} rows than columns the matrix cannot be "
            "read the wrong way round: down a column, one window; along a row, one weight "
            "meeting a different input in each window.")


def _symbolic_matrix(jac: sympy.Matrix) -> str:
    """sympy's Jacobian as LaTeX; its zeros are structure (notation), so declared with lit."""
    rows = []
    for r in range(jac.rows):
        rows.append(" & ".join(r"\lit{0}" if jac[r, c] == 0 else sympy.latex(jac[r, c])
                               for c in range(jac.cols)))
    return r"\begin{pmatrix}" + r" \\ ".join(rows) + r"\end{pmatrix}"


def _row_vector(values, key: str) -> Fragment:
    return r"\begin{pmatrix}" + join(
        (num(v, f"{key}[{k}]") for k, v in enumerate(values)), " & ") + r"\end{pmatrix}"


def _products(pairs) -> Fragment:
    return join((a + r" \cdot " + b for a, b in pairs), " + ")


def _jt_sums(v: mv.MatrixView) -> Fragment:
    lines = []
    for col in range(v.jacobian.shape[1]):
        pairs = [
            (num_signed(v.jacobian[k, col], f"{P}.jacobian[{k},{col}]"),
             num_signed(v.delta1.reshape(-1)[k], f"{P}.delta1_vec[{k}]"))
            for k in range(v.jacobian.shape[0]) if v.jacobian[k, col] != 0
        ]
        r, c = divmod(col, v.i.shape[1])
        lines.append(
            rf"\frac{{\partial C}}{{\partial i_{{{col + 1}}}}} &= " + _products(pairs) + " = "
            + num(v.grad_i[r, c], f"{P}.grad_i[{r},{c}]")
        )
    return join(lines, " \\\\\n")


def _stamps_sum(v: mv.MatrixView) -> Fragment:
    return join((matrix(stamp, f"{P}.stamp{k}") for k, stamp in enumerate(v.stamps)), " + ")


def _strided_slots(t: mv.StridedTransposed) -> dict:
    q = f"{P}.strided"
    return dict(
        st_x_shape=shape_text(t.in_hw, f"{q}.x_shape"), st_w_shape=shape_text(t.w.shape,
                                                                              f"{q}.w_shape"),
        st_stride=text_num(t.stride, f"{q}.stride"),
        st_delta_shape=shape_text(t.delta.shape, f"{q}.delta_shape"),
        st_delta=matrix(t.delta, f"{q}.delta"), st_w=matrix(t.w, f"{q}.w"),
        st_grad=matrix(t.grad_input, f"{q}.grad_x"),
        st_spread=matrix(t.delta_spread_padded, f"{q}.delta_spread_padded"),
        st_grad_spread=matrix(t.grad_input_by_spread, f"{q}.grad_x"),
    )


def _figures(v: mv.MatrixView, t: mv.StridedTransposed) -> list[Asset]:
    q = f"{P}.strided"
    return [
        transposed_figure("general/figures/matrix-transposed-stride.svg", t.delta, t.w,
                          list(t.stamps), t.grad_input,
                          {"delta": f"{q}.delta", "kernel": f"{q}.w", "stamp": f"{q}.stamp",
                           "total": f"{q}.grad_x"}, t.stride, per_row=4),
        jacobian_figure("general/figures/matrix-jacobian.svg", v.jacobian, 0,
                        f"{P}.jacobian"),
        transposed_figure("general/figures/matrix-transposed.svg", v.delta1, v.w1,
                          list(v.stamps), v.grad_i,
                          {"delta": f"{P}.delta1", "kernel": f"{P}.w1", "stamp": f"{P}.stamp",
                           "total": f"{P}.grad_i"}, names=("δ¹", "w¹"), per_row=4),
    ]


def _overlap(t: mv.StridedTransposed) -> str:
    """Where neighbouring stamps overlap: the rows (and columns) two windows share."""
    k_h, k_w = t.w.shape
    def shared(count: int, size: int) -> list[int]:
        covered = [sum(1 for u in range(count) if t.stride * u <= r < t.stride * u + size)
                   for r in range(t.in_hw[0] if size == k_h else t.in_hw[1])]
        return [r for r, times in enumerate(covered) if times > 1]
    rows, cols = shared(t.delta.shape[0], k_h), shared(t.delta.shape[1], k_w)
    def named(indices: list[int], noun: str) -> str:
        shown = ", ".join(rf"$\lit{{{r}}}$" for r in indices)
        return f"{noun}{'' if len(indices) == 1 else 's'} {shown}"
    return f"{named(rows, 'row')} and {named(cols, 'column')}"


def _seed_symmetric(v: mv.MatrixView) -> str:
    """Whether the question's own X_col is symmetric, read off the matrix."""
    if (v.cols == v.cols.T).all():
        return (", a symmetric matrix whatever the numbers (both of its axes run over the four "
                "offsets of a two-by-two window, which is why this section took a wider example)")
    return ""


def _block(values, key: str, col0: int, cols: int) -> Fragment:
    """Columns col0 … col0 + cols − 1 of a matrix, keyed by their place in the whole matrix."""
    rows = [join((num(values[r, c], f"{key}[{r},{c}]") for c in range(col0, col0 + cols)),
                 " & ") for r in range(values.shape[0])]
    return r"\begin{pmatrix}" + join(rows, r" \\ ") + r"\end{pmatrix}"


GEMM_ROWS = (
    # product, symbolic shapes, result, what the inner dimension sums over, (left, right) dims
    (r"forward $W_{\text{mat}} X_{\text{col}}$",
     r"$D_Y \times D_X M_W N_W$ · $D_X M_W N_W \times B M_Y N_Y$",
     r"$D_Y \times B M_Y N_Y$", "input channels and taps", (("D_Y", "K"), ("K", "P"))),
    (r"weight $\delta_{\text{mat}} X_{\text{col}}^{\top}$",
     r"$D_Y \times B M_Y N_Y$ · $B M_Y N_Y \times D_X M_W N_W$",
     r"$D_Y \times D_X M_W N_W$", "batch and positions", (("D_Y", "P"), ("P", "K"))),
    (r"input $W_{\text{mat}}^{\top} \delta_{\text{mat}}$",
     r"$D_X M_W N_W \times D_Y$ · $D_Y \times B M_Y N_Y$",
     r"$D_X M_W N_W \times B M_Y N_Y$", "output channels", (("K", "D_Y"), ("D_Y", "P"))),
    (r"bias $\delta_{\text{mat}} \lit{1}$", r"$D_Y \times B M_Y N_Y$ · $B M_Y N_Y$",
     r"$D_Y$", "batch and positions", (("D_Y", "P"), ("P",))),
)


def _gemm_table(c: mv.Col2imExample) -> Fragment:
    q = f"{P}.col2im"
    sizes = {"K": c.cols.shape[0], "P": c.cols.shape[1], "D_Y": c.w_mat.shape[0]}

    def shape(names) -> Fragment:
        return join((text_num(sizes[name], f"{q}.dim[{name}]") for name in names), "×")

    head = ("| product | shapes | result | sums over | example |\n"
            "|---|---|---|---|---|\n")
    rows = [f"| {product} | {shapes} | {result} | {sums} | "
            + join((shape(names) for names in dims), " · ") + " |"
            for product, shapes, result, sums, dims in GEMM_ROWS]
    return head + join(rows, "\n")


def _col2im_slots(c: mv.Col2imExample) -> dict:
    q = f"{P}.col2im"
    n_batch, _, h, w = c.x.shape
    k_h, k_w = c.w.shape[2:]
    out_h, out_w = c.delta.shape[2:]
    windows = out_h * out_w
    r, qq = 1, 2  # a padded cell of X (not the border) that four windows cover
    terms = []
    for i in range(out_h):
        for j in range(out_w):
            m, n = r - c.stride * i, qq - c.stride * j
            if 0 <= m < k_h and 0 <= n < k_w:
                row, col = m * k_w + n, i * out_w + j
                value, key = c.grad_cols[row, col], f"{q}.grad_cols[{row},{col}]"
                terms.append(num_signed(value, key) if terms else num(value, key))
    slots = dict(
        gemm_table=_gemm_table(c),
        c2_n=text_num(n_batch, f"{q}.n"), c2_hw=shape_text((h, w), f"{q}.x_shape"),
        c2_cout=text_num(c.w.shape[0], f"{q}.c_out"), c2_k=shape_text((k_h, k_w), f"{q}.k"),
        c2_s=num(c.stride, f"{q}.s"), c2_p=num(c.padding, f"{q}.p"),
        c2_windows=text_num(windows, f"{q}.windows"),
        c2_wmat=matrix(c.w_mat, f"{q}.w_mat"), c2_gw=matrix(c.grad_w_mat, f"{q}.grad_w_mat"),
        c2_gb=matrix(c.grad_bias[:, None], f"{q}.grad_b"),
        c2_r=lit(r), c2_q=lit(qq), c2_r_again=str(r), c2_q_again=str(qq),
        c2_ncopies=text_num(len(terms), f"{q}.copies"), c2_entry_sum=join(terms, " + "),
        c2_entry=num(c.grad_padded[0, 0, r, qq], f"{q}.grad_pad[0][{r},{qq}]"),
    )
    for b in range(n_batch):
        slots[f"c2_x{b}"] = matrix(c.x[b, 0], f"{q}.x[{b}]")
        slots[f"c2_cols{b}"] = _block(c.cols, f"{q}.cols", b * windows, windows)
        slots[f"c2_d{b}"] = _block(c.delta_mat, f"{q}.delta_mat", b * windows, windows)
        slots[f"c2_gc{b}"] = _block(c.grad_cols, f"{q}.grad_cols", b * windows, windows)
        slots[f"c2_pad{b}"] = matrix(c.grad_padded[b, 0], f"{q}.grad_pad[{b}]")
        slots[f"c2_gx{b}"] = matrix(c.grad_input[b, 0], f"{q}.grad_x[{b}]")
    for o in range(c.w.shape[0]):
        slots[f"c2_w{o}"] = matrix(c.w[o, 0], f"{q}.w[{o}]")
    return slots


def build():
    v = mv.seed_matrix_view()
    e = mv.layer_im2col()
    strided = mv.strided_transposed()
    delta_vec = e.delta.reshape(-1)
    w00_sum = _products(
        (num_signed(e.cols[0, k], f"{P}.im2col.cols[0,{k}]"),
         num_signed(delta_vec[k], f"{P}.im2col.delta_vec[{k}]"))
        for k in range(e.cols.shape[1])
    )
    q = f"{P}.im2col"
    yield make_page(
        "general/matrix-view.md", SOURCE, TEMPLATE,
        index_base=base_sentence("general/matrix-view.md"),
        i=matrix(v.i, f"{P}.i"), w1=matrix(v.w1, f"{P}.w1"), delta1=matrix(v.delta1, f"{P}.delta1"),
        k_shape=shape_text(e.w.shape, f"{q}.w_shape"),
        x_shape=shape_text(e.x.shape, f"{q}.x_shape"),
        i_shape_again=shape_text(v.i.shape, f"{P}.i_shape"),
        n_windows=text_num(e.cols.shape[1], f"{q}.n_windows"),
        n_taps=text_num(e.cols.shape[0], f"{q}.n_taps"),
        cols_names=_pairs_matrix(e.cols_index, "X"), cols=matrix(e.cols, f"{q}.cols"),
        shape_sentence=_shape_sentence(e),
        w_row=_row_vector(e.w.reshape(-1), f"{q}.w_vec"), b=num(e.b, f"{q}.b"),
        y_row=_row_vector(e.y_by_im2col, f"{q}.y_vec"),
        delta=matrix(e.delta, f"{q}.delta"),
        w00_sum=w00_sum, w00=num(e.grad_w_by_im2col[0, 0], f"{q}.grad_w[0,0]"),
        grad_w=matrix(e.grad_w_by_im2col, f"{q}.grad_w"),
        seed_cols_shape=shape_text(v.cols.shape, f"{P}.cols_shape"),
        seed_symmetric=_seed_symmetric(v),
        j_shape=shape_text(v.jacobian.shape, f"{P}.j_shape"),
        j_symbolic=_symbolic_matrix(v.symbolic_jacobian),
        jacobian=matrix(v.jacobian, f"{P}.jacobian"),
        o1_by_jacobian=_row_vector(v.o1_by_jacobian.reshape(-1), f"{P}.o1_vec"),
        jt_sums=_jt_sums(v), grad_i=matrix(v.grad_i, f"{P}.grad_i"),
        delta1_padded=matrix(v.delta1_padded, f"{P}.delta1_padded"),
        w1_rot=matrix(v.w1_rotated, f"{P}.w1_rot"),
        grad_i_full=matrix(v.grad_i_full, f"{P}.grad_i"),
        n_stamps=text_num(len(v.stamps), f"{P}.n_windows"),
        stamps_sum=_stamps_sum(v), grad_i_again=matrix(v.grad_i, f"{P}.grad_i"),
        roundtrip=_row_vector(v.roundtrip.reshape(-1), f"{P}.roundtrip"),
        st_overlap=_overlap(strided),
        **_strided_slots(strided), **_col2im_slots(mv.col2im_example()),
    )
    yield from _figures(v, strided)
