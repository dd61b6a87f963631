"""What readers of a Material site expect, all offline: a light/dark toggle that keeps the
math and the figures legible, copy buttons on code, search terms highlighted on the page a
result opens, and a print stylesheet that prints the text, equations and figures without
the site's chrome (mkdocs.yml theme block, docs/assets/book.css).

Legibility is measured as the WCAG contrast ratio between the colour text is drawn in and
the colour behind it, both read from the laid-out page; the figures' text colour is read
from the SVG files themselves.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from browser_survey import foreign_gate

pytestmark = pytest.mark.browser

READABLE = 4.5  # WCAG AA contrast for body text
PAPER = (255, 255, 255, 1.0)
SVG = "{http://www.w3.org/2000/svg}"
FIGURE_PAGE = "seed/grad-input/"  # numbered equations, a figure with labels outside cells
CODE_PAGE = "tools/worked-cli/"
FORM_PAGE = "tools/try-your-numbers/"
SCHEME = "() => document.body.getAttribute('data-md-color-scheme')"
TOGGLE = "form[data-md-component=palette] label:not([hidden])"
# Material's search replaces "Initializing search" with its placeholder once the index is in.
SEARCH_READY = """() => document.querySelector(".md-search-result__meta").textContent.trim() ===
  JSON.parse(document.getElementById("__config").textContent)
    .translations["search.result.placeholder"]"""
COPY = 'button[data-md-type="copy"]'  # Material 9.6+: in a .md-code__nav at the block's top

# The colour each element's text is drawn in, and the background colours from the element
# up to the root (the first opaque one is what shows behind it).
COLOURS = """elements => elements.map(e => {
  const layers = [];
  for (let a = e; a; a = a.parentElement) {
    layers.push(getComputedStyle(a).backgroundColor);
    if (/^rgb\\(/.test(layers.at(-1))) break;
  }
  return {text: getComputedStyle(e).color, backgrounds: layers,
          name: e.closest("[id]")?.id || e.tagName};
})"""


def parse_colour(css: str) -> tuple[float, float, float, float]:
    """'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 0.5)' as (r, g, b, alpha)."""
    match = re.fullmatch(r"rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)", css)
    assert match, f"unexpected colour {css!r}"
    r, g, b, alpha = match.groups()
    return float(r), float(g), float(b), float(alpha) if alpha is not None else 1.0


def over(top: tuple, below: tuple) -> tuple[float, float, float, float]:
    """top painted over an opaque colour below (alpha compositing)."""
    alpha = top[3]
    return (*(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], below[:3], strict=True)), 1.0)


def luminance(colour: tuple) -> float:
    """WCAG 2 relative luminance of an opaque sRGB colour."""
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple, b: tuple) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def backdrop(backgrounds: list[str], canvas: tuple = PAPER) -> tuple:
    """What shows behind an element: its and its ancestors' backgrounds, composited."""
    colour = canvas
    for layer in reversed(backgrounds):
        colour = over(parse_colour(layer), colour)
    return colour


def text_contrast(measured: dict, paper: bool = False) -> float:
    """Contrast of an element's text with what is behind it (on paper: white, since
    browsers print no backgrounds by default)."""
    behind = PAPER if paper else backdrop(measured["backgrounds"])
    return contrast(over(parse_colour(measured["text"]), behind), behind)


def svg_text_colours(svg_file) -> set[str]:
    """The fill of every <text> in a figure (inherited from its groups; SVG's default is
    black), read from the file rather than from the page."""
    colours = set()

    def walk(element, fill):
        fill = element.get("fill", fill)
        if element.tag == f"{SVG}text":
            colours.add(fill)
        for child in element:
            walk(child, fill)

    walk(ET.parse(svg_file).getroot(), "#000000")
    return colours


def hex_colour(value: str) -> tuple[float, float, float, float]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), 1.0


def settle(page) -> None:
    """Wait out running CSS transitions: Material eases colours (links, code, the header)
    over a quarter second, and a colour read halfway is neither scheme's."""
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")


def gated_context(browser, site_url, **options):
    """A browser context whose requests to any other host are recorded and aborted."""
    foreign: list[str] = []
    context = browser.new_context(**options)
    context.route("**/*", foreign_gate(site_url, foreign))
    return context, foreign


def test_contrast_arithmetic():
    """The colour rules on values worked by hand (WCAG's own extremes and examples)."""
    assert contrast((0, 0, 0, 1), (255, 255, 255, 1)) == pytest.approx(21)
    assert contrast((119, 119, 119, 1), (255, 255, 255, 1)) == pytest.approx(4.48, abs=0.01)
    assert over((0, 0, 0, 0.5), (255, 255, 255, 1)) == (127.5, 127.5, 127.5, 1.0)
    assert backdrop(["rgba(0, 0, 0, 0)", "rgb(30, 33, 41)"]) == (30, 33, 41, 1.0)
    assert parse_colour("rgba(226, 228, 233, 0.82)") == (226, 228, 233, 0.82)


def test_palette_toggle_switches_and_persists(browser, site_url):
    """The header's toggle turns the dark scheme on, a new page and a reload keep it, the
    toggle turns it back off; no request leaves the serving host meanwhile."""
    context, foreign = gated_context(browser, site_url, color_scheme="light")
    page = context.new_page()
    try:
        page.goto(site_url, wait_until="load")
        assert page.evaluate(SCHEME) == "default"
        page.click(TOGGLE)
        assert page.evaluate(SCHEME) == "slate"
        settle(page)
        body = parse_colour(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))
        assert luminance(body) < 0.05, "the dark scheme's page is not dark"
        page.goto(site_url + FIGURE_PAGE, wait_until="load")
        assert page.evaluate(SCHEME) == "slate"
        page.reload(wait_until="load")
        assert page.evaluate(SCHEME) == "slate"
        page.click(TOGGLE)
        page.goto(site_url, wait_until="load")
        assert page.evaluate(SCHEME) == "default"
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert foreign == []


@pytest.mark.parametrize("system", ["light", "dark"])
def test_math_and_figures_are_legible_in_both_schemes(browser, built_site, site_url, system):
    """The scheme follows the reader's system setting; in each, every formula and equation
    number contrasts with the page, each figure's labels with what lies behind them, and
    the form's error message with its background."""
    context, foreign = gated_context(browser, site_url, color_scheme=system)
    page = context.new_page()
    try:
        page.goto(site_url + FIGURE_PAGE, wait_until="load")
        assert page.evaluate(SCHEME) == {"light": "default", "dark": "slate"}[system]
        settle(page)
        text = page.eval_on_selector_all("article math, article .eq-num", COLOURS)
        figures = page.eval_on_selector_all('article img[src$=".svg"]', COLOURS.replace(
            "return {", "return {src: new URL(e.src).pathname, "))
        # The one coloured text of the book's own: the form's message for bad input.
        page.goto(site_url + FORM_PAGE, wait_until="load")
        page.fill("#worked-layer0-weight", "it's")
        page.wait_for_selector("#worked-output[data-state=error]", state="attached")
        text += page.eval_on_selector_all("#worked-error", COLOURS)
    finally:
        context.close()
    assert len(text) > 10 and figures and text[-1]["name"] == "worked-error"
    faint = {m["name"]: round(text_contrast(m), 2) for m in text
             if text_contrast(m) < READABLE}
    assert faint == {}
    for figure in figures:
        behind = backdrop(figure["backgrounds"])
        labels = svg_text_colours(built_site / figure["src"].lstrip("/"))
        assert labels, figure["src"]
        for label in labels:
            assert contrast(hex_colour(label), behind) >= READABLE, (figure["src"], label)
    assert foreign == []


def test_code_blocks_have_a_working_copy_button(browser, built_site, site_url):
    """Every code block carries Material's copy button; it copies the block's text."""
    context, foreign = gated_context(browser, site_url,
                                     permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(site_url + CODE_PAGE, wait_until="load")
        blocks = page.locator("article pre > code")
        assert blocks.count() >= 3
        # Material adds the buttons from its script, and shows each while the block is hovered.
        page.wait_for_selector(f"article pre {COPY}", state="attached")
        assert page.locator(f"article pre {COPY}").count() == blocks.count()
        blocks.first.hover()
        page.locator(f"article pre {COPY}").first.click()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.strip() == blocks.first.inner_text().strip()
        assert copied.startswith("usage: python -m derivations worked")
    finally:
        context.close()
    assert foreign == []


def test_search_highlights_the_terms_on_the_page_it_opens(browser, site_url):
    """A search result links to its page with ?h=term, and that page marks the term."""
    context, foreign = gated_context(browser, site_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(site_url, wait_until="load")
        # The index loads in a worker after the page; a query typed earlier can be lost.
        page.wait_for_function(SEARCH_READY)
        page.click("input.md-search__input")  # as a reader does: the results panel opens
        page.keyboard.type("dilation")
        result = page.locator("a.md-search-result__link").first
        result.wait_for()
        # Results update as each key arrives: wait for those of the whole word, or fail.
        page.wait_for_function(
            """() => [...document.querySelectorAll('a.md-search-result__link')]
                     .some(a => a.href.includes('h=dilation'))""", timeout=10_000)
        assert "h=dilation" in result.get_attribute("href")
        result.click()
        page.wait_for_selector("article mark[data-md-highlight]")
        marks = page.eval_on_selector_all("article mark[data-md-highlight]",
                                          "els => els.map(e => e.textContent.toLowerCase())")
        assert "h=dilation" in page.url
        assert marks and set(marks) == {"dilation"}
    finally:
        context.close()
    assert foreign == []


@pytest.fixture(scope="module")
def printed(browser_survey):
    """Every page laid out for print on an A4 column, no script: print needs none
    (tests/browser_survey.py's PRINTED)."""
    return browser_survey["printed"]


def test_print_hides_the_site_chrome(printed):
    shown = {path: [name for name, visible in p["chrome"].items() if visible]
             for path, p in printed.items()}
    assert {path: names for path, names in shown.items() if names} == {}


def test_print_keeps_every_equation_whole(printed):
    """Paper does not scroll: each display formula is shown in full inside the column, on
    one page."""
    problems = {}
    for path, p in printed.items():
        for f in p["formulas"]:
            if not f["shown"] or f["scrollWidth"] > f["clientWidth"] + 1 or f["right"] > 0.5 \
                    or f["unbroken"] != "avoid":
                problems.setdefault(path, []).append(f)
    assert problems == {}
    assert sum(len(p["formulas"]) for p in printed.values()) > 100


def test_print_keeps_every_figure(printed):
    problems = {}
    for path, p in printed.items():
        for f in p["figures"]:
            if not (f["shown"] and f["loaded"] and 0 < f["width"] <= p["columnWidth"] + 0.5
                    and f["unbroken"] == "avoid"):
                problems.setdefault(path, []).append(f)
    assert problems == {}
    assert sum(len(p["figures"]) for p in printed.values()) >= 10


def test_a_dark_scheme_reader_prints_dark_text(browser, site_url):
    """Printed from the dark scheme, prose, formulas and highlighted code come out dark on
    the white paper (Material applies slate to screens only; book.css must not undo that),
    and the code blocks' copy buttons stay off it."""
    context, foreign = gated_context(browser, site_url, color_scheme="dark")
    page = context.new_page()
    text = []
    try:
        for path in (FIGURE_PAGE, CODE_PAGE):
            page.emulate_media(media="screen")
            page.goto(site_url + path, wait_until="load")
            assert page.evaluate(SCHEME) == "slate"
            page.emulate_media(media="print")
            settle(page)
            text += page.eval_on_selector_all(
                "article p, article math, article .eq-num, article pre code *", COLOURS)
        page.wait_for_selector(f"article pre {COPY}", state="attached")
        copy_button_printed = page.locator(f"article pre {COPY}").first.is_visible()
    finally:
        context.close()
    assert len(text) > 100
    faint = {m["name"]: round(text_contrast(m, paper=True), 2) for m in text
             if text_contrast(m, paper=True) < READABLE}
    assert faint == {}
    assert not copy_button_printed
    assert foreign == []
