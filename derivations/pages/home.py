"""Home page (index.md): the answer on the first screen, then a map of the book."""

from __future__ import annotations

import re
from pathlib import Path

from derivations.examples import seed as seed_example
from derivations.mathematics.seed import seed_numbers
from derivations.notation import base_sentence
from derivations.render.page import make_page
from derivations.render.printed_numbers import num, text_num
from derivations.render.seed_latex import entry, key, products, sum_of

SOURCE = "derivations/pages/home.py"
MKDOCS_YML = Path(__file__).resolve().parents[2] / "mkdocs.yml"
QUESTION_URL = "https://datascience.stackexchange.com/questions/81232/convolution-backpropagation"

TEMPLATE = r"""
# Convolution backpropagation, worked out {#home}

This book answers the Data Science Stack Exchange question
[“Convolution backpropagation”]({{url}}): a small two-layer convolutional network, a cost
$C = (o^2 - y)^2$, and the gradient of that cost with respect to a weight of the first filter.
Every formula on these pages is derived or checked by sympy, and every number is computed by
Python and checked by an independent route when the site is built.

{{index_base}}

## The short answer {#short-answer}

**No, not for the first filter.** The asker's gradient for the second filter is right. For the
first filter, the asker wrote the chain rule as a **product of two sums**:

$$
\frac{\partial C}{\partial w^1_1} \overset{?}{=} (i_1 + i_2 + i_4 + i_5)\,
(w^2_1 + w^2_2 + w^2_3 + w^2_4) \cdot \lit{2}(o^2 - y) \label{eq-question-formula}
$$

The weight $w^1_1$ touches four outputs, $o^1_1$ through $o^1_4$, and meets a *different* input
in each one. The chain rule adds one product per output: the input that $w^1_1$ met there, times
how much the cost cares about that output. That is a **sum of products**:

$$
\frac{\partial C}{\partial w^1_1} = \lit{2}(o^2 - y)\,
(i_1 w^2_1 + i_2 w^2_2 + i_4 w^2_3 + i_5 w^2_4) \label{eq-correct-formula}
$$

Multiplying out \eqref{eq-question-formula} gives the four products of \eqref{eq-correct-formula}
plus twelve **cross terms** such as $i_1 w^2_2$: each pairs an input with a weight of $w^2$
that no path through $w^1_1$ connects it to ($w^1_1$ meets $i_1$ only in $o^1_1$, and $o^1_1$
reaches the cost only through $w^2_1$). They are the mistake.

On the book's example, where $i$, $w^1$, $w^2$ and $y$ are

$$
i = {{i}}, \quad w^1 = {{w1}}, \quad w^2 = {{w2}}, \quad y = {{y}}, \label{eq-example}
$$

the network outputs $o^2 = {{o2}}$, so $\lit{2}(o^2 - y) = {{grad_o2}}$, and

| $\partial C / \partial w^1_1$ by | value | worked out |
|---|---|---|
| the question's product of sums | {{question_value}} | {{question_formula}} |
| the chain rule's sum of products | {{correct_value}} | {{correct_formula}} |
| finite differences of $C$ | {{fd_value}} | nudge $w^1_1$ both ways, divide by twice the step |

The finite-difference estimate agrees with the chain rule and refutes the product of sums.
The [chapter on the first filter](seed/grad-w1.md#the-mistake) works this out in full, for all
four weights.

The article looked "completely different" for a second reason, which is not a mistake but a
convention. Deep-learning libraries, and the question's own $*$ ($w^1_1$ multiplies $i_1$ to
give $o^1_1$), slide the filter over the input as it is stored: a **cross-correlation**. An
article that writes a true **convolution** turns the filter by half a turn first, so its
formulas have a rotation where this book's have none, and none where this book's have one;
tracked through the flips, the numbers are the same
([correlation and convolution](seed/conventions.md#flipped-kernels)).

## In one paragraph {#in-one-paragraph}

For quoting, the whole answer:

!!! quote ""

    The gradient for $w^2$ is right:
    $\partial C / \partial w^2_1 = o^1_1 \cdot \lit{2}(o^2 - y)$. The one for $w^1$ is not.
    The weight $w^1_1$ is shared by all four outputs of the first layer, so the chain rule adds
    one product per output, {{paragraph_chain_rule}}, which is {{paragraph_products}}: each
    input that $w^1_1$ multiplies is paired with the weight of $w^2$ on the output it fed. The
    question's {{paragraph_question}} multiplies the two sums instead, which adds twelve cross
    terms such as $i_1 w^2_2$ that no path through $w^1_1$ connects. On the example above the
    chain rule gives {{correct_value}}, as do finite differences of the cost, and the product
    of sums gives {{question_value}}. A correct article can still look completely different
    if it flips the kernel (a true convolution) where the question's $*$, like deep-learning
    libraries, does not (a cross-correlation): the rotations then appear in different places,
    but the numbers agree.

## A map of the book {#map}

{{map}}
"""

# The book's page map: (path, title, what it holds). Linked once the page exists in the nav.
PAGE_MAP = (
    ("The question and its example", (
        ("question.md", "The question", "restated in its own notation, with a figure of the "
         "network"),
        ("about/notation.md", "Notation", "every symbol the book uses, one meaning each, and "
         "the one rule for index bases"),
        ("seed/forward-pass.md", "The forward pass", "each output as a sum of products, "
         "symbolically and with the example's numbers"),
        ("seed/grad-w2.md", "The second filter's gradient", "the asker's result, confirmed for "
         "all four weights"),
        ("seed/grad-w1.md", "The first filter's gradient", "the chain rule, the mistake, a "
         "finite-difference check, the cross terms"),
        ("seed/grad-input.md", "The input gradient", "scatter back, or a full convolution "
         "with the rotated kernel"),
        ("seed/conventions.md", "Correlation and convolution", "why an article that flips "
         "kernels looks completely different"),
    )),
    ("General rules", (
        ("general/layer.md", "The general layer", "the three gradients of any convolution "
         "layer, index by index"),
        ("general/stride.md", "Stride", "the gradient with steps larger than one"),
        ("general/padding.md", "Padding", "borders of zeros, and what they do backwards"),
        ("general/dilation.md", "Dilation", "kernels with gaps"),
        ("general/channels.md", "Channels and batch", "which gradient sums over what"),
        ("general/bias-relu-pooling.md", "Bias, ReLU and pooling", "the layers around a "
         "convolution"),
        ("general/matrix-view.md", "The matrix view", "im2col, the Jacobian and transposed "
         "convolution"),
        ("general/gradient-checking.md", "Gradient checking", "central differences and "
         "relative error"),
        ("general/confusions.md", "Common confusions", "mistakes like the question's, and "
         "others"),
    )),
    ("Tools", (
        ("tools/try-your-numbers.md", "Try your own numbers", "the example with your own "
         "values"),
        ("tools/worked-cli.md", "The worked command", "every number from a "
         "terminal"),
    )),
    ("About", (
        ("about/colophon.md", "Colophon", "how the book is made and checked"),
        ("about/publishing.md", "Publishing", "how the site is built and released"),
    )),
)

NAV_ENTRY = re.compile(r"^\s*-\s*[^:#]+:\s*(\S+\.md)\s*$", re.MULTILINE)


def pages_in_nav() -> set[str]:
    """Pages listed in mkdocs.yml's nav: those exist (a strict build fails otherwise)."""
    return set(NAV_ENTRY.findall(MKDOCS_YML.read_text(encoding="utf-8")))


def book_map(existing: set[str]) -> str:
    sections = []
    for title, entries in PAGE_MAP:
        lines = [f"- [{name}]({path}): {what}." for path, name, what in entries
                 if path in existing]
        if lines:
            sections.append(f"**{title}**\n\n" + "\n".join(lines))
    return "\n\n".join(sections)


def build():
    n = seed_numbers(seed_example.I, seed_example.W1, seed_example.W2, seed_example.TARGET)
    windows = [(0, 0), (0, 1), (1, 0), (1, 1)]
    yield make_page(
        "index.md", SOURCE, TEMPLATE,
        index_base=base_sentence("index.md"), url=QUESTION_URL,
        i=matrix_of(n.input, "input"), w1=matrix_of(n.w1, "w1"), w2=matrix_of(n.w2, "w2"),
        y=num(n.y, key("y")), o2=num(n.o2, key("o2")), grad_o2=num(n.grad_o2, key("grad_o2")),
        question_formula=(
            "$(" + sum_of(entry(n.input, "input", r, c) for r, c in windows) + ")("
            + sum_of(entry(n.w2, "w2", r, c) for r, c in windows) + r") \cdot "
            + num(n.grad_o2, key("grad_o2")) + "$"),
        question_value=text_num(n.question_grad_w1[0, 0], key("question_grad_w1", 0, 0)),
        correct_formula=(
            "$" + num(n.grad_o2, key("grad_o2")) + r" \cdot ("
            + products((entry(n.input, "input", r, c), entry(n.w2, "w2", r, c))
                       for r, c in windows) + ")$"),
        correct_value=text_num(n.grad_w1[0, 0], key("grad_w1", 0, 0)),
        fd_value=text_num(n.fd_grad_w1[0, 0], key("fd_grad_w1", 0, 0)),
        map=book_map(pages_in_nav()),
        # Inline math cannot span lines, and these two are longer than a template line.
        paragraph_chain_rule=(
            r"$\partial C / \partial w^1_1 = \sum_{k=\lit{1}}^{\lit{4}} "
            r"(\partial o^1_k / \partial w^1_1)(\partial C / \partial o^1_k)$"),
        paragraph_products=r"$\lit{2}(o^2 - y)(i_1 w^2_1 + i_2 w^2_2 + i_4 w^2_3 + i_5 w^2_4)$",
        paragraph_question=(
            r"$(i_1 + i_2 + i_4 + i_5)(w^2_1 + w^2_2 + w^2_3 + w^2_4) \cdot \lit{2}(o^2 - y)$"),
    )


def matrix_of(values, name):
    from derivations.render.printed_numbers import matrix

    return matrix(values, key(name))
