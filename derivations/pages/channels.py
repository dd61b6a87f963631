"""Page general/channels.md: which sums run over input channels, output channels and the batch."""

from __future__ import annotations

from derivations.figures import channels as chapter_figures
from derivations.mathematics import channels as ch
from derivations.notation import base_sentence
from derivations.render.general_latex import products, subscript, symbolic_latex, symbolic_terms
from derivations.render.page import make_page
from derivations.render.printed_numbers import join, matrix, num, num_signed, text_num

SOURCE = "derivations/pages/channels.py"
P = "channels"

TEMPLATE = r"""
# Channels and batch {#channels-and-batch}

Real layers take a batch of $B$ examples, each with $D_X$ input channels (the red, green and
blue planes of an image, or the feature maps of the previous layer), and produce $D_Y$ output
channels. The kernel has one $M_W \times N_W$ slice $W_{f,g}$ for every pair of output channel
$f$ and input channel $g$; there is one bias $b_f$ per output channel. Shapes, in PyTorch's
order: $X$ is $B \times D_X \times M_X \times N_X$,
$W$ is $D_Y \times D_X \times M_W \times N_W$, and $Y$ and $\delta$ are
$B \times D_Y \times M_Y \times N_Y$. Indices, in the same
order: example $e$, channel ($f$ for an output channel, $g$ for an input channel), then the
row and column of [the general layer](layer.md#general-layer).

{{index_base}}

Output channel $f$ of example $e$ adds up one single-channel correlation per input channel:

$$
\begin{align*}
Y_{e,f} &= b_f + \sum_{g} X_{e,g} \star W_{f,g}, \\
Y_{e,f,u,v} &= b_f + \sum_{g} \sum_{m,n} W_{f,g,m,n} \, X_{e,g,\,u+m,\,v+n} .
\end{align*}
\label{eq-channels-forward}
$$

## How the channels line up {#how-channels-line-up}

Apply the chain rule to \eqref{eq-channels-forward} as in [the general
layer](layer.md#index-bookkeeping), summing
$\delta_{e,f,u,v} \, \partial Y_{e,f,u,v} / \partial \theta$ over **every** output
$(e, f, u, v)$, and ask which outputs each parameter actually touches.

* The slice $W_{f,g}$ appears in output channel $f$ only, multiplies input channel $g$ only,
  and is shared by every example. So its gradient **sums over the batch**, and over no
  channel:

$$
\frac{\partial C}{\partial W_{f,g}} = \sum_{e} X_{e,g} \star \delta_{e,f} .
\label{eq-channels-weight}
$$

* Input channel $g$ of example $e$ feeds **every** output channel (through $W_{f,g}$), but
  only the outputs of its own example. So its gradient **sums over output channels**, and not
  over the batch:

$$
\frac{\partial C}{\partial X_{e,g}} = \sum_{f} \delta_{e,f} \star_{\text{full}}
\operatorname{rot}_{180}(W_{f,g}) . \label{eq-channels-input}
$$

* The bias $b_f$ is in every position of output channel $f$ of every example:

$$
\frac{\partial C}{\partial b_f} = \sum_{e} \sum_{u,v} \delta_{e,f,u,v} . \label{eq-channels-bias}
$$

Notice how the kernel is used the other way round in \eqref{eq-channels-input}: forward,
$W_{f,g}$ carries channel $g$ to channel $f$; backward, the same slice carries $\delta$ from
channel $f$ back to channel $g$. Stacked as an array, the backward kernel is $W$ with its two
channel axes swapped and each slice rotated by half a turn. Stride, padding and dilation
change each single-channel term exactly as in their chapters; the channel and batch sums are
untouched.

| gradient | sums over | does not sum over |
|---|---|---|
| $\partial C / \partial W_{f,g}$ | batch $e$, positions $u, v$ | channels |
| $\partial C / \partial X_{e,g}$ | output channels $f$, windows | batch |
| $\partial C / \partial b_f$ | batch $e$, positions $u, v$ | output channels (one bias each) |

sympy agrees. For the sizes of the example below, differentiating
$C = \sum_{e,f,u,v} \delta_{e,f,u,v} Y_{e,f,u,v}$ (the cost whose $\partial C / \partial Y$ is
$\delta$) symbol by symbol gives, for one weight and one input entry,

$$
\begin{align*}
\frac{\partial C}{\partial W_{0,1,0,0}} &= {{sym_weight}} \\
\frac{\partial C}{\partial X_{0,0,1,1}} &= {{sym_input}}
\end{align*} \label{eq-channels-sympy}
$$

{{sym_reading}}

## Worked example {#channels-example}

{{sizes}}. The inputs (first index: example, second: channel):

$$
X_{0,0} = {{x00}}, \quad X_{0,1} = {{x01}}, \qquad \text{(example } \lit{0} \text{)}
\label{eq-channels-example-0}
$$

$$
X_{1,0} = {{x10}}, \quad X_{1,1} = {{x11}} . \qquad \text{(example } \lit{1} \text{)}
\label{eq-channels-example-1}
$$

The kernel slices (first index: output channel, second: input channel) and biases:

$$
W_{0,0} = {{w00}}, \quad W_{0,1} = {{w01}}, \qquad b_0 = {{b0}}, \qquad
\text{(output channel } \lit{0} \text{)} \label{eq-channels-kernel-0}
$$

$$
W_{1,0} = {{w10}}, \quad W_{1,1} = {{w11}}, \qquad b_1 = {{b1}} . \qquad
\text{(output channel } \lit{1} \text{)} \label{eq-channels-kernel-1}
$$

The forward pass gives $Y_{0,0} = {{y00}}$, $Y_{0,1} = {{y01}}$, $Y_{1,0} = {{y10}}$,
$Y_{1,1} = {{y11}}$, and the upstream gradient (first index: example, second: output
channel) is

$$
\delta_{0,0} = {{d00}}, \quad \delta_{0,1} = {{d01}}, \quad \delta_{1,0} = {{d10}}, \quad
\delta_{1,1} = {{d11}} . \label{eq-channels-delta}
$$

**Weight gradient** \eqref{eq-channels-weight}: one correlation per example, added.

$$
\begin{align*}
{{grad_w_lines}}
\end{align*} \label{eq-channels-grad-w}
$$

One entry in full, to see the batch sum: the first weight of $W_{0,1}$ pairs $\delta_{e,0}$
with $X_{e,1}$ in every example $e$, {{n_products}} products in all:

$$
\frac{\partial C}{\partial W_{0,1,0,0}} = {{entry_sum}} = {{entry_value}} .
\label{eq-channels-grad-w-entry}
$$

**Input gradient** \eqref{eq-channels-input}: one full correlation per output channel, added.

$$
\begin{align*}
{{grad_x_lines}}
\end{align*} \label{eq-channels-grad-x}
$$

![An input channel's gradient: one term per output channel](figures/channels-input-gradient.svg)

*Each output channel sends its δ back through its own kernel slice; the input channel
receives the sum.*

**Bias gradient** \eqref{eq-channels-bias}: every entry of the output channel, in every example.

$$
\begin{align*}
{{grad_b_lines}}
\end{align*} \label{eq-channels-grad-b}
$$
"""


def _sizes(e: ch.ChannelsExample):
    n, c_in, h, w = e.x.shape
    c_out, _, k_h, k_w = e.w.shape
    return join([
        "$B = " + num(n, f"{P}.n") + "$ examples",
        "$D_X = " + num(c_in, f"{P}.c_in") + "$ input channels",
        "$D_Y = " + num(c_out, f"{P}.c_out") + "$ output channels",
        "inputs of size " + text_num(h, f"{P}.x_shape[0]") + "×" + text_num(w, f"{P}.x_shape[1]"),
        "kernels of size " + text_num(k_h, f"{P}.w_shape[0]") + "×"
        + text_num(k_w, f"{P}.w_shape[1]"),
    ], ", ")


def _which(expression, name: str, axis: int) -> list[int]:
    """The values index `axis` takes on the `name` factors of a sum of products (δ, X, W)."""
    values = set()
    for term in symbolic_terms(expression):
        for factor in term:
            if factor.name.startswith(name):
                values.add(subscript(factor)[axis])
    return sorted(values)


def _listed(values: list[int]) -> str:
    return ", ".join(rf"\lit{{{v}}}" for v in values)


def _sym_reading(symbolic: ch.SymbolicChannels, input_index: tuple[int, ...]) -> str:
    """What the two derivatives sum over, read off sympy's terms rather than typed."""
    w, x = symbolic.weight_entry, symbolic.input_entry
    examples, in_channels = _which(w, "X", 0), _which(w, "X", 1)
    out_channels = _which(w, "\\delta", 1)
    x_examples, x_out_channels = _which(x, "\\delta", 0), _which(x, "\\delta", 1)
    if x_examples != [input_index[0]]:
        raise ValueError(f"the input entry's terms come from examples {x_examples}")
    return (rf"The weight's derivative has terms from examples $e = {_listed(examples)}$, but "
            rf"only from input channel $g = {_listed(in_channels)}$ and output channel "
            rf"$f = {_listed(out_channels)}$; the input's has terms from output channels "
            rf"$f = {_listed(x_out_channels)}$, but only from example "
            rf"$e = {_listed(x_examples)}$, its own.")


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
    input_index = (0, 0, 1, 1)
    symbolic = ch.symbolic_channels(e.x.shape, e.w.shape, (0, 1, 0, 0), input_index)
    slots = {
        "sizes": _sizes(e),
        "sym_weight": symbolic_latex(symbolic.weight_entry, per_line=2),
        "sym_input": symbolic_latex(symbolic.input_entry, per_line=2),
        "sym_reading": _sym_reading(symbolic, input_index),
        "index_base": base_sentence("general/channels.md"),
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
