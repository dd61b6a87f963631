"""Page general/bias-relu-pooling.md: a shared bias, ReLU, max and average pooling, worked."""

from __future__ import annotations

from derivations.figures.bias_relu_pooling import (
    avg_pool_figure,
    max_pool_figure,
    overlap_figure,
    tie_rules_figure,
)
from derivations.mathematics import bias_relu_pooling as brp
from derivations.notation import base_sentence
from derivations.render.page import Asset, make_page
from derivations.render.printed_numbers import (
    Fragment,
    join,
    lit,
    matrix,
    num,
    num_signed,
    text_num,
)

SOURCE = "derivations/pages/bias_relu_pooling.py"
P = "bias_relu_pooling"

TEMPLATE = r"""
# Bias, ReLU and pooling {#bias-relu-pooling}

A convolution layer rarely stands alone. Its output gets a bias, goes through an
activation such as ReLU, and is often pooled. Each of these is a simple operation with a
simple local derivative, and backpropagation through it is one application of the chain
rule: multiply the gradient that arrives from above by that local derivative and, where one
quantity is used in several places, **add** the contributions. The notation is the one of
[the general layer](layer.md#general-layer) and of
[channels and batch](channels.md#channels-and-batch): $\delta = \partial C / \partial Y$ is
the gradient that arrives at a layer's output.

{{index_base}}

## A bias shared over positions {#shared-bias}

A convolution has one bias per output channel, not one per output position: the same $b_f$
is added to every entry of channel $f$, for every example $e$ of the batch,

$$
Y_{e,f,u,v} = b_f + \sum_{g} \sum_{m} \sum_{n} W_{f,g,m,n} \, X_{e,g,u+m,v+n} .
\label{eq-bias-forward}
$$

So $\partial Y_{e,f,u,v} / \partial b_f = \lit{1}$ for **every** $e$, $u$ and $v$ (and zero
for the other channels), and the chain rule adds one term per use:

$$
\frac{\partial C}{\partial b_f} = \sum_{e} \sum_{u} \sum_{v} \frac{\partial C}{\partial
Y_{e,f,u,v}} \cdot \lit{1} = \sum_{e} \sum_{u} \sum_{v} \delta_{e,f,u,v} .
\label{eq-shared-bias}
$$

This is [the bias gradient of the general layer](layer.md#bias-gradient) with the batch
added, as in [channels and batch](channels.md#channels-and-batch). For a batch of
examples $e = {{example_indices}}$ and one output channel ($f = \lit{0}$), with

$$
\delta_{0,0} = {{delta_first}}, \qquad \delta_{1,0} = {{delta_second}}, \label{eq-bias-example}
$$

the sum runs over both examples and all positions:

$$
\begin{align*}
\sum_{u,v} \delta_{0,0,u,v} &= {{sum_first_terms}} = {{sum_first}} \\
\sum_{u,v} \delta_{1,0,u,v} &= {{sum_second_terms}} = {{sum_second}} \\
\frac{\partial C}{\partial b_0} &= {{sum_first_again}} + {{sum_second_signed}} = {{grad_b}} .
\end{align*} \label{eq-bias-sums}
$$

It is a sum, not an average over positions or examples: the bias really is used
{{uses}} times here, and nudging it by $h$ moves all {{uses_again}} outputs by $h$. If the
loss is defined as a *mean* over the batch of $B$ examples, the factor $\lit{1}/B$ is already
inside $\delta$, and the layer still sums what it receives.

## ReLU in the chain {#relu}

Usually the convolution's output $Z = X \star W + b$ (the *pre-activation*) goes through a
rectifier, $A = \operatorname{ReLU}(Z) = \max(Z, \lit{0})$ entry by entry, and the rest of
the network sees only $A$. The gradient that arrives is $\partial C / \partial A$; the
convolution needs $\delta = \partial C / \partial Z$. Each $A_{u,v}$ depends on $Z_{u,v}$
alone, with slope one where $Z_{u,v} > \lit{0}$ and zero where $Z_{u,v} < \lit{0}$, so

$$
\delta_{u,v} = \frac{\partial C}{\partial Z_{u,v}} = \frac{\partial C}{\partial A_{u,v}} \cdot
\lit{1}[Z_{u,v} > \lit{0}] . \label{eq-relu}
$$

Here $\lit{1}[\ldots]$ is one when the condition holds and zero otherwise. The upstream
gradient is **masked**: it passes where the pre-activation was positive and is
stopped everywhere else. That $\delta$ then enters the convolution's own rules
([weights](layer.md#weight-gradient), [input](layer.md#input-gradient)) unchanged.

With

$$
Z = {{z}}, \qquad \frac{\partial C}{\partial A} = {{upstream}}, \label{eq-relu-example}
$$

the mask and the masked gradient are

$$
\lit{1}[Z > \lit{0}] = {{mask}}, \qquad \delta = {{delta}} . \label{eq-relu-mask}
$$

**What happens at exactly zero.** {{zeros_sentence}}, and there ReLU has a
corner: its slope is zero to the left and one to the right, so it has no derivative. Any
value between the two is a valid *subgradient*, and a library has to pick one. PyTorch picks
**zero**: its ReLU backward keeps the gradient only where the input is strictly positive,
which is \eqref{eq-relu} as written, and is why {{zeros_again}} of $\delta$ are zero.
The numbers show the corner. Nudging $Z_{ {{kink_row}},{{kink_col}} }$ by $h = {{step}}$ and
measuring the cost $C = \sum_{u,v} (\partial C / \partial A_{u,v}) \, A_{u,v}$ (whose
$\partial C / \partial A$ is the matrix above):

| difference | value |
|---|---|
| to the right, $(C(Z + h) - C(Z)) / h$ | {{right}} |
| to the left, $(C(Z) - C(Z - h)) / h$ | {{left}} |
| central, $(C(Z + h) - C(Z - h)) / \lit{2}h$ | {{central}} |

{{kink_reading}} That is why a
[gradient check](gradient-checking.md#central-differences) should use points where no
pre-activation sits at a kink. With real-valued data exact zeros are rare, but they do
happen: with integer inputs, or where a window sees only padding and the bias is zero.

## Max pooling {#max-pooling}

Max pooling with a $K \times K$ window and stride $s$ keeps the largest entry of each window,

$$
P_{u,v} = \max_{\lit{0} \le m, n < K} X_{s u + m,\, s v + n} . \label{eq-max-pool-forward}
$$

Within one window the maximum depends on the winning entry with slope one and on the others
with slope zero (a small nudge does not change which entry wins). So the gradient of each
output is **routed** to the entry that won, and nowhere else:

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{u} \sum_{v} \frac{\partial C}{\partial P_{u,v}}
\cdot \lit{1}[(a, c) \text{ is the winner of window } (u, v)] . \label{eq-max-pool}
$$

When windows overlap ($s < K$) an entry can win several windows, and the sum adds what each
one sends. Take a {{x_shape}} input, {{size_text}}×{{size_text_again}} windows and stride
{{stride_text}}:

$$
X = {{x}}, \qquad P = {{pooled}}, \qquad \frac{\partial C}{\partial P} = {{max_upstream}} .
\label{eq-max-pool-example}
$$

Window by window:

$$
\begin{align*}
{{routes}}
\end{align*} \label{eq-max-pool-routes}
$$

and every other entry gets zero:

$$
\frac{\partial C}{\partial X} = {{max_grad}} . \label{eq-max-pool-grad}
$$

![Each window's maximum receives its output's gradient](figures/max-pool.svg)

*Green, outlined cells are the winners; the yellow cell tied for the maximum but lost.*

**Ties.** In window $({{tie_window}})$ the maximum {{tie_value}} is reached
{{tie_count}}, at {{tie_cells}}. The maximum has a corner there, like ReLU at zero, and a
convention decides.
PyTorch scans each window row by row, left to right, and keeps the first entry that is
strictly larger than everything before it, so the **first maximum in reading order** wins
and receives the whole gradient; {{tie_losers}}. That is the matrix above.
Another valid choice shares the gradient equally among the tied entries:

$$
\frac{\partial C}{\partial X} \text{ (shared ties)} = {{max_grad_split}} .
\label{eq-max-pool-shared}
$$

{{tie_totals}}; they differ only in where it lands. Code that must agree with PyTorch to the
last entry has to use the first-maximum rule.
[Ties](#max-pool-ties) compares these with TensorFlow and with a tempting naive rule that
sends more gradient than the window received.

## Average pooling {#average-pooling}

Average pooling replaces each window by its mean,

$$
P_{u,v} = \frac{\lit{1}}{K^{2}} \sum_{m} \sum_{n} X_{s u + m,\, s v + n},
\label{eq-average-pool-forward}
$$

so every entry of the window has the same slope $\lit{1}/K^{2}$ and the gradient is **spread
equally**:

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{(u,v) \,:\, (a,c) \in \text{window}(u,v)}
\frac{\lit{1}}{K^{2}} \frac{\partial C}{\partial P_{u,v}} . \label{eq-average-pool}
$$

On the same input, with $K^{2} = {{window_size}}$ entries per window,

$$
P = {{avg_pooled}}, \qquad \frac{\partial C}{\partial P} = {{avg_upstream}},
\label{eq-average-pool-example}
$$

each window's entries receive

$$
\begin{align*}
{{spreads}}
\end{align*} \label{eq-average-pool-spreads}
$$

so

$$
\frac{\partial C}{\partial X} = {{avg_grad}} . \label{eq-average-pool-grad}
$$

![Each output's gradient shared equally by its window](figures/avg-pool.svg)

*Shading marks the windows; {{overlap_caption}}.*

Average pooling is a convolution, applied to each channel on its own, with a constant
$K \times K$ kernel of value $\lit{1}/K^{2}$ and the pooling's stride $s$
({{stride_here}}), so this is the [strided input gradient](stride.md#stride) of that kernel in
disguise.

## Pooling, channel by channel {#pooling-per-channel}

Pooling never mixes channels or examples: each window lies inside one channel of one
example,

$$
P_{e,g,u,v} = \max_{\lit{0} \le m, n < K} X_{e,g,\, s u + m,\, s v + n} ,
\label{eq-pool-per-channel}
$$

so $\partial C / \partial X_{e,g}$ is computed from $\partial C / \partial P_{e,g}$ alone, by the
single-channel rules above, and a layer with $D_X$ channels and a batch of $B$ is $B D_X$
independent poolings. (This is where pooling differs from a convolution, whose
[input gradient sums over output channels](channels.md#how-channels-line-up).) The examples
on this page are one channel of one example.

## Overlapping windows {#overlapping-pooling}

With a stride smaller than the window ($s < K$, as AlexNet's {{ov_size}}×{{ov_size_again}}
windows with stride {{ov_stride}}) neighbouring windows share entries, and an entry that is
the maximum of several windows collects the gradient of each: the sum in \eqref{eq-max-pool}
has several non-zero terms. On a {{ov_shape}} input,

$$
X = {{ov_x}}, \qquad P = {{ov_pooled}}, \qquad \frac{\partial C}{\partial P} = {{ov_upstream}} .
\label{eq-overlap-example}
$$

The centre entry $X_{ {{ov_a}},{{ov_c}} } = {{ov_value}}$ lies in all four windows and is the
maximum of {{ov_count}} of them, so

$$
\frac{\partial C}{\partial X_{ {{ov_a_again}},{{ov_c_again}} }} = {{ov_sum}} = {{ov_total}},
\qquad \frac{\partial C}{\partial X} = {{ov_grad}} . \label{eq-overlap-grad}
$$

![Overlapping windows: one entry collects the gradients of three
windows](figures/max-pool-overlap.svg)

*Green, outlined: the windows' maxima; the centre (black outline) wins three windows.*

Average pooling over the same windows, with $\partial C / \partial P = {{ov_avg_upstream}}$,
gives every entry one share $\lit{1}/K^{2}$ per window that contains it, so the shared row
and column collect from two or four windows:

$$
\frac{\partial C}{\partial X} = {{ov_avg_grad}} . \label{eq-overlap-avg-grad}
$$

## Global average pooling {#global-average-pooling}

Global average pooling, the usual last step before a classifier, averages each channel over
all its $M_X N_X$ positions:

$$
P_{e,g} = \frac{\lit{1}}{M_X N_X} \sum_{a} \sum_{c} X_{e,g,a,c}, \qquad
\frac{\partial C}{\partial X_{e,g,a,c}} = \frac{\lit{1}}{M_X N_X} \,
\frac{\partial C}{\partial P_{e,g}} . \label{eq-global-average-pool}
$$

Every position of a channel receives the same share. With two channels of size
{{gap_shape}} ($M_X N_X = {{gap_hw}}$),

$$
X_{0,0} = {{gap_x0}}, \quad X_{0,1} = {{gap_x1}}, \qquad P = {{gap_pooled}}, \qquad
\frac{\partial C}{\partial P} = {{gap_upstream}}, \label{eq-gap-example}
$$

$$
\frac{\partial C}{\partial X_{0,0}} = {{gap_g0}}, \qquad \frac{\partial C}{\partial X_{0,1}}
= {{gap_g1}} . \label{eq-gap-grad}
$$

## Ties: PyTorch, TensorFlow and the naive rule {#max-pool-ties}

Back to the tie in [the max-pooling example](#max-pooling): window
$({{rules_i}}, {{rules_j}})$ has its maximum at {{rules_cells}}, and its output received
$\partial C / \partial P = {{rules_g}}$. Three rules are in use:

| rule | who uses it | tied entries receive | total sent into the window |
|---|---|---|---|
{{rules_rows}}

PyTorch's CPU kernel and TensorFlow's CPU kernel (`MaxPoolGrad`) both scan the window in
reading order and replace the maximum only on a strictly larger value, so the first tied
entry takes everything (`tensorflow/tensorflow#4886` shows it on a window of four);
GPU kernels (cuDNN) also pick a single entry, not necessarily the first.
TensorFlow's `tf.reduce_max`, a maximum over a whole tensor, shares equally instead. The
naive rule, "every entry equal to the maximum gets the gradient", was the old Caffe and
Theano behaviour and is what a from-scratch `grad * (x == x.max())` does.

![The tied window under each rule](figures/max-pool-ties.svg)

**Why the naive rule is wrong.** Move both tied entries up together by $h = {{rules_h}}$. The
maximum of the window rises by exactly $h$, so the cost changes by
$\partial C / \partial P \cdot h$:

$$
\frac{C(X \text{ with both tied entries raised by } h) - C(X)}{h} = {{rules_measured}} .
\label{eq-ties-measured}
$$

A gradient must predict that change as the sum of its entries over the moved cells:

$$
\text{first maximum: } {{pred_first}}, \qquad \text{shared: } {{pred_shared}}, \qquad
\text{naive: } {{pred_naive}} . \label{eq-ties-predicted}
$$

The first two agree with the measurement; the naive rule predicts
{{rules_count}} times the change, because it sends {{rules_count_again}} copies of the
output's gradient into a window that received one. In general the valid choices at a tie
(subgradients) are the ways of splitting $\partial C / \partial P$ among the tied entries with
shares that add up to one; the naive rule's shares add up to the number of ties. In
training the extra gradient is rare with real-valued inputs, but it appears after ReLU
(whole windows of zeros tie) and with quantised or integer inputs.
"""


def _terms(values, key_of) -> Fragment:
    """v₁ + v₂ + …, the first as printed, the others in parentheses when negative."""
    return join(
        (num(v, key_of(index)) if index == 0 else num_signed(v, key_of(index))
         for index, v in enumerate(values)),
        " + ",
    )


def _bias_slots(e: brp.BiasExample) -> dict:
    n, _, h, w = e.delta.shape
    first = [(i, j) for i in range(h) for j in range(w)]

    def terms(example: int) -> Fragment:
        return _terms([e.delta[example, 0, i, j] for i, j in first],
                      lambda k: f"{P}.bias_delta{example}[{first[k][0]},{first[k][1]}]")

    return dict(
        example_indices=", ".join(rf"\lit{{{k}}}" for k in range(n)),
        delta_first=matrix(e.delta[0, 0], f"{P}.bias_delta0"),
        delta_second=matrix(e.delta[1, 0], f"{P}.bias_delta1"),
        sum_first_terms=terms(0), sum_first=num(e.per_example[0], f"{P}.bias_sum[0]"),
        sum_second_terms=terms(1), sum_second=num(e.per_example[1], f"{P}.bias_sum[1]"),
        sum_first_again=num(e.per_example[0], f"{P}.bias_sum[0]"),
        sum_second_signed=num_signed(e.per_example[1], f"{P}.bias_sum[1]"),
        grad_b=num(e.grad_bias[0], f"{P}.grad_b[0]"),
        uses=text_num(n * h * w, f"{P}.bias_uses"),
        uses_again=text_num(n * h * w, f"{P}.bias_uses"),
    )


def _relu_slots(e: brp.ReluExample) -> dict:
    zeros = int((e.z == 0).sum())
    return dict(
        zeros_sentence="$Z$ has " + text_num(zeros, f"{P}.relu_zero_count")
        + (" entry that is" if zeros == 1 else " entries that are") + " exactly zero",
        zeros_again=("that entry" if zeros == 1 else "those "
                     + text_num(zeros, f"{P}.relu_zero_count") + " entries"),
        kink_row=str(e.kink[0]), kink_col=str(e.kink[1]),
        kink_reading=_kink_reading(e),
        z=matrix(e.z, f"{P}.relu_z"), upstream=matrix(e.upstream, f"{P}.relu_upstream"),
        mask=matrix(e.mask, f"{P}.relu_mask"), delta=matrix(e.delta, f"{P}.relu_delta"),
        step=num(e.step, f"{P}.relu_step"),
        right=text_num(e.right_derivative, f"{P}.relu_right"),
        left=text_num(e.left_derivative, f"{P}.relu_left"),
        central=text_num(e.central_difference, f"{P}.relu_central"),
    )


def _kink_reading(e: brp.ReluExample) -> str:
    """What the three differences at the kink show, checked against the numbers first."""
    right, left, central = e.right_derivative, e.left_derivative, e.central_difference
    tolerance = 1e-9  # the cost is piecewise linear: the differences are exact up to rounding
    if not (abs(right - e.upstream[e.kink]) < tolerance and abs(left) < tolerance
            and abs(central - (right + left) / 2) < tolerance and abs(right - left) > tolerance):
        raise ValueError("the ReLU example no longer shows a kink the way the page says")
    return ("The right-hand slope is the upstream gradient, the left-hand one is zero, and the "
            "central difference lands halfway, matching neither convention.")


def _tie_sentences(e: brp.PoolingExample) -> dict:
    """Which window ties, how often, and what each rule sends: read off the example."""
    ti, tj = e.tie_window
    window = [(ti * e.stride + m, tj * e.stride + n) for m in range(e.size) for n in range(e.size)]
    first = sum(e.max_grad[a, c] for a, c in window)
    shared = sum(e.max_grad_split[a, c] for a, c in window)
    if not first == shared == e.max_upstream[ti, tj]:
        raise ValueError("the two tie rules do not send the same total into the window")
    count = len(e.tied)
    return dict(
        tie_window=rf"\lit{{{ti}}}, \lit{{{tj}}}",
        tie_count="twice" if count == 2 else f"{count} times",
        tie_losers=("the other tied entry gets zero" if count == 2
                    else "the other tied entries get zero"),
        tie_totals=(("Both" if count >= 2 else "The two") + " rules send the same total, "
                    + text_num(e.max_upstream[ti, tj], f"{P}.max_upstream[{ti},{tj}]")
                    + ", into the window"),
    )


def _routes(e: brp.PoolingExample) -> Fragment:
    lines = []
    for (i, j), (a, c) in sorted(e.winners.items()):
        lines.append(
            rf"\text{{window }} (\lit{{{i}}}, \lit{{{j}}}) &: \quad \max = X_{{{a},{c}}} = "
            + num(e.x[a, c], f"{P}.pool_x[{a},{c}]")
            + rf", \quad X_{{{a},{c}}} \text{{ receives }} "
            + rf"\frac{{\partial C}}{{\partial P_{{{i},{j}}}}} = "
            + num(e.max_upstream[i, j], f"{P}.max_upstream[{i},{j}]")
        )
    return join(lines, " \\\\\n")


def _spreads(e: brp.PoolingExample) -> Fragment:
    lines = []
    for i, j, _, _ in brp.pool_windows(e.x.shape, e.size, e.stride):
        lines.append(
            rf"\text{{window }} (\lit{{{i}}}, \lit{{{j}}}) &: \quad "
            + num(e.avg_upstream[i, j], f"{P}.avg_upstream[{i},{j}]")
            + r" \,/\, " + num(e.size**2, f"{P}.window_size") + " = "
            + num(e.avg_upstream[i, j] / e.size**2, f"{P}.avg_share[{i},{j}]")
        )
    return join(lines, " \\\\\n")


def _pool_slots(e: brp.PoolingExample) -> dict:
    ti, tj = e.tie_window
    tie_cells = join((f"$X_{{{a},{c}}}$" for a, c in e.tied), " and ")
    return dict(
        x_shape=join((text_num(s, f"{P}.pool_x_shape[{d}]") for d, s in enumerate(e.x.shape)),
                     "×"),
        size_text=text_num(e.size, f"{P}.pool_size"),
        size_text_again=text_num(e.size, f"{P}.pool_size"),
        stride_text=text_num(e.stride, f"{P}.pool_stride"),
        x=matrix(e.x, f"{P}.pool_x"), pooled=matrix(e.max_out, f"{P}.max_out"),
        max_upstream=matrix(e.max_upstream, f"{P}.max_upstream"), routes=_routes(e),
        max_grad=matrix(e.max_grad, f"{P}.max_grad"),
        tie_value=text_num(e.max_out[ti, tj], f"{P}.max_out[{ti},{tj}]"),
        tie_cells=tie_cells,
        max_grad_split=matrix(e.max_grad_split, f"{P}.max_grad_split"),
        **_tie_sentences(e),
        overlap_caption=("with stride equal to the window size they do not overlap"
                         if e.stride == e.size else
                         "with a stride smaller than the window they overlap"
                         if e.stride < e.size else "with a stride larger than the window "
                         "some entries are in no window"),
        stride_here=("here $s = K$" if e.stride == e.size else "here $s \\neq K$"),
        window_size=num(e.size**2, f"{P}.window_size"),
        avg_pooled=matrix(e.avg_out, f"{P}.avg_out"),
        avg_upstream=matrix(e.avg_upstream, f"{P}.avg_upstream"), spreads=_spreads(e),
        avg_grad=matrix(e.avg_grad, f"{P}.avg_grad"),
    )


def _overlap_slots(o: brp.OverlapExample) -> dict:
    a, c = o.shared_cell
    terms = join((num(o.upstream[w], f"{P}.ov_upstream[{w[0]},{w[1]}]") if k == 0 else
                  num_signed(o.upstream[w], f"{P}.ov_upstream[{w[0]},{w[1]}]")
                  for k, w in enumerate(o.shared_windows)), " + ")
    return dict(
        ov_size=text_num(o.size, f"{P}.ov_size"), ov_size_again=text_num(o.size, f"{P}.ov_size"),
        ov_stride=text_num(o.stride, f"{P}.ov_stride"),
        ov_shape=join((text_num(v, f"{P}.ov_x_shape[{d}]") for d, v in enumerate(o.x.shape)),
                      "×"),
        ov_x=matrix(o.x, f"{P}.ov_x"), ov_pooled=matrix(o.max_out, f"{P}.ov_max_out"),
        ov_upstream=matrix(o.upstream, f"{P}.ov_upstream"),
        ov_a=str(a), ov_c=str(c), ov_a_again=str(a), ov_c_again=str(c),
        ov_value=num(o.x[a, c], f"{P}.ov_x[{a},{c}]"),
        ov_count=text_num(len(o.shared_windows), f"{P}.ov_count"),
        ov_sum=terms, ov_total=num(o.max_grad[a, c], f"{P}.ov_max_grad[{a},{c}]"),
        ov_grad=matrix(o.max_grad, f"{P}.ov_max_grad"),
        ov_avg_upstream=matrix(o.avg_upstream, f"{P}.ov_avg_upstream"),
        ov_avg_grad=matrix(o.avg_grad, f"{P}.ov_avg_grad"),
    )


def _gap_slots(g: brp.GlobalAverageExample) -> dict:
    h, w = g.x.shape[2:]
    row, up = matrix(g.pooled, f"{P}.gap_pooled"), matrix(g.upstream, f"{P}.gap_upstream")
    return dict(
        gap_shape=text_num(h, f"{P}.gap_shape[0]") + "×" + text_num(w, f"{P}.gap_shape[1]"),
        gap_hw=num(h * w, f"{P}.gap_hw"),
        gap_x0=matrix(g.x[0, 0], f"{P}.gap_x[0]"), gap_x1=matrix(g.x[0, 1], f"{P}.gap_x[1]"),
        gap_pooled=row, gap_upstream=up,
        gap_g0=matrix(g.grad[0, 0], f"{P}.gap_grad[0]"),
        gap_g1=matrix(g.grad[0, 1], f"{P}.gap_grad[1]"),
    )


RULES = (
    ("first", "first maximum in reading order", "PyTorch, TensorFlow (CPU kernels)"),
    ("shared", "equal shares", "TensorFlow's `tf.reduce_max`"),
    ("naive", "every tied maximum gets all of it", "old Caffe and Theano, `grad * (x == max)`"),
)


def _tie_slots(t: brp.TieRules) -> dict:
    rows = []
    for name, rule, who in RULES:
        grad = getattr(t, name)
        cells = join((f"$X_{{{a},{c}}}$: " + text_num(grad[a, c], f"{P}.tie_{name}[{a},{c}]")
                      for a, c in t.tied), ", ")
        rows.append(f"| {rule} | {who} | " + cells + " | "
                    + text_num(t.predicted[name], f"{P}.tie_total_{name}") + " |")
    return dict(
        rules_i=lit(t.window[0]), rules_j=lit(t.window[1]),
        rules_cells=join((f"$X_{{{a},{c}}}$" for a, c in t.tied), " and "),
        rules_g=num(t.upstream, f"{P}.max_upstream[{t.window[0]},{t.window[1]}]"),
        rules_rows=join(rows, "\n"), rules_h=num(t.step, f"{P}.tie_step"),
        rules_measured=num(t.measured, f"{P}.tie_measured"),
        pred_first=num(t.predicted["first"], f"{P}.tie_total_first"),
        pred_shared=num(t.predicted["shared"], f"{P}.tie_total_shared"),
        pred_naive=num(t.predicted["naive"], f"{P}.tie_total_naive"),
        rules_count=text_num(len(t.tied), f"{P}.tie_count"),
        rules_count_again=text_num(len(t.tied), f"{P}.tie_count"),
    )


def _figures(e: brp.PoolingExample) -> list[Asset]:
    losers = [cell for cell in e.tied if cell != e.winners[e.tie_window]]
    return [max_pool_figure(e.x, e.max_out, e.winners, losers, e.max_upstream, e.max_grad),
            avg_pool_figure(e.avg_upstream, e.avg_grad, e.size, e.stride)]


def _depth_figures(o: brp.OverlapExample, t: brp.TieRules) -> list[Asset]:
    return [overlap_figure(o.x, o.winners, o.shared_cell, o.max_grad, o.size, o.stride),
            tie_rules_figure(t.x, t.tied, [(name, getattr(t, name))
                                           for name in ("first", "shared", "naive")])]


def build():
    pooling, overlap, ties = brp.pooling_example(), brp.overlap_example(), brp.tie_rules()
    yield make_page(
        "general/bias-relu-pooling.md", SOURCE, TEMPLATE,
        index_base=base_sentence("general/bias-relu-pooling.md"),
        **_bias_slots(brp.bias_example()), **_relu_slots(brp.relu_example()),
        **_pool_slots(pooling), **_overlap_slots(overlap),
        **_gap_slots(brp.global_average_example()), **_tie_slots(ties),
    )
    yield from _figures(pooling)
    yield from _depth_figures(overlap, ties)
