"""Chromium's print to PDF, driven by Playwright, of one document whose files come from a
built site; nothing is fetched from any other host, and the bytes PDF ties to the clock
are fixed to the build's commit day, so one site gives one PDF.

Every request goes through a route: the document and the site's files are answered from
memory and from SITE_DIR under ORIGIN (no server, no socket); a request for anything else
is refused and reported. JavaScript is off: math is MathML and figures are SVG, both drawn
by the browser itself, and an interactive page prints its <noscript> text.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

ORIGIN = "http://127.0.0.1/"  # answered by the route below; nothing listens there
DOCUMENT = ORIGIN + "__whole_book__.html"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")  # Debian's
# The one list of flags: the pdf command, the browser tests and the benchmarks launch Chromium
# with these. For a sandboxed root container with no network: without the background-networking
# ones Chromium tries Google's hosts at start-up (and a test counting requests would see them).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
]
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}
# Skia writes the print time into the Info dictionary and derives the trailer's /ID from it.
PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")
PDF_ID = re.compile(rb"/ID \[<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>\]")
# The tagged structure tree names elements after the renderer's DOM node ids, which differ
# from one run to the next; renumbered by rank they keep their order (the ID tree is sorted).
NODE_ID = re.compile(rb"\(node(\d{8})\)")


class PrintError(Exception):
    """Chromium failed, or the document asked for another host; the message names which."""


def footer(text: str) -> str:
    """Chromium's footer template: the book's name and edition, and the page number."""
    from html import escape

    return ('<div style="font-size:7.5pt;width:100%;margin:0 15mm;color:#555;'
            'font-family:sans-serif;display:flex;justify-content:space-between">'
            f'<span>{escape(text)}</span><span class="pageNumber"></span></div>')


def print_pdf(document: str, site: Path, chromium: Path, footer_text: str) -> bytes:
    """The PDF Chromium prints of `document`, whose /paths are files of `site`."""
    from playwright.sync_api import Error, sync_playwright

    given, site = site, site.resolve()
    refused: list[str] = []

    def answer(route):
        url = route.request.url
        if url == DOCUMENT:
            route.fulfill(body=document, content_type="text/html; charset=utf-8")
        elif url.startswith(ORIGIN):
            file = (site / unquote(urlsplit(url).path).lstrip("/")).resolve()
            if file.is_relative_to(site) and file.is_file():
                route.fulfill(path=file)
            else:
                route.fulfill(status=404, body="")
        elif url.startswith(("data:", "about:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                                 args=CHROMIUM_ARGS)
        except Error as error:
            raise PrintError(f"--chromium {chromium}: did not start: "
                             f"{_first_line(error)}") from None
        try:
            context = browser.new_context(java_script_enabled=False)
            context.route("**/*", answer)
            page = context.new_page()
            # Laid out for print from the start: loaded for the screen, the whole book is laid
            # out twice (the screen layout is thrown away by the print), a quarter more CPU
            # for the same bytes.
            page.emulate_media(media="print")
            page.goto(DOCUMENT, wait_until="load")
            if refused:  # no need to print what will be refused
                raise PrintError(_refusal(given, refused))
            pdf = page.pdf(format="A4", print_background=True, outline=True, tagged=True,
                           display_header_footer=True, header_template="<span></span>",
                           footer_template=footer(footer_text), margin=MARGIN)
        except Error as error:
            raise PrintError(f"--chromium {chromium}: failed while printing: "
                             f"{_first_line(error)}") from None
        finally:
            browser.close()
    if refused:  # a request made while printing
        raise PrintError(_refusal(given, refused))
    return pdf


def _refusal(site: Path, refused: list[str]) -> str:
    more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
    return (f"SITE_DIR {site}: a page asks another host for {refused[0]}{more}; "
            "the PDF is made from the site's own files only")


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fix_clock_bytes(pdf: bytes, day: str | None) -> bytes:
    """pdf with its creation and modification dates set to `day` (YYYY-MM-DD, else the
    epoch), its structure node ids renumbered and its /ID derived from the content, each
    the same length as before, so the cross-reference offsets stay valid."""
    digits = (day or "1970-01-01").replace("-", "").encode() + b"000000"

    def date(match: re.Match) -> bytes:
        zone = b"+00'00'"[: len(match.group(3))].ljust(len(match.group(3)), b"'")
        return b"/%s (D:%s%s)" % (match.group(1), digits, zone)

    pdf = PDF_DATE.sub(date, pdf)
    rank = {old: b"%08d" % index
            for index, old in enumerate(sorted(set(NODE_ID.findall(pdf)), key=int), start=1)}
    pdf = NODE_ID.sub(lambda match: b"(node%s)" % rank[match.group(1)], pdf)
    found = PDF_ID.search(pdf)
    if found is None:
        return pdf
    width = len(found.group(1))
    blank = pdf[:found.start()] + pdf[found.end():]
    ident = hashlib.sha256(blank).hexdigest().upper()[:width].encode().ljust(width, b"0")
    return pdf[:found.start()] + b"/ID [<%s> <%s>]" % (ident, ident) + pdf[found.end():]
