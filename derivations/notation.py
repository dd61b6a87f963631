"""The book's one notation: every symbol a page prints, as data, and which page prints which.

One letter, one meaning, book-wide. A record says how a symbol is written, what it means,
its name in the code, and which subscripts it may carry (slot by slot, the index letters
allowed there), so that a page writing the kernel's letter for a width, or a batch index
where a kernel column belongs, is caught mechanically (tests/test_notation.py scans every
page's math against these records). When a page needs a new symbol, add it here first.

Index bases, one rule: the question's running numbers (i₁ … i₉, reading order) count from
one; every row, column, channel or example index counts from zero.

A leaf: data only, imported by pages/notation.py (which formats it) and by every page that
states its index base.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

# Index letters, by what they count. Every one of them counts from zero except the running
# numbers, which are the question's own one-based reading-order names.
INPUT_ROW, INPUT_COLUMN = "a", "c"
KERNEL_ROW, KERNEL_COLUMN = "m", "n"
OUTPUT_ROW, OUTPUT_COLUMN = "u", "v"
EXAMPLE, OUTPUT_CHANNEL, INPUT_CHANNEL = "e", "f", "g"
RUNNING = "jkl"
# Letters that may appear inside any index expression besides the index letters themselves:
# stride, padding, dilation and the sizes (X_{s u + d m - p}, δ_{a - M_W + 1 + m}).
IN_EXPRESSIONS = "sdpMN"

ROWS = INPUT_ROW + OUTPUT_ROW + KERNEL_ROW
COLUMNS = INPUT_COLUMN + OUTPUT_COLUMN + KERNEL_COLUMN


@dataclass(frozen=True)
class Symbol:
    """One row of the notation table.

    keys: the symbols this row describes, each as the scanner identifies it: its base glyph
    as written in LaTeX, plus a text label it always carries (`X_col`, `X^pad`) or a
    parenthesised superscript (`\\delta^(s)`); several keys share a row when the meaning
    says which is which ("row and column"). shown: how the table writes it.
    signatures: the subscripts it may take, each a tuple of slots, each slot the letters
    allowed there (digits always are); () means it takes no subscript. superscripts: the
    tokens (digits, letters, commands) allowed in a superscript that is not part of the key,
    such as a layer number; primes are always allowed. one_based: a subscript that is a
    plain number counts from one. with_layer: signatures allowed only when a layer
    superscript is written (δ¹_k, the question's running numbers, but never δ_k).
    """

    keys: tuple[str, ...]
    shown: str
    meaning: str
    code: str = "—"
    section: str = "general"
    signatures: tuple[tuple[str, ...], ...] = ()
    superscripts: tuple[str, ...] = ()
    one_based: bool = False
    with_layer: tuple[tuple[str, ...], ...] = ()  # signatures allowed only under a superscript


def _slots(*letters: str) -> tuple[str, ...]:
    return letters


_RUN_SLOT = (_slots(RUNNING),)
DIGITS = tuple("0123456789")
LAYERS = ("1", "2")  # the question's two layers
CHAIN = (*DIGITS, r"\ell", "L")  # a layer of the worked derivation's chain: 1, ℓ, ℓ - 1, L

SYMBOLS: tuple[Symbol, ...] = (
    # --- the question's notation (the seed chapters) -------------------------------------
    Symbol(("i",), r"i_k", r"the question's input, a three-by-three matrix; entry $k$ counted "
           r"row by row from the top left (the question writes $i^1_k$: the superscript names "
           r"the first layer)", "`seed.I`", "question",
           ((RUNNING + INPUT_ROW + INPUT_COLUMN + "N",),), ("1",), one_based=True),
    Symbol(("w",), r"w^1_k, \; w^2_k", r"the question's two filters, two-by-two; the "
           r"superscript names the layer, not a power", "`seed.W1`, `seed.W2`", "question",
           ((RUNNING + KERNEL_ROW + KERNEL_COLUMN + "N",),), LAYERS, one_based=True),
    Symbol(("o",), r"o^1_k, \; o^2", r"the first layer's two-by-two map, and the network's "
           r"single output (the question's $o^2_1$)", "—", "question",
           ((RUNNING + OUTPUT_ROW + OUTPUT_COLUMN + "N",),), LAYERS, one_based=True),
    Symbol(("y",), r"y", r"the target the output should match (the question's $y_1$; a matrix "
           r"$y_{u,v}$ in the worked derivation, $y_{f,u,v}$ with channels)", "`seed.TARGET`",
           "question", (_slots(""), _slots(OUTPUT_ROW, OUTPUT_COLUMN),
                        _slots(OUTPUT_CHANNEL, OUTPUT_ROW, OUTPUT_COLUMN))),
    Symbol(("C",), r"C", r"the cost: $(o^2 - y)^{\lit{2}}$ in the question's network; in "
           r"general the single number the rest of the network computes from a layer's "
           r"output. Primes ($C'$, $C''$) are its derivatives along one direction", "—",
           "question"),
    Symbol(("j", "k", "l"), r"j, k, l", r"running numbers: which entry, counted from one in "
           r"reading order (row by row)", "—", "question"),
    Symbol((r"\tilde w",), r"\tilde w^1, \; \tilde w^2", r"the filters of a flipped-kernel "
           r"article, $\operatorname{rot}_{180}(w^1)$ and $\operatorname{rot}_{180}(w^2)$ "
           r"(a tilde always means turned by half a turn)", "—", "question", _RUN_SLOT, LAYERS,
           one_based=True),
    Symbol(("J",), r"J_{k,l}", r"the Jacobian $\partial o^1_k / \partial i_l$ of the question's "
           r"first layer; of any layer, $\partial \operatorname{vec}(Y) / \partial "
           r"\operatorname{vec}(X)$", "`jacobian`", "question", (_slots(RUNNING, RUNNING),),
           (r"\top",), one_based=True),
    Symbol((r"\alpha", r"\beta"), r"\alpha_k, \; \beta_l", r"any numbers: the terms of two sums "
           r"that are multiplied together", "—", "question", _RUN_SLOT),
    # --- the general notation ---------------------------------------------------------------
    Symbol(("X",), r"X_{a,c}", r"a layer's input; $X_{e,g}$ is channel $g$ of example $e$, "
           r"and $X_{e,g,a,c}$ one entry of it; a network's one example drops $e$: "
           r"$X_{g,a,c}$", "`x`", "general",
           (_slots(ROWS, COLUMNS), _slots(EXAMPLE, INPUT_CHANNEL),
            _slots(EXAMPLE, INPUT_CHANNEL, ROWS, COLUMNS), _slots(INPUT_CHANNEL, ROWS, COLUMNS))),
    Symbol(("W",), r"W_{m,n}", r"a layer's kernel (its weights); $W_{f,g}$ is the slice that "
           r"carries input channel $g$ to output channel $f$; $W^{\ell}$ is kernel $\ell$ of "
           r"the worked derivation's chain", "`weight`", "general",
           (_slots(ROWS, COLUMNS), _slots(OUTPUT_CHANNEL, INPUT_CHANNEL),
            _slots(OUTPUT_CHANNEL, INPUT_CHANNEL, ROWS, COLUMNS)), CHAIN),
    Symbol(("b",), r"b", r"the bias, one per output channel ($b_f$), added at every position; "
           r"$b^{\ell}$ is layer $\ell$'s in a network", "`bias`", "general",
           (_slots(OUTPUT_CHANNEL),), CHAIN),
    Symbol(("Y",), r"Y_{u,v}", r"a layer's output; $Y_{e,f}$ is output channel $f$ of "
           r"example $e$", "`conv2d_forward(…)`", "general",
           (_slots(OUTPUT_ROW, OUTPUT_COLUMN), _slots(EXAMPLE, OUTPUT_CHANNEL),
            _slots(EXAMPLE, OUTPUT_CHANNEL, OUTPUT_ROW, OUTPUT_COLUMN))),
    Symbol((r"\delta",), r"\delta_{u,v}", r"the gradient that arrives at a layer's output, "
           r"$\delta = \partial C / \partial Y$, the shape of $Y$; $\delta^1 = \partial C / "
           r"\partial o^1$ in the question's network (entries $\delta^1_k$), "
           r"$\delta^{\ell} = \partial C / \partial O^{\ell}$ in the worked derivation "
           r"(entries $\delta^{\ell}_{f,u,v}$ in a network, like $O^{\ell}$'s)",
           "`grad_output`", "general",
           (_slots(ROWS, COLUMNS), _slots(EXAMPLE, OUTPUT_CHANNEL),
            _slots(EXAMPLE, OUTPUT_CHANNEL, ROWS, COLUMNS),
            _slots(OUTPUT_CHANNEL + INPUT_CHANNEL, ROWS, COLUMNS)),
           CHAIN, with_layer=_RUN_SLOT),
    Symbol(("s",), r"s", "stride: how far the kernel jumps between neighbouring windows",
           "`stride`"),
    Symbol(("p",), r"p", "padding: rows and columns of zeros added on every side of $X$",
           "`padding`"),
    Symbol(("d",), r"d", "dilation: the spacing between the kernel's taps", "`dilation`"),
    Symbol(("M", "N"), r"M_X \times N_X", r"the size of an array, $M$ rows by $N$ columns, "
           r"named by its subscript: the input $M_X \times N_X$, the kernel "
           r"$M_W \times N_W$, the output $M_Y \times N_Y$", "`x.shape[-2:]`, …", "general",
           (_slots("XWY"),)),
    Symbol(("B",), r"B", "batch size: how many examples pass through together",
           "`x.shape[0]`"),
    Symbol(("D",), r"D_X, \; D_Y", r"number of channels of the input, and of the output "
           r"(the number of filters)", "`x.shape[1]`, `weight.shape[0]`", "general",
           (_slots("XY"),)),
    Symbol(("Q",), r"Q", r"number of groups of a grouped convolution: each filter sees "
           r"$D_X / Q$ input channels", "`groups`", "general"),
    Symbol(("r",), r"r", r"the remainder the floor of the output size throws away: padded "
           r"rows after the last window's last tap", "`leftover`", "general"),
    Symbol(("W^dw",), r"W^{\text{dw}}_g", r"a depthwise kernel: the one filter of input channel "
           r"$g$", "`depthwise`", "general", (_slots(INPUT_CHANNEL),)),
    Symbol(("V",), r"V_{f,g}", r"a pointwise ($\lit{1} \times \lit{1}$) kernel: the weight that "
           r"carries channel $g$ to channel $f$", "`pointwise`", "general",
           (_slots(OUTPUT_CHANNEL, INPUT_CHANNEL),)),
    # --- index letters ------------------------------------------------------------------------
    Symbol(("a", "c"), r"a, c", r"row and column of an input entry", "—", "indices"),
    Symbol(("m", "n"), r"m, n", r"row and column of a kernel entry", "—", "indices"),
    Symbol(("u", "v"), r"u, v", r"row and column of an output entry (which window)", "—",
           "indices"),
    Symbol(("e",), r"e", r"which example of the batch", "—", "indices"),
    Symbol(("f",), r"f", r"which output channel (which filter)", "—", "indices"),
    Symbol(("g",), r"g", r"which input channel", "—", "indices"),
    # --- operations and derived arrays ------------------------------------------------------
    Symbol((r"\star",), r"\star", r"cross-correlation: the kernel slid over the input without "
           r"flipping, staying inside (what deep-learning libraries call convolution)",
           "`correlate_valid`", "operations"),
    Symbol((r"\star_full",), r"\star_{\text{full}}", r"full cross-correlation: every position "
           r"where the two overlap at all, as if the first were surrounded by zeros",
           "`correlate_full`", "operations"),
    Symbol((r"\ast",), r"\ast", r"true convolution: the kernel turned by half a turn first",
           "—", "operations"),
    Symbol(("op:rot",), r"\operatorname{rot}_{180}", r"turned by half a turn: rows and columns "
           r"reversed", "`rot180`", "operations", (_slots(""),)),
    Symbol((r"\tilde W",), r"\tilde W", r"the kernel turned by half a turn, "
           r"$\operatorname{rot}_{180}(W)$", "`rot180(weight)`", "operations",
           (_slots(ROWS, COLUMNS),)),
    Symbol(("op:pad",), r"\operatorname{pad}", r"surrounded by as many rows and columns of "
           r"zeros as the kernel has rows and columns, less one: what a full "
           r"cross-correlation slides over", "`zero_pad`", "operations"),
    Symbol(("X^pad",), r"X^{\text{pad}}", r"the input with the layer's padding: $p$ rows and "
           r"columns of zeros on every side", "—", "operations",
           (_slots(ROWS, COLUMNS), _slots(EXAMPLE, INPUT_CHANNEL),
            _slots(EXAMPLE, INPUT_CHANNEL, ROWS, COLUMNS))),
    Symbol((r"\delta^pad",), r"\delta^{\text{pad}}", r"$\delta$ with $p$ rows and columns of zeros "
           r"on every side: where a transposed convolution's cropped border was", "—",
           "operations", (_slots(ROWS, COLUMNS), _slots(EXAMPLE, OUTPUT_CHANNEL),
                          _slots(EXAMPLE, OUTPUT_CHANNEL, ROWS, COLUMNS))),
    Symbol(("op:crop",), r"\operatorname{crop}_p", r"the border $p$ wide cut off again", "—",
           "operations", (_slots("p"),)),
    Symbol((r"\delta^(s)",), r"\delta^{(s)}", r"$\delta$ spread out for stride $s$: "
           r"$s - \lit{1}$ zeros between neighbouring entries", "`insert_zeros`",
           "operations", (_slots(ROWS, COLUMNS),)),
    Symbol(("W^(d)",), r"W^{(d)}", r"the kernel dilated by $d$: $d - \lit{1}$ zeros between "
           r"neighbouring taps", "`dilated_kernel`", "operations"),
    Symbol(("X^(s)",), r"X^{(s)}", r"a transposed convolution's input spread out for stride "
           r"$s$: $s - \lit{1}$ zeros between neighbouring entries", "`insert_zeros`",
           "operations", (_slots(ROWS, COLUMNS), _slots(EXAMPLE, INPUT_CHANNEL))),
    Symbol(("W_mat",), r"W_{\text{mat}}", r"the kernel as a matrix: one row per filter, its "
           r"columns in $X_{\text{col}}$'s row order", "`weight_matrix`", "operations", (),
           (r"\top",)),
    Symbol((r"\delta_mat",), r"\delta_{\text{mat}}", r"$\delta$ as a matrix: one row per output "
           r"channel, its columns in $X_{\text{col}}$'s column order", "`delta_matrix`",
           "operations"),
    Symbol(("op:flipall",), r"\operatorname{flipall}", r"every axis reversed (MATLAB toolboxes' "
           r"name)", "`flipall`", "operations"),
    Symbol(("X_col",), r"X_{\text{col}}", r"im2col: one row per weight, one column per window",
           "`im2col`", "operations", (), (r"\top",)),
    Symbol(("op:vec",), r"\operatorname{vec}", r"a matrix read row by row into a column",
           "`.reshape(-1)`", "operations"),
    # --- the layers around a convolution, and gradient checking --------------------------------
    Symbol(("Z",), r"Z_{u,v}", r"a convolution's output before what follows it (ReLU, batch "
           r"normalization, a pointwise layer); $Z_{e,f}$ is channel $f$ of example $e$", "—",
           "around", (_slots(OUTPUT_ROW, OUTPUT_COLUMN),
                      _slots(EXAMPLE, OUTPUT_CHANNEL + INPUT_CHANNEL),
                      _slots(EXAMPLE, OUTPUT_CHANNEL + INPUT_CHANNEL, OUTPUT_ROW, OUTPUT_COLUMN))),
    Symbol((r"\hat Z",), r"\hat Z_{e,f,u,v}", r"$Z$ normalized over its channel by batch "
           r"normalization", "`z_hat`", "around",
           (_slots(EXAMPLE, OUTPUT_CHANNEL), _slots(EXAMPLE, OUTPUT_CHANNEL, ROWS, COLUMNS))),
    Symbol((r"\mu", r"\sigma"), r"\mu_f, \; \sigma^2_f", r"batch normalization's mean and "
           r"(biased) variance of channel $f$, over the batch and all positions",
           "`mean`, `var`", "around", (_slots(OUTPUT_CHANNEL),), ("2",)),
    Symbol((r"\gamma",), r"\gamma_f", r"batch normalization's scale of channel $f$ (its shift is "
           r"a bias $b_f$, often written β)", "`gamma`", "around",
           (_slots(OUTPUT_CHANNEL),)),
    Symbol((r"\varepsilon",), r"\varepsilon", r"the small constant batch normalization adds to "
           r"the variance", "`eps`", "around"),
    Symbol(("A",), r"A_{u,v}", r"activation, $\operatorname{ReLU}(Z)$", "—", "around",
           (_slots(OUTPUT_ROW, OUTPUT_COLUMN),)),
    Symbol(("op:ReLU",), r"\operatorname{ReLU}", r"$\max(Z, \lit{0})$, entry by entry", "—",
           "around"),
    Symbol(("P",), r"P_{u,v}", r"a pooling layer's output; $P_{e,g}$ is channel $g$ of example "
           r"$e$ (pooling keeps the channels)", "—", "around",
           (_slots(OUTPUT_ROW, OUTPUT_COLUMN), _slots(EXAMPLE, INPUT_CHANNEL),
            _slots(EXAMPLE, INPUT_CHANNEL, OUTPUT_ROW, OUTPUT_COLUMN))),
    Symbol(("K",), r"K", r"the side of a square pooling window", "`size` (in `max_pool`)",
           "around",
           superscripts=DIGITS),
    Symbol((r"\theta",), r"\theta_k", r"the parameters of a network, all in one list; "
           r"$\theta_k$ is entry $k$", "—", "around", _RUN_SLOT),
    Symbol(("h",), r"h", r"the step of a finite difference", "`h` (in `gradient_check`)",
           "around",
           superscripts=DIGITS),
    Symbol(("G", r"\hat G"), r"G, \; \hat G", r"a derived gradient entry, and its "
           r"finite-difference estimate", "—", "around"),
    Symbol(("op:err",), r"\operatorname{err}", r"relative error", "`relative_error`",
           "around"),
    # --- the worked derivation ---------------------------------------------------------------
    Symbol(("O",), r"O^{\ell}_{u,v}", r"the map after layer $\ell$ of a chain or a network, "
           r"$O^{0} = X$; with channels $O^{\ell}_{f,u,v}$, and $O^{\ell}_{f,\cdot,\cdot}$ is "
           r"channel $f$ whole (a dot leaves an index free)", "`maps`", "worked",
           (_slots(ROWS, COLUMNS), _slots(OUTPUT_CHANNEL + INPUT_CHANNEL, ROWS, COLUMNS)),
           CHAIN),
    Symbol((r"\ell", "L"), r"\ell, \; L", r"which layer of a chain or a network, counted from "
           r"one, and how many layers it has", "—", "worked"),
    Symbol(("T",), r"T", r"the number of entries of a network's output, which the mean squared "
           r"error divides by", "—", "worked"),
    Symbol((r"\eta",), r"\eta", r"the learning rate of a gradient-descent step: each parameter "
           r"moves by $-\eta \, \partial C / \partial \theta$", "`rate`", "worked"),
    Symbol(("C_before", "C_after"), r"C_{\text{before}}, \; C_{\text{after}}", r"the cost "
           r"before and after one gradient-descent step", "`cost_before`, `cost_after`",
           "worked"),
)

SECTIONS = MappingProxyType({
    "question": "The question's notation",
    "general": "The general notation",
    "indices": "Index letters",
    "operations": "Operations and derived arrays",
    "around": "Around the layer, and gradient checking",
    "worked": "The worked derivation",
})

BY_KEY = MappingProxyType({key: symbol for symbol in SYMBOLS for key in symbol.keys})


@dataclass(frozen=True)
class PageNotation:
    """What one generated page prints: its symbols (keys of SYMBOLS) and its index base.

    title: the page's title in the navigation. base: "one" (the question's running numbers
    only), "zero" (row and column indices only), "both" (the page uses both and shows how
    they meet), or None (no index at all).
    """

    title: str
    base: str | None
    symbols: frozenset[str]


def _page(title: str, base: str | None, *keys: str) -> PageNotation:
    return PageNotation(title, base, frozenset(keys))


# Every page, in reading order (mkdocs.yml's nav, which tests/test_notation.py checks), with
# the symbols its math prints (the test reads them off the generated page and compares).
PAGES = MappingProxyType({
    "index.md": _page("Home", "one", "C", "i", "k", "o", "w", "y"),
    "question.md": _page("The question", "one", "C", "i", "k", "o", "w", "y"),
    "about/notation.md": _page("Notation", "both", "A", "B", "C", "C_after", "C_before", "D", "G",
            "J", "K", "L", "M", "N", "O", "P", "Q", "T", "V", "W", "W^(d)", "W^dw", "W_mat", "X",
            "X^(s)", "X^pad", "X_col", "Y", "Z", r"\alpha", r"\ast", r"\beta", r"\delta",
            r"\delta^(s)", r"\delta^pad", r"\delta_mat", r"\ell", r"\eta", r"\gamma", r"\hat G",
            r"\hat Z", r"\mu", r"\sigma", r"\star", r"\star_full", r"\theta", r"\tilde W",
            r"\tilde w", r"\varepsilon", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
            "m", "n", "o", "op:ReLU", "op:crop", "op:err", "op:flipall", "op:pad", "op:rot",
            "op:vec", "p", "r", "s", "u", "v", "w", "y"),
    "seed/forward-pass.md": _page("The forward pass", "one", "C", r"\ast", r"\star", "i", "j", "k",
            "o", "w", "y"),
    "seed/grad-w2.md": _page("The second filter's gradient", "one", "C", "i", "o", "w", "y"),
    "seed/grad-w1.md": _page("The first filter's gradient", "one", "C", r"\alpha", r"\beta",
            r"\star", "h", "i", "j", "k", "l", "o", "w", "y"),
    "seed/grad-input.md": _page("The input gradient", "one", "C", r"\delta", r"\star", "i", "k",
            "o", "op:pad", "op:rot", "w", "y"),
    "seed/conventions.md": _page("Correlation and convolution", "both", "B", "C", "M", "N", "W",
            "X", "Y", r"\ast", r"\delta", r"\star", r"\tilde W", r"\tilde w", "a", "c", "e", "i",
            "k", "m", "n", "o", "op:flipall", "op:pad", "op:rot", "u", "v", "w"),
    "general/layer.md": _page("The general layer", "both", "B", "C", "M", "N", "W", "X", "Y",
            r"\delta", r"\star", r"\star_full", r"\theta", r"\tilde W", "a", "b", "c", "h", "i",
            "k", "m", "n", "o", "op:pad", "op:rot", "u", "v", "w", "y"),
    "general/stride.md": _page("Stride", "zero", "C", "M", "N", "W", "X", "Y", r"\delta",
            r"\delta^(s)", r"\star", r"\star_full", "a", "b", "c", "m", "n", "op:rot", "s", "u",
            "v"),
    "general/padding.md": _page("Padding", "zero", "C", "M", "N", "W", "X", "X^pad", "Y",
            r"\delta", r"\star", r"\star_full", "a", "b", "c", "op:crop", "op:rot", "p", "u", "v"),
    "general/dilation.md": _page("Dilation", "zero", "C", "M", "N", "W", "W^(d)", "X", "Y",
            r"\delta", r"\star", r"\star_full", "a", "b", "c", "d", "m", "n", "op:rot", "u", "v"),
    "general/shapes.md": _page("Stride, padding, dilation", "zero", "C", "M", "N", "W", "W^(d)",
            "X", "X^pad", "Y", r"\delta", r"\delta^(s)", r"\star", r"\star_full", "a", "b", "c",
            "d", "m", "n", "op:crop", "op:rot", "p", "r", "s", "u", "v"),
    "general/channels.md": _page("Channels and batch", "zero", "B", "C", "D", "M", "N", "W", "X",
            "Y", r"\delta", r"\star", r"\star_full", r"\theta", "b", "e", "f", "g", "m", "n",
            "op:rot", "u", "v"),
    "general/transposed.md": _page("Transposed convolution", "zero", "C", "D", "J", "M", "N", "W",
            "X", "X^(s)", "Y", r"\delta", r"\delta^pad", r"\star", "a", "b", "c", "d", "e", "f",
            "g", "m", "n", "p", "s", "u", "v"),
    "general/groups.md": _page("Grouped and depthwise", "zero", "C", "D", "M", "N", "Q", "V", "W",
            "W^dw", "X", "Y", "Z", r"\delta", r"\star", r"\star_full", "b", "e", "f", "g", "op:rot",
            "u", "v"),
    "general/bias-relu-pooling.md": _page("Bias, ReLU and pooling", "zero", "A", "B", "C", "D", "K",
            "M", "N", "P", "W", "X", "Y", "Z", r"\delta", r"\star", "a", "b", "c", "e", "f", "g",
            "h", "m", "n", "op:ReLU", "s", "u", "v"),
    "general/batch-norm.md": _page("Batch normalization", "zero", "B", "C", "D", "M", "N", "X", "Y",
            "Z", r"\delta", r"\gamma", r"\hat Z", r"\mu", r"\sigma", r"\varepsilon", "b", "e", "f",
            "u", "v"),
    "general/network.md": _page("A whole network, worked", "zero", "C", "C_after", "C_before",
            "O", "T", "W", "X", "b", r"\delta", r"\ell", r"\eta", r"\theta", "a", "c", "f", "g",
            "m", "n", "op:rot", "p", "s", "u", "v", "y"),
    "general/matrix-view.md": _page("The matrix view", "both", "B", "C", "D", "J", "M", "N", "Q",
            "W", "W_mat", "X", "X^pad", "X_col", "Y", r"\delta", r"\delta^(s)", r"\delta_mat",
            r"\star", "a", "b", "c", "d", "e", "g", "i", "j", "k", "l", "m", "n", "o", "op:crop",
            "op:pad", "op:rot", "op:vec", "p", "s", "u", "v", "w", "y"),
    "general/gradient-checking.md": _page("Gradient checking", "both", "C", "G", "N", "X", "Y",
            r"\delta", r"\hat G", r"\star", r"\theta", "a", "c", "h", "i", "k", "o", "op:err", "u",
            "v", "w", "y"),
    "general/confusions.md": _page("Common confusions", "both", "C", "D", "J", "N", "W", "W_mat",
            "X", "Y", "Z", r"\delta", r"\delta_mat", r"\gamma", r"\hat Z", r"\sigma", r"\star", "a",
            "b", "c", "e", "f", "g", "i", "k", "m", "n", "o", "op:rot", "r", "s", "u", "v", "w"),
    "about/colophon.md": _page("Colophon", None),
    "about/publishing.md": _page("Publishing", None),
    "tools/try-your-numbers.md": _page("Try your own numbers", "both", "N", "O", "W", "X",
            r"\delta", "a", "c", "i", "k", "o", "w"),
    "tools/worked-cli.md": _page("The worked command", None),
})


BASE_SENTENCES = MappingProxyType({
    "one": (r"Entries carry the question's running numbers, counted from one in reading "
            r"order: $i_1$ is the top-left input, $i_9$ the bottom-right one "
            r"([index bases]({notation}#index-bases))."),
    "zero": (r"Indices count from zero, row first: $X_{\lit{0},\lit{0}}$ is the top-left "
             r"entry ([index bases]({notation}#index-bases))."),
    "both": (r"The question's entries keep their running numbers, counted from one "
             r"($i_1, \dots, i_9$); row and column indices count from zero, and "
             r"$i_k = X_{a,c}$ when $k = a \cdot N_X + c + \lit{1}$ "
             r"([index bases]({notation}#index-bases))."),
})

NOTATION_PAGE = "about/notation.md"


def relative_link(from_page: str, to_page: str) -> str:
    """The Markdown link from one docs/ page to another, as MkDocs resolves it."""
    depth = from_page.count("/")
    return "../" * depth + to_page


def base_sentence(page: str) -> str:
    """The sentence that states page's index base, linked to the rule on the notation page."""
    base = PAGES[page].base
    if base is None:
        raise ValueError(f"{page} declares no index base")
    return BASE_SENTENCES[base].replace("{notation}", relative_link(page, NOTATION_PAGE))
