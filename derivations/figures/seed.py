"""Figures of the seed chapters, in the question's notation, drawn with figures/grid.py.

Cells show names (i₁ … i₉, w¹₁ … w¹₄), not numbers: these figures are about which entry meets
which. They stay at most about 400 px wide so that a phone shows them at nearly full size.
"""

from __future__ import annotations

from derivations.figures.grid import NAME_CELL, Panel, figure_svg
from derivations.render.seed_latex import subscript


def names(letter: str, rows: int, cols: int, layer: str = "") -> list[list[str]]:
    """Cell names in the question's notation, numbered row by row: i₁ … i₉, w¹₁ … w¹₄."""
    return [[f"{letter}{layer}{subscript(r * cols + c + 1)}" for c in range(cols)]
            for r in range(rows)]


def network_figure() -> str:
    """The question's network, one layer per row: i ⋆ w¹ = o¹, then o¹ ⋆ w² = o²."""
    o1 = names("o", 2, 2, "¹")
    return figure_svg(
        "The question's network. First layer: the 3 by 3 input i, filtered by the 2 by 2 w¹, "
        "gives the 2 by 2 map o¹. Second layer: o¹, filtered by the 2 by 2 w², gives the "
        "single number o².",
        [Panel("input i", names("i", 3, 3), operator_after="⋆"),
         Panel("filter w¹", names("w", 2, 2, "¹"), operator_after="="),
         Panel("map o¹", o1),
         Panel("map o¹", o1, operator_after="⋆"),
         Panel("filter w²", names("w", 2, 2, "²"), operator_after="="),
         Panel("output o²", [["o²"]])],
        per_row=3, cell=NAME_CELL,
    )


def w11_positions_figure() -> str:
    """Where w¹₁ sits on the input for each of the four outputs it contributes to, 2 by 2."""
    panels = []
    for k, (p, q) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        roles = {(p + m, q + n): "window" for m in range(2) for n in range(2)}
        roles[(p, q)] = "focus"
        panels.append(Panel(f"for o¹{subscript(k + 1)}", names("i", 3, 3), roles))
    return figure_svg(
        "The four positions of the filter w¹ on the input. Shaded: the window of each output "
        "o¹₁ to o¹₄; outlined in bold: the input that w¹₁ multiplies there: i₁, i₂, i₄, i₅.",
        panels, per_row=2, cell=NAME_CELL,
    )


def rot180_figure() -> str:
    """∂C/∂o¹ padded with zeros, slid over by w¹ turned half a turn: the gather form."""
    d = [["δ¹₁", "δ¹₂"], ["δ¹₃", "δ¹₄"]]
    padded = [["0"] * 4] + [["0", *row, "0"] for row in d] + [["0"] * 4]
    zeros = {(r, c): "zero" for r in range(4) for c in range(4) if padded[r][c] == "0"}
    window = {(r, c): "window" for r in range(2) for c in range(2)}
    rotated = [["w¹₄", "w¹₃"], ["w¹₂", "w¹₁"]]
    return figure_svg(
        "The input gradient as a full correlation: δ¹ = ∂C/∂o¹ (entries δ¹₁ to δ¹₄) with a "
        "border of zeros, correlated with w¹ turned by 180 degrees; the shaded window gives "
        "∂C/∂i₁, outlined in bold.",
        [Panel("pad(∂C/∂o¹)", padded, {**zeros, **window}, operator_after="⋆"),
         Panel("rot180(w¹)", rotated, operator_after="="),
         Panel("∂C/∂i", names("∂i", 3, 3), {(0, 0): "focus"})],
        cell=NAME_CELL,
    )
