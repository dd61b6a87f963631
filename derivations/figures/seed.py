"""SVG figures of the seed chapters, from one reusable helper: labelled grids in rows.

`grids_svg(title, rows)` draws matrices left to right, one row of grids under the other; each
`Grid` has a label, a text per cell, and optional highlights by role. Output is deterministic
(same input, same bytes), with explicit width/height/viewBox, a <title> and an aria-label.
Figures stay at most about 400 px wide so that a phone shows them at nearly full size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from derivations.render.seed_latex import subscript

CELL = 40
GAP = 44  # room for an operator or arrow between grids
TOP = 30
ROW_GAP = 16  # between two rows of grids
MARGIN = 12
# Roles differ in more than hue (the window and focus fills have the same luminance, so a
# reader without colour vision, or a grey print, could not tell them apart by fill alone):
# the focus cell also gets a heavy border and bold text.
ROLE_FILLS: Mapping[str, str] = {
    "plain": "#ffffff",
    "window": "#c7d7fe",  # the cells one filter position covers
    "focus": "#ffd166",  # the one cell the text is about
    "zero": "#eeeeee",  # padding
}
FOCUS_STROKE_WIDTH = 4


@dataclass(frozen=True)
class Grid:
    """One labelled matrix: cells[r][c] is the text shown; highlights maps (r,c) to a role."""

    label: str
    cells: Sequence[Sequence[str]]
    highlights: Mapping[tuple[int, int], str] = field(default_factory=dict)
    after: str = ""  # drawn between this grid and the next: "⋆", "→", "="


def grids_svg(title: str, rows: Sequence[Sequence[Grid]]) -> str:
    """Each row of grids left to right and vertically centred; rows centred one under another."""
    slots = [[max(len(g.cells[0]) * CELL, 9 * len(g.label)) for g in row] for row in rows]
    row_widths = [sum(widths) + GAP * (len(widths) - 1) for widths in slots]
    row_heights = [TOP + max(len(g.cells) * CELL for g in row) for row in rows]
    width = 2 * MARGIN + max(row_widths)
    height = 2 * MARGIN + sum(row_heights) + ROW_GAP * (len(rows) - 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<g font-family="sans-serif" font-size="14" text-anchor="middle">',
    ]
    top = MARGIN
    for row, widths, row_width, row_height in zip(rows, slots, row_widths, row_heights,
                                                  strict=True):
        out.extend(_row(row, widths, MARGIN + (max(row_widths) - row_width) // 2, top,
                        row_height - TOP))
        top += row_height + ROW_GAP
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def _row(grids: Sequence[Grid], widths: Sequence[int], x: int, top: int,
         tallest: int) -> list[str]:
    out = []
    middle = top + TOP + tallest // 2
    focus = []  # drawn last, so their heavy borders are not covered by a neighbour's
    for index, (grid, slot) in enumerate(zip(grids, widths, strict=True)):
        h = len(grid.cells) * CELL
        gx = x + (slot - len(grid.cells[0]) * CELL) // 2
        gy = top + TOP + (tallest - h) // 2
        out.append(f'<text x="{x + slot // 2}" y="{gy - 10}" font-size="13">'
                   f"{escape(grid.label)}</text>")
        for r, row in enumerate(grid.cells):
            for c, text in enumerate(row):
                role = grid.highlights.get((r, c), "plain")
                cx, cy = gx + c * CELL, gy + r * CELL
                out.append(f'<rect x="{cx}" y="{cy}" width="{CELL}" height="{CELL}" '
                           f'fill="{ROLE_FILLS[role]}" stroke="#333333"/>')
                weight = ' font-weight="bold"' if role == "focus" else ""
                out.append(f'<text x="{cx + CELL // 2}" y="{cy + CELL // 2 + 5}"{weight}>'
                           f"{escape(text)}</text>")
                if role == "focus":
                    inset = FOCUS_STROKE_WIDTH // 2
                    focus.append(f'<rect x="{cx + inset}" y="{cy + inset}" '
                                 f'width="{CELL - 2 * inset}" height="{CELL - 2 * inset}" '
                                 f'fill="none" stroke="#000000" '
                                 f'stroke-width="{FOCUS_STROKE_WIDTH}"/>')
        if grid.after and index < len(grids) - 1:
            out.append(f'<text x="{x + slot + GAP // 2}" y="{middle + 8}" font-size="26">'
                       f"{escape(grid.after)}</text>")
        x += slot + GAP
    return out + focus


def names(letter: str, rows: int, cols: int, layer: str = "") -> list[list[str]]:
    """Cell names in the question's notation, numbered row by row: i₁ … i₉, w¹₁ … w¹₄."""
    return [[f"{letter}{layer}{subscript(r * cols + c + 1)}" for c in range(cols)]
            for r in range(rows)]


def network_figure() -> str:
    """The question's network, one layer per row: i ⋆ w¹ = o¹, then o¹ ⋆ w² = o²."""
    o1 = Grid("map o¹", names("o", 2, 2, "¹"))
    return grids_svg(
        "The question's network. First layer: the 3 by 3 input i, filtered by the 2 by 2 w¹, "
        "gives the 2 by 2 map o¹. Second layer: o¹, filtered by the 2 by 2 w², gives the "
        "single number o².",
        [[Grid("input i", names("i", 3, 3), after="⋆"),
          Grid("filter w¹", names("w", 2, 2, "¹"), after="="), o1],
         [Grid(o1.label, o1.cells, after="⋆"),
          Grid("filter w²", names("w", 2, 2, "²"), after="="),
          Grid("output o²", [["o²"]])]],
    )


def w11_positions_figure() -> str:
    """Where w¹₁ sits on the input for each of the four outputs it contributes to, 2 by 2."""
    grids = []
    for k, (p, q) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        marks = {(p + m, q + n): "window" for m in range(2) for n in range(2)}
        marks[(p, q)] = "focus"
        grids.append(Grid(f"for o¹{subscript(k + 1)}", names("i", 3, 3), marks))
    return grids_svg(
        "The four positions of the filter w¹ on the input. Shaded: the window of each output "
        "o¹₁ to o¹₄; outlined in bold: the input that w¹₁ multiplies there: i₁, i₂, i₄, i₅.",
        [grids[:2], grids[2:]],
    )


def rot180_figure() -> str:
    """∂C/∂o¹ padded with zeros, slid over by w¹ turned half a turn: the gather form."""
    d = [["δ¹₁", "δ¹₂"], ["δ¹₃", "δ¹₄"]]
    padded = [["0"] * 4] + [["0", *row, "0"] for row in d] + [["0"] * 4]
    zeros = {(r, c): "zero" for r in range(4) for c in range(4) if padded[r][c] == "0"}
    window = {(r, c): "window" for r in range(2) for c in range(2)}
    rotated = [["w¹₄", "w¹₃"], ["w¹₂", "w¹₁"]]
    result = names("∂i", 3, 3)
    return grids_svg(
        "The input gradient as a full correlation: δ¹ = ∂C/∂o¹ (entries δ¹₁ to δ¹₄) with a border "
        "of zeros, correlated with w¹ turned by 180 degrees; the shaded window gives ∂C/∂i₁, "
        "outlined in bold.",
        [[Grid("pad(∂C/∂o¹)", padded, {**zeros, **window}, after="⋆"),
          Grid("rot180(w¹)", rotated, after="="),
          Grid("∂C/∂i", result, {(0, 0): "focus"})]],
    )
