"""Read the numbers back out of a built HTML page, classified the way the audit needs.

Only the article body counts: site chrome (navigation, header, footer, the cite box) is
not the page's text. Inside it, each number is one of
- `marked`: printed by the formatter (<span class="num"> in prose, <mn class="num"> in math);
- notation: declared by the generator (class "lit"), an equation number ("eq-num",
  "eqref"), a sub/superscript in math (w¹₁, o², the square in (o²−y)²), or code;
- `unaccounted`: anything else, e.g. a number typed into a template by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

NUMBER = re.compile(r"(?<![\w.])[-\u2212]?[0-9]+(?:\.[0-9]+)?(?![\w])")
SCRIPTED = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "mspace", "mprescripts", "none"}
NOTATION_CLASSES = {"lit", "eq-num", "eqref", "headerlink"}
SKIPPED_TAGS = {"pre", "code", "script", "style", "kbd", "samp", "template"}
# Elements that are site chrome even when a theme renders them inside <article>.
CHROME_CLASSES = {"cite-box", "md-source-file", "md-content__button", "md-feedback"}


@dataclass
class PageNumbers:
    marked: list[str] = field(default_factory=list)
    unaccounted: list[str] = field(default_factory=list)
    found_article: bool = False


@dataclass
class _Open:
    tag: str
    classes: frozenset[str]
    children: int = 0
    index: int = 0  # position among its parent's element children


class _Extractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.out = PageNumbers()
        self.article_depth: int | None = None

    def handle_starttag(self, tag, attrs):
        classes = frozenset((dict(attrs).get("class") or "").split())
        index = 0
        if self.stack:
            index = self.stack[-1].children
            self.stack[-1].children += 1
        if tag in VOID:
            return
        self.stack.append(_Open(tag, classes, index=index))
        if tag == "article" and self.article_depth is None and not self.out.found_article:
            self.article_depth = len(self.stack)
            self.out.found_article = True

    def handle_startendtag(self, tag, attrs):
        if self.stack:
            self.stack[-1].children += 1

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth].tag == tag:
                if self.article_depth is not None and depth + 1 <= self.article_depth:
                    self.article_depth = None
                del self.stack[depth:]
                return

    def _in_script_position(self) -> bool:
        for parent, child in zip(self.stack, self.stack[1:], strict=False):
            if parent.tag in SCRIPTED and child.index >= 1:
                return True
        return False

    def handle_data(self, data):
        if self.article_depth is None or not NUMBER.search(data):
            return
        tags = {entry.tag for entry in self.stack}
        classes = set().union(*(entry.classes for entry in self.stack))
        if tags & SKIPPED_TAGS or classes & (NOTATION_CLASSES | CHROME_CLASSES):
            return
        here = self.stack[-1]
        if "num" in here.classes and here.tag in {"span", "mn"}:
            self.out.marked.append(data.strip())
            return
        if "math" in tags and self._in_script_position():
            return
        self.out.unaccounted.extend(m.group(0) for m in NUMBER.finditer(data))


def extract_numbers(html_text: str) -> PageNumbers:
    """All numbers in the first <article> of a built page, in document order."""
    parser = _Extractor()
    parser.feed(html_text)
    parser.close()
    return parser.out
