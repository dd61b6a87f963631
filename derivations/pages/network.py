"""Page general/network.md: a whole small CNN worked forward and back, one step, and PyTorch.

The numbers come from mathematics/network.py on the inputs of examples/network.py (the
oracle, oracles/network.py, recomputes every one by the loop-by-definition route); the
written sums, matrices and the PyTorch script come from render/network_format.py and
render/network_pytorch.py, exactly as `python -m derivations worked --network` writes them.
"""

from __future__ import annotations

import json
from fractions import Fraction

from derivations.examples import network as example
from derivations.mathematics.network import gradient_step, work_network
from derivations.notation import base_sentence
from derivations.render.network_description import describe_network, parse_network_text
from derivations.render.network_format import (
    Keys,
    cost_equation,
    delta_key,
    dumps,
    entry,
    map_key,
    maxpool_lines,
    row_vector,
    show_map,
    show_weight,
    step_lines,
    sum_lines,
    sum_text,
    tensor_matrix,
)
from derivations.render.network_pytorch import pytorch_script
from derivations.render.page import make_page
from derivations.render.printed_numbers import Fragment, join, num, text_num

SOURCE = "derivations/pages/network.py"
P = "network"

TEMPLATE = r"""
# A whole network, worked {#network}

The chapters so far took one layer at a time, with $\delta$ handed to it from somewhere.
This one puts them together: a small convolutional network, as it might appear in a
question, run forward and back with every number shown, $\delta$ carried through every layer,
one step of gradient descent, and a PyTorch script that reproduces every gradient. The
notation is the [general one](../about/notation.md#general-notation), with a layer number
on top, as in [the worked derivation](../about/notation.md#worked-notation): layer $\ell$
turns $O^{\ell-1}$ into $O^{\ell}$ (so $O^{0} = X$), its weight and bias are $W^{\ell}$ and
$b^{\ell}$, and $\delta^{\ell} = \partial C / \partial O^{\ell}$ is the gradient that arrives
at its output. A map entry is written $O^{\ell}_{f,u,v}$ (channel, row, column) and a whole
channel $O^{\ell}_{f,\cdot,\cdot}$; as in every chapter, $f$ counts a layer's output
channels, $g$ its input channels.
{{index_base}}

## The network {#network-layers}

The input $X$ is {{x_shape}} (one channel). The layers, in order:

1. a convolution with {{c1_out}} output channels, {{k1}}×{{k1_again}} kernels $W^{1}$, a
   bias $b^{1}$, [stride](stride.md#stride) {{s1}} and [padding](padding.md#padding)
   {{p1}}, so $O^{1}$ is {{o1_shape}};
2. a [ReLU](bias-relu-pooling.md#relu), so $O^{2}$ is {{o2_shape}};
3. a {{pool}}×{{pool_again}} [max pool](bias-relu-pooling.md#max-pooling) (stride
   {{pool_stride}}), so $O^{3}$ is {{o3_shape}};
4. a convolution with {{c4_in}} input channels and one output channel, {{k4}}×{{k4_again}}
   kernels $W^{4}$ and padding {{p4}}, so the output $O^{4}$ is {{o4_shape}};

and the cost is the mean squared error against the target $y$, averaged over the
$T = {{m}}$ entries of the output:

$$
C = \frac{\lit{1}}{T} \sum_{f,u,v} \left( O^{4}_{f,u,v} - y_{f,u,v} \right)^{2} .
\label{eq-network-cost}
$$

The numbers:

$$
X = {{x}} \label{eq-network-input}
$$

$$
{{w1}}, \quad b^{1} = {{b1}} \label{eq-network-w1}
$$

$$
{{w4}}, \quad y = {{y}} \label{eq-network-w4}
$$

The same network as the description that
[`python -m derivations worked --network`](../tools/worked-cli.md) reads; the command
writes a derivation like this page's for any network of these kinds of layers:

{{description}}

## Forward {#network-forward}

**Layer $\lit{1}$, the convolution.** With stride $s = {{s1_again}}$ and padding $p = {{p1_again}}$,
output $(u, v)$ reads the input from row $s u - p$ and column $s v - p$ on, and taps that fall
outside $X$ read the padding's zeros ([padding](padding.md#padding)). Each output channel $f$
has its own kernel $W^{1}_{f,0}$ and bias $b^{1}_{f}$
([channels](channels.md#channels-and-batch)):

$$
O^{1}_{f,u,v} = b^{1}_{f} + \sum_{m,n} W^{1}_{f,0,m,n} \, X_{0,\, {{row1}},\, {{col1}}} .
\label{eq-network-conv1}
$$

The top-left output sits half on the padding, so only four of its nine taps meet the input;
the second entry below comes out exactly zero:

$$
\begin{align*}
{{o1_samples}}
\end{align*}
\label{eq-network-o1-samples}
$$

All of it:

$$
{{o1}} \label{eq-network-o1}
$$

**Layer $\lit{2}$, ReLU.** Negative entries become zero and the rest pass unchanged,
$O^{2} = \max(O^{1}, \lit{0})$ ([ReLU](bias-relu-pooling.md#relu)):

$$
{{o2}} \label{eq-network-o2}
$$

${{zero_at}}$ is exactly zero: it sits on ReLU's corner, where the slope has to be chosen
(below).

**Layer $\lit{3}$, max pooling.** Each {{pool_again_2}}×{{pool_again_3}} window keeps its largest
entry ([max pooling](bias-relu-pooling.md#max-pooling)):

$$
{{o3_lines}} \label{eq-network-maxpool}
$$

so

$$
{{o3}} \label{eq-network-o3}
$$

In the window of ${{tie_out}}$ the maximum {{tie_value}} appears twice, at
${{tie_first}}$ and ${{tie_second}}$. The value is the same either way, but the gradient has
to go somewhere; PyTorch gives it to the first maximum in reading order (row by row), here
${{tie_first_again}}$, and so does this book.

**Layer $\lit{4}$, the second convolution.** Its input has two channels, so each output
adds one single-channel correlation per channel; with padding {{p4_again}} the
{{k4_2}}×{{k4_3}} kernels overhang the {{o3_side}}×{{o3_side_again}} maps on every side,
and only the taps that meet $O^{3}$ count:

$$
O^{4}_{0,u,v} = \sum_{g} \sum_{m,n} W^{4}_{0,g,m,n} \, O^{3}_{g,\, {{row4}},\, {{col4}}} .
\label{eq-network-conv4}
$$

$$
{{o4_lines}}
\label{eq-network-o4}
$$

**The cost.**

$$
\begin{align*}
{{cost}}
\end{align*}
\label{eq-network-cost-value}
$$

## Backward {#network-backward}

**At the output.** Differentiating \eqref{eq-network-cost}, the mean's $\lit{1}/T$ enters
every gradient from here on:

$$
\delta^{4}_{0,u,v} = \frac{\partial C}{\partial O^{4}_{0,u,v}} = \frac{\lit{2}}{T}
\left( O^{4}_{0,u,v} - y_{0,u,v} \right) \label{eq-network-delta4}
$$

$$
{{delta4_lines}}
\label{eq-network-delta4-values}
$$

**Back through layer $\lit{4}$: its weights.** Each weight meets one entry of $O^{3}$ in
every output ([weight gradient](layer.md#weight-gradient)):

$$
\frac{\partial C}{\partial W^{4}_{0,g,m,n}} = \sum_{u,v} \delta^{4}_{0,u,v} \,
O^{3}_{g,\, {{row4_again}},\, {{col4_again}}} \label{eq-network-grad-w4}
$$

$$
{{grad_w4_lines}}
\label{eq-network-grad-w4-sums}
$$

so

$$
{{grad_w4}} \label{eq-network-grad-w4-values}
$$

**Back through layer $\lit{4}$: its input.** Each entry of $O^{3}$ was read by every output whose
window covers it, through one weight each; its gradient adds those paths up, a scatter
([input gradient](layer.md#input-gradient)). With the channels, $\delta^{4}$ goes back
through the slice $W^{4}_{0,g}$ to channel $g$
([channels](channels.md#how-channels-line-up)):

$$
\delta^{3}_{g,a,c} = \sum_{u,v} \delta^{4}_{0,u,v} \, W^{4}_{0,g,\, a - u + {{p4_in_scatter}},\,
c - v + {{p4_in_scatter_again}}} \label{eq-network-delta3}
$$

$$
{{delta3_lines}}
\label{eq-network-delta3-sums}
$$

Here padding and rotation matter, as they do between any two layers whose maps are larger
than one entry. As a sliding window, the same numbers are $\delta^{4}$ with its border of
zeros put back (the padding's rows and columns, which received no gradient) correlated with
each kernel slice turned by half a turn
([the general layer](layer.md#input-gradient)):

$$
\begin{align*}
{{delta4_padded}} \\
{{rotated}}
\end{align*}
\label{eq-network-rotated}
$$

and sliding ${{rot_name_0}}$ over the padded $\delta^{4}$ gives $\delta^{3}_{0,\cdot,\cdot}$,
sliding ${{rot_name_1}}$ gives $\delta^{3}_{1,\cdot,\cdot}$:

$$
{{delta3}} \label{eq-network-delta3-values}
$$

**Back through layer $\lit{3}$, max pooling.** Each window sends its $\delta^{3}$ to the entry that
won it, and every other entry gets zero ([max pooling](bias-relu-pooling.md#max-pooling)); the
tied window sends its gradient to ${{tie_first_2}}$, the first maximum:

$$
{{delta2}} \label{eq-network-delta2}
$$

**Back through layer $\lit{2}$, ReLU.** The gradient passes where $O^{1}$ was positive and stops
elsewhere, including at the exact zero ${{zero_at_again}}$: PyTorch takes ReLU's slope at zero to
be $\lit{0}$ ([ReLU](bias-relu-pooling.md#relu)):

$$
\delta^{1}_{f,u,v} = \delta^{2}_{f,u,v} \cdot \lit{1}[O^{1}_{f,u,v} > \lit{0}]
\label{eq-network-delta1}
$$

$$
{{mask}} \label{eq-network-mask}
$$

$$
{{delta1}} \label{eq-network-delta1-values}
$$

Only {{passed}} entries of $\delta^{1}$ are not zero: max pooling sent each window's
gradient to one entry ({{empty_windows}} windows had zero to send), and every entry that
received some was positive in $O^{1}$, so ReLU let it all through. The exact zero
${{zero_at_3}}$ won no window, so its slope at zero changes nothing in this example; had it
won one, its $\delta^{1}$ would be zero where the right-hand slope says otherwise.

**Back through layer $\lit{1}$: its weights and bias.** With stride and padding, weight $(m, n)$
met input row $s u + m - p$ ([stride](stride.md#stride-weight-gradient)):

$$
\frac{\partial C}{\partial W^{1}_{f,0,m,n}} = \sum_{u,v} \delta^{1}_{f,u,v} \,
X_{0,\, {{row1_again}},\, {{col1_again}}}, \qquad
\frac{\partial C}{\partial b^{1}_{f}} = \sum_{u,v} \delta^{1}_{f,u,v}
\label{eq-network-grad-w1}
$$

For example, the centre weight of each kernel and the bias, leaving out the terms whose
$\delta^{1}$ is zero:

$$
\begin{align*}
{{grad_w1_samples}}
\end{align*}
\label{eq-network-grad-w1-samples}
$$

$$
{{grad_w1}}, \quad \frac{\partial C}{\partial b^{1}} = {{grad_b1}} \label{eq-network-grad-w1-values}
$$

**Back through layer $\lit{1}$: the input.** The windows overlap (a {{k1_2}}×{{k1_3}}
kernel moved by {{s1_again_2}}), so an input entry in a shared row and column is reached
by up to four windows per channel ([stride](stride.md#stride-input-gradient)):

$$
\frac{\partial C}{\partial X_{0,a,c}} = \sum_{f} \sum_{u,v} \delta^{1}_{f,u,v} \,
W^{1}_{f,0,\, a - {{s1_again_3}}u + {{p1_again_2}},\, c - {{s1_again_4}}v + {{p1_again_3}}}
\label{eq-network-grad-x}
$$

$$
{{grad_x}} \label{eq-network-grad-x-values}
$$

## One step of gradient descent {#network-step}

Move every weight and bias against its gradient,
$\theta \leftarrow \theta - \eta \, \partial C / \partial \theta$, with learning rate
$\eta = {{rate}}$:

$$
\begin{align*}
{{step_lines}}
\end{align*}
\label{eq-network-step}
$$

and run forward again with the new numbers. The cost falls:

$$
C_{\text{before}} = {{cost_before}}, \qquad C_{\text{after}} = {{cost_after}} .
\label{eq-network-cost-after}
$$

## The same gradients from PyTorch {#network-pytorch}

{{command}} writes this script for the network above: it builds the network as one would
in PyTorch, loads the same numbers, runs autograd and checks every gradient, the cost and
the cost after one SGD step against the ones on this page (the book's tests run it).

{{script}}
"""


def network_description() -> dict:
    """The example as the JSON description the worked command reads."""
    return {"input": [list(row) for row in example.X],
            "layers": [{"type": "conv", "weight": example.W1, "bias": list(example.B1),
                        "stride": example.STRIDE1, "padding": example.PADDING1},
                       {"type": "relu"},
                       {"type": "maxpool", "kernel": example.POOL},
                       {"type": "conv", "weight": example.W4, "padding": example.PADDING4}],
            "target": [list(row) for row in example.TARGET], "loss": example.LOSS}


def worked():
    """The worked network and its gradient-descent step."""
    network = parse_network_text(json.dumps(network_description()))
    work = work_network(network)
    return work, gradient_step(work, Fraction(*example.RATE))


def fence(text: str, language: str) -> str:
    return f"```{language}\n{text.rstrip()}\n```"


def _sizes(dims, key: str) -> Fragment:
    return join((text_num(d, f"{key}[{n}]") for n, d in enumerate(dims)), "×")


def _sample(sums, index):
    return next(s for s in sums if s.index == index)


def build():
    work, step = worked()
    conv1, relu, pool, conv4 = work.layers
    o3_side = len(pool.output_map[0])
    k1, k4 = len(example.W1[0][0]), len(example.W4[0][0])
    c = f"{P}.const"

    def const(value, name):
        return text_num(value, f"{c}.{name}")

    def const_math(value, name):
        return num(value, f"{c}.{name}")

    s1, p1, p4 = example.STRIDE1, example.PADDING1, example.PADDING4
    row1 = const_math(s1, "s1") + "u + m - " + const_math(p1, "p1")
    col1 = const_math(s1, "s1") + "v + n - " + const_math(p1, "p1")
    row4 = Fragment("u + m - ") + const_math(p4, "p4")
    col4 = Fragment("v + n - ") + const_math(p4, "p4")
    keys1, keys4 = Keys(P, 1), Keys(P, 4)
    o1_samples = join((entry("O^{1}", index) + " &= "
                       + sum_text(_sample(conv1.forward_sums, index), keys1, map_key(P, 1))
                       for index in ((0, 0, 0), (0, 3, 1))), r" \\" + "\n")
    # the centre weight (1, 1) of each kernel and each bias, terms with δ¹ = 0 left out
    samples = []
    for o in range(len(conv1.grad_weight)):
        full = _sample(conv1.grad_weight_sums, (o, 0, 1, 1))
        samples.append(_nonzero_line(f"\\frac{{\\partial C}}{{\\partial W^{{1}}_{{{o},0,1,1}}}}",
                                     full, keys1, f"{P}.gradW1"))
    for o in range(len(conv1.grad_bias)):
        samples.append(_nonzero_line(f"\\frac{{\\partial C}}{{\\partial b^{{1}}_{{{o}}}}}",
                                     conv1.grad_bias_sums[o], keys1, f"{P}.gradb1"))
    pad = p4
    delta4 = conv4.delta[0]
    height, width = len(delta4) + 2 * (k4 - 1 - pad), len(delta4[0]) + 2 * (k4 - 1 - pad)
    border = k4 - 1 - pad
    padded_rows = []
    for r in range(height):
        cells = []
        for q in range(width):
            i, j = r - border, q - border
            if 0 <= i < len(delta4) and 0 <= j < len(delta4[0]):
                cells.append(num(delta4[i][j], f"{P}.delta4[0,{i},{j}]"))
            else:
                cells.append(num(0, f"{c}.zero"))
        padded_rows.append(join(cells, " & "))
    # δ⁴ with the padding's border put back: no symbol of its own, an arrow says what it is.
    delta4_padded = (r"\delta^{4} &\to \begin{pmatrix}" + join(padded_rows, r" \\ ")
                     + r"\end{pmatrix}")
    rotated = []
    for ch in range(len(example.W4[0])):
        rows = [join((num(example.W4[0][ch][k4 - 1 - m][k4 - 1 - n],
                          f"{P}.W4[0,{ch},{k4 - 1 - m},{k4 - 1 - n}]") for n in range(k4)),
                     " & ") for m in range(k4)]
        equals = "&=" if ch == 0 else "="  # one row of the align*, aligned at the first
        rotated.append(rf"\operatorname{{rot}}_{{180}}(W^{{4}}_{{0,{ch}}}) {equals} "
                       + r"\begin{pmatrix}" + join(rows, r" \\ ") + r"\end{pmatrix}")
    tie = next(w for w in pool.windows if w.values.count(w.value) > 1)
    passed = _count_nonzero(conv1.delta)
    empty_windows = sum(1 for ch in pool.delta for row in ch for v in row if v == 0)
    stopped_by_relu = _count_nonzero(relu.delta) - passed
    zero_index = next((ch, i, j) for ch, rows in enumerate(conv1.output_map)
                      for i, row in enumerate(rows) for j, v in enumerate(row) if v == 0)
    # The prose states these facts about the example; a changed example must change the prose.
    if stopped_by_relu or any(w.winner == zero_index[1:] and w.index[0] == zero_index[0]
                              for w in pool.windows):
        raise ValueError("examples/network.py no longer fits the ReLU paragraph of the page")
    script = pytorch_script(work, step)
    tied = [(tie.index[0], *cell) for cell, v in zip(tie.cells, tie.values, strict=True)
            if v == tie.value]
    rate = Fraction(*example.RATE)
    yield make_page(
        "general/network.md", SOURCE, TEMPLATE,
        index_base=base_sentence("general/network.md"),
        x_shape=_sizes((len(example.X), len(example.X[0])), f"{P}.shape.X"),
        c1_out=const(len(example.W1), "c1_out"), k1=const(k1, "k1"), k1_again=const(k1, "k1"),
        s1=const(s1, "s1"), p1=const(p1, "p1"),
        o1_shape=_sizes(_dims(conv1.output_map), f"{P}.shape.O1"),
        o2_shape=_sizes(_dims(relu.output_map), f"{P}.shape.O2"),
        pool=const(example.POOL, "pool"), pool_again=const(example.POOL, "pool"),
        pool_stride=const(example.POOL, "pool"),
        o3_shape=_sizes(_dims(pool.output_map), f"{P}.shape.O3"),
        c4_in=const(len(example.W4[0]), "c4_in"), k4=const(k4, "k4"),
        k4_again=const(k4, "k4"), p4=const(p4, "p4"),
        o4_shape=_sizes(_dims(conv4.output_map), f"{P}.shape.O4"),
        m=num(len(work.residual[0]) * len(work.residual[0][0]), f"{c}.m"),
        x=tensor_matrix(example.X, map_key(P, 0), (0,)),
        w1=show_weight("W^{1}", conv1.layer.weight, f"{P}.W1"),
        b1=row_vector(conv1.layer.bias, f"{P}.b1"),
        w4=show_weight("W^{4}", conv4.layer.weight, f"{P}.W4"),
        y=tensor_matrix(work.target[0], f"{P}.y", (0,)),
        description=fence(dumps(describe_network(work.network)), "json"),
        s1_again=const_math(s1, "s1"), p1_again=const_math(p1, "p1"),
        row1=row1, col1=col1, o1_samples=o1_samples,
        o1=show_map("O^{1}", conv1.output_map, map_key(P, 1)),
        o2=show_map("O^{2}", relu.output_map, map_key(P, 2)),
        pool_again_2=const(example.POOL, "pool"), pool_again_3=const(example.POOL, "pool"),
        o3_lines=maxpool_lines(3, pool, P),
        o3=show_map("O^{3}", pool.output_map, map_key(P, 3)),
        tie_value=text_num(tie.value, f"{map_key(P, 3)}[{','.join(map(str, tie.index))}]"),
        p4_again=const(p4, "p4"), o3_side=const(o3_side, "o3_side"),
        o3_side_again=const(o3_side, "o3_side"),
        row4=row4, col4=col4,
        o4_lines=_strip_dollars(sum_lines("O^{4}", conv4.forward_sums, keys4, map_key(P, 4))),
        cost=cost_equation(work, P, aligned=True),
        delta4_lines=_strip_dollars(sum_lines(r"\delta^{4}", work.output_delta_sums, keys4,
                                              delta_key(P, 4))),
        row4_again=row4, col4_again=col4,
        grad_w4_lines=_strip_dollars(sum_lines(r"\frac{\partial C}{\partial W^{4}}",
                                               conv4.grad_weight_sums, keys4, f"{P}.gradW4")),
        grad_w4=show_weight(r"\frac{\partial C}{\partial W^{4}}", conv4.grad_weight,
                            f"{P}.gradW4"),
        p4_in_scatter=const_math(p4, "p4"), p4_in_scatter_again=const_math(p4, "p4"),
        delta3_lines=_strip_dollars(sum_lines(r"\delta^{3}", conv4.grad_input_sums, keys4,
                                              delta_key(P, 3))),
        delta4_padded=delta4_padded, rotated=join(rotated, r", \quad "),
        rot_name_0=r"\operatorname{rot}_{180}(W^{4}_{0,0})",
        rot_name_1=r"\operatorname{rot}_{180}(W^{4}_{0,1})",
        delta3=show_map(r"\delta^{3}", conv4.grad_input, delta_key(P, 3)),
        delta2=show_map(r"\delta^{2}", pool.grad_input, delta_key(P, 2)),
        mask=show_map(r"\lit{1}[O^{1} > \lit{0}]", relu.mask, f"{P}.mask2"),
        delta1=show_map(r"\delta^{1}", relu.grad_input, delta_key(P, 1)),
        passed=text_num(passed, f"{c}.passed"),
        empty_windows=text_num(empty_windows, f"{c}.empty_windows"),
        zero_at_3=entry("O^{1}", zero_index),
        row1_again=row1, col1_again=col1,
        grad_w1_samples=join(samples, r" \\" + "\n"),
        grad_w1=show_weight(r"\frac{\partial C}{\partial W^{1}}", conv1.grad_weight,
                            f"{P}.gradW1"),
        grad_b1=row_vector(conv1.grad_bias, f"{P}.gradb1"),
        s1_again_2=const(s1, "s1"), s1_again_3=const_math(s1, "s1"),
        s1_again_4=const_math(s1, "s1"), p1_again_2=const_math(p1, "p1"),
        p1_again_3=const_math(p1, "p1"),
        grad_x=show_map(r"\frac{\partial C}{\partial X}", work.grad_input, delta_key(P, 0)),
        rate=num(rate, f"{P}.rate"),
        step_lines=join((_aligned(row) for row in step_lines(work, step, P)), r" \\" + "\n"),
        cost_before=num(step.cost_before, f"{P}.cost"),
        cost_after=num(step.cost_after, f"{P}.step.cost"),
        script=fence(script, "python"),
        zero_at=entry("O^{1}", zero_index), zero_at_again=entry("O^{1}", zero_index),
        tie_out=entry("O^{3}", tie.index), tie_first=entry("O^{2}", tied[0]),
        tie_second=entry("O^{2}", tied[1]), tie_first_again=entry("O^{2}", tied[0]),
        tie_first_2=entry("O^{2}", tied[0]),
        k4_2=const(k4, "k4"), k4_3=const(k4, "k4"), k1_2=const(k1, "k1"), k1_3=const(k1, "k1"),
        command=("`python -m derivations worked --network FILE --format pytorch --step "
                 f"{rate}`"),
    )


def _count_nonzero(tensor) -> int:
    return sum(1 for ch in tensor for row in ch for v in row if v != 0)


def _dims(tensor) -> tuple[int, ...]:
    return (len(tensor), len(tensor[0]), len(tensor[0][0]))


def _aligned(row: Fragment) -> Fragment:
    """`lhs = a - η·b = c` as an align* row: the first = becomes &=."""
    head, _, tail = row.text.partition(" = ")
    return Fragment(head + " &= " + tail, row.records)


def _strip_dollars(block: Fragment) -> Fragment:
    """The align* of sum_lines without its $$ … $$, for a template that labels the display."""
    text = block.text.removeprefix("$$\n").removesuffix("\n$$\n")
    return Fragment(text, block.records)


def _nonzero_line(symbol: str, full, keys: Keys, result_key: str) -> Fragment:
    """symbol &= Σ of the terms whose δ is not zero = value."""
    from dataclasses import replace

    kept = [(t, src) for t, src in zip(full.terms, full.sources, strict=True) if t[0] != 0]
    short = replace(full, terms=tuple(t for t, _ in kept), sources=tuple(s for _, s in kept))
    return symbol + " &= " + sum_text(short, keys, result_key)
