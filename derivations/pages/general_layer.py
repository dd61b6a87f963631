"""Page general/layer.md: the three gradients of a convolution layer, derived index by index."""

from __future__ import annotations

from derivations.examples import seed
from derivations.figures import general_layer as chapter_figures
from derivations.mathematics import general_layer as gl
from derivations.notation import base_sentence
from derivations.render.general_latex import products, symbolic_latex
from derivations.render.page import fill, make_page
from derivations.render.printed_numbers import (
    Fragment,
    join,
    matrix,
    num,
    num_signed,
    shape_text,
    text_num,
)

SOURCE = "derivations/pages/general_layer.py"
P = "general_layer"


TEMPLATE = r"""
# The general convolution layer {#general-layer}

The [question](../question.md) works through one small network by hand. This chapter does the
same work once for **any** single-channel convolution layer, so that every later chapter
(stride, padding, dilation, channels) only has to adjust the bookkeeping. The notation is the
book's general one ([the notation table](../about/notation.md#general-notation)): input $X$,
kernel $W$, bias $b$, output $Y$, and the gradient that arrives from the rest of the network

$$
\delta_{u,v} = \frac{\partial C}{\partial Y_{u,v}} . \label{eq-delta}
$$

{{index_base}}

The layer computes a **cross-correlation** (the kernel is not flipped, as in PyTorch; see
[correlation versus convolution](../seed/conventions.md#correlation-vs-convolution)). For an
input of $M_X$ rows and $N_X$ columns and a kernel of $M_W$ rows and $N_W$ columns, each
output entry is

$$
Y_{u,v} = b + \sum_{m=0}^{M_W-1} \sum_{n=0}^{N_W-1} W_{m,n} \, X_{u+m,\,v+n} \label{eq-forward}
$$

for $u = \lit{0}, \dots, M_X - M_W$ and $v = \lit{0}, \dots, N_X - N_W$, so $Y$ has
$M_Y = M_X - M_W + \lit{1}$ rows and $N_Y = N_X - N_W + \lit{1}$ columns. We write this
$Y = X \star W + b$.

Whatever comes after the layer, the chain rule says how the cost $C$ changes with any
parameter $\theta$ of the layer: $C$ depends on $\theta$ only through the outputs, and
through **all** of them, so

$$
\frac{\partial C}{\partial \theta} = \sum_{u} \sum_{v} \frac{\partial C}{\partial Y_{u,v}}
\frac{\partial Y_{u,v}}{\partial \theta} = \sum_{u} \sum_{v} \delta_{u,v} \frac{\partial
Y_{u,v}}{\partial \theta} . \label{eq-chain}
$$

Everything in this chapter is this one line, with $\partial Y_{u,v} / \partial \theta$
worked out for $\theta$ a weight, an input entry and the bias.

## Index bookkeeping {#index-bookkeeping}

**A weight.** Fix one weight $W_{m,n}$. In \eqref{eq-forward} rename the summation indices
to $m', n'$ so they do not clash with it. The derivative of the double sum is the sum of the
derivatives of its terms, and the term $W_{m',n'} X_{u+m',v+n'}$ depends on $W_{m,n}$ only
when $m' = m$ and $n' = n$. Every other term, and $b$, has derivative zero:

$$
\frac{\partial Y_{u,v}}{\partial W_{m,n}} = \sum_{m'} \sum_{n'} \frac{\partial W_{m',n'}}{\partial
W_{m,n}} X_{u+m',\,v+n'} = X_{u+m,\,v+n} . \label{eq-dy-dw}
$$

Put into \eqref{eq-chain}:

$$
\frac{\partial C}{\partial W_{m,n}} = \sum_{u} \sum_{v} \delta_{u,v} \, X_{u+m,\,v+n} .
\label{eq-weight-gradient}
$$

**An input entry.** Fix $X_{a,c}$. The term $W_{m',n'} X_{u+m',v+n'}$ contains it only when
$u + m' = a$ and $v + n' = c$, that is $m' = a - u$ and $n' = c - v$; and that term exists
only if those indices lie inside the kernel ($\lit{0} \le a - u \le M_W - \lit{1}$, and the
same for columns). So output $Y_{u,v}$ depends on $X_{a,c}$ through exactly one weight,
$W_{a-u,\,c-v}$, or not at all. Agree that $W$ is zero outside its range; then

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{u} \sum_{v} \delta_{u,v} \, W_{a-u,\,c-v} .
\label{eq-input-scatter}
$$

Read it as a **scatter**: each $\delta_{u,v}$ sends $\delta_{u,v} W$ back onto the window of
$X$ that produced $Y_{u,v}$, and where windows overlap the contributions add.

![Each delta entry sends delta times W back to its window](figures/layer-scatter.svg)

*The example below, as a scatter: one copy of $\delta_{u,v} W$ per output, on its window
(blue); blank cells are zero. Their sum is $\partial C / \partial X$.*

To turn the sum into a sliding window, change variables twice. First $m = a - u$ (so
$u = a - m$), which lets the sum run over the kernel instead of over the outputs, with
$\delta$ taken as zero outside its range:

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{m=0}^{M_W-1} \sum_{n=0}^{N_W-1} W_{m,n} \,
\delta_{a-m,\,c-n} . \label{eq-input-gather}
$$

The index of $\delta$ now runs *down* while the index of $W$ runs up. Second, run the kernel
backwards: substitute $m = M_W - \lit{1} - m'$ and $n = N_W - \lit{1} - n'$, and write
$\tilde W_{m',n'} = W_{M_W-1-m',\,N_W-1-n'}$ for the kernel turned by half a turn:

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{m'=0}^{M_W-1} \sum_{n'=0}^{N_W-1} \tilde W_{m',n'} \,
\delta_{a-M_W+1+m',\,c-N_W+1+n'} . \label{eq-input-rotated}
$$

Both indices now run up together, which is a cross-correlation. The indices of $\delta$ start
$M_W - \lit{1}$ rows and $N_W - \lit{1}$ columns "before" $\delta$ begins, so surround
$\delta$ with that many rows and columns of zeros, $\operatorname{pad}(\delta)$, and the zeros
take care of every term that falls outside:

$$
\frac{\partial C}{\partial X} = \operatorname{pad}(\delta) \star \tilde W = \delta
\star_{\text{full}} \operatorname{rot}_{180}(W) . \label{eq-input-gradient}
$$

This is the "full convolution of δ with the rotated kernel" of many texts: sliding
$\operatorname{rot}_{180}(W)$ without further flipping over the zero-padded $\delta$. (A true,
flipping convolution of $\delta$ with the unrotated $W$ is the same thing, which is why both
phrasings are found.)

sympy agrees. Take the cost $C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ with $\delta$ a matrix of
symbols: its $\partial C / \partial Y$ is exactly $\delta$, so its derivatives are the
layer's gradients for every possible $\delta$ at once. Differentiating it for the
{{x_shape}} input and {{w_shape}} kernel of the example below, symbol by symbol, keeps exactly
the terms the bookkeeping predicts. {{window_count_sentence}}

$$
\begin{align*}
\frac{\partial C}{\partial X_{0,0}} &= {{sym_corner}} \\
\frac{\partial C}{\partial X_{1,2}} &= {{sym_inner}} \\
\frac{\partial C}{\partial W_{0,0}} &= {{sym_weight}}
\end{align*} \label{eq-layer-sympy}
$$

## The weight gradient {#weight-gradient}

Equation \eqref{eq-weight-gradient} is again a cross-correlation, now with $\delta$ playing
the kernel: it slides over $X$ and stays inside, so it fits in $M_X - M_Y + \lit{1} = M_W$
positions down and $N_W$ across, one per weight:

$$
\frac{\partial C}{\partial W} = X \star \delta . \label{eq-weight-gradient-correlation}
$$

Take the input, kernel, bias and upstream gradient

$$
X = {{x}}, \quad W = {{w}}, \quad b = {{b}}, \quad \delta = {{delta}} . \label{eq-layer-example}
$$

The forward pass \eqref{eq-forward} gives $Y = {{y}}$ (we only need its size: $\delta$ has the
size of $Y$). Each weight gradient entry lays $\delta$ over $X$ at offset $(m, n)$ and sums
the products, one product per output, so {{n_delta}} of them:

$$
\begin{align*}
{{grad_w_sums}}
\end{align*} \label{eq-layer-grad-w-sums}
$$

so

$$
\frac{\partial C}{\partial W} = {{grad_w}} . \label{eq-layer-grad-w}
$$

![Delta slid over the input; one window gives one entry](figures/layer-weight-gradient.svg)

*The window of $X$ under $\delta$ for the entry in the first row and second column.*

## The input gradient {#input-gradient}

For \eqref{eq-input-gradient}, pad $\delta$ with $M_W - \lit{1}$ rows and $N_W - \lit{1}$
columns of zeros on every side and rotate the kernel:

$$
\operatorname{pad}(\delta) = {{delta_padded}}, \qquad \tilde W = \operatorname{rot}_{180}(W) =
{{w_rot}} . \label{eq-layer-pad-rot}
$$

Sliding $\tilde W$ over $\operatorname{pad}(\delta)$ gives a {{x_shape}} result, the size of
$X$. Written with the scatter form \eqref{eq-input-scatter}, only the terms that survive
(windows that contain the entry) appear:

$$
\begin{align*}
{{grad_x_sums}}
\end{align*} \label{eq-layer-grad-x-sums}
$$

$$
\frac{\partial C}{\partial X} = {{grad_x}} . \label{eq-layer-grad-x}
$$

![The rotated kernel slides over the zero-padded delta](figures/layer-input-gradient.svg)

*The rotated kernel over the padded $\delta$ at the position that gives the entry in the
second row, third column; grey cells are padding zeros.*

## The bias gradient {#bias-gradient}

The bias appears once in every output with coefficient one,
$\partial Y_{u,v} / \partial b = \lit{1}$, so \eqref{eq-chain} gives

$$
\frac{\partial C}{\partial b} = \sum_{u} \sum_{v} \delta_{u,v} = {{bias_sum}} = {{grad_b}} .
\label{eq-bias-gradient}
$$

## Sum, not average {#sum-not-average}

Each weight is used at every output position, and \eqref{eq-chain} **adds** the effects.
Dividing by the number of positions is a mistake: for the example, averaging would give
$\partial C / \partial W_{0,0} = {{mean_w00}}$ instead of {{grad_w00_text}}. A finite
difference ([central differences](gradient-checking.md#central-differences)) settles it. Nudging
$W_{0,0}$ by $\pm h$ and measuring the cost $C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ (whose
$\partial C / \partial Y$ is exactly $\delta$) gives {{fd}}: {{fd_verdict}}. (If a loss is
*defined* as a mean over a batch of $B$ examples, the $\lit{1}/B$ is already inside $\delta$;
the layer itself still sums.)

## The seed as a special case {#seed-as-special-case}

{{seed_section}}
"""


def _sums_weight(e: gl.LayerExample) -> Fragment:
    lines = []
    out_h, out_w = e.delta.shape
    for m in range(e.w.shape[0]):
        for n in range(e.w.shape[1]):
            pairs = [
                (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"),
                 num_signed(e.x[i + m, j + n], f"{P}.x[{i + m},{j + n}]"))
                for i in range(out_h) for j in range(out_w)
            ]
            lines.append(
                rf"\frac{{\partial C}}{{\partial W_{{{m},{n}}}}} &= " + products(pairs)
                + " = " + num(e.grad_weight[m, n], f"{P}.grad_w[{m},{n}]")
            )
    return join(lines, " \\\\\n")


def _sums_input(e: gl.LayerExample) -> Fragment:
    lines = []
    for a in range(e.x.shape[0]):
        for c in range(e.x.shape[1]):
            terms = gl.surviving_terms(e.delta.shape, e.w.shape, a, c)
            pairs = [
                (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"),
                 num_signed(e.w[m, n], f"{P}.w[{m},{n}]"))
                for i, j, m, n in terms
            ]
            lines.append(
                rf"\frac{{\partial C}}{{\partial X_{{{a},{c}}}}} &= " + products(pairs)
                + " = " + num(e.grad_input[a, c], f"{P}.grad_x[{a},{c}]")
            )
    return join(lines, " \\\\\n")


SEED_TEMPLATE = r"""
The question's network is this layer twice. Its input $i$ is $X$, its first kernel $w^1$ is
$W$ and its first output $o^1$ is $Y$. The question numbers entries from one, row by row, and
this chapter counts rows and columns from zero, so $i_1, i_2, i_3$ is row $\lit{0}$ of $X$:

$$
X_{a,c} = i_{3a+c+1}, \qquad W_{m,n} = w^1_{2m+n+1}, \qquad Y_{u,v} = o^1_{2u+v+1} .
\label{eq-seed-bridge}
$$

The second layer slides $w^2$ over $o^1$ and has a single output $o^2_1$; the cost is
$C = (o^2_1 - y_1)^{2}$. With the example's values

$$
i = {{i}}, \quad w^1 = {{w1}}, \quad w^2 = {{w2}}, \quad y_1 = {{y}}, \label{eq-seed-example}
$$

the forward pass gives $o^1 = i \star w^1 = {{o1}}$ and $o^2_1 = {{o2}}$.

**δ for the first layer.** The second layer's own $\delta$ is one number,
$\partial C / \partial o^2_1 = \lit{2}(o^2_1 - y_1) = {{dc_do2}}$. By
\eqref{eq-input-gradient} (or simply: $o^1_k$ reaches $o^2_1$ through the single weight
$w^2_k$) the first layer receives one value *per output*:

$$
\delta^1 = \frac{\partial C}{\partial o^1} = \lit{2}(o^2_1 - y_1) \, w^2 = {{delta1}} .
\label{eq-seed-delta1}
$$

This is the question's $\partial C / \partial o^1$, but as a matrix, not added up into one
number.

**The weight gradient** \eqref{eq-weight-gradient} with $m = n = \lit{0}$ pairs each
$\delta^1_k$ with the input it multiplied:

$$
\frac{\partial C}{\partial w^1_1} = i_1 \delta^1_1 + i_2 \delta^1_2 + i_4 \delta^1_3
+ i_5 \delta^1_4 = {{w11_sum}} = {{w11}}, \label{eq-seed-grad-w11}
$$

and the whole gradient is $\partial C / \partial w^1 = i \star \delta^1 = {{grad_w1}}$. The
question multiplies two sums instead,
$(i_1 + i_2 + i_4 + i_5) \cdot \sum_k w^2_k \, \lit{2}(o^2_1 - y_1) = {{question_product}}$:
every input $i_k$ it names times every $\delta^1_k$
(see [the mistake](../seed/grad-w1.md#the-mistake)), including pairs that never met in the
forward pass. The chain rule sums over the outputs, one product
each.

**The input gradient** \eqref{eq-input-gradient} (worked in
[the seed's input gradient](../seed/grad-input.md#rot180)):
$\partial C / \partial i = \delta^1 \star_{\text{full}} \operatorname{rot}_{180}(w^1) = {{grad_i}}$.
"""

def _windows(count: int, key: str) -> Fragment:
    return text_num(count, key) + (" window" if count == 1 else " windows")


def _window_counts(e: gl.LayerExample, entries) -> Fragment:
    """How many windows reach each entry, counted from the surviving terms, not typed."""
    counts = {(a, c): len(gl.surviving_terms(e.delta.shape, e.w.shape, a, c))
              for a, c in entries}
    (a0, c0), (a1, c1) = entries
    every = ", that is by every window" if counts[(a1, c1)] == e.delta.size else ""
    return (rf"The entry $X_{{{a0},{c0}}}$ is reached by "
            + _windows(counts[(a0, c0)], f"{P}.windows_at[{a0},{c0}]")
            + rf", the entry $X_{{{a1},{c1}}}$ by "
            + _windows(counts[(a1, c1)], f"{P}.windows_at[{a1},{c1}]") + every + ":")


def _sum_or_average(estimate: float, total: float, mean: float) -> str:
    """Which of the two candidates the finite difference agrees with, read off the numbers."""
    if abs(estimate - total) < abs(estimate - mean):
        return "the sum, not the average"
    if abs(estimate - mean) < abs(estimate - total):
        return "the average, not the sum"
    raise ValueError("the finite difference cannot tell the sum from the average")


def seed_section() -> Fragment:
    """The seed network's first layer as an instance of the general rules."""
    e = gl.seed_as_special_case(seed.I, seed.W1, seed.W2, seed.TARGET)
    q = f"{P}.seed"
    w11_sum = products(
        (num_signed(e.i[r, c], f"{q}.i[{r},{c}]"),
         num_signed(e.delta1[r, c], f"{q}.delta1[{r},{c}]"))
        for r in range(e.delta1.shape[0]) for c in range(e.delta1.shape[1])
    )

    return fill(
        SEED_TEMPLATE,
        i=matrix(e.i, f"{q}.i"), w1=matrix(e.w1, f"{q}.w1"), w2=matrix(e.w2, f"{q}.w2"),
        y=num(e.y, f"{q}.y"), o1=matrix(e.o1, f"{q}.o1"), o2=num(e.o2, f"{q}.o2"),
        dc_do2=num(e.dc_do2, f"{q}.dc_do2"), delta1=matrix(e.delta1, f"{q}.delta1"),
        w11_sum=w11_sum, w11=num(e.grad_w1[0, 0], f"{q}.grad_w1[0,0]"),
        grad_w1=matrix(e.grad_w1, f"{q}.grad_w1"),
        question_product=num(e.question_product, f"{q}.question_product"),
        grad_i=matrix(e.grad_i, f"{q}.grad_i"),
    )


def build():
    e = gl.example()
    symbolic = gl.symbolic_layer(e.x.shape, e.w.shape)
    bias_terms = join(
        (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]") if (i, j) != (0, 0)
         else num(e.delta[i, j], f"{P}.delta[{i},{j}]")
         for i in range(e.delta.shape[0]) for j in range(e.delta.shape[1])),
        " + ",
    )
    m, n = e.fd_weight
    yield make_page(
        "general/layer.md", SOURCE, TEMPLATE,
        x_shape=shape_text(e.x.shape, f"{P}.x_shape"),
        w_shape=shape_text(e.w.shape, f"{P}.w_shape"),
        index_base=base_sentence("general/layer.md"),
        n_delta=text_num(e.delta.size, f"{P}.delta_size"),
        window_count_sentence=_window_counts(e, ((0, 0), (1, 2))),
        sym_corner=symbolic_latex(symbolic.input_entry(0, 0)),
        sym_inner=symbolic_latex(symbolic.input_entry(1, 2)),
        sym_weight=symbolic_latex(symbolic.weight_entry(0, 0)),
        x=matrix(e.x, f"{P}.x"), w=matrix(e.w, f"{P}.w"), b=num(e.b, f"{P}.b"),
        delta=matrix(e.delta, f"{P}.delta"), y=matrix(e.y, f"{P}.y"),
        grad_w_sums=_sums_weight(e), grad_w=matrix(e.grad_weight, f"{P}.grad_w"),
        delta_padded=matrix(e.delta_padded, f"{P}.delta_padded"),
        w_rot=matrix(e.w_rotated, f"{P}.w_rot"),
        grad_x_sums=_sums_input(e), grad_x=matrix(e.grad_input, f"{P}.grad_x"),
        bias_sum=bias_terms, grad_b=num(e.grad_bias, f"{P}.grad_b"),
        mean_w00=num(e.averaged_weight_gradient[m, n], f"{P}.grad_w_mean[{m},{n}]"),
        grad_w00_text=text_num(e.grad_weight[m, n], f"{P}.grad_w[{m},{n}]"),
        fd=text_num(e.fd_estimate, f"{P}.fd_grad_w[{m},{n}]"),
        fd_verdict=_sum_or_average(e.fd_estimate, e.grad_weight[m, n],
                                   e.averaged_weight_gradient[m, n]),
        seed_section=seed_section(),
    )
    yield from chapter_figures.figures(e)
