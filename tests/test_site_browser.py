"""The built site in headless Chromium: every page, no foreign request, all math typeset.

Math is MathML written at build time (derivations/render/latex_math.py), so these tests prove
what a reader's browser shows: no TeX source left visible, every formula laid out with a
size, fractions stacked (MathML layout is active), equation anchors present before any
script runs, and not one request to a host other than the one serving the site: no CDN,
no web font, no analytics, no api.github.com (Material's repository widget, disabled in
derivations/theme/partials/source.html).
"""

from __future__ import annotations

import re
import urllib.request

import pytest
from browser_survey import PHONE_HEIGHT, PHONE_WIDTH, book_pages, equation_ids, foreign_gate

pytestmark = pytest.mark.browser

# TeX that must never reach a reader: delimiters, commands and the book's own marks.
RAW_TEX = re.compile(r"\$|\\(?:frac|begin|end|partial|sum|delta|label|eqref|num|lit|text)\b"
                     r"|\\[a-zA-Z]+\{")
@pytest.fixture(scope="module")
def visits(browser_survey):
    """Each page loaded once with JavaScript on, requests to other hosts blocked and recorded
    (tests/browser_survey.py)."""
    return browser_survey["visits"]


def test_the_site_has_pages_with_math(visits):
    pages = visits["pages"]
    assert len(pages) >= 3
    assert sum(result["math"]["count"] for result in pages.values()) > 0


def test_no_request_leaves_the_serving_host(visits):
    """Zero requests to any other host from any page (fonts, CDNs, analytics, GitHub API)."""
    assert visits["foreign"] == [], sorted(set(visits["foreign"]))


def test_no_script_errors(visits):
    assert visits["errors"] == []


def test_no_raw_tex_is_visible(visits):
    leaks = {path: sorted(set(RAW_TEX.findall(result["text"])))
             for path, result in visits["pages"].items() if RAW_TEX.search(result["text"])}
    assert leaks == {}, f"TeX source visible to readers: {leaks}"


def test_every_formula_is_laid_out_as_mathml(visits):
    """Each <math> has a size, and each fraction's numerator sits above its denominator."""
    problems = {path: {"unsized": r["math"]["unsized"], "flat fractions": r["math"]["flat"]}
                for path, r in visits["pages"].items() if r["math"]["unsized"] or r["math"]["flat"]}
    assert problems == {}


def test_aligned_equations_line_up(visits):
    """align* rows share their = sign: Chromium ignores MathML's columnalign attribute,
    so book.css aligns the cells; without it every row is centred on its own."""
    misaligned = {path: r["math"]["misaligned"] for path, r in visits["pages"].items()
                  if r["math"]["misaligned"]}
    assert misaligned == {}


def test_equation_anchors_are_in_the_static_html(built_site, site_url):
    """The served bytes (no script run) carry every labelled equation's id."""
    missing = {}
    for path in book_pages(built_site):
        with urllib.request.urlopen(site_url + path) as response:
            served = response.read().decode("utf-8")
        labels = re.findall(r"\\label\{(eq-[a-z0-9-]+)\}",
                            (built_site / path / "index.html").read_text(encoding="utf-8"))
        assert labels == [], f"{path}: a \\label reached the HTML unrendered"
        ids = equation_ids(built_site, path)
        absent = [i for i in ids if f'id="{i}"' not in served]
        if absent:
            missing[path] = absent
    assert missing == {}


@pytest.fixture(scope="module")
def static_visits(browser_survey):
    """Each page once with JavaScript off, at a phone's width: what every reader gets first.

    Records the page's width and, for pages with numbered equations, where the last one
    lands after following a link to it (`page/#eq-…`; tests/browser_survey.py)."""
    return browser_survey["static_visits"]


def test_equation_links_work_with_javascript_disabled(static_visits):
    """`page/#eq-…` scrolls to the numbered equation in a browser running no script at all."""
    targets = {path: r for path, r in static_visits.items() if "equation" in r}
    assert targets, "no numbered equation in the whole book"
    for path, result in targets.items():
        where = f"{path}#{result['equation']}"
        assert result["box"] is not None, f"{where} not rendered"
        assert 0 <= result["box"]["y"] < PHONE_HEIGHT, f"{where} not scrolled into view"
        assert result["numbers"] == 1, f"{where}: no equation number"


def test_cite_box_copy_button_copies_the_bibtex(browser, built_site, site_url):
    """The BibTeX copy button puts the exact entry on the clipboard, with no network."""
    path = book_pages(built_site)[-1]
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(site_url + path, wait_until="load")
        expected = page.locator("#cite-bibtex").text_content()
        page.click('.cite-box__copy[data-copy="cite-bibtex"]')
        page.wait_for_function("() => document.querySelector('[data-copy=cite-bibtex]')"
                               ".textContent === 'Copied'")
        assert page.evaluate("() => navigator.clipboard.readText()") == expected
        assert expected.startswith("@misc{")
    finally:
        context.close()


def test_no_page_is_wider_than_a_phone(static_visits):
    """At a phone's width, wide formulas and tables scroll inside the text; the page never
    scrolls sideways."""
    too_wide = {path: r["width"] for path, r in static_visits.items() if r["width"] > PHONE_WIDTH}
    assert too_wide == {}, f"pages wider than {PHONE_WIDTH} px: {too_wide}"


def test_the_request_gate_catches_a_foreign_request(browser, site_copy):
    """The gate itself: a page that asks another host for a font is caught (tampered copy)."""
    import functools
    import http.server
    import threading

    page_file = site_copy / "about" / "notation" / "index.html"
    html = page_file.read_text(encoding="utf-8")
    page_file.write_text(html.replace(
        "</head>", '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        "</head>", 1), encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_copy))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    foreign: list[str] = []
    context = browser.new_context()
    context.route("**/*", foreign_gate(url, foreign))
    try:
        context.new_page().goto(url + "about/notation/", wait_until="load")
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert foreign == ["https://fonts.googleapis.com/css?family=Roboto"]


def test_material_repository_widget_is_switched_off(built_site):
    """No page carries data-md-component="source", which makes Material's JavaScript ask
    api.github.com for stars and forks (derivations/theme/partials/source.html)."""
    with_widget = [p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")
                   if 'data-md-component="source"' in p.read_text(encoding="utf-8")]
    assert with_widget == []
    assert 'class="md-source"' in (built_site / "index.html").read_text(encoding="utf-8")
