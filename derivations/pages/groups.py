"""Page general/groups.md: grouped, depthwise and depthwise separable convolution."""

from __future__ import annotations

import sympy

from derivations.figures import groups as chapter_figures
from derivations.mathematics import groups as gr
from derivations.notation import base_sentence
from derivations.render.general_latex import products, subscript
from derivations.render.page import make_page
from derivations.render.printed_numbers import Fragment, join, matrix, num, num_signed, text_num

SOURCE = "derivations/pages/groups.py"
P = "groups"

TEMPLATE = r"""
# Grouped, depthwise and separable convolution {#grouped-convolution}

An ordinary layer connects every output channel to every input channel
([channels and batch](channels.md#channels-and-batch)). A **grouped** convolution (PyTorch's
`groups` argument, from AlexNet and ResNeXt) splits both into $Q$ groups and connects each
output channel only to the input channels of its own group. With as many groups as input
channels it becomes **depthwise**: each channel is filtered on its own. A depthwise layer
followed by a $\lit{1} \times \lit{1}$ convolution is the **depthwise separable** layer of
Xception and MobileNet. The notation is that of
[channels and batch](channels.md#channels-and-batch).

{{index_base}}

## Which input channels each filter sees {#groups-channels}

$D_X$ and $D_Y$ must both be divisible by $Q$. The input channels are cut into $Q$ blocks of
$D_X / Q$ consecutive channels, the output channels into $Q$ blocks of $D_Y / Q$, and output
channel $f$ sees only the input block with the same position as its own. So filter $f$ has
$D_X / Q$ slices, not $D_X$, and PyTorch's weight is $D_Y \times D_X / Q \times M_W \times N_W$.
Writing $W_{f,g}$, as everywhere in the book, for the slice that carries input channel $g$ to
output channel $f$ (PyTorch keeps it at position $g$ minus the first channel of the group):

$$
Y_{e,f} = b_f + \sum_{g \,\in\, \text{group of } f} X_{e,g} \star W_{f,g} .
\label{eq-groups-forward}
$$

![Which input channels each output channel sees, for one group, two groups and
depthwise](figures/groups-connections.svg)

*Rows: output channels; columns: input channels; shaded where the filter reads the channel.
With {{fig_channels}} channels: one group, two groups, and {{fig_depthwise}} groups
(depthwise).*

A grouped layer is $Q$ ordinary layers side by side, each on its own block of channels.
Equivalently it is an ordinary layer whose $D_Y \times D_X$ grid of slices is **block
diagonal**: the slices of \eqref{eq-groups-forward} on the group blocks, zeros elsewhere.

## The three gradients per group {#groups-gradients}

The chain rule is [the channels chapter's](channels.md#how-channels-line-up), with every sum
over channels restricted to one group:

$$
\frac{\partial C}{\partial W_{f,g}} = \sum_{e} X_{e,g} \star \delta_{e,f}
\qquad (g \text{ in the group of } f) , \label{eq-groups-weight}
$$

$$
\frac{\partial C}{\partial X_{e,g}} = \sum_{f \,\in\, \text{group of } g} \delta_{e,f}
\star_{\text{full}} \operatorname{rot}_{180}\big( W_{f,g} \big) , \label{eq-groups-input}
$$

$$
\frac{\partial C}{\partial b_f} = \sum_{e} \sum_{u,v} \delta_{e,f,u,v} .
\label{eq-groups-bias}
$$

Gradients never cross groups: input channel $g$ receives gradient only from the output
channels of its own group, and a filter's gradient involves only its group's inputs. Two
consequences. An implementation that builds the dense block-diagonal kernel and runs an
ordinary layer gets the right forward pass, but its weight gradient is **not zero** on the
off-diagonal blocks (those zeros meet real inputs); they are not parameters, so that part
must be discarded, or the zeros stop being zeros after one update. And depthwise
($Q = D_X$, one input channel per filter) has no sum over input channels at all: each channel
is a single-channel layer of [the general chapter](layer.md#general-layer).

## Depthwise separable convolution {#separable}

A depthwise layer $Z$, with one kernel $W^{\text{dw}}_g$ per channel, followed by a pointwise
layer, a $\lit{1} \times \lit{1}$ convolution with weights $V_{f,g}$, which mixes channels
position by position:

$$
Z_{e,g} = X_{e,g} \star W^{\text{dw}}_g, \qquad Y_{e,f,u,v} = \sum_{g} V_{f,g} \,
Z_{e,g,u,v} . \label{eq-separable-forward}
$$

Backward, the pointwise layer first. Each $V_{f,g}$ multiplies $Z_{e,g,u,v}$ at every
position, and each $Z_{e,g,u,v}$ feeds every output channel at its own position:

$$
\frac{\partial C}{\partial V_{f,g}} = \sum_{e} \sum_{u,v} \delta_{e,f,u,v} \, Z_{e,g,u,v} ,
\qquad \frac{\partial C}{\partial Z_{e,g}} = \sum_{f} V_{f,g} \, \delta_{e,f} .
\label{eq-separable-pointwise}
$$

Then the depthwise layer, \eqref{eq-groups-weight} and \eqref{eq-groups-input} with one
channel per group, fed with $\partial C / \partial Z$:

$$
\frac{\partial C}{\partial W^{\text{dw}}_g} = \sum_{e} X_{e,g} \star
\frac{\partial C}{\partial Z_{e,g}} , \qquad \frac{\partial C}{\partial X_{e,g}} =
\frac{\partial C}{\partial Z_{e,g}} \star_{\text{full}}
\operatorname{rot}_{180}\big(W^{\text{dw}}_g\big) . \label{eq-separable-depthwise}
$$

Why bother: a {{count_k}}×{{count_k_again}} layer from {{count_c}} channels to
{{count_c_again}} has {{count_dense}} weights; the separable layer has {{count_separable}}.

## Worked example {#groups-example}

One example, $D_X = {{c}}$ channels, a {{dw_k}}×{{dw_k_again}} depthwise kernel per channel,
then a pointwise layer to {{c_out}} channels:

$$
X_{0,0} = {{x0}}, \quad X_{0,1} = {{x1}}, \label{eq-groups-example}
$$

$$
W^{\text{dw}}_0 = {{dw0}}, \quad W^{\text{dw}}_1 = {{dw1}}, \qquad V = {{v}} .
\label{eq-groups-example-kernels}
$$

**Forward.** Each channel on its own, then mixed:

$$
Z_{0,0} = X_{0,0} \star W^{\text{dw}}_0 = {{z0}}, \qquad Z_{0,1} = X_{0,1} \star
W^{\text{dw}}_1 = {{z1}}, \label{eq-groups-example-depthwise}
$$

$$
Y_{0,0} = {{v00}} Z_{0,0} + {{v01}} Z_{0,1} = {{y0}}, \qquad Y_{0,1} = {{v10}} Z_{0,0} +
{{v11}} Z_{0,1} = {{y1}} . \label{eq-groups-example-pointwise}
$$

**Pointwise gradients** \eqref{eq-separable-pointwise}, with

$$
\delta_{0,0} = {{d0}}, \qquad \delta_{0,1} = {{d1}} : \label{eq-groups-example-delta}
$$

$$
\begin{align*}
{{grad_v_sums}}
\end{align*} \label{eq-groups-example-pointwise-weight}
$$

$$
\begin{align*}
\frac{\partial C}{\partial Z_{0,0}} &= {{v00}} \delta_{0,0} + {{v10_signed}} \delta_{0,1} =
{{dz0}}, \\
\frac{\partial C}{\partial Z_{0,1}} &= {{v01}} \delta_{0,0} + {{v11_signed}} \delta_{0,1} =
{{dz1}} .
\end{align*} \label{eq-groups-example-z}
$$

**Depthwise gradients** \eqref{eq-separable-depthwise}: channel by channel, nothing mixes.

$$
\begin{align*}
\frac{\partial C}{\partial W^{\text{dw}}_0} &= X_{0,0} \star \frac{\partial C}{\partial
Z_{0,0}} = {{gdw0}}, \\
\frac{\partial C}{\partial W^{\text{dw}}_1} &= X_{0,1} \star \frac{\partial C}{\partial
Z_{0,1}} = {{gdw1}}, \\
\frac{\partial C}{\partial X_{0,0}} &= \frac{\partial C}{\partial Z_{0,0}}
\star_{\text{full}} \operatorname{rot}_{180}\big(W^{\text{dw}}_0\big) = {{gx0}}, \\
\frac{\partial C}{\partial X_{0,1}} &= \frac{\partial C}{\partial Z_{0,1}}
\star_{\text{full}} \operatorname{rot}_{180}\big(W^{\text{dw}}_1\big) = {{gx1}} .
\end{align*} \label{eq-groups-example-depthwise-grads}
$$

One depthwise weight written out: its channel's input, paired with that channel's
$\partial C / \partial Z$, position by position,

$$
\frac{\partial C}{\partial W^{\text{dw}}_0} \text{ at } (\lit{0}, \lit{0}) = {{gdw_entry_sum}}
= {{gdw_entry}} . \label{eq-groups-example-entry}
$$

sympy agrees, and shows where that $\partial C / \partial Z$ came from. Differentiating
$C = \sum \delta \cdot Y$ through both layers, with the inputs, both kernels and $\delta$ as
symbols, gives for the same weight one term per output channel and position, and only inputs
of channel $\lit{0}$:

$$
\begin{align*}
\frac{\partial C}{\partial W^{\text{dw}}_0} \text{ at } (\lit{0}, \lit{0}) &= {{sym_dw}}
\end{align*} \label{eq-groups-sympy}
$$

Grouping the terms by position gives
$\sum_{u,v} X_{0,0,u,v} (V_{0,0} \delta_{0,0,u,v} + V_{1,0} \delta_{0,1,u,v})$, which is
$X_{0,0} \star \partial C / \partial Z_{0,0}$ at offset $(\lit{0}, \lit{0})$.
"""


def _chain_terms(expression: sympy.Expr) -> str:
    """Σ δ V X, each term written δ·V·X, in the reading order of δ, two terms a line."""
    order = {"\\delta": 0, "V": 1, "X": 2}
    terms = []
    for term in sympy.Add.make_args(sympy.expand(expression)):
        factors = sorted(sympy.Mul.make_args(term), key=lambda f: order[f.name.split("_")[0]])
        terms.append(factors)
    terms.sort(key=lambda factors: [subscript(f) for f in factors])
    pieces = [" ".join(sympy.latex(f) for f in factors) for factors in terms]
    lines = [" + ".join(pieces[k : k + 2]) for k in range(0, len(pieces), 2)]
    return " \\\\\n&\\quad + ".join(lines)


def _grad_v_sums(e: gr.SeparableExample) -> Fragment:
    lines = []
    h, w = e.z.shape[2:]
    for o in range(e.pointwise.shape[0]):
        for c in range(e.pointwise.shape[1]):
            pairs = [(num_signed(e.delta[0, o, i, j], f"{P}.delta[{o}][{i},{j}]"),
                      num_signed(e.z[0, c, i, j], f"{P}.z[{c}][{i},{j}]"))
                     for i in range(h) for j in range(w)]
            lines.append(rf"\frac{{\partial C}}{{\partial V_{{{o},{c}}}}} &= " + products(pairs)
                         + " = " + num(e.grad_pointwise[o, c], f"{P}.grad_v[{o},{c}]"))
    return join(lines, " \\\\\n")


def build():
    e = gr.separable_example()
    c = e.x.shape[1]
    k = e.depthwise.shape[2]
    h, w = e.delta.shape[2:]
    entry = products((num_signed(e.x[0, 0, i, j], f"{P}.x[0][{i},{j}]"),
                      num_signed(e.delta_z[0, 0, i, j], f"{P}.delta_z[0][{i},{j}]"))
                     for i in range(h) for j in range(w))
    v = e.pointwise
    slots = dict(
        fig_channels=text_num(e.connections[0].shape[1], f"{P}.fig_channels"),
        fig_depthwise=text_num(e.connections[-1].shape[1], f"{P}.fig_channels"),
        count_k=text_num(e.count_kernel, f"{P}.count_k"),
        count_k_again=text_num(e.count_kernel, f"{P}.count_k"),
        count_c=text_num(e.count_channels, f"{P}.count_c"),
        count_c_again=text_num(e.count_channels, f"{P}.count_c"),
        count_dense=text_num(e.counts[0], f"{P}.count_dense"),
        count_separable=text_num(e.counts[1], f"{P}.count_separable"),
        c=num(c, f"{P}.c"), dw_k=text_num(k, f"{P}.dw_k"), dw_k_again=text_num(k, f"{P}.dw_k"),
        c_out=text_num(v.shape[0], f"{P}.c_out"), v=matrix(v, f"{P}.v"),
        v00=num(v[0, 0], f"{P}.v[0,0]"), v01=num(v[0, 1], f"{P}.v[0,1]"),
        v10=num(v[1, 0], f"{P}.v[1,0]"), v11=num(v[1, 1], f"{P}.v[1,1]"),
        v10_signed=num_signed(v[1, 0], f"{P}.v[1,0]"),
        v11_signed=num_signed(v[1, 1], f"{P}.v[1,1]"),
        grad_v_sums=_grad_v_sums(e),
        gdw_entry_sum=entry, gdw_entry=num(e.grad_depthwise[0, 0, 0, 0], f"{P}.grad_dw[0][0,0]"),
        sym_dw=_chain_terms(gr.symbolic_depthwise_weight(e, 0, 0, 0)),
    )
    for q in range(c):
        slots[f"x{q}"] = matrix(e.x[0, q], f"{P}.x[{q}]")
        slots[f"dw{q}"] = matrix(e.depthwise[q, 0], f"{P}.dw[{q}]")
        slots[f"z{q}"] = matrix(e.z[0, q], f"{P}.z[{q}]")
        slots[f"dz{q}"] = matrix(e.delta_z[0, q], f"{P}.delta_z[{q}]")
        slots[f"gdw{q}"] = matrix(e.grad_depthwise[q, 0], f"{P}.grad_dw[{q}]")
        slots[f"gx{q}"] = matrix(e.grad_input[0, q], f"{P}.grad_x[{q}]")
    for o in range(v.shape[0]):
        slots[f"y{o}"] = matrix(e.y[0, o], f"{P}.y[{o}]")
        slots[f"d{o}"] = matrix(e.delta[0, o], f"{P}.delta[{o}]")
    slots["index_base"] = base_sentence("general/groups.md")
    yield make_page("general/groups.md", SOURCE, TEMPLATE, **slots)
    yield from chapter_figures.figures(e)
