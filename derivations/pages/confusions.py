"""Page general/confusions.md: recurring confusions as short questions, each linked to its fix.

Pure prose: no number is printed here; every worked number lives on the linked section.
The entries are data (question, answer, links) so the test can check every link target.
"""

from __future__ import annotations

from dataclasses import dataclass

from derivations.notation import base_sentence
from derivations.render.page import make_page

SOURCE = "derivations/pages/confusions.py"


@dataclass(frozen=True)
class Confusion:
    id: str
    question: str
    answer: str  # Markdown, may contain math; no digits outside math scripts
    links: tuple[tuple[str, str], ...]  # (link text, target relative to general/)


CONFUSIONS: tuple[Confusion, ...] = (
    Confusion(
        "product-of-sums",
        "Is ∂C/∂w¹₁ the sum of the inputs it touched times the sum of ∂C/∂o¹?",
        r"""No. That is the question's own formula, and it multiplies two sums: every input
$w^1_1$ touched times every entry of $\partial C / \partial o^1$, including pairs that never
met in the forward pass. The chain rule adds one *product* per output instead:
$\partial C / \partial w^1_1 = \sum_k (\partial o^1_k / \partial w^1_1) \, \partial C /
\partial o^1_k$, where $\partial o^1_k / \partial w^1_1$ is the input that $w^1_1$ multiplied
to make $o^1_k$. A sum of products, not a
product of sums.""",
        (("the mistake, with its numbers", "../seed/grad-w1.md#the-mistake"),
         ("the check that settles it", "gradient-checking.md#worked-check")),
    ),
    Confusion(
        "sum-or-average",
        "Do I sum or average the weight gradient over output positions?",
        r"""Sum. A weight is used at every output position, and the chain rule adds the
effect of each use. Dividing by the number of positions gives a gradient that is too small
by exactly that factor, and a gradient check catches it at once. A mean in the *loss* (over
a batch, say) is a different matter: its factor is already inside $\delta$.""",
        (("sum, not average", "layer.md#sum-not-average"),
         ("the weight gradient", "layer.md#weight-gradient")),
    ),
    Confusion(
        "why-rot180",
        "Why is the kernel rotated by half a turn in the input gradient?",
        r"""Because the index of $\delta$ runs down while the index of $W$ runs up. In
$\partial C / \partial X_{a,c} = \sum_{u,v} \delta_{u,v} W_{a-u,\,c-v}$ the input entry meets the
*last* weights from the *first* windows. Writing that as a sliding window means reading the
kernel backwards, which is $\operatorname{rot}_{180}(W)$ slid over $\delta$ padded with
zeros. In this book's convention (a cross-correlation forward, as PyTorch) nothing else
is rotated; a text that convolves in the forward pass writes its rotations elsewhere, and the
conventions page maps where.""",
        (("the rotation for the question's network", "../seed/grad-input.md#rot180"),
         ("the derivation for any layer", "layer.md#index-bookkeeping"),
         ("the same thing as a transpose", "matrix-view.md#input-gradient-as-transpose"),
         ("every written form, and where it rotates", "../seed/conventions.md#written-forms")),
    ),
    Confusion(
        "convolution-or-correlation",
        "Convolution or cross-correlation, and in which order do the arguments go?",
        r"""Deep-learning layers compute a cross-correlation (no flip), as PyTorch does,
and so does this book. Texts that flip the kernel in the forward pass get formulas that look
rotated compared with ours; both are right within their own convention. Order matters for a
cross-correlation: the second argument is the one that slides, and swapping the two turns
the result round by half a turn, where a true convolution would not care. In this book's
convention the weight gradient is $X \star \delta$, with $\delta$ sliding over $X$ like a
kernel; $\delta \star X$ is its half-turn, the same gradient in the layout of a flipped
kernel.""",
        (("correlation versus convolution", "../seed/conventions.md#correlation-vs-convolution"),
         ("why a flipped-kernel article looks different", "../seed/conventions.md#flipped-kernels"),
         ("the weight gradient as a correlation", "layer.md#weight-gradient"),
         ("argument order, with numbers", "../seed/conventions.md#form-argument-order")),
    ),
    Confusion(
        "flipall-batch",
        "Why does a MATLAB-style filter gradient use flipall, and what goes wrong without it?",
        r"""With the batch stored as the third axis, `convn` flips its kernel along all
three axes, so in 'valid' mode example $n$ of one argument meets example $N - \lit{1} - n$ of
the other. `flipall` on the inputs undoes that, and the call returns the batch sum of the
filter gradients in the flipped-kernel layout. Rotating only the spatial axes pairs each
input with another example's gradient; with a batch of one the mistake is invisible.""",
        (("the batch axis in a three-dimensional convolution",
          "../seed/conventions.md#form-flipall"),),
    ),
    Confusion(
        "index-bookkeeping",
        "Which terms of the double sum survive when I differentiate?",
        r"""Rename the summation indices so they do not clash with the entry you
differentiate by, then keep only the terms that contain that entry. For a weight
$W_{m,n}$, exactly one term per output survives; for an input $X_{a,c}$, at most one
term per output, and none for windows that do not cover it. Most wrong formulas come from
skipping the renaming and cancelling a summation index by accident.""",
        (("index bookkeeping", "layer.md#index-bookkeeping"),),
    ),
    Confusion(
        "stride-backward",
        "What does stride do to the backward pass?",
        r"""The windows are $s$ apart, so each $\delta_{u,v}$ belongs at position
$(s u, s v)$. Insert $s - \lit{1}$ zeros between the entries of $\delta$ and the stride-one
formulas apply unchanged on the part of the input that windows reach: for the weight
gradient, and (with the rotated kernel and padding) for the input gradient.""",
        (("the weight gradient with stride", "stride.md#stride-weight-gradient"),
         ("the input gradient with stride", "stride.md#stride-input-gradient"),
         ("stamps s apart in a transposed convolution",
          "matrix-view.md#transposed-convolution")),
    ),
    Confusion(
        "leftover-rows",
        "What happens to input rows that no window reaches?",
        r"""When the stride does not fit the input exactly, the last rows or columns are
never read in the forward pass. They do not affect the cost, so their gradient is exactly
zero. The full correlation of the zero-inserted $\delta$ with the rotated kernel covers only
the reached rows and columns, so place it in a zero array of the input's size (PyTorch's
`conv_transpose2d` does this with `output_padding`).""",
        (("leftover rows and columns", "stride.md#leftover-rows"),
         ("which rows, for any stride, padding and dilation", "shapes.md#unreached-rows")),
    ),
    Confusion(
        "output-padding",
        "Why is my input gradient, or conv_transpose2d's output, a row or two short?",
        r"""Because the output size rounds down. With stride $s$, up to $s$ different input
sizes give the same output size, and a transposed convolution that only sees $\delta$ returns
the smallest of them, $r$ rows short, where $r$ is the remainder the floor threw away.
Those rows come after the last window, so their gradient is zero: append $r$ zero rows
(PyTorch: `output_padding`; TensorFlow: `output_shape`). With dilation as well, the weight
gradient's correlation can have leftover rows too, and they are dropped.""",
        (("why output_padding", "shapes.md#output-padding"),
         ("the size of each gradient", "shapes.md#gradient-sizes")),
    ),
    Confusion(
        "padding-backward",
        "What does padding do to the backward pass?",
        r"""The forward pass reads a padded input, so the backward pass first produces a
gradient for the padded input and then crops the border away: the padding zeros are
constants, not parameters, and their gradient is discarded.""",
        (("padding: full correlation, then crop", "padding.md#padding-derivation"),
         ("the cropped example", "padding.md#padding-example")),
    ),
    Confusion(
        "channels-line-up",
        "How do the channels line up in the gradients?",
        r"""Each output channel $f$ has its own kernel for every input channel $g$. The
weight gradient for $W_{f,g}$ pairs input channel $g$ with $\delta$ of output channel $f$
(summed over the batch); the input gradient of channel $g$ adds contributions from every
output channel.""",
        (("how channels line up", "channels.md#how-channels-line-up"),
         ("the two-channel, two-example numbers", "channels.md#channels-example")),
    ),
    Confusion(
        "grouped-gradients",
        "In a grouped or depthwise convolution, between which channels does the gradient flow?",
        r"""Only within a group. Output channel $o$ reads just the input channels of its
group, so its $\delta$ flows back only to those, and each filter's gradient pairs $\delta$
with its own group's inputs. A depthwise layer is a single-channel layer per channel. If you
emulate groups with a dense block-diagonal kernel, its gradient off the blocks is not zero:
mask it, or those weights stop being zero after the first update.""",
        (("the three gradients per group", "groups.md#groups-gradients"),
         ("depthwise and pointwise, worked", "groups.md#groups-example")),
    ),
    Confusion(
        "shared-bias",
        "What is the gradient of a bias shared over positions?",
        r"""The sum of $\delta$ over every position it was added to, and over the batch:
$\partial C / \partial b_f = \sum_{e,u,v} \delta_{e,f,u,v}$. Not one value per position,
and not an average.""",
        (("a bias shared over positions", "bias-relu-pooling.md#shared-bias"),
         ("the bias gradient of one layer", "layer.md#bias-gradient")),
    ),
    Confusion(
        "batch-norm-backward",
        "After a convolution, over what does batch normalization sum, and why is ∂C/∂Z not "
        "just γδ/σ?",
        r"""Over the batch and every position of one channel: one mean, one variance, one
scale $\gamma_f$ and one shift $b_f$ per channel, and $\partial C / \partial \gamma_f$,
$\partial C / \partial b_f$ are sums over those entries, not means. In training mode each
$Z$ also moves the channel's mean and variance, which every output of the channel uses; those
two extra paths subtract the mean of $\gamma\delta$ and its component along $\hat{Z}$.
$\gamma\delta/\sigma$ alone is the evaluation-mode gradient.""",
        (("statistics per channel", "batch-norm.md#bn-statistics"),
         ("the input gradient, derived", "batch-norm.md#bn-input-gradient"),
         ("the numbers", "batch-norm.md#bn-example")),
    ),
    Confusion(
        "relu-at-zero",
        "What is the derivative of ReLU at exactly zero?",
        r"""It has none: the slope is zero on the left and one on the right. PyTorch uses
zero, so the gradient passes only where the pre-activation is strictly positive.""",
        (("ReLU in the chain", "bias-relu-pooling.md#relu"),),
    ),
    Confusion(
        "max-pool-ties",
        "Where does the gradient of max pooling go when two entries tie?",
        r"""All of it to one entry: PyTorch and TensorFlow's CPU kernels give it to the first
maximum in reading order. Sharing it equally is another valid choice, but it will not match
them. Giving the whole gradient to *every* tied entry, as `grad * (x == x.max())` does, is
not valid: the window then sends out more gradient than its output received.""",
        (("max pooling and ties", "bias-relu-pooling.md#max-pooling"),
         ("three tie rules, and why the naive one is wrong", "bias-relu-pooling.md#max-pool-ties"),
         ("overlapping windows", "bias-relu-pooling.md#overlapping-pooling")),
    ),
    Confusion(
        "transposed-is-not-inverse",
        "Is a transposed convolution the inverse of a convolution?",
        r"""No. It applies the transpose $J^{\top}$ of the convolution's matrix, which is
exactly the backward pass with respect to the input; it does not undo the convolution.""",
        (("transposed convolution", "matrix-view.md#transposed-convolution"),
         ("transposed convolution as a layer", "transposed.md#transposed-convolution-layer")),
    ),
    Confusion(
        "transposed-backward",
        "How do I backpropagate through a transposed convolution, and why is its weight "
        "stored input channels first?",
        r"""Its forward pass is a convolution's input gradient, so its input gradient is that
convolution's forward pass: slide the same kernel over $\delta$ with the same stride, padding
and dilation, no rotation. Its weight gradient is a convolution's weight gradient with the
roles exchanged, $\delta$ in the input's place and $X$ in $\delta$'s. PyTorch stores its
kernel as the kernel of that convolution, which maps the transposed layer's output channels
back to its input channels, hence $D_X \times D_Y$.""",
        (("the input gradient is a convolution", "transposed.md#transposed-input-gradient"),
         ("the weight gradient", "transposed.md#transposed-weight-gradient")),
    ),
    Confusion(
        "col2im-adds",
        "With im2col, why is the input gradient not just Wᵀδ reshaped?",
        r"""Because $W_{\text{mat}}^{\top} \delta_{\text{mat}}$ is the gradient of the
*copies* im2col made: a cell that lies in several windows was copied into several columns.
col2im scatter-adds each column entry back to the cell it came from (overlapping windows
add), then crops the padding. A reshape would keep one copy and drop the others.""",
        (("the input gradient by col2im", "matrix-view.md#col2im"),
         ("the three GEMMs and their shapes", "matrix-view.md#gemm-shapes")),
    ),
    Confusion(
        "check-off-by-half",
        "My gradient check fails at a few entries, the estimate halfway between two values. Why?",
        r"""Those entries sit at a kink (a pre-activation at exactly zero, a tie in a
pooling window). The cost has two different one-sided slopes there, and the central
difference returns their average, which matches neither of them, nor the value a library
picks (PyTorch's ReLU takes the left-hand slope, zero). Check at a point without kinks.""",
        (("central differences", "gradient-checking.md#central-differences"),
         ("the numbers at a ReLU kink", "bias-relu-pooling.md#relu")),
    ),
)

TEMPLATE = r"""
# Common confusions {#confusions}

The same few questions come up again and again when people first derive backpropagation
through a convolution, the Stack Exchange question that started this book among them. Each
is answered here in a few lines, with a link to the section that works it out with numbers.

{{index_base}}

{{entries}}
"""


def entry_markdown(confusion: Confusion) -> str:
    links = ", ".join(f"[{text}]({target})" for text, target in confusion.links)
    answer = " ".join(line.strip() for line in confusion.answer.splitlines())
    return (f"## {confusion.question} {{#{confusion.id}}}\n\n{answer}\n\n"
            f"**Worked out in:** {links}.\n")


def build():
    yield make_page(
        "general/confusions.md", SOURCE, TEMPLATE,
        entries="\n".join(entry_markdown(c) for c in CONFUSIONS),
        index_base=base_sentence("general/confusions.md"),
    )
