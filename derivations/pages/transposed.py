"""Page general/transposed.md: the transposed convolution as a layer, forward and backward."""

from __future__ import annotations

from derivations.figures import transposed as chapter_figures
from derivations.mathematics import transposed as tr
from derivations.notation import base_sentence
from derivations.render.general_latex import products, symbolic_latex
from derivations.render.page import make_page
from derivations.render.printed_numbers import (
    Fragment,
    join,
    matrix,
    num,
    num_signed,
    shape_text,
)

SOURCE = "derivations/pages/transposed.py"
P = "transposed"

TEMPLATE = r"""
# Transposed convolution as a layer {#transposed-convolution-layer}

Decoders, segmentation networks and image generators make small feature maps larger with a
**transposed convolution** (PyTorch's `ConvTranspose2d`, TensorFlow's `Conv2DTranspose`).
[The matrix view](matrix-view.md#transposed-convolution) met it as the map
$\delta \mapsto J^{\top}\delta$, the input gradient of a convolution. As a layer it is exactly
that map with a learned kernel, applied to an input $X$ instead of a gradient. This chapter
derives its forward pass, its output size and its three gradients, and works them with
numbers.

{{index_base}}

## The forward pass {#transposed-forward}

Each input entry $X_{a,c}$ **stamps** a copy of the kernel, scaled by itself, onto the output:
its tap $(m, n)$ lands on output row $s a + d m - p$ and column $s c + d n - p$. Stamps of
neighbouring inputs land $s$ apart and add where they overlap; the first and last $p$ rows and
columns of the stamps' sum are cropped, and the bias is added:

$$
Y_{u,v} = b + \sum_{s a + d m - p = u,\; s c + d n - p = v} X_{a,c} \, W_{m,n} .
\label{eq-transposed-forward}
$$

Compare [the strided input gradient](stride.md#stride-input-gradient): it is the same sum with
$\delta$ in the place of $X$. A transposed convolution is the input gradient of the
convolution with the same kernel, stride, padding and dilation, which maps a map of $Y$'s size
to one of $X$'s size; that convolution is the one it "transposes".

## The output size {#transposed-output-size}

The stamps cover $(M_X - \lit{1}) s + d(M_W - \lit{1}) + \lit{1}$ rows; cropping $p$ from each
side and adding `output_padding` rows at the bottom gives

$$
M_Y = (M_X - \lit{1}) s - \lit{2} p + d(M_W - \lit{1}) + \text{output\_padding} + \lit{1} ,
\label{eq-transposed-size}
$$

the inverse of the convolution's size formula for the input sizes the floor keeps.
`output_padding` picks among the $s$ input sizes that the convolution maps to the same output
size ([why it is needed](shapes.md#output-padding)); rows it adds past the stamps hold the
bias alone.

## The input gradient is a convolution {#transposed-input-gradient}

With $\delta = \partial C / \partial Y$, the entry $X_{a,c}$ appears in the outputs its stamp
covers, once per tap, with coefficient $W_{m,n}$. Collecting those terms, and writing
$\delta^{\text{pad}}$ for $\delta$ with $p$ zero rows and columns around it (the cropped part
of the stamps, where no output and so no gradient is):

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{m} \sum_{n} W_{m,n} \,
\delta^{\text{pad}}_{s a + d m,\; s c + d n} . \label{eq-transposed-input}
$$

That is the forward pass of an ordinary convolution ([eq. of the combined
layer](shapes.md#eq-shapes-forward)) with input $\delta$, kernel $W$, and the same stride,
padding and dilation. The transposed convolution is the convolution's backward pass; its own
backward pass is the convolution forward. No rotation appears, because none was in the forward
pass to undo.

## The weight gradient {#transposed-weight-gradient}

$W_{m,n}$ multiplies every input entry once, at the output its tap lands on:

$$
\frac{\partial C}{\partial W_{m,n}} = \sum_{a} \sum_{c} X_{a,c} \,
\delta^{\text{pad}}_{s a + d m,\; s c + d n} = \left( \delta^{\text{pad}} \star X^{(s)}
\right)_{d m,\; d n} , \label{eq-transposed-weight}
$$

where $X^{(s)}$ is $X$ with $s - \lit{1}$ zeros between neighbours. This is a convolution's
[weight gradient](shapes.md#gradient-sizes) with the roles exchanged: $\delta$ plays the
layer's input and $X$ plays the upstream gradient. The bias is added to every output:

$$
\frac{\partial C}{\partial b} = \sum_{u} \sum_{v} \delta_{u,v} . \label{eq-transposed-bias}
$$

**With channels.** PyTorch stores the kernel of `ConvTranspose2d` as
$D_X \times D_Y \times M_W \times N_W$, the layer's input channels first: it is the kernel of
the convolution being transposed, which maps $D_Y$ channels to $D_X$. Write $W_{f,g}$, as
everywhere in the book, for the slice that carries input channel $g$ to output channel $f$
(PyTorch's `weight[g, f]`); the sums over channels and batch are those of
[channels and batch](channels.md#how-channels-line-up):

$$
\begin{align*}
\frac{\partial C}{\partial X_{e,g,a,c}} &= \sum_{f} \sum_{m,n} W_{f,g,m,n} \,
\delta^{\text{pad}}_{e,f,\, s a + d m,\, s c + d n} , \\
\frac{\partial C}{\partial W_{f,g,m,n}} &= \sum_{e} \sum_{a,c} X_{e,g,a,c} \,
\delta^{\text{pad}}_{e,f,\, s a + d m,\, s c + d n} .
\end{align*}
\label{eq-transposed-channels}
$$

## Worked example {#transposed-example}

The usual doubling layer: a {{x_shape}} input, a {{w_shape}} kernel, stride $s = {{s}}$,
padding $p = {{p}}$, `output_padding` $= {{op}}$ and bias $b = {{b}}$:

$$
X = {{x}}, \qquad W = {{w}} . \label{eq-transposed-example}
$$

**Output size** \eqref{eq-transposed-size}:

$$
M_Y = ({{h}} - \lit{1}) \cdot {{s_again}} - \lit{2} \cdot {{p_again}} +
({{k}} - \lit{1}) + {{op_again}} + \lit{1} = {{h_out}} . \label{eq-transposed-example-size}
$$

**Forward.** The four stamps cover a {{canvas_shape}} block and add up to

$$
\sum_{a,c} X_{a,c} \, W \text{ placed at } (s a, s c) = {{canvas}} ;
\label{eq-transposed-example-stamps}
$$

cropping $p$ rows and columns from each side and adding $b$:

$$
Y = {{y}} . \label{eq-transposed-example-output}
$$

![Each input stamps itself times the kernel; the stamps add](figures/transposed-stamps.svg)

*Blue: where each stamp lands. The grey border of the sum is cropped by the padding.*

The entry in the middle of the overlap collects one tap from every stamp, by
\eqref{eq-transposed-forward}:

$$
Y_{ {{yr}},{{yc}} } = {{y_entry_sum}} = {{y_entry}} . \label{eq-transposed-example-entry}
$$

**Input gradient** \eqref{eq-transposed-input}. With

$$
\delta = {{delta}} , \label{eq-transposed-example-delta}
$$

the kernel slides over $\delta^{\text{pad}}$ in steps of $s$; written out, leaving out the
products with the padding:

$$
\begin{align*}
{{grad_x_sums}}
\end{align*} \label{eq-transposed-example-input-sums}
$$

$$
\frac{\partial C}{\partial X} = {{grad_x}} . \label{eq-transposed-example-input}
$$

![The input gradient: the kernel over the padded delta, stride
s](figures/transposed-input-gradient.svg)

*The highlighted window of the padded $\delta$ gives the highlighted entry; grey is padding.*

**Weight gradient** \eqref{eq-transposed-weight}: each weight pairs every input entry with
the $\delta$ entry its tap landed on (taps cropped by the padding left out):

$$
\begin{align*}
{{grad_w_sums}}
\end{align*} \label{eq-transposed-example-weight-sums}
$$

$$
\frac{\partial C}{\partial W} = {{grad_w}}, \qquad \frac{\partial C}{\partial b} = {{grad_b}} .
\label{eq-transposed-example-weight}
$$

sympy agrees. Differentiating $C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ with
\eqref{eq-transposed-forward} for these sizes:

$$
\begin{align*}
\frac{\partial C}{\partial X_{ {{sx_i}},{{sx_j}} }} &= {{sym_x}} \\
\frac{\partial C}{\partial W_{ {{sw_m}},{{sw_n}} }} &= {{sym_w}}
\end{align*} \label{eq-transposed-sympy}
$$

PyTorch's `conv_transpose2d` with these arguments gives the same $Y$, and its autograd the
same three gradients (the tests check both).
"""


def _y_entry(e: tr.TransposedExample, r: int, q: int) -> Fragment:
    s, p, d = e.stride, e.padding, e.dilation
    pairs = [
        (num_signed(e.x[i, j], f"{P}.x[{i},{j}]"), num_signed(e.w[m, n], f"{P}.w[{m},{n}]"))
        for i in range(e.x.shape[0]) for j in range(e.x.shape[1])
        for m in range(e.w.shape[0]) for n in range(e.w.shape[1])
        if s * i + d * m - p == r and s * j + d * n - p == q
    ]
    return num(e.b, f"{P}.b") + " + " + products(pairs)


def _gradient_sums(e: tr.TransposedExample, by_weight: bool) -> Fragment:
    """Each ∂C/∂X[i,j] (or ∂C/∂W[m,n]) as the sum over the forward terms that hold it: the
    other factor times the δ entry the term landed on."""
    terms = tr.scatter_terms(e.x.shape, e.w.shape, e.delta.shape, e.stride, e.padding,
                             e.dilation)
    if by_weight:
        terms = sorted(terms, key=lambda t: (t[2], t[3], t[0], t[1]))
    lines, grouped = [], {}
    for i, j, m, n, r, q in terms:
        other = (num_signed(e.x[i, j], f"{P}.x[{i},{j}]") if by_weight
                 else num_signed(e.w[m, n], f"{P}.w[{m},{n}]"))
        grouped.setdefault((m, n) if by_weight else (i, j), []).append(
            (other, num_signed(e.delta[r, q], f"{P}.delta[{r},{q}]")))
    rows, cols = e.w.shape if by_weight else e.x.shape
    for a in range(rows):
        for c in range(cols):
            if by_weight:
                head = rf"\frac{{\partial C}}{{\partial W_{{{a},{c}}}}} &= "
                total = num(e.grad_weight[a, c], f"{P}.grad_w[{a},{c}]")
            else:
                head = rf"\frac{{\partial C}}{{\partial X_{{{a},{c}}}}} &= "
                total = num(e.grad_input[a, c], f"{P}.grad_x[{a},{c}]")
            lines.append(head + products(grouped.get((a, c), [])) + " = " + total)
    return join(lines, " \\\\\n")


def build():
    e = tr.example()
    r = q = e.stride - e.padding  # canvas (s, s), under all four stamps, minus the padding
    symbolic = tr.symbolic_transposed(e.x.shape, e.w.shape, e.stride, e.padding,
                                      e.output_padding, e.dilation)
    sx, sw = (0, 0), (1, 1)
    yield make_page(
        "general/transposed.md", SOURCE, TEMPLATE,
        index_base=base_sentence("general/transposed.md"),
        x_shape=shape_text(e.x.shape, f"{P}.x_shape"),
        w_shape=shape_text(e.w.shape, f"{P}.w_shape"),
        s=num(e.stride, f"{P}.s"), p=num(e.padding, f"{P}.p"),
        op=num(e.output_padding, f"{P}.op"), b=num(e.b, f"{P}.b"),
        x=matrix(e.x, f"{P}.x"), w=matrix(e.w, f"{P}.w"),
        h=num(e.x.shape[0], f"{P}.x_shape[0]"), s_again=num(e.stride, f"{P}.s"),
        p_again=num(e.padding, f"{P}.p"), k=num(e.w.shape[0], f"{P}.w_shape[0]"),
        op_again=num(e.output_padding, f"{P}.op"), h_out=num(e.y.shape[0], f"{P}.y_shape[0]"),
        canvas_shape=shape_text(e.canvas.shape, f"{P}.canvas_shape"),
        canvas=matrix(e.canvas, f"{P}.canvas"), y=matrix(e.y, f"{P}.y"),
        yr=str(r), yc=str(q), y_entry_sum=_y_entry(e, r, q),
        y_entry=num(e.y[r, q], f"{P}.y[{r},{q}]"),
        delta=matrix(e.delta, f"{P}.delta"), grad_x_sums=_gradient_sums(e, by_weight=False),
        grad_x=matrix(e.grad_input, f"{P}.grad_x"), grad_w_sums=_gradient_sums(e, by_weight=True),
        grad_w=matrix(e.grad_weight, f"{P}.grad_w"), grad_b=num(e.grad_bias, f"{P}.grad_b"),
        sx_i=str(sx[0]), sx_j=str(sx[1]), sw_m=str(sw[0]), sw_n=str(sw[1]),
        sym_x=symbolic_latex(symbolic.input_entry(*sx)),
        sym_w=symbolic_latex(symbolic.weight_entry(*sw), per_line=2),
    )
    yield from chapter_figures.figures(e)
