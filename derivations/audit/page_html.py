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

from derivations.audit.html_tokens import StartTag, Text, tokens

NUMBER = re.compile(r"(?<![\w.])[-\u2212]?[0-9]+(?:\.[0-9]+)?(?![\w])")
SCRIPTED = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "mspace", "mprescripts", "none"}
NOTATION_CLASSES = {"lit", "eq-num", "eqref", "headerlink"}
SKIPPED_TAGS = {"pre", "code", "script", "style", "kbd", "samp", "template"}
# Elements that are site chrome even when a theme renders them inside <article>.
CHROME_CLASSES = {"cite-box", "md-source-file", "md-content__button", "md-feedback"}
HIDING_CLASSES = frozenset(NOTATION_CLASSES | CHROME_CLASSES)
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
THEME_IDS = {"cite-this-page"}  # derivations/theme/partials/cite-box.html, on every page
_NO_CLASSES: frozenset[str] = frozenset()


@dataclass
class PageNumbers:
    marked: list[str] = field(default_factory=list)
    unaccounted: list[str] = field(default_factory=list)
    found_article: bool = False


@dataclass(slots=True)
class _Open:
    tag: str
    classes: frozenset[str]
    children: int = 0
    index: int = 0  # position among its parent's element children
    hides: bool = False  # a skipped tag, notation or chrome: nothing inside is counted
    scripted: bool = False  # a sub/superscript: the second or later child of msub & co.


class _NumberReader:
    """Walks the tokens keeping, for the element stack, counts of what hides numbers, so
    each token costs O(1) however deep the nesting (4 MB of nested <div>s stays linear)."""

    def __init__(self):
        self.stack: list[_Open] = []
        self.open_count: dict[str, int] = {}
        self.hidden = 0  # open elements that hide their text
        self.in_script_position = 0  # open elements in a sub/superscript position
        self.out = PageNumbers()
        self.article_depth: int | None = None

    def start(self, tag: str, attrs: dict, self_closing: bool) -> None:
        parent = self.stack[-1] if self.stack else None
        index = 0
        if parent is not None:
            index = parent.children
            parent.children += 1
        if self_closing or tag in VOID:
            return
        names = attrs.get("class")
        classes = frozenset(names.split()) if names else _NO_CLASSES
        entry = _Open(tag, classes, index=index,
                      hides=tag in SKIPPED_TAGS or bool(classes & HIDING_CLASSES),
                      scripted=parent is not None and parent.tag in SCRIPTED and index >= 1)
        self.stack.append(entry)
        self.open_count[tag] = self.open_count.get(tag, 0) + 1
        self.hidden += entry.hides
        self.in_script_position += entry.scripted
        if tag == "article" and self.article_depth is None and not self.out.found_article:
            self.article_depth = len(self.stack)
            self.out.found_article = True

    def end(self, tag: str) -> None:
        if not self.open_count.get(tag):
            return  # a stray end tag closes nothing
        while True:  # each element is popped once: linear over the page
            entry = self.stack.pop()
            self.open_count[entry.tag] -= 1
            self.hidden -= entry.hides
            self.in_script_position -= entry.scripted
            if self.article_depth is not None and len(self.stack) < self.article_depth:
                self.article_depth = None
            if entry.tag == tag:
                return

    def text(self, data: str) -> None:
        if self.article_depth is None or self.hidden or not NUMBER.search(data):
            return
        here = self.stack[-1]
        if "num" in here.classes and here.tag in {"span", "mn"}:
            self.out.marked.append(data.strip())
            return
        if self.open_count.get("math") and self.in_script_position:
            return
        self.out.unaccounted.extend(m.group(0) for m in NUMBER.finditer(data))


def extract_numbers(html_text: str) -> PageNumbers:
    """All numbers in the first <article> of a built page, in document order."""
    reader = _NumberReader()
    for token in tokens(html_text):
        if isinstance(token, Text):
            reader.text(token.text)
        elif isinstance(token, StartTag):
            reader.start(token.name, token.attrs, token.self_closing)
        else:
            reader.end(token.name)
    return reader.out


def article_ids(html_text: str) -> list[str] | None:
    """Ids of the headings and numbered equations in the page's first <article>, in order;
    None for a page without one (a redirect stub)."""
    ids: list[str] = []
    depth = 0  # open <article> elements, from the first one on
    for token in tokens(html_text):
        if isinstance(token, Text):
            continue
        if isinstance(token, StartTag):
            depth += token.name == "article"
            ident = token.attrs.get("id")
            classes = (token.attrs.get("class") or "").split()
            if depth and ident and ident not in THEME_IDS and (token.name in HEADINGS
                                                                or "equation" in classes):
                ids.append(ident)
            if not token.self_closing:
                continue
        if token.name == "article" and depth:
            depth -= 1
            if not depth:
                return ids  # only the first article holds the page's own headings
    return ids if depth else None
