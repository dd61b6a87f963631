"""Display equations on a phone (390 px) and on a desktop (1280 px), on every page.

What a reader needs from a display equation: the whole formula reachable (it fits, or it
scrolls sideways inside its own box), its number readable beside it and never painted over
it, and the page itself never wider than the screen. Measured from the laid-out boxes in
Chromium, not from the CSS that produces them (docs/assets/book.css).
"""

from __future__ import annotations

import pytest
from browser_survey import WIDTHS

pytestmark = pytest.mark.browser

SUBPIXEL = 0.5  # layout rounds boxes to fractions of a pixel; an overlap must exceed this


def overlap(a: dict, b: dict) -> bool:
    """Two boxes share more than a sub-pixel sliver in both directions."""
    across = min(a["right"], b["right"]) - max(a["left"], b["left"])
    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return across > SUBPIXEL and down > SUBPIXEL


def problems_on(page: dict) -> list[str]:
    """Everything on one laid-out page that keeps a reader from reading a display formula."""
    found = []
    if page["pageWidth"] > page["viewport"]:
        found.append(f"the page scrolls sideways: {page['pageWidth']} px wide "
                     f"on a {page['viewport']} px screen")
    column = page["column"]
    for d in page["displays"]:
        name, box = d["name"], d["box"]
        if box["left"] < column["left"] - SUBPIXEL or box["right"] > column["right"] + SUBPIXEL:
            found.append(f"{name}: formula box {box['left']:.0f}..{box['right']:.0f} px leaves "
                         f"the text column {column['left']:.0f}..{column['right']:.0f} px")
        if d["contentLeft"] < box["left"] - SUBPIXEL:
            found.append(f"{name}: the formula starts {box['left'] - d['contentLeft']:.0f} px "
                         "left of its box, where no scrolling reaches")
        if d["scrollWidth"] > d["clientWidth"] + 1 and d["overflowX"] not in ("auto", "scroll"):
            found.append(f"{name}: {d['scrollWidth']} px of formula in a {d['clientWidth']} px "
                         f"box that does not scroll (overflow-x: {d['overflowX']})")
        if d["overflowY"] != "visible" and d["scrollHeight"] > d["clientHeight"] + 1:
            found.append(f"{name}: cut off at the bottom ({d['scrollHeight']} px of formula "
                         f"in a {d['clientHeight']} px box)")
        number = d["number"]
        if number is None:
            continue
        if overlap(box, number):
            found.append(f"{name}: the equation number lies on the formula")
        if number["left"] < 0 or number["right"] > page["viewport"] + SUBPIXEL:
            found.append(f"{name}: the equation number is off the screen "
                         f"({number['left']:.0f}..{number['right']:.0f} px)")
    return found


@pytest.fixture(scope="module")
def layouts(browser_survey):
    """{width name: {page: measurements}} for every page as it first reaches a reader (no
    script: Material's changes nothing in the article), plus the pages whose formulas a
    script writes ([data-dynamic], the "Try your own numbers" output) once more with the
    script run, keyed "page (scripted)" (tests/browser_survey.py's MEASURE)."""
    return browser_survey["layouts"]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_display_equation_is_readable(layouts, width):
    """No number on its formula, no formula beyond the column unless it scrolls in its box,
    no page wider than the screen."""
    problems = {path: found for path, page in layouts[width].items()
                if (found := problems_on(page))}
    assert problems == {}


def test_the_measurement_sees_numbered_and_scrolling_formulas(layouts):
    """The checks above are not vacuous: the book has numbered displays, and on a phone
    some formulas are wider than their box (the home page's first one among them)."""
    phone = layouts["phone"]
    numbered = [d for page in phone.values() for d in page["displays"] if d["number"]]
    scrolling = [d["name"] for page in phone.values() for d in page["displays"]
                 if d["scrollWidth"] > d["clientWidth"] + 1]
    assert len(numbered) >= 20
    assert phone[""]["displays"][0]["scrollWidth"] > phone[""]["displays"][0]["clientWidth"]
    assert len(scrolling) >= 5
    assert any(key.endswith("(scripted)") and page["displays"] for key, page in phone.items())
    desktop = layouts["desktop"]
    assert all(page["viewport"] == WIDTHS["desktop"] for page in desktop.values())


def test_overlap_and_problem_rules():
    """The geometry rules themselves, on boxes drawn by hand."""
    formula = {"left": 16, "right": 511, "top": 100, "bottom": 140}
    number_on_it = {"left": 346, "right": 374, "top": 110, "bottom": 130}
    number_beside = {"left": 354, "right": 374, "top": 110, "bottom": 130}
    clipped = dict(formula, right=346)
    assert overlap(formula, number_on_it)
    assert not overlap(clipped, number_beside)
    page = {"viewport": 390, "pageWidth": 390, "column": {"left": 16, "right": 374},
            "displays": [{"name": "eq-x", "box": formula, "contentLeft": 16,
                          "number": number_on_it,
                          "scrollWidth": 495, "clientWidth": 495,
                          "scrollHeight": 40, "clientHeight": 40,
                          "overflowX": "visible", "overflowY": "visible"}]}
    found = problems_on(page)
    assert any("leaves the text column" in p for p in found)
    assert any("lies on the formula" in p for p in found)
    fixed = dict(page["displays"][0], box=clipped, number=number_beside,
                 clientWidth=330, overflowX="auto", overflowY="hidden")
    assert problems_on(dict(page, displays=[fixed])) == []
    assert problems_on(dict(page, displays=[dict(fixed, overflowX="hidden")])) != []
    assert problems_on(dict(page, displays=[dict(fixed, scrollHeight=44)])) != []
    assert problems_on(dict(page, displays=[dict(fixed, contentLeft=-60)])) != []
    assert problems_on(dict(page, pageWidth=391, displays=[fixed])) != []
