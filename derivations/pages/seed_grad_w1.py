"""Page seed/grad-w1.md: the chain rule for w¹, the question's mistake, its numbers and checks."""

from __future__ import annotations

import sympy

from derivations.figures.seed import w11_positions_figure
from derivations.mathematics.seed import example_numbers, seed_symbols
from derivations.notation import base_sentence
from derivations.render.page import Asset, make_page
from derivations.render.printed_numbers import join, matrix, num, text_num
from derivations.render.seed_latex import entry, key, products, subscript, sum_latex, sum_of

SOURCE = "derivations/pages/seed_grad_w1.py"
WINDOW = [(0, 0), (0, 1), (1, 0), (1, 1)]

TEMPLATE = r"""
# The first filter's gradient {#grad-w1}

This is where the question goes wrong, and the fix is one idea: a weight of a convolution
filter is **shared** by several outputs, so its gradient collects one contribution from each.

{{index_base}}

## The chain rule for w¹₁ {#chain-rule-for-w1}

![{{alt}}](figures/w11-positions.svg)

*The filter's window for each output of the first layer (shaded), and the one input that
$w^1_1$ multiplies in it (outlined in bold).*

The weight $w^1_1$ is used four times in the forward pass (the figure): once in each output
of the first layer, and each time it multiplies a different input. sympy, differentiating
each $o^1_k$ of [the forward pass](forward-pass.md) with respect to $w^1_1$, finds

$$
\left( \frac{\partial o^1_1}{\partial w^1_1}, \frac{\partial o^1_2}{\partial w^1_1},
\frac{\partial o^1_3}{\partial w^1_1}, \frac{\partial o^1_4}{\partial w^1_1} \right)
= ({{do1_dw11}}) . \label{eq-do1-dw11}
$$

These are exactly the four inputs the question lists, but as **four separate numbers**, one
per output, not as their sum. Likewise the cost reaches each $o^1_k$ through its own weight of
the second filter:

$$
\left( \frac{\partial C}{\partial o^1_1}, \frac{\partial C}{\partial o^1_2},
\frac{\partial C}{\partial o^1_3}, \frac{\partial C}{\partial o^1_4} \right)
= {{dc_do1}} . \label{eq-dc-do1}
$$

The chain rule for a variable that reaches the cost along several paths adds one product per
path: the **dot product** of the two vectors,

$$
\frac{\partial C}{\partial w^1_1} = \sum_{k=\lit{1}}^{\lit{4}}
\frac{\partial o^1_k}{\partial w^1_1} \frac{\partial C}{\partial o^1_k}
= \lit{2}(o^2 - y)\,({{grad_w11_bracket}}) . \label{eq-grad-w11}
$$

The same reasoning for each weight of $w^1$ (each one slides over its own two-by-two block of
the input) gives

$$
\begin{array}{l}
{{grad_w1_symbolic}}
\end{array} \label{eq-grad-w1}
$$

## The mistake {#the-mistake}

The question instead summed each vector first and multiplied the two sums:

$$
\frac{\partial C}{\partial w^1_1} \overset{?}{=} ({{question_sum}})\,
({{w2_sum_symbolic}}) \cdot \lit{2}(o^2 - y) . \label{eq-question}
$$

That is not the chain rule. A product of two sums is the sum of *every* product of a term of
the first with a term of the second:

$$
\Big(\sum_{k} \alpha_k\Big)\Big(\sum_{l} \beta_l\Big) = \sum_{k} \alpha_k \beta_k
+ \sum_{k \neq l} \alpha_k \beta_l . \label{eq-product-of-sums}
$$

With $\alpha_k = \partial o^1_k / \partial w^1_1$ and $\beta_l = \partial C / \partial o^1_l$, the
first sum on the right is the chain rule \eqref{eq-grad-w11}. The second pairs the input
$w^1_1$ met in one output with the effect on the cost of a *different* output; those twelve
products ($k, l$ from $\lit{1}$ to $\lit{4}$, $k \neq l$) do not belong in the derivative,
and [they are written out below](#cross-terms).

Applied to the book's example, with $o^2 = {{o2}}$, $y = {{y}}$ and so
$\lit{2}(o^2 - y) = {{grad_o2}}$, the two formulas give different numbers for $w^1_1$:

$$
\begin{array}{l}
\text{question: } ({{touched}})({{w2_sum}}) \cdot {{grad_o2}} = {{touched_sum}} \cdot
{{w2_sum_value}} \cdot {{grad_o2}} = {{question_w11}} \\
\text{chain rule: } {{grad_o2}} \cdot ({{correct_products}}) = {{correct_w11}}
\end{array} \label{eq-mistake-numbers}
$$

The same recipe applied to the other three weights (sum the four inputs the weight
multiplies, times the sum of $w^2$, times $\lit{2}(o^2 - y)$) is wrong for each of them too:

| weight | question's product of sums | chain rule | question minus chain rule |
|---|---|---|---|
{{mistake_rows}}

## The finite-difference check {#finite-difference-check}

Neither formula has to be taken on trust. Nudge one weight by a small step $h$ up and down,
run the forward pass each time, and divide the change in the cost by $\lit{2}h$:

$$
\frac{\partial C}{\partial w^1_j} \approx \frac{C(w^1_j + h) - C(w^1_j - h)}{\lit{2}h} .
\label{eq-central-difference}
$$

With $h = {{step}}$ (the cost is a quadratic in each single weight, so this central
difference is exact up to rounding):

| weight | finite differences | chain rule | question's formula |
|---|---|---|---|
{{fd_rows}}

The estimate agrees with the chain rule for every weight and with the question's formula for
none.

## Where the extra terms come from {#cross-terms}

Multiplying out the question's product of two sums of four terms gives sixteen products;
only four of them are pairs that actually meet in the forward pass (an input and the weight of
$w^2$ on the output that input fed through $w^1_1$). sympy expands the difference between the
question's formula and the chain rule for $w^1_1$ into $\lit{2}(o^2 - y)$ times twelve
**cross terms**:

$$
\begin{array}{l}
\text{question} - \text{chain rule} = \lit{2}(o^2 - y)\,( \\
\quad {{cross_symbolic}} \,)
\end{array} \label{eq-cross-terms}
$$

Each pairs an input with a weight of $w^2$ belonging to an output the input never reached
through $w^1_1$: $i_1$ reaches the cost only through $o^1_1$, and so only through $w^2_1$,
yet the question multiplies it by $w^2_2$, $w^2_3$ and $w^2_4$ as well. On the example, the
twelve cross terms are

$$
\begin{array}{l}
{{cross_numeric}} = {{cross_sum}}
\end{array} \label{eq-cross-numbers}
$$

and ${{grad_o2}} \cdot {{cross_sum_signed}} = {{difference}}$, exactly the gap in the table
above.

## All four entries {#all-four}

With the example's numbers, each entry of \eqref{eq-grad-w1} is $\lit{2}(o^2 - y)$ times a sum
of four products:

$$
\begin{array}{l}
{{grad_w1_numeric}}
\end{array} \label{eq-grad-w1-numbers}
$$

Laid out like $w^1$, the gradient of the first filter is

$$
\frac{\partial C}{\partial w^1} = {{grad_w1}} , \label{eq-grad-w1-matrix}
$$

while the question's recipe would give ${{question_grad_w1}}$.

The pattern in \eqref{eq-grad-w1} is itself a cross-correlation, the same sliding sum of
products as [the forward pass](forward-pass.md#first-layer), with $\partial C / \partial o^1$
(which is $\lit{2}(o^2 - y)\,w^2$, as in \eqref{eq-dc-do1}) in the place of the filter: entry
$j$ of the gradient is the two-by-two block of inputs that $w^1_j$ multiplies, times
$\partial C / \partial o^1$ entry by entry, summed. On the example,

$$
\frac{\partial C}{\partial w^1} = i \star \frac{\partial C}{\partial o^1}
= {{i}} \star {{grad_o1}} = {{grad_w1}} . \label{eq-grad-w1-correlation}
$$

The [general chapter](../general/layer.md#weight-gradient) derives this for any layer.

## The same gradient from PyTorch {#pytorch}

A framework's automatic differentiation applies the same chain rule, so it must find the
same numbers. These lines build the question's network in PyTorch (its `conv2d` is the
same cross-correlation, with the input and each filter shaped as one example and one
channel), compute the cost and ask for the gradient of the first filter:

{{pytorch}}

They print

{{pytorch_output}}

which is \eqref{eq-grad-w1-matrix}, entry by entry; the book's tests run these lines.
[A whole network, worked](../general/network.md#network-pytorch) does the same for a
network with stride, padding, channels, ReLU and pooling. Next:
[the input gradient](grad-input.md).
"""


def pytorch_lines() -> str:
    """A few lines of PyTorch that reproduce ∂C/∂w¹ for the seed example (run by the tests)."""
    from derivations.examples import seed as example

    def tensor(rows, grad=False):
        values = "[[" + repr([list(row) for row in rows]) + "]]"
        return f"torch.tensor({values}, dtype=torch.float64{', requires_grad=True' * grad})"

    return "\n".join([
        "import torch",
        "",
        f"i = {tensor(example.I)}",
        f"w1 = {tensor(example.W1, grad=True)}",
        f"w2 = {tensor(example.W2)}",
        "o1 = torch.nn.functional.conv2d(i, w1)",
        "o2 = torch.nn.functional.conv2d(o1, w2)",
        f"cost = ((o2 - {example.TARGET}) ** 2).sum()",
        "cost.backward()",
        "print(w1.grad[0, 0].tolist())",
    ])


def pytorch_output(grad_w1) -> str:
    """What pytorch_lines prints: the gradient as nested lists of Python floats."""
    return repr([[float(v) for v in row] for row in grad_w1])


def _value_of(symbol: sympy.Symbol, n):
    """The example's number for i_k or w^2_k (row by row), with its audit key."""
    name = symbol.name
    k = int(name.split("_")[-1]) - 1
    if name.startswith("i_"):
        return entry(n.input, "input", k // 3, k % 3)
    if name.startswith("w^2"):
        return entry(n.w2, "w2", k // 2, k % 2)
    raise ValueError(f"no number for {name}")


def _cross_numeric(terms, n):
    pieces = []
    for term in terms:
        a, b = sorted(term.free_symbols, key=lambda s: s.name)
        pieces.append(_value_of(a, n) + r" \cdot " + _value_of(b, n))
    lines = [join(pieces[start:start + 3], " + ") for start in range(0, len(pieces), 3)]
    return join(lines, r" \\" + "\n" + r"\quad + ")


def build():
    n, s = example_numbers(), seed_symbols()
    do1_dw11 = ", ".join(sympy.latex(s.do1_dw1[0][k]) for k in range(4))
    dc_do1 = r"\lit{2}(o^2 - y) \cdot (" + ", ".join(
        rf"w^2_{{{k + 1}}}" for k in range(4)) + ")"
    grad_w1_symbolic = "\\\\\n".join(
        rf"\dfrac{{\partial C}}{{\partial w^1_{{{j + 1}}}}} = \lit{{2}}(o^2 - y)\,("
        + sum_latex(s.grad_w1_bracket[j]) + ")" for j in range(4))
    cross_lines = [sum_latex(sympy.Add(*s.cross_terms[0][k:k + 6])) for k in (0, 6)]
    grad_w1_numeric = join(
        (rf"\dfrac{{\partial C}}{{\partial w^1_{{{2 * r + c + 1}}}}} = "
         + entry(n.grad_o2, "grad_o2") + r" \cdot ("
         + products((entry(n.input, "input", r + p, c + q), entry(n.w2, "w2", p, q))
                    for p, q in WINDOW)
         + ") = " + entry(n.grad_w1, "grad_w1", r, c, signed=False)
         for r, c in WINDOW),
        r" \\" + "\n")
    mistake_rows, fd_rows = [], []
    for r, c in WINDOW:
        label = f"w¹{subscript(2 * r + c + 1)}"
        mistake_rows.append(join([
            "", label, text_num(n.question_grad_w1[r, c], key("question_grad_w1", r, c)),
            text_num(n.grad_w1[r, c], key("grad_w1", r, c)),
            text_num(n.difference[r, c], key("difference", r, c)), ""], " | "))
        fd_rows.append(join([
            "", label, text_num(n.fd_grad_w1[r, c], key("fd_grad_w1", r, c)),
            text_num(n.grad_w1[r, c], key("grad_w1", r, c)),
            text_num(n.question_grad_w1[r, c], key("question_grad_w1", r, c)), ""], " | "))
    yield make_page(
        "seed/grad-w1.md", SOURCE, TEMPLATE,
        index_base=base_sentence("seed/grad-w1.md"),
        alt="The four positions of w¹ on the input; w¹₁ sits on i₁, i₂, i₄ and i₅",
        do1_dw11=do1_dw11, dc_do1=dc_do1,
        grad_w11_bracket=sum_latex(s.grad_w1_bracket[0]), grad_w1_symbolic=grad_w1_symbolic,
        question_sum=sum_latex(sum(s.do1_dw1[0])),
        w2_sum_symbolic=sum_latex(sum(s.w2)),
        o2=num(n.o2, key("o2")), y=num(n.y, key("y")), grad_o2=num(n.grad_o2, key("grad_o2")),
        touched=sum_of(entry(n.input, "input", r, c) for r, c in WINDOW),
        w2_sum=sum_of(entry(n.w2, "w2", r, c) for r, c in WINDOW),
        touched_sum=entry(n.touched_sums, "touched_sums", 0, 0),
        w2_sum_value=entry(float(n.w2.sum()), "w2_sum"),
        question_w11=num(n.question_grad_w1[0, 0], key("question_grad_w1", 0, 0)),
        correct_products=products(
            (entry(n.input, "input", r, c), entry(n.w2, "w2", r, c)) for r, c in WINDOW),
        correct_w11=num(n.grad_w1[0, 0], key("grad_w1", 0, 0)),
        mistake_rows=join(mistake_rows, "\n"), fd_rows=join(fd_rows, "\n"),
        step=num(n.fd_step, key("fd_step")),
        cross_symbolic=(r" \\" + "\n" + r"\quad + ").join(cross_lines),
        cross_numeric=_cross_numeric(s.cross_terms[0], n),
        cross_sum=num(n.cross_sum[0, 0], key("cross_sum", 0, 0)),
        cross_sum_signed=entry(n.cross_sum, "cross_sum", 0, 0),
        difference=num(n.difference[0, 0], key("difference", 0, 0)),
        grad_w1_numeric=grad_w1_numeric, grad_w1=matrix(n.grad_w1, key("grad_w1")),
        question_grad_w1=matrix(n.question_grad_w1, key("question_grad_w1")),
        i=matrix(n.input, key("input")), grad_o1=matrix(n.grad_o1, key("grad_o1")),
        pytorch=f"```python\n{pytorch_lines()}\n```",
        pytorch_output=f"```text\n{pytorch_output(n.grad_w1)}\n```",
    )
    yield Asset("seed/figures/w11-positions.svg", w11_positions_figure())
