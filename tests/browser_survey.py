"""Every page of the built book in headless Chromium, once per test run: what the browser
tests read (their fixtures `visits`, `static_visits`, `layouts` and `printed`).

    python tests/browser_survey.py SITE OUT.json

Serves SITE on 127.0.0.1, launches Chromium once and loads each page twice:
- with JavaScript off (what every reader gets first): at a phone's width after following a
  link to its last numbered equation, then laid out for print on an A4 column, then at
  390 and 1280 px;
- with JavaScript on, requests to other hosts blocked and recorded: the article's text and
  math, script errors, and, on a page whose formulas a script writes, those formulas at
  1280 and 390 px.
Writes one JSON object, one entry per fixture, atomically (a reader sees all of it or no
file). A process of its own (tests/conftest.py starts it after the shared build): the
worker that starts it keeps running tests, and Playwright's sync API stays out of threads.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from derivations.publish.print_pdf import CHROMIUM_ARGS
from derivations.publish.print_pdf import DEFAULT_CHROMIUM as CHROMIUM

PHONE_WIDTH, PHONE_HEIGHT = 375, 800  # CSS pixels of a small phone in portrait
DESKTOP = {"width": 1280, "height": 900}  # where the scripted pages are read
WIDTHS = {"phone": 390, "desktop": 1280}  # CSS pixels: a common phone in portrait; a laptop
HEIGHT = 844  # of the screens the display equations are measured on
# A4 less Chromium's default 1 cm margins, in CSS pixels (96 per inch): 190 mm.
A4_COLUMN = round(190 / 25.4 * 96)
PRINT_HEIGHT = 1000
# A page whose formulas a script writes (the "Try your own numbers" output) has them once
# its Web Worker has answered.
SCRIPTED = "data-dynamic="
SCRIPT_READY = '[data-dynamic][data-state="ok"]'

# ---- what is read from each page (page.evaluate) ---------------------------------------------
# Visible text of the article without code (code may legitimately show TeX or `$`).
ARTICLE_TEXT = """() => {
  const article = document.querySelector("article").cloneNode(true);
  article.querySelectorAll("pre, code, .cite-box").forEach(e => e.remove());
  document.body.appendChild(article);  // innerText needs layout
  const text = article.innerText;
  article.remove();
  return text;
}"""
# Open every <details> so the math inside it is laid out, then measure every formula.
MATH_LAYOUT = """() => {
  document.querySelectorAll("article details").forEach(d => { d.open = true; });
  const unsized = [], flat = [];
  document.querySelectorAll("article math").forEach((m, index) => {
    const box = m.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) unsized.push(index + ": " + m.textContent.slice(0, 40));
  });
  document.querySelectorAll("article mfrac").forEach((f, index) => {
    const [top, bottom] = [f.children[0], f.children[1]].map(c => c.getBoundingClientRect());
    if (!(top.bottom <= bottom.top + 1)) flat.push(index + ": " + f.textContent.slice(0, 40));
  });
  // align*: the left-aligned columns (where each row's = sign stands) start at one x.
  const misaligned = [];
  document.querySelectorAll("article mtable").forEach((table, index) => {
    const starts = {};
    table.querySelectorAll(':scope > mtr > mtd[columnalign="left"]').forEach(cell => {
      if (!cell.firstElementChild) return;
      const column = [...cell.parentElement.children].indexOf(cell);
      (starts[column] ||= []).push(cell.firstElementChild.getBoundingClientRect().left);
    });
    for (const [column, xs] of Object.entries(starts)) {
      if (Math.max(...xs) - Math.min(...xs) > 1) misaligned.push(index + ": column " + column);
    }
  });
  return {count: document.querySelectorAll("article math").length, unsized, flat, misaligned};
}"""
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
# For each display formula: its box, what it can scroll, the number beside it (if any).
# <details> are opened first so the formulas inside them are laid out too.
MEASURE = """() => {
  document.querySelectorAll("article details").forEach(d => { d.open = true; });
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const viewport = document.documentElement.clientWidth;
  return {
    viewport,
    pageWidth: document.documentElement.scrollWidth,
    column: box(document.querySelector("article")),
    displays: [...document.querySelectorAll('article math[display="block"]')].map((m, i) => {
      const number = m.parentElement.querySelector(":scope > .eq-num");
      return {
        name: m.closest(".equation[id]")?.id || `display formula ${i + 1}`,
        box: box(m),
        contentLeft: Math.min(...[...m.children].map(c => c.getBoundingClientRect().left)),
        scrollWidth: m.scrollWidth, clientWidth: m.clientWidth,
        scrollHeight: m.scrollHeight, clientHeight: m.clientHeight,
        overflowX: getComputedStyle(m).overflowX, overflowY: getComputedStyle(m).overflowY,
        number: number && box(number),
      };
    }),
  };
}"""
# In print: which chrome shows, and how each display formula and figure is laid out.
PRINTED = """() => {
  const shown = e => e && getComputedStyle(e).display !== "none" && e.getClientRects().length > 0;
  const column = document.querySelector("article").getBoundingClientRect();
  return {
    chrome: Object.fromEntries(Object.entries({
      navigation: ".md-sidebar--primary", contents: ".md-sidebar--secondary",
      header: ".md-header", footer: ".md-footer", cite: ".cite-box", edit: ".md-content__button",
    }).map(([name, selector]) => [name, shown(document.querySelector(selector))])),
    columnWidth: column.width,
    formulas: [...document.querySelectorAll('article math[display="block"]')].map((m, i) => ({
      name: m.closest("[id]")?.id || `display formula ${i + 1}`, shown: shown(m),
      scrollWidth: m.scrollWidth, clientWidth: m.clientWidth,
      right: m.getBoundingClientRect().right - column.right,
      unbroken: getComputedStyle(m.closest(".equation")).breakInside})),
    figures: [...document.querySelectorAll("article img")].map(f => ({
      name: f.getAttribute("src"), shown: shown(f), loaded: f.complete && f.naturalWidth > 0,
      width: f.getBoundingClientRect().width,
      unbroken: getComputedStyle(f.parentElement).breakInside})),
  };
}"""
TO_THE_TOP = "() => window.scrollTo(0, 0)"


# ---- the site ---------------------------------------------------------------------------------
def book_pages(site: Path) -> list[str]:
    """Site-relative URLs of every page of the book (those with an <article>)."""
    pages = []
    for html in sorted(site.rglob("*.html")):
        if html.name == "404.html" or "<article" not in html.read_text(encoding="utf-8"):
            continue
        pages.append(html.relative_to(site).as_posix().removesuffix("index.html"))
    return pages


def equation_ids(site: Path, page: str) -> list[str]:
    html = (site / page / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<div class="equation" id="(eq-[a-z0-9-]+)"', html)


def foreign_gate(site_url: str, foreign: list[str]):
    """A route handler: requests to the serving host pass, any other is recorded and aborted."""
    origin = urlsplit(site_url).netloc

    def gate(route):
        url = route.request.url
        if urlsplit(url).netloc == origin or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    return gate


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging each request (the survey's server, and conftest's)."""

    def log_message(self, *args):
        pass


# ---- the survey -------------------------------------------------------------------------------
# Why one load can stand in for several: with JavaScript off nothing but the browser changes
# a page after `load`, and its layout follows from the document, the viewport, the media
# type, which <details> are open and the scroll position (`:target`, which the link to an
# equation sets, only colours a background: docs/assets/book.css). So the steps below change
# the viewport and the media in an order in which each measurement sees what a fresh load at
# that width and media shows: the phone's link first (it needs the load itself); print next,
# before MEASURE opens every <details> (PRINTED reads widths and horizontal offsets only, so
# the scroll the link left does not matter); then MEASURE, which reads vertical positions, at
# the top of the page as a fresh load is, at 390 px and then at 1280 px with its <details>
# open, exactly as one load resized used to be.
def without_script(page, site: Path, site_url: str, path: str) -> dict[str, dict]:
    """One load of a page with JavaScript off, read for `static_visits`, `printed` and
    `layouts` in turn."""
    ids = equation_ids(site, path)
    target = f"#{ids[-1]}" if ids else ""
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
    page.goto(f"{site_url}{path}{target}", wait_until="load")
    static = {"width": page.evaluate(PAGE_WIDTH)}
    if ids:
        static["equation"] = ids[-1]
        static["box"] = page.locator(target).bounding_box()
        static["numbers"] = page.locator(f"{target} a.eq-num").count()
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_COLUMN, "height": PRINT_HEIGHT})
    printed = page.evaluate(PRINTED)
    page.emulate_media(media="screen")
    measured = {}
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": HEIGHT})
        if not measured:
            page.evaluate(TO_THE_TOP)
        measured[name] = page.evaluate(MEASURE)
    return {"static_visits": static, "printed": printed, "layouts": measured}


# With JavaScript on, a page whose formulas a script writes is read once its worker has
# answered (read right after `load`, its math was sometimes the 14 formulas before the answer,
# sometimes the 75 after, as the race went): first its text and math, which changes nothing
# MEASURE sees (ARTICLE_TEXT removes the copy it adds, MATH_LAYOUT opens the <details> that
# MEASURE opens anyway), then MEASURE at 1280 px (the width it was loaded at: Material's
# script lays nothing in the article out by width) and then at 390 px.
def with_script(page, site: Path, site_url: str, path: str) -> dict[str, dict]:
    """One load of a page with JavaScript on, read for `visits` and, if a script writes
    formulas on it, for `layouts`."""
    scripted = SCRIPTED in (site / path / "index.html").read_text(encoding="utf-8")
    page.set_viewport_size(DESKTOP)
    page.goto(site_url + path, wait_until="load")
    if scripted:
        page.wait_for_selector(SCRIPT_READY, state="attached")
    found = {"visits": {"text": page.evaluate(ARTICLE_TEXT),
                        "math": page.evaluate(MATH_LAYOUT)}}
    if scripted:
        measured = {}
        for name, width in sorted(WIDTHS.items(), key=lambda item: -item[1]):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            measured[name] = page.evaluate(MEASURE)
        found["layouts"] = measured
    return found


def survey(browser, site: Path, site_url: str) -> dict:
    """What every browser fixture reads, from two loads of each page of the book."""
    paths = book_pages(site)
    static_visits, printed = {}, {}
    layouts: dict[str, dict] = {name: {} for name in WIDTHS}
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for path in paths:
            found = without_script(page, site, site_url, path)
            static_visits[path] = found["static_visits"]
            printed[path] = found["printed"]
            for name, result in found["layouts"].items():
                layouts[name][path] = result
    finally:
        context.close()

    foreign: list[str] = []
    errors: list[str] = []
    pages = {}
    context = browser.new_context()
    context.route("**/*", foreign_gate(site_url, foreign))
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        for path in paths:
            found = with_script(page, site, site_url, path)
            pages[path] = found["visits"]
            for name, result in found.get("layouts", {}).items():
                layouts[name][f"{path} (scripted)"] = result
        # Late requests (a widget fetching after `load`) of the last page must show up too.
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    return {"visits": {"pages": pages, "foreign": foreign, "errors": errors},
            "static_visits": static_visits, "layouts": layouts, "printed": printed}


def survey_site(site: Path) -> dict:
    """Serve site on 127.0.0.1 (a free port), start Chromium, survey every page."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                return survey(browser, site, f"http://127.0.0.1:{server.server_address[1]}/")
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()


def write_atomically(out: Path, findings: dict) -> None:
    partial = out.with_name(out.name + ".partial")
    partial.write_text(json.dumps(findings), encoding="utf-8")
    partial.replace(out)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python tests/browser_survey.py SITE OUT.json", file=sys.stderr)
        return 2
    site, out = Path(argv[0]), Path(argv[1])
    if not (site / "index.html").is_file():
        print(f"browser_survey: SITE {site}: no index.html there; give a built site "
              "(mkdocs build --site-dir SITE)", file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(f"browser_survey: OUT {out}: folder {out.parent} does not exist; "
              "give a file in an existing folder", file=sys.stderr)
        return 2
    write_atomically(out, survey_site(site))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
