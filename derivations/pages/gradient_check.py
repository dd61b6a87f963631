"""Page general/gradient-checking.md: central differences, relative error, a worked check."""

from __future__ import annotations

import inspect
import math

from derivations.mathematics import gradient_check as gc
from derivations.mathematics import gradient_check_example as ex
from derivations.notation import base_sentence
from derivations.render.page import make_page
from derivations.render.printed_numbers import Fragment, join, matrix, num, text_num

SOURCE = "derivations/pages/gradient_check.py"
P = "gradient_check"

TEMPLATE = r"""
# Gradient checking {#gradient-checking}

A derivation by hand can go wrong in many small ways: a missing term, a kernel not rotated,
a sum that should have been a product of matching entries. There is a cheap, independent
referee: the cost itself. Whatever the network, you can compute $C$ for any values of its
parameters, so you can *measure* how $C$ changes when one parameter moves a little and
compare that with the derivative your formula predicts. This is a **gradient check**. The
question's own doubt ("am I right?") is settled this way at the end of this page.

{{index_base}}

## Central differences {#central-differences}

Move one entry $\theta_k$ of the parameters by a small step $h$, up and down, and divide the
change in cost by the distance travelled:

$$
\frac{\partial C}{\partial \theta_k} \approx \frac{C(\dots, \theta_k + h, \dots) - C(\dots,
\theta_k - h, \dots)}{\lit{2} h} , \label{eq-central-difference}
$$

where the dots are the other entries, left where they are. Why both sides? Taylor's formula
for a smooth cost gives

$$
C(\dots, \theta_k \pm h, \dots) = C \pm h \, C' + \frac{h^{2}}{\lit{2}} C'' \pm
\frac{h^{3}}{\lit{6}} C''' + \dots \label{eq-taylor}
$$

(the primes are derivatives in $\theta_k$ alone). Subtracting the two, the even terms cancel,
so the central difference is off by about $\tfrac{h^{2}}{\lit{6}} C'''$. The one-sided
difference $(C(\dots, \theta_k + h, \dots) - C) / h$ keeps the $\tfrac{h}{\lit{2}} C''$ term
and is off by much more: the error shrinks like $h$ instead of $h^{2}$.

Two practical points:

- **The step.** A smaller $h$ shrinks the truncation error, but the two costs
  $C(\dots, \theta_k \pm h, \dots)$ then agree in more and more leading digits and their
  difference loses precision (float64 keeps about sixteen significant digits). In float64 a
  step between $\lit{10}^{-5}$ and $\lit{10}^{-3}$ (relative to the size of the parameters)
  is a safe choice; this book uses $h = {{step}}$.
- **Kinks.** Where the cost has a corner (ReLU at exactly zero, a tie in max pooling), the
  two sides disagree and the central difference returns their average, which matches no
  library's convention: see [ReLU at zero](bias-relu-pooling.md#relu) and
  [ties in max pooling](bias-relu-pooling.md#max-pooling). Check at points away from kinks.

A check costs two forward passes per parameter, so it is for small test cases, not for
training.

## Relative error {#relative-error}

How close is close enough? The absolute difference is no guide, because gradients range
over many orders of magnitude. Compare relative to the size of the two numbers:

$$
\operatorname{err}(G, \hat G) = \frac{\left\lvert G - \hat G \right\rvert}{\max(\left\lvert G
\right\rvert, \left\lvert \hat G \right\rvert)} , \label{eq-relative-error}
$$

with $G$ the derived gradient entry and $\hat G$ its estimate. Near zero this needs care. An
entry whose derivative is exactly zero is estimated as rounding noise, around
$\lit{10}^{-16} \lvert C \rvert / h$, never as an exact zero, and noise divided by its own
size is an error of one: a correct zero would fail. So `gradient_check` measures an entry
far below the largest one against a fixed fraction of the largest (`NEAR_ZERO` in the code
below) instead of against its own size. In float64, with central differences on a
smooth cost, a correct derivation gives errors around $\lit{10}^{-7}$ or much smaller. A
wrong one typically gives errors of order one: a wrong formula is not slightly wrong. The
code below passes a check when every entry's error is at most
$\lit{10}^{ {{tolerance_exponent}} }$. Look at the errors entry by entry, not only the
largest one: which entries fail is often the best clue to what went wrong.

## The code {#gradient-check-code}

This is the complete checker, numpy only. The book's tests run exactly this file (and its
demonstration as a script), and the worked check below is computed by its functions.

```python
--8<-- "derivations/mathematics/gradient_check.py"
```

`central_differences` is \eqref{eq-central-difference}, `relative_error` is
\eqref{eq-relative-error}, and `gradient_check` combines them. Run as a script, `demo()`
builds the question's network with random values and checks two candidate gradients of the
first kernel: the chain rule passes, the question's product of two sums fails.

## A worked check: the question's first kernel {#worked-check}

Take the network of the question, $o^1 = i \star w^1$, $o^2_1 = \sum_k w^2_k o^1_k$,
$C = (o^2_1 - y_1)^{2}$, with the values of the seed chapters:

$$
i = {{i}}, \quad w^1 = {{w1}}, \quad w^2 = {{w2}}, \quad y_1 = {{y}} .
\label{eq-check-example}
$$

The forward pass gives $o^2_1 = {{o2}}$, so the first layer receives
$\delta^1 = \partial C / \partial o^1 = \lit{2}(o^2_1 - y_1) \, w^2 = {{delta1}}$, and
the chain rule gives ([the general layer's weight gradient](layer.md#weight-gradient))
$\partial C / \partial w^1 = i \star \delta^1 = {{derived}}$.

The checker perturbs each weight by $h = {{step_again}}$:

| weight | derived | central estimate | relative error | one-sided estimate | relative error |
|---|---|---|---|---|---|
{{rows}}

{{central_reading}} That is no accident of this example: $C$ is the square of a
quantity linear in $w^1$, so its third derivative is zero and the central difference is
exact up to rounding. The one-sided estimates are off by $\tfrac{h}{\lit{2}} C''$, and
$C''$ along $w^1_1, \dots, w^1_4$ is {{curvature}} in turn, so they are off by
{{forward_offsets}}: {{decimal_places}}. Relative to the derivative that is
$h C'' / (\lit{2} \left\lvert C' \right\rvert)$, the last column.

**Checking the question's formula.** The question multiplies two sums: the inputs a weight
touches, times all of $\partial C / \partial o^1$ added up. Put through the same checker:

| weight | product of sums | central estimate | relative error |
|---|---|---|---|
{{product_rows}}

Every entry fails, by far more than any step size could explain. This is the mistake worked
out in [the seed chapter](../seed/grad-w1.md#the-mistake): the chain rule adds one *product*
per output, it does not multiply sums.

## Checking a derivation of your own {#check-your-own}

1. Write the cost as a function of the parameter you differentiate, with the whole forward
   pass inside it (as `seed_cost` does for $w^1$). For a single layer, the linear cost
   $C = \sum_{u,v} \delta_{u,v} Y_{u,v}$ with any fixed $\delta$ has
   $\partial C / \partial Y = \delta$ exactly, so it checks the layer's formulas for every
   possible $\delta$ at once.
2. Pick small sizes but random, non-symmetric values: a symmetric kernel hides a missing
   rotation, equal sizes hide swapped rows and columns, stride one hides stride bugs.
   Include stride, padding and dilation other than their defaults if your formula has them.
3. Avoid kinks: no pre-activation at exactly zero, no ties in a pooling window.
4. Compare with \eqref{eq-relative-error}, entry by entry, in float64.
5. If it fails, read the pattern: errors only at the borders point to padding or leftover
   rows, a transposed pattern to a kernel that should (or should not) be rotated, errors
   everywhere by a constant factor to an average taken instead of a sum.
"""


def _weight(r: int, c: int, cols: int) -> str:
    return f"$w^1_{{{r * cols + c + 1}}}$"


def _rows(w: ex.WorkedCheck) -> Fragment:
    lines = []
    rows, cols = w.w1.shape
    for r in range(rows):
        for c in range(cols):
            cells = [
                text_num(w.derived[r, c], f"{P}.derived[{r},{c}]"),
                text_num(w.central[r, c], f"{P}.central[{r},{c}]"),
                text_num(w.central_error[r, c], f"{P}.central_error[{r},{c}]"),
                text_num(w.forward[r, c], f"{P}.forward[{r},{c}]"),
                text_num(w.forward_error[r, c], f"{P}.forward_error[{r},{c}]"),
            ]
            lines.append("| " + _weight(r, c, cols) + " | " + join(cells, " | ") + " |")
    return join(lines, "\n")


def _product_rows(w: ex.WorkedCheck) -> Fragment:
    lines = []
    rows, cols = w.w1.shape
    for r in range(rows):
        for c in range(cols):
            cells = [
                text_num(w.product_of_sums[r, c], f"{P}.product_of_sums[{r},{c}]"),
                text_num(w.central[r, c], f"{P}.central[{r},{c}]"),
                text_num(w.product_error[r, c], f"{P}.product_error[{r},{c}]"),
            ]
            lines.append("| " + _weight(r, c, cols) + " | " + join(cells, " | ") + " |")
    return join(lines, "\n")


ORDINALS = ("first", "second", "third", "fourth")


def _first_digit_place(printed: str) -> int:
    """Which decimal place the first non-zero digit of a printed number is in (1 = tenths)."""
    decimals = printed.lstrip("-").partition(".")[2]
    if not printed.lstrip("-").startswith("0.") or not decimals.strip("0"):
        raise ValueError(f"{printed} is not a non-zero number below one")
    return len(decimals) - len(decimals.lstrip("0")) + 1


def _offsets(w: ex.WorkedCheck) -> tuple[Fragment, str]:
    """How far each one-sided estimate is off, and in which decimal place that shows: both
    read off the printed numbers, so the sentence cannot disagree with the table."""
    rows, cols = w.w1.shape
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    offsets = [text_num(abs(w.forward[r, c] - w.derived[r, c]), f"{P}.forward_offset[{r},{c}]")
               for r, c in cells]
    shown = join(offsets[:-1], ", ") + " and " + offsets[-1]
    places: dict[int, list[str]] = {}
    for fragment, (r, c) in zip(offsets, cells, strict=True):
        place = _first_digit_place(fragment.records[0].printed)
        places.setdefault(place, []).append(_weight(r, c, cols))
    groups = []
    for place in sorted(places):
        names = places[place]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        groups.append(f"in the {ORDINALS[place - 1]} decimal place for {who}")
    return shown, "the error shows " + ", and ".join(groups)


def _central_reading(w: ex.WorkedCheck) -> str:
    """Said only if true: every central estimate's relative error prints as zero."""
    rows, cols = w.w1.shape
    if any(text_num(w.central_error[r, c], "check").records[0].printed != "0"
           for r in range(rows) for c in range(cols)):
        raise ValueError("a central estimate's relative error no longer rounds to zero")
    return ("The central estimates agree with the derivation to every printed digit: their "
            "relative errors round to zero.")


def tolerance_exponent() -> int:
    """The exponent of the snippet's default tolerance (a power of ten by construction)."""
    default = inspect.signature(gc.gradient_check).parameters["tolerance"].default
    exponent = round(math.log10(default))
    if 10.0**exponent != default or default != ex.TOLERANCE:
        raise ValueError(f"tolerance {default} is not the power of ten the page describes")
    return exponent


def build():
    w = ex.worked_check()
    curvature = join(
        (num(w.curvature[r, c], f"{P}.curvature[{r},{c}]")
         for r in range(w.w1.shape[0]) for c in range(w.w1.shape[1])),
        ", ",
    )
    offsets, places = _offsets(w)
    yield make_page(
        "general/gradient-checking.md", SOURCE, TEMPLATE,
        step=num(w.step, f"{P}.step"), step_again=num(w.step, f"{P}.step"),
        tolerance_exponent=str(tolerance_exponent()),
        i=matrix(w.i, f"{P}.i"), w1=matrix(w.w1, f"{P}.w1"), w2=matrix(w.w2, f"{P}.w2"),
        y=num(w.y, f"{P}.y"), o2=num(w.o2, f"{P}.o2"), delta1=matrix(w.delta1, f"{P}.delta1"),
        derived=matrix(w.derived, f"{P}.derived"), rows=_rows(w),
        curvature="$" + curvature + "$", product_rows=_product_rows(w),
        forward_offsets=offsets, decimal_places=places, central_reading=_central_reading(w),
        index_base=base_sentence("general/gradient-checking.md"),
    )
