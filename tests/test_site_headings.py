"""Every heading has an explicit, human-readable id, given in its source, never a math slug.

Citations point at `page/#id`; an id derived from heading text changes when the wording
changes, and one derived from math (`gradient-fracpartial-cpartial-w_11`) is unreadable.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from derivations.publish.book import build_book

REPO = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^\s*(```|~~~)")
ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*$")
EXPLICIT_ID = re.compile(r"\{[^{}]*#([A-Za-z][\w-]*)[^{}]*\}\s*#*$")
READABLE_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
# Fragments that a slug of LaTeX would contain (not "left": #leftover-rows is a fine id).
MATH_SLUG = re.compile(r"frac|partial|mathrm|mathbf|operatorname|cdot|_|\\")
THEME_IDS = {"cite-this-page"}


def markdown_sources() -> dict[str, str]:
    """Every page's Markdown: generated ones (by their generator) and hand-written docs/."""
    sources = {f"{page.source} -> {page.path}": page.markdown for page in build_book().pages}
    for path in sorted((REPO / "docs").rglob("*.md")):
        sources[path.relative_to(REPO).as_posix()] = path.read_text(encoding="utf-8")
    return sources


def headings(markdown: str):
    """(line number, heading text) of every ATX heading outside fenced code."""
    fenced = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        fence = FENCE.match(line)
        if fence:
            fenced = None if fenced == fence.group(1) else (fenced or fence.group(1))
            continue
        match = ATX.match(line) if fenced is None else None
        if match:
            yield number, match.group(2)


def test_every_markdown_heading_declares_a_readable_id():
    problems = []
    for name, markdown in markdown_sources().items():
        for number, text in headings(markdown):
            declared = EXPLICIT_ID.search(text)
            if not declared:
                problems.append(f"{name}:{number}: heading without {{#id}}: {text!r}")
            elif not READABLE_ID.fullmatch(declared.group(1)):
                problems.append(f"{name}:{number}: id {declared.group(1)!r} is not lowercase-words")
    assert problems == [], "\n".join(problems)


def test_heading_check_catches_missing_and_math_ids():
    """The checker itself: an id-less heading and a fenced '#' line are told apart."""
    sample = "# Title {#title}\n\n```sh\n# a comment\n```\n\n## The $w_1$ gradient\n"
    found = list(headings(sample))
    assert [number for number, _ in found] == [1, 7]
    assert EXPLICIT_ID.search(found[0][1]) and not EXPLICIT_ID.search(found[1][1])
    assert MATH_SLUG.search("gradient-fracpartial-cpartial-w_11")


class _HeadingIds(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str | None]] = []
        self.in_article = False

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.in_article = True
        elif self.in_article and re.fullmatch(r"h[1-6]", tag):
            self.found.append((tag, dict(attrs).get("id")))

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article = False


def test_every_built_heading_has_an_explicit_id(built_site):
    """In the built HTML, each heading's id is one a source declared, not an auto-slug."""
    declared = set(THEME_IDS)
    for markdown in markdown_sources().values():
        declared.update(re.findall(r"\{[^{}]*#([A-Za-z][\w-]*)[^{}]*\}", markdown))
    problems = []
    pages = [p for p in sorted(built_site.rglob("*.html")) if p.name != "404.html"]
    for page in pages:
        parser = _HeadingIds()
        parser.feed(page.read_text(encoding="utf-8"))
        name = page.relative_to(built_site).as_posix()
        for tag, ident in parser.found:
            if ident is None:
                problems.append(f"{name}: <{tag}> without id (the theme made up the title?)")
            elif ident not in declared or MATH_SLUG.search(ident):
                problems.append(f"{name}: <{tag} id={ident!r}> was not given explicitly")
    assert problems == [], "\n".join(problems)
