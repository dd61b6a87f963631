"""Page general/bias-relu-pooling.md: a shared bias, ReLU, max and average pooling, worked."""

from __future__ import annotations

from derivations.figures.bias_relu_pooling import (
    avg_pool_figure,
    max_pool_figure,
    overlap_figure,
    tie_rules_figure,
)
from derivations.mathematics import bias_relu_pooling as brp
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
[the general layer](layer.md#general-layer): $\delta = \partial C / \partial Y$ is the
gradient that arrives at a layer's output.

## A bias shared over positions {#shared-bias}

A convolution has one bias per output channel, not one per output position: the same $b_o$
is added to every entry of channel $o$, for every example $n$ of the batch,

$$
Y_{n,o,i,j} = b_o + \sum_{c} \sum_{m} \sum_{l} W_{o,c,m,l} \, X_{n,c,i+m,j+l} .
$$

So $\partial Y_{n,o,i,j} / \partial b_o = \lit{1}$ for **every** $n$, $i$ and $j$ (and zero
for the other channels), and the chain rule adds one term per use:

$$
\frac{\partial C}{\partial b_o} = \sum_{n} \sum_{i} \sum_{j} \frac{\partial C}{\partial
Y_{n,o,i,j}} \cdot \lit{1} = \sum_{n} \sum_{i} \sum_{j} \delta_{n,o,i,j} .
\label{eq-shared-bias}
$$

This is [the bias gradient of the general layer](layer.md#bias-gradient) with the batch
added, as in [channels and batch](channels.md#channels-and-batch). For a batch of two
examples ($n = \lit{0}, \lit{1}$) and one output channel ($o = \lit{0}$), with

$$
\delta_{0,0} = {{delta_first}}, \qquad \delta_{1,0} = {{delta_second}},
$$

the sum runs over both examples and all positions:

$$
\begin{align*}
\sum_{i,j} \delta_{0,0,i,j} &= {{sum_first_terms}} = {{sum_first}} \\
\sum_{i,j} \delta_{1,0,i,j} &= {{sum_second_terms}} = {{sum_second}} \\
\frac{\partial C}{\partial b_0} &= {{sum_first_again}} + {{sum_second_signed}} = {{grad_b}} .
\end{align*}
$$

It is a sum, not an average over positions or examples: the bias really is used
{{uses}} times here, and nudging it by $h$ moves all {{uses_again}} outputs by $h$. If the
loss is defined as a *mean* over the batch, the factor $\lit{1}/N$ is already inside
$\delta$, and the layer still sums what it receives.

## ReLU in the chain {#relu}

Usually the convolution's output $Z = X \star W + b$ (the *pre-activation*) goes through a
rectifier, $A = \operatorname{ReLU}(Z) = \max(Z, \lit{0})$ entry by entry, and the rest of
the network sees only $A$. The gradient that arrives is $\partial C / \partial A$; the
convolution needs $\delta = \partial C / \partial Z$. Each $A_{i,j}$ depends on $Z_{i,j}$
alone, with slope one where $Z_{i,j} > \lit{0}$ and zero where $Z_{i,j} < \lit{0}$, so

$$
\delta_{i,j} = \frac{\partial C}{\partial Z_{i,j}} = \frac{\partial C}{\partial A_{i,j}} \cdot
\lit{1}[Z_{i,j} > \lit{0}] . \label{eq-relu}
$$

Here $\lit{1}[\ldots]$ is one when the condition holds and zero otherwise. The upstream
gradient is **masked**: it passes where the pre-activation was positive and is
stopped everywhere else. That $\delta$ then enters the convolution's own rules
([weights](layer.md#weight-gradient), [input](layer.md#input-gradient)) unchanged.

With

$$
Z = {{z}}, \qquad \frac{\partial C}{\partial A} = {{upstream}},
$$

the mask and the masked gradient are

$$
\lit{1}[Z > \lit{0}] = {{mask}}, \qquad \delta = {{delta}} .
$$

**What happens at exactly zero.** Two entries of $Z$ are exactly zero, and there ReLU has a
corner: its slope is zero to the left and one to the right, so it has no derivative. Any
value between the two is a valid *subgradient*, and a library has to pick one. PyTorch picks
**zero**: its ReLU backward keeps the gradient only where the input is strictly positive,
which is \eqref{eq-relu} as written, and is why those two entries of $\delta$ are zero.
The numbers show the corner. Nudging $Z_{0,2}$ by $h = {{step}}$ and measuring the cost
$C = \sum_{i,j} (\partial C / \partial A_{i,j}) \, A_{i,j}$:

| difference | value |
|---|---|
| to the right, $(C(Z + h) - C(Z)) / h$ | {{right}} |
| to the left, $(C(Z) - C(Z - h)) / h$ | {{left}} |
| central, $(C(Z + h) - C(Z - h)) / \lit{2}h$ | {{central}} |

The right-hand slope is the upstream gradient, the left-hand one is zero, and the central
difference lands halfway, matching neither convention. That is why a
[gradient check](gradient-checking.md#central-differences) should use points where no
pre-activation sits at a kink. With real-valued data exact zeros are rare, but they do
happen: with integer inputs, or where a window sees only padding and the bias is zero.

## Max pooling {#max-pooling}

Max pooling with a $k \times k$ window and stride $s$ keeps the largest entry of each window,

$$
P_{i,j} = \max_{\lit{0} \le m, n < k} X_{s i + m,\, s j + n} .
$$

Within one window the maximum depends on the winning entry with slope one and on the others
with slope zero (a small nudge does not change which entry wins). So the gradient of each
output is **routed** to the entry that won, and nowhere else:

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{i} \sum_{j} \frac{\partial C}{\partial P_{i,j}}
\cdot \lit{1}[(a, c) \text{ is the winner of window } (i, j)] . \label{eq-max-pool}
$$

When windows overlap ($s < k$) an entry can win several windows, and the sum adds what each
one sends. Take a {{x_shape}} input, {{size_text}}×{{size_text_again}} windows and stride
{{stride_text}}:

$$
X = {{x}}, \qquad P = {{pooled}}, \qquad \frac{\partial C}{\partial P} = {{max_upstream}} .
$$

Window by window:

$$
\begin{align*}
{{routes}}
\end{align*}
$$

and every other entry gets zero:

$$
\frac{\partial C}{\partial X} = {{max_grad}} .
$$

![Each window's maximum receives its output's gradient](figures/max-pool.svg)

*Green, outlined cells are the winners; the yellow cell tied for the maximum but lost.*

**Ties.** In the last window the maximum {{tie_value}} is reached twice, at
{{tie_cells}}. The maximum has a corner there, like ReLU at zero, and a convention decides.
PyTorch scans each window row by row, left to right, and keeps the first entry that is
strictly larger than everything before it, so the **first maximum in reading order** wins
and receives the whole gradient; the other tied entry gets zero. That is the matrix above.
Another valid choice shares the gradient equally among the tied entries:

$$
\frac{\partial C}{\partial X} \text{ (shared ties)} = {{max_grad_split}} .
$$

Both send the same total, {{tie_upstream}}, into the window; they differ only in where it
lands. Code that must agree with PyTorch to the last entry has to use the first-maximum rule.
[Ties](#max-pool-ties) compares these with TensorFlow and with a tempting naive rule that
sends more gradient than the window received.

## Average pooling {#average-pooling}

Average pooling replaces each window by its mean,

$$
P_{i,j} = \frac{\lit{1}}{k^{2}} \sum_{m} \sum_{n} X_{s i + m,\, s j + n},
$$

so every entry of the window has the same slope $\lit{1}/k^{2}$ and the gradient is **spread
equally**:

$$
\frac{\partial C}{\partial X_{a,c}} = \sum_{(i,j) \,:\, (a,c) \in \text{window}(i,j)}
\frac{\lit{1}}{k^{2}} \frac{\partial C}{\partial P_{i,j}} . \label{eq-average-pool}
$$

On the same input, with $k^{2} = {{window_size}}$ entries per window,

$$
P = {{avg_pooled}}, \qquad \frac{\partial C}{\partial P} = {{avg_upstream}},
$$

each window's entries receive

$$
\begin{align*}
{{spreads}}
\end{align*}
$$

so

$$
\frac{\partial C}{\partial X} = {{avg_grad}} .
$$

![Each output's gradient shared equally by its window](figures/avg-pool.svg)

*Shading marks the windows; with stride equal to the window size they do not overlap.*

Average pooling is a convolution, applied to each channel on its own, with a constant
$k \times k$ kernel of value $\lit{1}/k^{2}$ and the pooling's stride $s$ (here $s = k$), so
this is the [strided input gradient](stride.md#stride) of that kernel in disguise.

## Pooling, channel by channel {#pooling-per-channel}

Pooling never mixes channels or examples: each window lies inside one channel of one
example,

$$
P_{n,c,i,j} = \max_{\lit{0} \le m, l < k} X_{n,c,\, s i + m,\, s j + l} ,
\label{eq-pool-per-channel}
$$

so $\partial C / \partial X_{n,c}$ is computed from $\partial C / \partial P_{n,c}$ alone, by the
single-channel rules above, and a layer with $C$ channels and a batch of $N$ is $N C$
independent poolings. (This is where pooling differs from a convolution, whose
[input gradient sums over output channels](channels.md#how-channels-line-up).) The examples
on this page are one channel of one example.

## Overlapping windows {#overlapping-pooling}

With a stride smaller than the window ($s < k$, as AlexNet's {{ov_size}}×{{ov_size_again}}
windows with stride {{ov_stride}}) neighbouring windows share entries, and an entry that is
the maximum of several windows collects the gradient of each: the sum in \eqref{eq-max-pool}
has several non-zero terms. On a {{ov_shape}} input,

$$
X = {{ov_x}}, \qquad P = {{ov_pooled}}, \qquad \frac{\partial C}{\partial P} = {{ov_upstream}} .
$$

The centre entry $X_{ {{ov_a}},{{ov_c}} } = {{ov_value}}$ lies in all four windows and is the
maximum of {{ov_count}} of them, so

$$
\frac{\partial C}{\partial X_{ {{ov_a_again}},{{ov_c_again}} }} = {{ov_sum}} = {{ov_total}},
\qquad \frac{\partial C}{\partial X} = {{ov_grad}} .
$$

![Overlapping windows: one entry collects the gradients of three
windows](figures/max-pool-overlap.svg)

*Green, outlined: the windows' maxima; the centre (black outline) wins three windows.*

Average pooling over the same windows, with $\partial C / \partial P = {{ov_avg_upstream}}$,
gives every entry one share $\lit{1}/k^{2}$ per window that contains it, so the shared row
and column collect from two or four windows:

$$
\frac{\partial C}{\partial X} = {{ov_avg_grad}} .
$$

## Global average pooling {#global-average-pooling}

Global average pooling, the usual last step before a classifier, averages each channel over
all its $H W$ positions:

$$
P_{n,c} = \frac{\lit{1}}{H W} \sum_{a} \sum_{b} X_{n,c,a,b}, \qquad
\frac{\partial C}{\partial X_{n,c,a,b}} = \frac{\lit{1}}{H W} \,
\frac{\partial C}{\partial P_{n,c}} . \label{eq-global-average-pool}
$$

Every position of a channel receives the same share. With two channels of size
{{gap_shape}} ($H W = {{gap_hw}}$),

$$
X_{0,0} = {{gap_x0}}, \quad X_{0,1} = {{gap_x1}}, \qquad P = {{gap_pooled}}, \qquad
\frac{\partial C}{\partial P} = {{gap_upstream}},
$$

$$
\frac{\partial C}{\partial X_{0,0}} = {{gap_g0}}, \qquad \frac{\partial C}{\partial X_{0,1}}
= {{gap_g1}} .
$$

## Ties: PyTorch, TensorFlow and the naive rule {#max-pool-ties}

Back to the tie in [the max-pooling example](#max-pooling): window
$({{tie_i}}, {{tie_j}})$ has its maximum at {{tie_cells_again}}, and its output received
$\partial C / \partial P = {{tie_g}}$. Three rules are in use:

| rule | who uses it | tied entries receive | total sent into the window |
|---|---|---|---|
{{tie_rows}}

PyTorch's CPU kernel and TensorFlow's CPU kernel (`MaxPoolGrad`) both scan the window in
reading order and replace the maximum only on a strictly larger value, so the first tied
entry takes everything (`tensorflow/tensorflow#4886` shows it on a window of four);
GPU kernels (cuDNN) also pick a single entry, not necessarily the first.
TensorFlow's `tf.reduce_max`, a maximum over a whole tensor, shares equally instead. The
naive rule, "every entry equal to the maximum gets the gradient", was the old Caffe and
Theano behaviour and is what a from-scratch `grad * (x == x.max())` does.

![The tied window under each rule](figures/max-pool-ties.svg)

**Why the naive rule is wrong.** Move both tied entries up together by $h = {{tie_h}}$. The
maximum of the window rises by exactly $h$, so the cost changes by
$\partial C / \partial P \cdot h$:

$$
\frac{C(X + h e_{ {{t0a}},{{t0c}} } + h e_{ {{t1a}},{{t1c}} }) - C(X)}{h} = {{tie_measured}} .
$$

A gradient must predict that change as the sum of its entries over the moved cells:

$$
\text{first maximum: } {{pred_first}}, \qquad \text{shared: } {{pred_shared}}, \qquad
\text{naive: } {{pred_naive}} .
$$

The first two agree with the measurement; the naive rule predicts
{{tie_count}} times the change, because it sends {{tie_count_again}} copies of the output's
gradient into a window that received one. In general the valid choices at a tie
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
    return dict(
        z=matrix(e.z, f"{P}.relu_z"), upstream=matrix(e.upstream, f"{P}.relu_upstream"),
        mask=matrix(e.mask, f"{P}.relu_mask"), delta=matrix(e.delta, f"{P}.relu_delta"),
        step=num(e.step, f"{P}.relu_step"),
        right=text_num(e.right_derivative, f"{P}.relu_right"),
        left=text_num(e.left_derivative, f"{P}.relu_left"),
        central=text_num(e.central_difference, f"{P}.relu_central"),
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
        tie_upstream=text_num(e.max_upstream[ti, tj], f"{P}.max_upstream[{ti},{tj}]"),
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
    (a0, c0), (a1, c1) = t.tied[:2]
    return dict(
        tie_i=lit(t.window[0]), tie_j=lit(t.window[1]),
        tie_cells_again=join((f"$X_{{{a},{c}}}$" for a, c in t.tied), " and "),
        tie_g=num(t.upstream, f"{P}.max_upstream[{t.window[0]},{t.window[1]}]"),
        tie_rows=join(rows, "\n"), tie_h=num(t.step, f"{P}.tie_step"),
        t0a=str(a0), t0c=str(c0), t1a=str(a1), t1c=str(c1),
        tie_measured=num(t.measured, f"{P}.tie_measured"),
        pred_first=num(t.predicted["first"], f"{P}.tie_total_first"),
        pred_shared=num(t.predicted["shared"], f"{P}.tie_total_shared"),
        pred_naive=num(t.predicted["naive"], f"{P}.tie_total_naive"),
        tie_count=text_num(len(t.tied), f"{P}.tie_count"),
        tie_count_again=text_num(len(t.tied), f"{P}.tie_count"),
    )


def _figures(e: brp.PoolingExample) -> list[Asset]:
    losers = [cell for cell in e.tied if cell != e.winners[e.tie_window]]
    return [
        Asset("general/figures/max-pool.svg",
              max_pool_figure(e.x, e.max_out, e.winners, losers, e.max_upstream, e.max_grad)),
        Asset("general/figures/avg-pool.svg",
              avg_pool_figure(e.avg_upstream, e.avg_grad, e.size, e.stride)),
    ]


def _depth_figures(o: brp.OverlapExample, t: brp.TieRules) -> list[Asset]:
    return [
        Asset("general/figures/max-pool-overlap.svg",
              overlap_figure(o.x, o.winners, o.shared_cell, o.max_grad, o.size, o.stride)),
        Asset("general/figures/max-pool-ties.svg",
              tie_rules_figure(t.x, t.tied, [(name, getattr(t, name))
                                             for name in ("first", "shared", "naive")])),
    ]


def build():
    pooling, overlap, ties = brp.pooling_example(), brp.overlap_example(), brp.tie_rules()
    yield make_page(
        "general/bias-relu-pooling.md", SOURCE, TEMPLATE,
        **_bias_slots(brp.bias_example()), **_relu_slots(brp.relu_example()),
        **_pool_slots(pooling), **_overlap_slots(overlap),
        **_gap_slots(brp.global_average_example()), **_tie_slots(ties),
    )
    yield from _figures(pooling)
    yield from _depth_figures(overlap, ties)
