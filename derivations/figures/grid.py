"""The book's one grid renderer: deterministic SVG drawings of small matrices side by side.

Every chapter's figures (figures/<chapter>.py) are drawn with it. A figure is a row of
panels, wrapped into rows if asked; each panel is a labelled grid whose cells show a value,
a name (the seed's i₁, w¹₄) or nothing, and may be shaded to say what role the cell plays
(inside a window, an inserted zero, unreached, the one cell the text is about, …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from derivations.render.page import Asset
from derivations.render.printed_numbers import format_number

CELL = 34  # px: wide enough for a two-digit negative number at the font size below
NAME_CELL = 40  # px: for names with a superscript and a subscript (w¹₄, ∂i₁)
GAP = 30  # px between panels
TOP = 28  # px above the grids for the panel labels
MARGIN = 10
ROW_GAP = 16  # px between rows of a wrapped figure
# Shading by role; colours chosen to stay distinguishable in greyscale (different lightness).
FILLS: Mapping[str, str] = {
    "plain": "#ffffff",
    "window": "#c7d7fe",  # cells one window/kernel position covers
    "zero": "#eeeeee",  # zeros inserted by padding or dilation
    "unreached": "#f9c6c6",  # input cells no window reaches
    "result": "#cdeccd",  # a result cell
    "tap": "#ffe08a",  # a kernel tap
    "focus": "#ffd166",  # the one cell the text is about
}
# Some roles also differ by more than colour (window and unreached, result and tap, window
# and focus have about the same lightness): unreached cells are hatched, result cells get a
# heavy outline, and the focus cell a heavier black one and bold text.
HATCHED = frozenset({"unreached"})
OUTLINED = frozenset({"result"})
FOCUS_STROKE_WIDTH = 4
HATCH_STEP = 8  # px between the diagonal strokes of a hatched cell, along each edge


def hatch_path(x: int, y: int, size: int) -> str:
    """Diagonal strokes across one cell, drawn as lines rather than an SVG <pattern>:
    Chromium prints a pattern fill as a bitmap, and the book's PDF keeps figures vector."""
    strokes = []
    for k in range(HATCH_STEP, 2 * size, HATCH_STEP):  # the line x' + y' = k in the cell
        start = (x, y + k) if k <= size else (x + k - size, y + size)
        end = (x + k, y) if k <= size else (x + size, y + k - size)
        strokes.append(f"M{start[0]} {start[1]}L{end[0]} {end[1]}")
    return (f'<path class="hatch" d="{"".join(strokes)}" fill="none" stroke="#b04848" '
            'stroke-width="1"/>')


@dataclass(frozen=True)
class Panel:
    """One labelled grid: values[r][c] is a number, a string, or None (empty cell)."""

    label: str
    values: Sequence[Sequence[object]]
    roles: Mapping[tuple[int, int], str] = field(default_factory=dict)
    operator_after: str = ""  # drawn between this panel and the next, e.g. "⋆" or "="


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return format_number(value).replace("-", "\u2212")


def _label_width(label: str) -> int:
    return 7 * len(label) + 8  # px at font-size 12: a generous average glyph width


def _panel_svg(panel: Panel, x0: int, y0: int, cell: int, parts: list[str],
               outlines: list[str]) -> None:
    """One grid with its top-left corner at (x0, y0)."""
    # a panel that is all result needs no outline: nothing in it to tell apart
    whole_result = all(panel.roles.get((r, c)) == "result"
                       for r, row in enumerate(panel.values) for c in range(len(row)))
    for r, row in enumerate(panel.values):
        for c, value in enumerate(row):
            role = panel.roles.get((r, c), "plain")
            x, y = x0 + c * cell, y0 + r * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{FILLS[role]}" stroke="#555555" stroke-width="1"/>'
            )
            if role in HATCHED:
                parts.append(hatch_path(x, y, cell))
            if role in OUTLINED and not whole_result:
                outlines.append(f'<rect x="{x + 1.5}" y="{y + 1.5}" width="{cell - 3}" '
                                f'height="{cell - 3}" fill="none" stroke="#1b5e20" '
                                'stroke-width="2.5"/>')
            if role == "focus":
                inset = FOCUS_STROKE_WIDTH // 2
                outlines.append(f'<rect x="{x + inset}" y="{y + inset}" '
                                f'width="{cell - 2 * inset}" height="{cell - 2 * inset}" '
                                'fill="none" stroke="#000000" '
                                f'stroke-width="{FOCUS_STROKE_WIDTH}"/>')
            text = _cell_text(value)
            if text:
                weight = ' font-weight="bold"' if role == "focus" else ""
                parts.append(f'<text x="{x + cell // 2}" y="{y + cell // 2 + 5}"{weight}>'
                             f"{escape(text)}</text>")


def figure_svg(title: str, panels: Sequence[Panel], per_row: int | None = None,
               cell: int = CELL) -> str:
    """The panels left to right as one SVG, per_row to a row if given; same input, same bytes.

    A wide figure is scaled down to the text column (on a phone, to a third of its size), so
    long sums are wrapped into rows; an operator that ends a row is drawn at its end.
    """
    rows = ([panels[k : k + per_row] for k in range(0, len(panels), per_row)] if per_row
            else [panels])
    slot_of = {id(p): max(len(p.values[0]) * cell, _label_width(p.label)) for p in panels}
    last = panels[-1]

    def row_width(row) -> int:
        trailing = GAP if row[-1] is not last and row[-1].operator_after else 0
        return sum(slot_of[id(p)] for p in row) + GAP * (len(row) - 1) + trailing

    row_heights = [TOP + max(len(p.values) * cell for p in row) for row in rows]
    width = MARGIN * 2 + max(row_width(row) for row in rows)
    height = MARGIN * 2 + sum(row_heights) + ROW_GAP * (len(rows) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    parts.append('<g font-family="sans-serif" font-size="13" text-anchor="middle">')
    outlines: list[str] = []  # drawn last, so that neighbouring cells do not paint over them
    row_top = MARGIN
    for row, row_height in zip(rows, row_heights, strict=True):
        grid_height = row_height - TOP
        slot_x = MARGIN
        for panel in row:
            slot, w, h = slot_of[id(panel)], len(panel.values[0]) * cell, len(panel.values) * cell
            x0 = slot_x + (slot - w) // 2
            y0 = row_top + TOP + (grid_height - h) // 2
            parts.append(
                f'<text x="{slot_x + slot // 2}" y="{y0 - 8}" font-size="12">'
                f"{escape(panel.label)}</text>"
            )
            _panel_svg(panel, x0, y0, cell, parts, outlines)
            if panel.operator_after and panel is not last:
                parts.append(
                    f'<text x="{slot_x + slot + GAP // 2}" '
                    f'y="{row_top + TOP + grid_height // 2 + 6}" '
                    f'font-size="18">{escape(panel.operator_after)}</text>'
                )
            slot_x += slot + GAP
        row_top += row_height + ROW_GAP
    parts.extend(outlines)
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def roles_where(shape: tuple[int, int], role: str, predicate) -> dict[tuple[int, int], str]:
    """Role for every cell (r, c) of shape where predicate(r, c) holds."""
    return {(r, c): role for r in range(shape[0]) for c in range(shape[1]) if predicate(r, c)}


def inside(top: int, left: int, height: int, width: int):
    """Predicate: (r, c) lies in the height×width block whose corner is (top, left)."""

    def contains(r: int, c: int) -> bool:
        return top <= r < top + height and left <= c < left + width

    return contains


def figure_asset(path: str, title: str, panels: list[Panel], per_row: int | None = None) -> Asset:
    """The figure as a file of the site, at path under docs/."""
    return Asset(path, figure_svg(title, panels, per_row))
