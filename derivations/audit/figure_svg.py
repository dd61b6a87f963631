"""Read the numbers back out of a built SVG figure, classified like a page's (page_html.py).

The grid renderer (figures/grid.py) writes each printed number as <text class="num">, and
the notation it draws (panel labels, operators, names such as w¹₄) as <text class="lit">.
The <title> is the figure's caption, read by screen readers, not a printed result. Any other
number in a <text> is `unaccounted`, like a number typed into a page template by hand.
"""

from __future__ import annotations

from fractions import Fraction

from derivations.audit.html_tokens import StartTag, Text, tokens
from derivations.audit.page_html import NUMBER, PageNumbers
from derivations.render.page import Asset
from derivations.render.printed_numbers import UNKEYED, Record, parse_printed

NOTATION = {"lit"}
SKIPPED = {"title", "desc", "style", "script"}


def extract_figure_numbers(svg_text: str) -> PageNumbers:
    """All numbers a figure draws as text, in document order (found_article: an <svg>)."""
    out = PageNumbers()
    # For each open element: whether it is <text class="num">, and whether it hides numbers.
    stack: list[tuple[str, bool, bool]] = []
    hidden = 0
    for token in tokens(svg_text):
        if isinstance(token, StartTag):
            if token.name == "svg":
                out.found_article = True
            if token.self_closing:
                continue
            classes = set((token.attrs.get("class") or "").split())
            marked = token.name == "text" and "num" in classes
            hides = token.name in SKIPPED or bool(classes & NOTATION)
            stack.append((token.name, marked, hides))
            hidden += hides
        elif isinstance(token, Text):
            if hidden or not stack or not NUMBER.search(token.text):
                continue
            if stack[-1][1]:
                out.marked.append(token.text.strip())
            else:
                out.unaccounted.extend(m.group(0) for m in NUMBER.finditer(token.text))
        elif any(name == token.name for name, _, _ in stack):
            while stack:  # a figure is shallow: the scan stays short
                name, _, hides = stack.pop()
                hidden -= hides
                if name == token.name:
                    break
    return out


def figure_records(asset: Asset) -> tuple[Record, ...]:
    """The records of the numbers a generated figure prints, in document order.

    A figure drawn without records (an SVG built by hand, or a module that wraps
    figure_svg's text in an Asset itself) is read back from its generated text, so that the
    built copy is still checked against what was generated."""
    if asset.records:
        return asset.records
    return tuple(Record(f"{UNKEYED}{asset.path}[{k}]", Fraction(parse_printed(text)),
                        parse_printed(text))
                 for k, text in enumerate(extract_figure_numbers(asset.content).marked))
