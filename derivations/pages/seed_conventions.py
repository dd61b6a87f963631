"""Page seed/conventions.md: cross-correlation vs convolution, and the flipped-kernel article."""

from __future__ import annotations

from derivations.examples.seed import TARGET, W1, W2, I
from derivations.mathematics.conventions import written_forms
from derivations.mathematics.seed import example_numbers, flipped_convention
from derivations.notation import base_sentence
from derivations.render.page import make_page
from derivations.render.printed_numbers import matrix, num
from derivations.render.seed_latex import key

SOURCE = "derivations/pages/seed_conventions.py"

TEMPLATE = r"""
# Correlation and convolution {#conventions}

The asker compared their derivation with an article and found it "completely different".
Part of that difference is the question's mistake in the first filter's gradient, a product of
sums where the chain rule has a sum of products ([the mistake](grad-w1.md#the-mistake)). The
rest is not mathematics but a convention: whether the filter is flipped before it slides over
the input.

## Cross-correlation versus convolution {#correlation-vs-convolution}

Convolutional networks (and this book, and PyTorch) slide the filter over the input as it is
stored. To write that down for every position at once, entries need a row and a column, so
this is where the book moves from the question's running numbers to
[the general notation](../about/notation.md#general-notation) of the chapters that follow:
the input becomes $X$, a filter $W$, the output $Y$, and each entry is named by its row and
column, **counted from zero**. For the question's first layer,

$$
{{mapping}} \label{eq-first-switch}
$$

{{index_base}}

For a filter of $M_W$ rows and $N_W$ columns, sliding without a flip is a
**cross-correlation**:

$$
(X \star W)_{u,v} = \sum_{m} \sum_{n} W_{m,n}\, X_{u+m,\,v+n} . \label{eq-correlation}
$$

Here $u$ and $v$ pick the output entry, and $m$ and $n$ run over the filter's rows and
columns. This is the question's $*$: its own description ($w^1_1$ multiplied by $i_1$ to get
$o^1_1$, by $i_2$ to get $o^1_2$, and so on) puts the top-left weight on the top-left input of
each window, with no flip: for the first output, $u = v = \lit{0}$, the term with
$m = n = \lit{0}$ is $W_{0,0} X_{0,0} = w^1_1 i_1$. The book writes it with a five-pointed
star, $\star$, to keep the asterisk $\ast$ for the flipped operation below; the two symbols
look alike, so the table further down names each column.

In signal processing, a **convolution** turns the filter by half a turn first, so the entry
stored at the top left meets the bottom right of each window:

$$
(X \ast W)_{u,v} = \sum_{m} \sum_{n} W_{m,n}\, X_{u+M_W-1-m,\,v+N_W-1-n} .
\label{eq-convolution}
$$

The $M_W - \lit{1}$ keeps the output indices starting at zero as in \eqref{eq-correlation};
for the question's two-by-two filters it is $\lit{1}$. The two describe the same layer when
one kernel is the other turned by half a turn, $X \star W = X \ast \tilde W$ with
$\tilde W = \operatorname{rot}_{180}(W)$: a network that learns $\tilde W$ with
\eqref{eq-convolution} learns exactly what a network learns for $W$ with
\eqref{eq-correlation}, only stored upside down and back to front.

## Why a flipped-kernel article looks completely different {#flipped-kernels}

Write the question's network in the convolution convention. Its filters are the rotated ones,
written with a tilde,

$$
\tilde w^1 = \operatorname{rot}_{180}(w^1) = {{k1}}, \qquad
\tilde w^2 = \operatorname{rot}_{180}(w^2) = {{k2}}, \label{eq-rotated-filters}
$$

and convolving with them reproduces the same forward pass, $i \ast \tilde w^1 = {{article_o1}}$
and $o^2 = {{article_o2}}$. Write $\delta^1 = \partial C / \partial o^1$ for the gradient
that arrives at the first layer's output; it is the same in both conventions, since $o^1$ is.
Differentiating in the convolution convention gives formulas that, side by side with this
book's, swap where the rotation appears:

| | this book (cross-correlation) | flipped-kernel article (convolution) |
|---|---|---|
{{table_rows}}

Where one convention rotates, the other does not, and an index written $u + m$ in one is
$u + M_W - \lit{1} - m$ in the other: two correct derivations can share almost no visible
formula.

Tracked through the flips, the numbers agree. The article's filter gradient, computed from its
own formula,

$$
\frac{\partial C}{\partial \tilde w^1} = {{article_grad_k1}}
= \operatorname{rot}_{180} {{grad_w1}}
= \operatorname{rot}_{180}\left(\frac{\partial C}{\partial w^1}\right), \label{eq-grad-k1}
$$

holds the same four numbers as [this book's](grad-w1.md#all-four), in the rotated layout of
its kernel; likewise

$$
\frac{\partial C}{\partial \tilde w^2} = {{article_grad_k2}}
= \operatorname{rot}_{180} {{grad_w2}} , \label{eq-grad-k2}
$$

and the input gradient, which does not depend on how the kernel is stored, is identical:

$$
\frac{\partial C}{\partial i} = {{article_grad_input}} \label{eq-grad-input-conv}
$$

as [in the input-gradient chapter](grad-input.md#rot180). In either convention the update
of each weight is the same; what changes is only where the rotation is written. Whichever
article one reads, the first step is to find which of \eqref{eq-correlation} and
\eqref{eq-convolution} it uses.

## Every written form, mapped {#written-forms}

Texts, toolboxes and libraries write the same gradients in more forms than the two columns
above. Each is correct with its own definition of $\ast$ (flip the kernel) or $\star$ (do
not), its own argument order and its own padding; what differs is where the rotation is
written. Both operations are "valid" (windows inside the first argument) unless marked
"full", and $\operatorname{pad}(\delta^1)$ is $\delta^1$ with one ring of zeros. MATLAB's
`conv2`/`convn` and SciPy's `convolve2d` compute $\ast$; SciPy's `correlate2d` computes
$\star$.

| written form | where you meet it | equals | where it rotates |
|---|---|---|---|
{{forms_rows}}

Each identity below is checked on the seed's numbers, where
$\delta^1 = \partial C / \partial o^1 = {{f_delta}}$; the tests check them again on random
arrays, and check the SciPy forms against SciPy itself.

### A rotated input in the filter gradient {#form-rotated-input}

A true convolution flips its second argument; rotating the first as well turns the whole
result round:

$$
\operatorname{rot}_{180}(i) \ast \delta^1 = \operatorname{rot}_{180}(i \star \delta^1) .
\label{eq-form-rotated-input}
$$

$$
\operatorname{rot}_{180}(i) \ast \delta^1 = {{f_rot_conv}}, \label{eq-form-rotated-input-numbers}
$$

$$
\operatorname{rot}_{180}(i \star \delta^1) = \operatorname{rot}_{180} {{f_grad_w1}} =
{{f_rot_corr}} . \label{eq-form-rotated-correlation-numbers}
$$

This is the flipped-kernel article's $\partial C / \partial \tilde w^1$ in \eqref{eq-grad-k1}:
the rotation sits on the input, and the result comes out in the rotated layout of the
article's kernel. Neither side rotates $\delta^1$.

### conv2 with 'full' for the input gradient {#form-conv2-full}

A full convolution with a rotated kernel is a full correlation with the kernel itself,
because the two flips cancel:

$$
\text{conv2}\big(\delta^1, \operatorname{rot}_{180}(\tilde w^1), \text{'full'}\big) =
\operatorname{pad}(\delta^1) \star \tilde w^1 . \label{eq-form-conv2-full}
$$

With the article's $\tilde w^1 = {{f_k1}}$:

$$
\text{conv2}\big(\delta^1, \operatorname{rot}_{180}(\tilde w^1), \text{'full'}\big) =
{{f_conv2_full}}, \label{eq-form-conv2-numbers}
$$

$$
\operatorname{pad}(\delta^1) \star \tilde w^1 = {{f_pad_delta}} \star \tilde w^1 =
{{f_pad_corr}} . \label{eq-form-pad-correlation-numbers}
$$

Both are $\partial C / \partial i$ of [the input-gradient chapter](grad-input.md#rot180), and
since $\operatorname{rot}_{180}(\tilde w^1) = w^1$ the same matrix is
$\text{conv2}(\delta^1, w^1, \text{'full'}) = {{f_conv2_book}}$: this book's
$\operatorname{pad}(\delta^1) \star \operatorname{rot}_{180}(w^1)$, with the rotation hidden
inside `conv2`.

### Argument order {#form-argument-order}

A convolution does not care which argument comes first. A cross-correlation does: the second
argument slides over the first, and exchanging them turns the result by half a turn,

$$
\text{correlate2d}(W, X) = \operatorname{rot}_{180}\big(\text{correlate2d}(X, W)\big),
\label{eq-form-argument-order}
$$

$$
\text{convolve2d}(W, X) = \text{convolve2d}(X, W) , \label{eq-form-convolve-order}
$$

in 'full' and in 'valid' mode (SciPy slides the smaller array over the larger one either
way). On the seed:

$$
\text{correlate2d}(i, \delta^1, \text{'valid'}) = {{f_grad_w1_again}} =
\frac{\partial C}{\partial w^1}, \label{eq-form-correlate-numbers}
$$

$$
\text{correlate2d}(\delta^1, i, \text{'valid'}) = {{f_swapped}} =
\frac{\partial C}{\partial \tilde w^1} . \label{eq-form-swapped-numbers}
$$

The swapped call is not wrong: it is the flipped-kernel article's gradient, in its layout.

### The batch axis in a three-dimensional convolution {#form-flipall}

MATLAB toolboxes often keep a batch of $B$ examples as the third axis of an
$M_X \times N_X \times B$ array and compute the filter gradient of a convolution layer,
summed over the batch, with one three-dimensional call. `convn` flips its kernel along
**every** axis, the batch axis included, and with equally long batch axes 'valid' leaves a
single slice, in which example $e$ of the first argument meets example $B - \lit{1} - e$ of
the second as stored. Flipping all three axes of the inputs, `flipall`, undoes that pairing.
With $X_{e,0}$ the input of example $e$ and $\delta_{e,0}$ its upstream gradient (one
channel),

$$
\text{convn}\big(\operatorname{flipall}(X), \delta, \text{'valid'}\big) =
\operatorname{rot}_{180}\Big( \sum_{e} X_{e,0} \star \delta_{e,0} \Big) ,
\label{eq-form-flipall}
$$

the batch sum of \eqref{eq-form-rotated-input}, the article-layout filter gradient. Rotating
only the two spatial axes would pair $X_{e,0}$ with the upstream gradient of example
$B - \lit{1} - e$ instead. With two
examples,

$$
X_{0,0} = {{f_a0}}, \quad X_{1,0} = {{f_a1}}, \qquad \delta_{0,0} = {{f_d0}}, \quad
\delta_{1,0} = {{f_d1}}, \label{eq-form-batch}
$$

the per-example terms are $X_{0,0} \star \delta_{0,0} = {{f_t0}}$ and
$X_{1,0} \star \delta_{1,0} = {{f_t1}}$, and

$$
\text{convn}\big(\operatorname{flipall}(X), \delta, \text{'valid'}\big) = {{f_flipall}} ,
\label{eq-form-flipall-numbers}
$$

the half-turn of their sum. With only the spatial axes rotated, the call returns

$$
\text{convn}\big(\operatorname{rot}_{180}(X), \delta, \text{'valid'}\big) = {{f_rot_only}}
= \operatorname{rot}_{180}\big( X_{1,0} \star \delta_{0,0} + X_{0,0} \star \delta_{1,0} \big),
\label{eq-form-rot-only-numbers}
$$

with $X_{1,0} \star \delta_{0,0} = {{f_c0}}$ and $X_{0,0} \star \delta_{1,0} = {{f_c1}}$:
a sum over mismatched pairs. With $B = \lit{1}$ the two calls agree, which is why the
mistake survives a test on a single example.

### A forward pass written as a convolution {#form-forward}

A text that writes the forward pass with a true convolution rotates the kernel there:

$$
o^2 = \operatorname{rot}_{180}(w^2) \ast o^1 = o^1 \star w^2 = \sum_k w^2_k \, o^1_k ,
\label{eq-form-forward}
$$

since a convolution commutes and its flip undoes the rotation. On the seed,
$\operatorname{rot}_{180}(w^2) \ast o^1 = {{f_forward}}$, the $o^2 = {{f_o2}}$ of
[the forward pass](forward-pass.md#second-layer). A text written this way stores
$\tilde w^2 = \operatorname{rot}_{180}(w^2)$ as its kernel, and its gradients follow the
article column of the table above.
"""


ROT = r"\operatorname{rot}_{180}"
TABLE = (
    ("forward", r"$o^1 = i \star w^1$", r"$o^1 = i \ast \tilde w^1$"),
    ("filter gradient", r"$\partial C / \partial w^1 = i \star \delta^1$",
     rf"$\partial C / \partial \tilde w^1 = {ROT}(i) \ast \delta^1$"),
    ("input gradient", rf"$\operatorname{{pad}}(\delta^1) \star {ROT}(w^1)$",
     r"$\operatorname{pad}(\delta^1) \star \tilde w^1$"),
)


FORMS = (
    (r"$i \star \delta^1$, `correlate2d(i, δ¹, 'valid')`", "this book, PyTorch",
     r"$\partial C / \partial w^1$", "nowhere"),
    (r"$\operatorname{rot}_{180}(i) \ast \delta^1$", "flipped-kernel articles",
     r"$\partial C / \partial \tilde w^1 = \operatorname{rot}_{180}(i \star \delta^1)$",
     "on the input, and the result is in the rotated kernel's layout"),
    (r"`correlate2d(δ¹, i, 'valid')`", "arguments swapped",
     r"$\operatorname{rot}_{180}(i \star \delta^1) = \partial C / \partial \tilde w^1$",
     "on the result, through the argument order"),
    (r"$\operatorname{pad}(\delta^1) \star \operatorname{rot}_{180}(w^1)$, "
     r"`conv2(δ¹, w¹, 'full')`", "this book; MATLAB, SciPy",
     r"$\partial C / \partial i$", "on the kernel (inside `conv2`'s flip)"),
    (r"$\operatorname{pad}(\delta^1) \star \tilde w^1$, `conv2(δ¹, rot180(w̃¹), 'full')`",
     "flipped-kernel articles", r"$\partial C / \partial i$",
     "written on the kernel and undone by `conv2`'s flip"),
    (r"`convn(flipall(X), δ, 'valid')`", "MATLAB toolboxes, batch as third axis",
     r"$\operatorname{rot}_{180}(\sum_e X_{e,0} \star \delta_{e,0})$",
     "on every axis of $X$, batch included"),
    (r"$o^2 = \operatorname{rot}_{180}(w^2) \ast o^1$", "forward pass as a convolution",
     r"$o^1 \star w^2$", "on the kernel, in the forward pass"),
)


def _forms_slots() -> dict:
    f = written_forms()
    c = "conventions"
    return dict(
        forms_rows="\n".join("| " + " | ".join(row) + " |" for row in FORMS),
        f_delta=matrix(f.delta, f"{c}.delta"), f_rot_conv=matrix(f.rot_i_conv_delta,
                                                                 f"{c}.rot_i_conv_delta"),
        f_grad_w1=matrix(f.grad_w1, f"{c}.grad_w1"),
        f_rot_corr=matrix(f.rot_of_correlation, f"{c}.rot_of_correlation"),
        f_k1=matrix(f.k1, f"{c}.k1"), f_conv2_full=matrix(f.conv2_full, f"{c}.conv2_full"),
        f_pad_delta=matrix(f.padded_delta, f"{c}.padded_delta"),
        f_pad_corr=matrix(f.padded_correlation, f"{c}.padded_correlation"),
        f_conv2_book=matrix(f.conv2_book, f"{c}.conv2_book"),
        f_grad_w1_again=matrix(f.grad_w1, f"{c}.grad_w1"),
        f_swapped=matrix(f.swapped, f"{c}.swapped"),
        f_a0=matrix(f.batch_inputs[0], f"{c}.a[0]"), f_a1=matrix(f.batch_inputs[1], f"{c}.a[1]"),
        f_d0=matrix(f.batch_deltas[0], f"{c}.d[0]"), f_d1=matrix(f.batch_deltas[1], f"{c}.d[1]"),
        f_t0=matrix(f.batch_terms[0], f"{c}.batch_term[0]"),
        f_t1=matrix(f.batch_terms[1], f"{c}.batch_term[1]"),
        f_flipall=matrix(f.convn_flipall, f"{c}.convn_flipall"),
        f_rot_only=matrix(f.convn_rot_only, f"{c}.convn_rot_only"),
        f_c0=matrix(f.crossed_terms[0], f"{c}.crossed_term[0]"),
        f_c1=matrix(f.crossed_terms[1], f"{c}.crossed_term[1]"),
        f_forward=num(f.forward_rot, f"{c}.forward_rot"), f_o2=num(f.o2, f"{c}.o2"),
    )


def first_switch(rows: int, columns: int, letter: str, general: str, layer: str = "") -> str:
    """The question's running-numbered matrix beside the same matrix indexed from zero."""
    def grid(cell) -> str:
        body = r" \\ ".join(" & ".join(cell(a, c) for c in range(columns)) for a in range(rows))
        return rf"\begin{{pmatrix}}{body}\end{{pmatrix}}"
    return (grid(lambda a, c: f"{letter}{layer}_{{{a * columns + c + 1}}}") + " = "
            + grid(lambda a, c: f"{general}_{{{a},{c}}}"))


def build():
    n, f = example_numbers(), flipped_convention(I, W1, W2, TARGET)
    yield make_page(
        "seed/conventions.md", SOURCE, TEMPLATE,
        table_rows="\n".join("| " + " | ".join(row) + " |" for row in TABLE),
        mapping=first_switch(3, 3, "i", "X") + r", \qquad " + first_switch(2, 2, "w", "W", "^1"),
        index_base=base_sentence("seed/conventions.md"),
        k1=matrix(f.k1, key("k1")), k2=matrix(f.k2, key("k2")),
        article_o1=matrix(f.o1, key("article_o1")), article_o2=num(f.o2, key("article_o2")),
        article_grad_k1=matrix(f.grad_k1, key("article_grad_k1")),
        grad_w1=matrix(n.grad_w1, key("grad_w1")),
        article_grad_k2=matrix(f.grad_k2, key("article_grad_k2")),
        grad_w2=matrix(n.grad_w2, key("grad_w2")),
        article_grad_input=matrix(f.grad_input, key("article_grad_input")),
        **_forms_slots(),
    )
