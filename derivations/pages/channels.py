"""Page general/channels.md: which sums run over input channels, output channels and the batch."""

from __future__ import annotations

from derivations.figures import channels as chapter_figures
from derivations.mathematics import channels as ch
from derivations.render.general_latex import products, symbolic_latex
from derivations.render.page import make_page
from derivations.render.printed_numbers import join, matrix, num, num_signed, text_num

SOURCE = "derivations/pages/channels.py"
P = "channels"

TEMPLATE = r"""
# Channels and batch {#channels-and-batch}

Real layers take a batch of $N$ examples, each with $C_{\text{in}}$ input channels (the red,
green and blue planes of an image, or the feature maps of the previous layer), and produce
$C_{\text{out}}$ output channels. The kernel has one $k_H \times k_W$ slice $W_{o,c}$ for every
pair of output channel $o$ and input channel $c$; there is one bias $b_o$ per output channel.
Shapes, as in PyTorch: $X$ is $N \times C_{\text{in}} \times H \times W_X$, $W$ is
$C_{\text{out}} \times C_{\text{in}} \times k_H \times k_W$, and $Y$ and $\delta$ are
$N \times C_{\text{out}} \times H_{\text{out}} \times W_{\text{out}}$.

Output channel $o$ of example $n$ adds up one single-channel correlation per input channel:

$$
\begin{align*}
Y_{n,o} &= b_o + \sum_{c} X_{n,c} \star W_{o,c}, \\
Y_{n,o,i,j} &= b_o + \sum_{c} \sum_{m,l} W_{o,c,m,l} \, X_{n,c,\,i+m,\,j+l} .
\end{align*}
\label{eq-channels-forward}
$$

## How the channels line up {#how-channels-line-up}

Apply the chain rule \eqref{eq-channels-forward} as in [the general
layer](layer.md#index-bookkeeping),
summing $\delta_{n,o,i,j} \, \partial Y_{n,o,i,j} / \partial \theta$ over **every** output
$(n, o, i, j)$, and ask which outputs each parameter actually touches.

* The slice $W_{o,c}$ appears in output channel $o$ only, multiplies input channel $c$ only,
  and is shared by every example. So its gradient **sums over the batch**, and over no
  channel:

$$
\frac{\partial C}{\partial W_{o,c}} = \sum_{n} X_{n,c} \star \delta_{n,o} .
\label{eq-channels-weight}
$$

* Input channel $c$ of example $n$ feeds **every** output channel (through $W_{o,c}$), but only
  the outputs of its own example. So its gradient **sums over output channels**, and not over
  the batch:

$$
\frac{\partial C}{\partial X_{n,c}} = \sum_{o} \delta_{n,o} \star_{\text{full}}
\operatorname{rot}_{180}(W_{o,c}) . \label{eq-channels-input}
$$

* The bias $b_o$ is in every position of output channel $o$ of every example:

$$
\frac{\partial C}{\partial b_o} = \sum_{n} \sum_{i,j} \delta_{n,o,i,j} . \label{eq-channels-bias}
$$

Notice how the kernel is used the other way round in \eqref{eq-channels-input}: forward, $W_{o,c}$
carries channel $c$ to channel $o$; backward, the same slice carries $\delta$ from channel $o$
back to channel $c$. Stacked as an array, the backward kernel is $W$ with its two channel axes
swapped and each slice rotated by half a turn. Stride, padding and dilation change each
single-channel term exactly as in their chapters; the channel and batch sums are untouched.

| gradient | sums over | does not sum over |
|---|---|---|
| $\partial C / \partial W_{o,c}$ | batch $n$, positions $i, j$ | channels |
| $\partial C / \partial X_{n,c}$ | output channels $o$, windows | batch |
| $\partial C / \partial b_o$ | batch $n$, positions $i, j$ | output channels (one bias each) |

sympy agrees. For the sizes of the example below, differentiating
$C = \sum_{n,o,i,j} \delta_{n,o,i,j} Y_{n,o,i,j}$ symbol by symbol gives, for one weight and one
input entry,

$$
\begin{align*}
\frac{\partial C}{\partial W_{0,1,0,0}} &= {{sym_weight}} \\
\frac{\partial C}{\partial X_{0,0,1,1}} &= {{sym_input}}
\end{align*}
$$

The weight's derivative has terms from both examples, but only from input channel
$c = \lit{1}$ and output channel $o = \lit{0}$; the input's has terms from both output
channels, but only from its own example $n = \lit{0}$.

## Worked example {#channels-example}

{{sizes}}. The inputs (first index: example, second: channel):

$$
X_{0,0} = {{x00}}, \quad X_{0,1} = {{x01}}, \qquad \text{(example } \lit{0} \text{)}
$$

$$
X_{1,0} = {{x10}}, \quad X_{1,1} = {{x11}} . \qquad \text{(example } \lit{1} \text{)}
$$

The kernel slices (first index: output channel, second: input channel) and biases:

$$
W_{0,0} = {{w00}}, \quad W_{0,1} = {{w01}}, \qquad b_0 = {{b0}}, \qquad
\text{(output channel } \lit{0} \text{)}
$$

$$
W_{1,0} = {{w10}}, \quad W_{1,1} = {{w11}}, \qquad b_1 = {{b1}} . \qquad
\text{(output channel } \lit{1} \text{)}
$$

The forward pass gives $Y_{0,0} = {{y00}}$, $Y_{0,1} = {{y01}}$, $Y_{1,0} = {{y10}}$,
$Y_{1,1} = {{y11}}$, and the upstream gradient (first index: example, second: output
channel) is

$$
\delta_{0,0} = {{d00}}, \quad \delta_{0,1} = {{d01}}, \quad \delta_{1,0} = {{d10}}, \quad
\delta_{1,1} = {{d11}} .
$$

**Weight gradient** \eqref{eq-channels-weight}: one correlation per example, added.

$$
\begin{align*}
{{grad_w_lines}}
\end{align*}
$$

One entry in full, to see the batch sum: the first weight of $W_{0,1}$ pairs $\delta_{n,0}$
with $X_{n,1}$ in every example $n$, {{n_products}} products in all:

$$
\frac{\partial C}{\partial W_{0,1,0,0}} = {{entry_sum}} = {{entry_value}} .
$$

**Input gradient** \eqref{eq-channels-input}: one full correlation per output channel, added.

$$
\begin{align*}
{{grad_x_lines}}
\end{align*}
$$

![An input channel's gradient: one term per output channel](figures/channels-input-gradient.svg)

*Each output channel sends its δ back through its own kernel slice; the input channel
receives the sum.*

**Bias gradient** \eqref{eq-channels-bias}: every entry of the output channel, in every example.

$$
\begin{align*}
{{grad_b_lines}}
\end{align*}
$$
"""


def _sizes(e: ch.ChannelsExample):
    n, c_in, h, w = e.x.shape
    c_out, _, k_h, k_w = e.w.shape
    return join([
        "$N = " + num(n, f"{P}.n") + "$ examples",
        r"$C_{\text{in}} = " + num(c_in, f"{P}.c_in") + "$ input channels",
        r"$C_{\text{out}} = " + num(c_out, f"{P}.c_out") + "$ output channels",
        "inputs of size " + text_num(h, f"{P}.x_shape[0]") + "×" + text_num(w, f"{P}.x_shape[1]"),
        "kernels of size " + text_num(k_h, f"{P}.w_shape[0]") + "×"
        + text_num(k_w, f"{P}.w_shape[1]"),
    ], ", ")


def _grad_w_lines(e: ch.ChannelsExample):
    lines = []
    for o in range(e.w.shape[0]):
        for c in range(e.w.shape[1]):
            terms = join((matrix(e.grad_weight_terms[o, c, n], f"{P}.grad_w_term[{o},{c},{n}]")
                          for n in range(e.x.shape[0])), " + ")
            symbols = " + ".join(rf"X_{{{n},{c}}} \star \delta_{{{n},{o}}}"
                                 for n in range(e.x.shape[0]))
            lines.append(rf"\frac{{\partial C}}{{\partial W_{{{o},{c}}}}} &= {symbols} = "
                         + terms + " = " + matrix(e.grad_weight[o, c], f"{P}.grad_w[{o},{c}]"))
    return join(lines, " \\\\\n")


def _grad_x_lines(e: ch.ChannelsExample):
    lines = []
    for n in range(e.x.shape[0]):
        for c in range(e.x.shape[1]):
            terms = join((matrix(e.grad_input_terms[n, c, o], f"{P}.grad_x_term[{n},{c},{o}]")
                          for o in range(e.w.shape[0])), " + ")
            symbols = " + ".join(
                rf"\delta_{{{n},{o}}} \star_{{\text{{full}}}} "
                rf"\operatorname{{rot}}_{{180}}(W_{{{o},{c}}})"
                for o in range(e.w.shape[0]))
            lines.append(rf"\frac{{\partial C}}{{\partial X_{{{n},{c}}}}} &= {symbols} \\ &= "
                         + terms + " = "
                         + matrix(e.grad_input[n, c], f"{P}.grad_x[{n},{c}]"))
    return join(lines, " \\\\\n")


def _grad_b_lines(e: ch.ChannelsExample):
    lines = []
    for o in range(e.w.shape[0]):
        entries = [
            (n, i, j) for n in range(e.delta.shape[0])
            for i in range(e.delta.shape[2]) for j in range(e.delta.shape[3])
        ]
        terms = join(
            ((num if k == 0 else num_signed)(e.delta[n, o, i, j], f"{P}.delta[{n},{o}][{i},{j}]")
             for k, (n, i, j) in enumerate(entries)), " + ")
        lines.append(rf"\frac{{\partial C}}{{\partial b_{{{o}}}}} &= " + terms + " = "
                     + num(e.grad_bias[o], f"{P}.grad_b[{o}]"))
    return join(lines, " \\\\\n")


def _entry(e: ch.ChannelsExample, o: int, c: int):
    pairs = [
        (num_signed(e.delta[n, o, i, j], f"{P}.delta[{n},{o}][{i},{j}]"),
         num_signed(e.x[n, c, i, j], f"{P}.x[{n},{c}][{i},{j}]"))
        for n in range(e.x.shape[0])
        for i in range(e.delta.shape[2]) for j in range(e.delta.shape[3])
    ]
    return products(pairs), len(pairs)


def build():
    e = ch.example()
    entry, count = _entry(e, 0, 1)
    symbolic = ch.symbolic_channels(e.x.shape, e.w.shape, (0, 1, 0, 0), (0, 0, 1, 1))
    slots = {
        "sizes": _sizes(e),
        "sym_weight": symbolic_latex(symbolic.weight_entry, per_line=2),
        "sym_input": symbolic_latex(symbolic.input_entry, per_line=2),
        "b0": num(e.b[0], f"{P}.b[0]"), "b1": num(e.b[1], f"{P}.b[1]"),
        "grad_w_lines": _grad_w_lines(e), "grad_x_lines": _grad_x_lines(e),
        "grad_b_lines": _grad_b_lines(e),
        "n_products": text_num(count, f"{P}.entry_products"),
        "entry_sum": entry,
        "entry_value": num(e.grad_weight[0, 1, 0, 0], f"{P}.grad_w[0,1][0,0]"),
    }
    for a in range(2):
        for b in range(2):
            slots[f"x{a}{b}"] = matrix(e.x[a, b], f"{P}.x[{a},{b}]")
            slots[f"w{a}{b}"] = matrix(e.w[a, b], f"{P}.w[{a},{b}]")
            slots[f"y{a}{b}"] = matrix(e.y[a, b], f"{P}.y[{a},{b}]")
            slots[f"d{a}{b}"] = matrix(e.delta[a, b], f"{P}.delta[{a},{b}]")
    yield make_page("general/channels.md", SOURCE, TEMPLATE, **slots)
    yield chapter_figures.figure(e)
