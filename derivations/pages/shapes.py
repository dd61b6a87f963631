"""Page general/shapes.md: stride, padding and dilation together, counted row by row."""

from __future__ import annotations

from derivations.figures import shapes as chapter_figures
from derivations.mathematics import shapes as sh
from derivations.mathematics.general_layer import symbolic_layer
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
    text_num,
)

SOURCE = "derivations/pages/shapes.py"
P = "shapes"

TEMPLATE = r"""
# Stride, padding and dilation together {#shapes}

[Stride](stride.md#stride), [padding](padding.md#padding) and [dilation](dilation.md#dilation)
each have a chapter of their own. Real layers use them together (a stride-two, padding-one
downsampling layer; a dilated layer inside a strided network), and then the sizes stop being
obvious: how big is the output, which input rows does no window ever read, how big is each
gradient, and why does the transposed convolution that computes the input gradient need to be
told the input's size. Everything below is one axis at a time (rows: $M_X$, $M_W$; columns are
the same with $N_X$, $N_W$), in the zero-based indices of [the general
layer](layer.md#general-layer).

{{index_base}}

## Where the windows read {#where-windows-read}

Pad $X$ with $p$ zero rows above and below; row $a$ of $X$ is row $a + p$ of $X^{\text{pad}}$.
Window $u$ starts at padded row $s u$, and its tap $m$ reads $d m$ rows further down:

$$
Y_{u,v} = b + \sum_{m=0}^{M_W-1} \sum_{n=0}^{N_W-1} W_{m,n} \,
X^{\text{pad}}_{s u + d m,\; s v + d n} . \label{eq-shapes-forward}
$$

One kernel covers $d(M_W - \lit{1}) + \lit{1}$ padded rows from its first tap to its last.

## The output size {#output-size}

The windows start at $\lit{0}, s, \lit{2}s, \dots$, and window $u$ fits when its last tap,
$s u + d(M_W - \lit{1})$, is still a row of $X^{\text{pad}}$, at most $M_X + \lit{2}p - \lit{1}$.
The largest such $u$ is $M_Y - \lit{1}$, so

$$
M_Y = \left\lfloor \frac{M_X + \lit{2}p - d(M_W - \lit{1}) - \lit{1}}{s}
\right\rfloor + \lit{1} . \label{eq-shapes-output}
$$

This is PyTorch's formula for `Conv2d`. The floor throws away a remainder,

$$
r = \left( M_X + \lit{2}p - d(M_W - \lit{1}) - \lit{1} \right) \text{ mod } s ,
\label{eq-shapes-leftover}
$$

and that remainder has a meaning: the last window's last tap is padded row

$$
s(M_Y - \lit{1}) + d(M_W - \lit{1}) = M_X + \lit{2}p - \lit{1} - r ,
\label{eq-shapes-last-tap}
$$

so exactly $r$ padded rows follow it. They are read by no window.

## Rows no window reaches {#unreached-rows}

Row $a$ of $X$ is read by window $u$ through tap $m$ exactly when

$$
a + p = s u + d m , \qquad \lit{0} \le u < M_Y, \quad \lit{0} \le m < M_W .
\label{eq-shapes-reached}
$$

When no pair $(u, m)$ solves it, $X_{a,c}$ appears in no term of any output, and its gradient
is an empty sum: zero, for every column $c$. There are three ways to miss a row.

* **After the last window.** Of the $r$ padded rows after the last tap, the last $p$ are
  padding; the rest are rows of $X$:

$$
\text{rows of } X \text{ after the last window} = \max(\lit{0},\; r - p) .
\label{eq-shapes-trailing}
$$

* **Between windows.** Window $u$ spans padded rows $s u$ to $s u + d(M_W - \lit{1})$. When the
  stride is longer than that span, $s > d(M_W - \lit{1}) + \lit{1}$, the
  $s - d(M_W - \lit{1}) - \lit{1}$ rows after each window are skipped. A
  $\lit{1} \times \lit{1}$ convolution with stride two (a common shortcut in residual
  networks) reads every other row and nothing else.
* **Between taps.** With $d > \lit{1}$ a row inside a window's span but between two of its taps
  is read only if another window has a tap on it. With stride one every such row is filled
  when $M_Y \ge d$. With $s \ge \lit{2}$ and $d \ge \lit{2}$ it can never be
  filled everywhere: $s u + d m = \lit{1}$ has no solution, so padded row one is never read,
  and when $s$ and $d$ share a factor greater than one only padded rows that are
  multiples of that factor are read. Stride two with dilation two reads every other row.

For one axis of eight rows and a few settings, \eqref{eq-shapes-reached} solved row by row:

{{cases_table}}

The last row is the worked example below.

## The size of each gradient {#gradient-sizes}

**The input gradient** always has the input's size, $M_X \times N_X$; the rows no window reaches
hold zeros. Computed as a sliding window, as in [stride](stride.md#stride-input-gradient) and
[dilation](dilation.md#dilation-input-gradient), it comes out too short: with $\delta^{(s)}$
for $\delta$ with $s - \lit{1}$ zeros between neighbours and $W^{(d)}$ for the kernel with
$d - \lit{1}$ zeros between taps, the full correlation has

$$
s(M_Y - \lit{1}) + \lit{1} + d(M_W - \lit{1}) = M_X + \lit{2}p - r
\label{eq-shapes-reached-rows}
$$

rows: the padded input without its last $r$ rows. So

$$
\frac{\partial C}{\partial X} = \operatorname{crop}_p \left( \begin{bmatrix}
\delta^{(s)} \star_{\text{full}} \operatorname{rot}_{180}\big(W^{(d)}\big) \\
\lit{0}_{r \times \cdot} \end{bmatrix} \right) , \label{eq-shapes-input}
$$

append $r$ zero rows (they are the rows after the last window), then crop $p$ rows from
each side: $M_X + \lit{2}p - r + r - \lit{2}p = M_X$.

**The weight gradient** has the kernel's size. Only the term with the fixed weight survives,
as in [the general layer](layer.md#weight-gradient):

$$
\frac{\partial C}{\partial W_{m,n}} = \sum_{u} \sum_{v} \delta_{u,v} \,
X^{\text{pad}}_{s u + d m,\; s v + d n} = \left( X^{\text{pad}} \star \delta^{(s)}
\right)_{d m,\; d n} . \label{eq-shapes-weight}
$$

The correlation $X^{\text{pad}} \star \delta^{(s)}$ is read at every $d$-th offset: the stride
and the dilation have **swapped roles**, it is a convolution of $X^{\text{pad}}$ with $\delta$
at stride $d$ and dilation $s$. Its output size, by \eqref{eq-shapes-output} with those roles,
is

$$
\left\lfloor \frac{M_X + \lit{2}p - s(M_Y - \lit{1}) - \lit{1}}{d} \right\rfloor +
\lit{1} = M_W + \left\lfloor \frac{r}{d} \right\rfloor \label{eq-shapes-weight-rows}
$$

rows: when $r \ge d$ the last $\lfloor r / d \rfloor$ rows are **leftover**, offsets that
a kernel of $M_W$ rows does not have, and they must be dropped. Older versions of
`torch.nn.grad.conv2d_weight` computed the weight gradient in exactly this way, a convolution
with stride and dilation exchanged followed by a `narrow` to the kernel's size.

## Why a transposed convolution needs output_padding {#output-padding}

The input gradient is a [transposed convolution](transposed.md#transposed-convolution-layer)
of $\delta$, and PyTorch's `conv_transpose2d` computes its output size from $\delta$'s size:

$$
M_X = (M_Y - \lit{1}) s - \lit{2}p + d(M_W - \lit{1}) + \text{output\_padding} +
\lit{1} . \label{eq-shapes-transposed}
$$

Without `output_padding` this is $M_X - r$: the floor in \eqref{eq-shapes-output} sends $s$
different input sizes to the same $M_Y$, and from $M_Y$ alone the
transposed convolution cannot tell which one the layer had. `output_padding` $= r$ adds
the missing rows, at the bottom (and columns at the right), where the rows after the last
window are; PyTorch accepts it only below $\max(s, d)$, which $r < s$ always is.
TensorFlow's `tf.nn.conv2d_transpose` asks for the whole `output_shape` instead, for the same
reason. For the worked example's rows ($M_W = {{t_k}}$, $s = {{t_s}}$, $p = {{t_p}}$,
$d = {{t_d}}$):

{{transposed_table}}

## Worked example {#shapes-example}

All three at once: stride $s = {{s}}$, padding $p = {{p}}$, dilation $d = {{d}}$, a
{{x_shape}} input and a {{w_shape}} kernel,

$$
X = {{x}}, \qquad W = {{w}}, \qquad W^{(d)} = {{w_dil}} . \label{eq-shapes-example}
$$

**Sizes.** The dilated kernel spans {{span}} rows. By \eqref{eq-shapes-output} and
\eqref{eq-shapes-leftover},

$$
\begin{align*}
{{size_lines}}
\end{align*} \label{eq-shapes-example-sizes}
$$

so $Y$ is {{y_shape}}, $Y = {{y}}$, and $\delta = {{delta}}$.

**Rows and columns no window reaches.** Solving \eqref{eq-shapes-reached}, the windows read
rows {{rows_reached}} and columns {{cols_reached}} of $X$. Rows {{rows_missed}} are missed
({{rows_why}}); columns {{cols_missed}} are missed ({{cols_why}}). The columns' leftover
$r = {{cols_l}}$ is the padding column, so no column of $X$ lies after the last window.

![The padded input: read by some window, or by none](figures/shapes-reached.svg)

*Grey: padding. Blue: read by some window. Red, hatched: read by none; the input gradient is
zero exactly there.*

**Weight gradient.** Each weight meets one padded input entry per window,
\eqref{eq-shapes-weight}:

$$
\begin{align*}
{{grad_w_sums}}
\end{align*} \label{eq-shapes-example-weight-sums}
$$

As a correlation: spread $\delta$ out to $\delta^{(s)} = {{delta_dil}}$ and slide it over
$X^{\text{pad}}$,

$$
X^{\text{pad}} \star \delta^{(s)} = {{correlation}} . \label{eq-shapes-example-correlation}
$$

Read at every $d$-th row and column, it gives {{sampled_rows}} rows,
$M_W + \lfloor r / d \rfloor$ by \eqref{eq-shapes-weight-rows}, and {{sampled_cols}}
columns:

$$
\left( X^{\text{pad}} \star \delta^{(s)} \right)_{d m,\, d n} = {{sampled}}
\quad \to \quad \frac{\partial C}{\partial W} = {{grad_w}} .
\label{eq-shapes-example-weight}
$$

The last row is the leftover: it would be the gradient of a third kernel row, which this
kernel does not have, and it is dropped. The columns have $r = {{cols_l_again}} < d$, so
they have no leftover.

![The weight gradient's correlation, read every d-th entry, with its leftover
row](figures/shapes-weight-leftover.svg)

*Grey offsets fall between taps; green ones are the gradient; the red, hatched row is the
leftover.*

**Input gradient** \eqref{eq-shapes-input}. The full correlation of $\delta^{(s)}$ with the
rotated dilated kernel $\operatorname{rot}_{180}(W^{(d)}) = {{w_dil_rot}}$ is
{{reached_shape}}, the padded input without its last $r$ rows and columns:

$$
\delta^{(s)} \star_{\text{full}} \operatorname{rot}_{180}\big(W^{(d)}\big) = {{grad_x_reached}} .
\label{eq-shapes-example-full}
$$

Appending $r$ zero rows and columns gives the {{padded_shape}} gradient of
$X^{\text{pad}}$, and cropping $p$ from every side the {{x_shape_again}} gradient of $X$:

$$
\frac{\partial C}{\partial X^{\text{pad}}} = {{grad_x_padded}}, \qquad
\frac{\partial C}{\partial X} = {{grad_x}} . \label{eq-shapes-example-input}
$$

sympy agrees. Differentiating $C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ with
\eqref{eq-shapes-forward} symbol by symbol for these sizes gives, for a row between taps, the
row after the last window, and a row that is read:

$$
\begin{align*}
\frac{\partial C}{\partial X_{ {{ta}},{{tc}} }} &= {{sym_taps}} \\
\frac{\partial C}{\partial X_{ {{la}},{{lc}} }} &= {{sym_last}} \\
\frac{\partial C}{\partial X_{ {{ra}},{{rc}} }} &= {{sym_read}}
\end{align*} \label{eq-shapes-sympy}
$$

PyTorch's `conv_transpose2d` of $\delta$ with this kernel, stride, padding and dilation
returns the same matrix when given `output_padding` $= ({{op_rows}}, {{op_cols}})$, the two
leftovers; without it, it returns only the first {{short_rows}}×{{short_cols}} block.
"""


def _rows_list(rows, key: str) -> Fragment | str:
    """Row numbers in prose, `0, 3 and 5`, each recorded; `none` for an empty list."""
    if not rows:
        return "none"
    pieces = [text_num(a, f"{key}[{t}]") for t, a in enumerate(rows)]
    if len(pieces) == 1:
        return pieces[0]
    return join(pieces[:-1], ", ") + " and " + pieces[-1]


def _cases_table(cases) -> Fragment:
    head = ("| $M_X$ | $M_W$, $s$, $p$, $d$ | $M_Y$ | $r$ "
            "| rows of $X$ no window reaches | why |\n|---|---|---|---|---|---|\n")
    rows = []
    for c, case in enumerate(cases):
        key = f"{P}.case[{c}]"
        settings = join((text_num(getattr(case, name), f"{key}.{name}")
                         for name in ("k", "s", "p", "d")), ", ")
        reasons = sorted(set(case.why), key=case.why.index)
        rows.append("| " + text_num(case.size, f"{key}.size") + " | " + settings + " | "
                    + text_num(case.out, f"{key}.out") + " | "
                    + text_num(case.leftover, f"{key}.leftover") + " | "
                    + _rows_list(case.unreached, f"{key}.unreached") + " | "
                    + ("; ".join(reasons) if reasons else "—") + " |")
    return head + join(rows, "\n")


def _transposed_table(e: sh.ShapesExample) -> Fragment:
    r = e.rows
    head = ("| input rows $M_X$ | $M_Y$ | $r$ | `output_padding` that gives "
            "$M_X$ back |\n|---|---|---|---|\n")
    lines = []
    for t, h in enumerate(sh.sizes_with_output(r.out, r.k, r.s, r.p, r.d)):
        key = f"{P}.same_out[{t}]"
        ell = sh.leftover(h, r.k, r.s, r.p, r.d)
        lines.append("| " + join([text_num(h, f"{key}.size"), text_num(r.out, f"{key}.out"),
                                  text_num(ell, f"{key}.leftover"),
                                  text_num(ell, f"{key}.output_padding")], " | ") + " |")
    return head + join(lines, "\n")


def _size_lines(e: sh.ShapesExample) -> Fragment:
    lines = []
    for name, case, out_name in (("rows", e.rows, "M_Y"), ("cols", e.cols, "N_Y")):
        key = f"{P}.{name}"
        span = sh.span(case.k, case.d)
        inner = case.size + 2 * case.p - span
        lines.append(
            rf"{out_name} &= \left\lfloor \frac{{" + num(case.size, f"{key}.size")
            + r" + \lit{2} \cdot " + num(case.p, f"{P}.p") + " - " + num(span, f"{P}.span")
            + "}{" + num(case.s, f"{P}.s") + r"} \right\rfloor + \lit{1} = \left\lfloor \frac{"
            + num(inner, f"{key}.inner") + "}{" + num(case.s, f"{P}.s")
            + r"} \right\rfloor + \lit{1} = " + num(case.out, f"{key}.out")
            + r", & r &= " + num(inner, f"{key}.inner") + r" \text{ mod } "
            + num(case.s, f"{P}.s") + " = " + num(case.leftover, f"{key}.leftover"))
    return join(lines, " \\\\\n")


def _grad_w_sums(e: sh.ShapesExample) -> Fragment:
    s, d = e.stride, e.dilation
    lines = []
    for m in range(e.w.shape[0]):
        for n in range(e.w.shape[1]):
            pairs = [
                (num_signed(e.delta[i, j], f"{P}.delta[{i},{j}]"),
                 num_signed(e.x_padded[s * i + d * m, s * j + d * n],
                            f"{P}.x_pad[{s * i + d * m},{s * j + d * n}]"))
                for i in range(e.delta.shape[0]) for j in range(e.delta.shape[1])
            ]
            lines.append(rf"\frac{{\partial C}}{{\partial W_{{{m},{n}}}}} &= " + products(pairs)
                         + " = " + num(e.grad_weight[m, n], f"{P}.grad_w[{m},{n}]"))
    return join(lines, " \\\\\n")


def _why(case: sh.AxisCase) -> str:
    groups = {}
    for a, reason in zip(case.unreached, case.why, strict=True):
        groups.setdefault(reason, []).append(a)
    return "; ".join(reason for reason in groups)


def build():
    e = sh.example()
    k_h, k_w = e.w.shape
    hyper = (e.stride, e.padding, e.dilation)
    rows_reached = sh.reached_rows(e.x.shape[0], k_h, *hyper)
    cols_reached = sh.reached_rows(e.x.shape[1], k_w, *hyper)
    column = cols_reached[0]  # a column that is read, so only the row decides
    taps = (e.rows.unreached[e.rows.why.index(sh.BETWEEN_TAPS)], column)
    last = (e.rows.unreached[e.rows.why.index(sh.AFTER)], column)
    read = (rows_reached[0], column)
    symbolic = symbolic_layer(e.x.shape, e.w.shape, stride=e.stride, padding=e.padding,
                              dilation=e.dilation)
    yield make_page(
        "general/shapes.md", SOURCE, TEMPLATE,
        index_base=base_sentence("general/shapes.md"),
        cases_table=_cases_table(sh.axis_cases()),
        t_k=num(k_h, f"{P}.w_shape[0]"), t_s=num(e.stride, f"{P}.s"),
        t_p=num(e.padding, f"{P}.p"), t_d=num(e.dilation, f"{P}.d"),
        transposed_table=_transposed_table(e),
        s=num(e.stride, f"{P}.s"), p=num(e.padding, f"{P}.p"), d=num(e.dilation, f"{P}.d"),
        x_shape=shape_text(e.x.shape, f"{P}.x_shape"),
        w_shape=shape_text(e.w.shape, f"{P}.w_shape"),
        x=matrix(e.x, f"{P}.x"), w=matrix(e.w, f"{P}.w"), w_dil=matrix(e.w_dilated, f"{P}.w_dil"),
        span=text_num(e.w_dilated.shape[0], f"{P}.span"),
        size_lines=_size_lines(e),
        y_shape=shape_text(e.y.shape, f"{P}.y_shape"), y=matrix(e.y, f"{P}.y"),
        delta=matrix(e.delta, f"{P}.delta"),
        rows_reached=_rows_list(rows_reached, f"{P}.rows.reached"),
        cols_reached=_rows_list(cols_reached, f"{P}.cols.reached"),
        rows_missed=_rows_list(e.rows.unreached, f"{P}.rows.unreached"),
        cols_missed=_rows_list(e.cols.unreached, f"{P}.cols.unreached"),
        rows_why=_why(e.rows), cols_why=_why(e.cols),
        cols_l=num(e.cols.leftover, f"{P}.cols.leftover"),
        grad_w_sums=_grad_w_sums(e),
        delta_dil=matrix(e.delta_dilated, f"{P}.delta_dil"),
        correlation=matrix(e.correlation, f"{P}.correlation"),
        sampled_rows=text_num(e.sampled.shape[0], f"{P}.sampled_shape[0]"),
        sampled_cols=text_num(e.sampled.shape[1], f"{P}.sampled_shape[1]"),
        sampled=matrix(e.sampled, f"{P}.sampled"), grad_w=matrix(e.grad_weight, f"{P}.grad_w"),
        cols_l_again=num(e.cols.leftover, f"{P}.cols.leftover"),
        w_dil_rot=matrix(e.w_dilated[::-1, ::-1], f"{P}.w_dil_rot"),
        reached_shape=shape_text(e.grad_input_reached.shape, f"{P}.reached_shape"),
        grad_x_reached=matrix(e.grad_input_reached, f"{P}.grad_x_reached"),
        padded_shape=shape_text(e.grad_input_padded.shape, f"{P}.padded_shape"),
        x_shape_again=shape_text(e.x.shape, f"{P}.x_shape"),
        grad_x_padded=matrix(e.grad_input_padded, f"{P}.grad_x_padded"),
        grad_x=matrix(e.grad_input, f"{P}.grad_x"),
        ta=str(taps[0]), tc=str(taps[1]), la=str(last[0]), lc=str(last[1]),
        ra=str(read[0]), rc=str(read[1]),
        sym_taps=num(int(symbolic.input_entry(*taps)), f"{P}.grad_x[{taps[0]},{taps[1]}]"),
        sym_last=num(int(symbolic.input_entry(*last)), f"{P}.grad_x[{last[0]},{last[1]}]"),
        sym_read=symbolic_latex(symbolic.input_entry(*read)),
        op_rows=num(e.rows.leftover, f"{P}.rows.leftover"),
        op_cols=num(e.cols.leftover, f"{P}.cols.leftover"),
        short_rows=text_num(e.x.shape[0] - e.rows.leftover, f"{P}.short[0]"),
        short_cols=text_num(e.x.shape[1] - e.cols.leftover, f"{P}.short[1]"),
    )
    yield from chapter_figures.figures(e)
