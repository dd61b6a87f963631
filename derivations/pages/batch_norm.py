"""Page general/batch-norm.md: batch normalization after a convolution, training mode."""

from __future__ import annotations

from derivations.figures import batch_norm as chapter_figures
from derivations.mathematics import batch_norm as bn
from derivations.notation import base_sentence
from derivations.render.page import make_page
from derivations.render.printed_numbers import (
    Fragment,
    join,
    matrix,
    num,
    num_signed,
    text_lit,
    text_num,
)

SOURCE = "derivations/pages/batch_norm.py"
P = "batch_norm"

TEMPLATE = r"""
# Batch normalization after a convolution {#batch-norm}

A convolution is usually followed by batch normalization (PyTorch's `BatchNorm2d`) before
its activation. Its backward pass is the one place in a convolutional network where every
entry of a channel influences every other, through the channel's mean and variance, and it
is where most hand-written backward passes go wrong. This chapter derives it for the layout
of a convolution's output, in training mode, and works it with numbers. $Z$ is the
convolution's output and the normalization's input, $B \times D_Y \times M_Y \times N_Y$;
$Y$ the normalization's output, of the same shape; $\delta = \partial C / \partial Y$.

{{index_base}}

## Statistics per channel {#bn-statistics}

A convolution shares each filter over positions, so batch normalization after it keeps one
mean, one variance, one scale $\gamma_f$ and one shift $b_f$ (PyTorch's `weight` and `bias`,
often written γ and β) per **channel**, computed over the batch **and** all
positions, the $B M_Y N_Y$ entries of the channel:

$$
\mu_f = \frac{\lit{1}}{B M_Y N_Y} \sum_{e,u,v} Z_{e,f,u,v}, \qquad
\sigma^2_f = \frac{\lit{1}}{B M_Y N_Y} \sum_{e,u,v} (Z_{e,f,u,v} - \mu_f)^2 ,
\label{eq-bn-statistics}
$$

$$
\hat{Z}_{e,f,u,v} = \frac{Z_{e,f,u,v} - \mu_f}{\sqrt{\sigma^2_f + \varepsilon}}, \qquad
Y_{e,f,u,v} = \gamma_f \, \hat{Z}_{e,f,u,v} + b_f . \label{eq-bn-forward}
$$

The variance that normalizes is the biased one (divided by $B M_Y N_Y$); PyTorch's running
variance, used in evaluation mode, is updated with the unbiased one. Every sum on this page
runs over $(e, u, v)$ within one channel, and no gradient crosses channels.

![Which entries share a mean and a variance](figures/batch-norm-statistics.svg)

*One shading per channel: both examples and all positions of a channel enter its mean and
variance.*

## The gradients of γ and the shift are sums {#bn-gamma-beta}

Like [a convolution's bias](bias-relu-pooling.md#shared-bias), $b_f$ and $\gamma_f$ are used
at every entry of their channel, so the chain rule adds one term per use, over the batch and
the positions. Sums, not means:

$$
\frac{\partial C}{\partial b_f} = \sum_{e,u,v} \delta_{e,f,u,v} , \label{eq-bn-beta}
$$

$$
\frac{\partial C}{\partial \gamma_f} = \sum_{e,u,v} \delta_{e,f,u,v} \, \hat{Z}_{e,f,u,v} .
\label{eq-bn-gamma}
$$

## The input gradient {#bn-input-gradient}

$Z_{e,f,u,v}$ reaches the cost three ways: directly through its own $\hat{Z}$, and through
$\mu_f$ and $\sigma^2_f$, which every $\hat{Z}$ of the channel uses. The first link is
$\partial C / \partial \hat{Z} = \gamma_f \, \delta$. Then, with sums over the channel,

$$
\begin{align*}
\frac{\partial C}{\partial \sigma^2_f} &= \sum \frac{\partial C}{\partial \hat{Z}} \,
(Z - \mu_f) \cdot \left( -\frac{\lit{1}}{\lit{2}} \right) (\sigma^2_f + \varepsilon)^{-3/2}, \\
\frac{\partial C}{\partial \mu_f} &= -\frac{\lit{1}}{\sqrt{\sigma^2_f + \varepsilon}} \sum
\frac{\partial C}{\partial \hat{Z}} + \frac{\partial C}{\partial \sigma^2_f} \cdot
\frac{-\lit{2}}{B M_Y N_Y} \sum (Z - \mu_f) = -\frac{\lit{1}}{\sqrt{\sigma^2_f +
\varepsilon}} \sum \frac{\partial C}{\partial \hat{Z}} ,
\end{align*} \label{eq-bn-paths}
$$

since the deviations from the mean add up to zero. Collecting the three paths,

$$
\frac{\partial C}{\partial Z} = \frac{\partial C / \partial \hat{Z}}{\sqrt{\sigma^2_f +
\varepsilon}} + \frac{\partial C}{\partial \sigma^2_f} \, \frac{\lit{2}(Z - \mu_f)}{B M_Y
N_Y} + \frac{\lit{1}}{B M_Y N_Y} \frac{\partial C}{\partial \mu_f} , \label{eq-bn-three-paths}
$$

and with $Z - \mu_f = \sqrt{\sigma^2_f + \varepsilon} \, \hat{Z}$:

$$
\frac{\partial C}{\partial Z_{e,f,u,v}} = \frac{\gamma_f}{B M_Y N_Y \sqrt{\sigma^2_f +
\varepsilon}} \left( B M_Y N_Y \, \delta_{e,f,u,v} - \sum \delta - \hat{Z}_{e,f,u,v} \sum
\delta \hat{Z} \right) . \label{eq-bn-input}
$$

The two sums are $\partial C / \partial b_f$ and $\partial C / \partial \gamma_f$ again. The
bracket removes from $B M_Y N_Y \, \delta$ its mean (and, when $\varepsilon = \lit{0}$, its
component along $\hat{Z}$), so for any $\varepsilon$

$$
\sum_{e,u,v} \frac{\partial C}{\partial Z_{e,f,u,v}} = \lit{0} : \label{eq-bn-zero-sum}
$$

adding a constant to a channel of $Z$ changes nothing after normalization. (Scaling a
channel changes nothing either when $\varepsilon = \lit{0}$, and then
$\sum \hat{Z} \, \partial C / \partial Z = \lit{0}$ as well; with $\varepsilon > \lit{0}$ that
holds only nearly, when the variance is large next to $\varepsilon$.) One consequence: a
convolution bias in front of batch normalization always receives
$\sum \partial C / \partial Z = \lit{0}$ (by
[the channels chapter's bias rule](channels.md#how-channels-line-up)), which is why such
convolutions are built with `bias=False`. $\partial C / \partial Z$ is the $\delta$ that
then enters the convolution's own rules. In **evaluation mode** $\mu_f$ and $\sigma^2_f$
are the running constants, the two extra paths vanish, and
$\partial C / \partial Z = \gamma_f \delta / \sqrt{\sigma^2_f + \varepsilon}$.

## Worked example {#bn-example}

A batch of $B = {{n}}$ examples with {{c}} channels of {{h}}×{{w}} positions, so each channel
has $B M_Y N_Y = {{m}}$ entries. To keep every number exact the example uses
$\varepsilon = {{eps}}$ (PyTorch's default is $\lit{10}^{-5}$, which changes the numbers below
only in the sixth digit; the tests compare with PyTorch at both). The convolution's output,
by example $e$ and channel $f$:

$$
Z_{0,0} = {{z00}}, \quad Z_{1,0} = {{z10}}, \qquad Z_{0,1} = {{z01}}, \quad Z_{1,1} = {{z11}},
\label{eq-bn-example}
$$

with $\gamma_0 = {{g0}}$, $\gamma_1 = {{g1}}$ and shifts $b_0 = {{b0}}$, $b_1 = {{b1}}$.

**Statistics** \eqref{eq-bn-statistics}, over both examples and all positions:

$$
\begin{align*}
{{stat_lines}}
\end{align*} \label{eq-bn-example-statistics}
$$

$$
\hat{Z}_{0,0} = {{zh00}}, \quad \hat{Z}_{1,0} = {{zh10}}, \label{eq-bn-example-normalized}
$$

$$
\hat{Z}_{0,1} = {{zh01}}, \quad \hat{Z}_{1,1} = {{zh11}}, \label{eq-bn-example-normalized-second}
$$

$$
Y_{0,0} = {{y00}}, \quad Y_{1,0} = {{y10}}, \qquad Y_{0,1} = {{y01}}, \quad Y_{1,1} = {{y11}} .
\label{eq-bn-example-output}
$$

**Upstream gradient:**

$$
\delta_{0,0} = {{d00}}, \quad \delta_{1,0} = {{d10}}, \qquad \delta_{0,1} = {{d01}}, \quad
\delta_{1,1} = {{d11}} . \label{eq-bn-example-delta}
$$

**γ and the shift** \eqref{eq-bn-beta}, \eqref{eq-bn-gamma}, for channel $\lit{0}$ term by
term:

$$
\begin{align*}
\frac{\partial C}{\partial b_0} &= {{beta0_sum}} = {{gb0}}, \\
\frac{\partial C}{\partial \gamma_0} &= {{gamma0_sum}} \\ &= {{gg0}},
\end{align*} \label{eq-bn-example-gamma-beta}
$$

and for channel $\lit{1}$, $\partial C / \partial b_1 = {{gb1}}$ and
$\partial C / \partial \gamma_1 = {{gg1}}$.

**Input gradient** \eqref{eq-bn-input}. For channel $\lit{0}$ the factor in front is
$\gamma_0 / (B M_Y N_Y \sqrt{\sigma^2_0 + \varepsilon})$
$= {{g0_again}} / ({{m_again}} \cdot {{s0}})$; the first entry in full:

$$
\frac{\partial C}{\partial Z_{0,0,0,0}} = \frac{ {{g0_third}} }{ {{m_third}} \cdot {{s0_again}} }
\big( {{m_fourth}} \cdot {{d0000}} - {{gb0_again}} - {{zh0000}} \cdot {{gg0_again}} \big)
= {{dz0000}} . \label{eq-bn-example-entry}
$$

All of them:

$$
\frac{\partial C}{\partial Z_{0,0}} = {{dz00}}, \quad \frac{\partial C}{\partial Z_{1,0}} =
{{dz10}}, \label{eq-bn-example-input-first}
$$

$$
\frac{\partial C}{\partial Z_{0,1}} = {{dz01}}, \quad
\frac{\partial C}{\partial Z_{1,1}} = {{dz11}} . \label{eq-bn-example-input-second}
$$

Each channel's entries add up to zero, \eqref{eq-bn-zero-sum}: {{zero_sums}}. A gradient
check agrees, and so does sympy: differentiating $C = \sum \delta Y$ with
\eqref{eq-bn-statistics} and \eqref{eq-bn-forward} written out for one channel of symbols,
the derivative minus \eqref{eq-bn-input} simplifies to zero, and at the example it gives
$\partial C / \partial Z_{0,0,0,0} = {{dz0000_again}}$.
"""


def _sum(values, keys) -> Fragment:
    return join((num(v, k) if t == 0 else num_signed(v, k)
                 for t, (v, k) in enumerate(zip(values, keys, strict=True))), " + ")


def build():
    e = bn.example()
    n, c, h, w = e.z.shape
    entries = [(b, i, j) for b in range(n) for i in range(h) for j in range(w)]
    beta0 = _sum([e.delta[b, 0, i, j] for b, i, j in entries],
                 [f"{P}.delta[{b},0][{i},{j}]" for b, i, j in entries])
    products = [num_signed(e.delta[b, 0, i, j], f"{P}.delta[{b},0][{i},{j}]") + r" \cdot "
                + num_signed(e.z_hat[b, 0, i, j], f"{P}.z_hat[{b},0][{i},{j}]")
                for b, i, j in entries]
    # four products a line: the sum runs over both examples' positions of the channel
    gamma0 = join((join(products[k : k + 4], " + ") for k in range(0, len(products), 4)),
                  " \\\\\n&\\quad + ")
    stat_lines = []
    for q in range(c):
        stat_lines.append(
            rf"\mu_{q} &= " + num(e.mean[q], f"{P}.mean[{q}]")
            + rf", & \sigma^2_{q} &= " + num(e.var[q], f"{P}.var[{q}]")
            + rf", & \sqrt{{\sigma^2_{q} + \varepsilon}} &= "
            + num((e.var[q] + e.eps) ** 0.5, f"{P}.std[{q}]"))
    std0 = (e.var[0] + e.eps) ** 0.5
    slots = dict(
        index_base=base_sentence("general/batch-norm.md"),
        n=num(n, f"{P}.n"), c=text_num(c, f"{P}.c"), h=text_num(h, f"{P}.h"),
        w=text_num(w, f"{P}.w"), m=num(e.m, f"{P}.m"), eps=num(e.eps, f"{P}.eps"),
        stat_lines=join(stat_lines, " \\\\\n"),
        beta0_sum=beta0, gamma0_sum=gamma0,
        gb0=num(e.grad_beta[0], f"{P}.grad_beta[0]"), gb1=num(e.grad_beta[1], f"{P}.grad_beta[1]"),
        gg0=num(e.grad_gamma[0], f"{P}.grad_gamma[0]"),
        gg1=num(e.grad_gamma[1], f"{P}.grad_gamma[1]"),
        g0_again=num(e.gamma[0], f"{P}.gamma[0]"), m_again=num(e.m, f"{P}.m"),
        s0=num(std0, f"{P}.std[0]"), g0_third=num(e.gamma[0], f"{P}.gamma[0]"),
        m_third=num(e.m, f"{P}.m"), s0_again=num(std0, f"{P}.std[0]"),
        m_fourth=num(e.m, f"{P}.m"), d0000=num_signed(e.delta[0, 0, 0, 0], f"{P}.delta[0,0][0,0]"),
        gb0_again=num_signed(e.grad_beta[0], f"{P}.grad_beta[0]"),
        zh0000=num_signed(e.z_hat[0, 0, 0, 0], f"{P}.z_hat[0,0][0,0]"),
        gg0_again=num_signed(e.grad_gamma[0], f"{P}.grad_gamma[0]"),
        dz0000=num(e.grad_input[0, 0, 0, 0], f"{P}.grad_z[0,0][0,0]"),
        dz0000_again=num(e.grad_input[0, 0, 0, 0], f"{P}.grad_z[0,0][0,0]"),
        zero_sums=join(("channel " + text_lit(q) + ": "
                        + text_num(e.grad_input_sums[q], f"{P}.grad_z_sum[{q}]")
                        for q in range(c)), ", "),
    )
    for q in range(c):
        slots[f"g{q}"] = num(e.gamma[q], f"{P}.gamma[{q}]")
        slots[f"b{q}"] = num(e.beta[q], f"{P}.beta[{q}]")
        for b in range(n):
            for name, array, key in (("z", e.z, "z"), ("zh", e.z_hat, "z_hat"), ("y", e.y, "y"),
                                     ("d", e.delta, "delta"), ("dz", e.grad_input, "grad_z")):
                slots[f"{name}{b}{q}"] = matrix(array[b, q], f"{P}.{key}[{b},{q}]")
    yield make_page("general/batch-norm.md", SOURCE, TEMPLATE, **slots)
    yield from chapter_figures.figures(e)
