"""The whole built site as one HTML document, ready to print: title page, contents, every
page in navigation order. Reads the built site only (what readers got), never the sources.

Each page's <article> is taken as built, so equations keep their numbers and figures stay
SVG; what changes is addressing: every id gets its page's prefix (`general-stride--eq-x`)
so ids stay unique in one document, and every link between pages of the book becomes a
link inside the document (a PDF's internal link). Links to anything else point at the
published site. The page's own chrome (edit button, ¶ marks, cite box, scripts) is left
out; the title page carries the citation.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

PSEUDO_ROOT = "http://book.invalid/"  # resolves relative links; never requested
ARTICLE = re.compile(r"<article\b[^>]*>(.*?)</article>", re.S)
CHROME = [
    re.compile(r'<aside class="cite-box".*?</aside>', re.S),
    re.compile(r'<a [^>]*class="md-content__button[^"]*"[^>]*>.*?</a>', re.S),
    re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S),
    re.compile(r"<script\b.*?</script>", re.S),
]
ATTRIBUTE = re.compile(r'(?<![\w-])(id|href|src|for|aria-describedby|aria-labelledby)="([^"]*)"')
HEADING = re.compile(r"<(/?)h([1-6])\b")


class NotABuiltSite(ValueError):
    """The folder lacks what a site built from this book's mkdocs.yml always has."""


@dataclass(frozen=True)
class Chapter:
    """One page of the navigation: its site path (`general/stride/`), title and parts."""

    path: str
    title: str
    parts: tuple[str, ...]  # the navigation sections it sits in, outermost first

    @property
    def slug(self) -> str:
        return self.path.strip("/").replace("/", "-") or "home"


class _Navigation(HTMLParser):
    """Material's primary navigation in index.html: links and section labels, in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chapters: list[Chapter] = []
        self.depth_primary = 0  # >0 inside <nav class="md-nav--primary">
        self.depth_secondary = 0  # >0 inside a page's own table of contents
        self.items: list[str | None] = []  # per open <li>: its section label, if it has one
        self.capture: str | None = None  # "link" or "label" while reading their text
        self.text: list[str] = []
        self.href = ""
        self.found = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "nav":
            if "md-nav--primary" in classes:
                self.found = True
                self.depth_primary += 1
            elif self.depth_primary:
                self.depth_primary += 1
                if "md-nav--secondary" in classes or self.depth_secondary:
                    self.depth_secondary += 1
            return
        if not self.depth_primary or self.depth_secondary:
            return
        if tag == "li":
            self.items.append(None)
        elif tag == "label" and (values.get("for") or "").startswith("__nav_") and self.items:
            self.capture, self.text = "label", []
        elif tag == "a" and "md-nav__link" in classes:
            self.capture, self.text, self.href = "link", [], values.get("href") or ""

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth_primary:
            self.depth_primary -= 1
            if self.depth_secondary:
                self.depth_secondary -= 1
            return
        if not self.depth_primary or self.depth_secondary:
            return
        if tag == "li" and self.items:
            self.items.pop()
        elif tag == "label" and self.capture == "label":
            self.items[-1] = " ".join("".join(self.text).split())
            self.capture = None
        elif tag == "a" and self.capture == "link":
            self.capture = None
            title = " ".join("".join(self.text).split())
            path = urlsplit(urljoin(PSEUDO_ROOT, self.href)).path.lstrip("/")
            parts = tuple(label for label in self.items if label)
            if all(chapter.path != path for chapter in self.chapters):
                self.chapters.append(Chapter(path, title, parts))

    def handle_data(self, data):
        if self.capture:
            self.text.append(data)


def navigation(index_html: str) -> list[Chapter]:
    """Every page of the site's navigation, in order, read from its built index.html."""
    parser = _Navigation()
    parser.feed(index_html)
    if not parser.found or not parser.chapters:
        raise NotABuiltSite("index.html has no navigation of a book built with mkdocs-material")
    return parser.chapters


def meta(page_html: str, name: str) -> str | None:
    """The content of <meta name="NAME">, unescaped, or None."""
    found = re.search(rf'<meta name="{re.escape(name)}" content="([^"]*)"', page_html)
    return html.unescape(found.group(1)) if found else None


def canonical(page_html: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)"', page_html)
    return found.group(1) if found else None


@dataclass(frozen=True)
class Facts:
    """What the title page says, read from the built home page's head."""

    title: str
    authors: str
    edition: str | None  # "release 0.1", "unreleased dev", or None for a local build
    date: str | None  # day of the build's commit
    url: str  # where this build is (or would be) published

    @property
    def issue(self) -> str:
        """Which text this is: "edition 0.1", "unreleased text (dev)" or "local build"."""
        if self.edition and self.edition.startswith("release "):
            return f"edition {self.edition.removeprefix('release ')}"
        if self.edition:
            return f"unreleased text ({self.edition.removeprefix('unreleased ')})"
        return "local build"


def book_facts(index_html: str) -> Facts:
    title = meta(index_html, "citation_inbook_title")
    if title is None:
        raise NotABuiltSite("index.html has no citation metadata (citation_inbook_title), so "
                            "it was not built with this book's theme")
    return Facts(title=title, authors=meta(index_html, "citation_author") or "",
                 edition=meta(index_html, "convbackprop:edition"),
                 date=meta(index_html, "convbackprop:date"),
                 url=canonical(index_html) or "")


class _Addresses:
    """Rewrites one page's ids and links for the single document."""

    def __init__(self, chapter: Chapter, paths: dict[str, str], published: str):
        self.chapter = chapter
        self.paths = paths  # site path of each chapter -> its slug
        self.published = published  # the build's own base URL, for links that leave the book

    def anchor(self, ident: str) -> str:
        return f"{self.chapter.slug}--{ident}"

    def link(self, href: str) -> str:
        if href.startswith("#"):
            return f"#{self.anchor(href[1:])}" if len(href) > 1 else f"#{self.chapter.slug}"
        target = urlsplit(urljoin(PSEUDO_ROOT + self.chapter.path, href))
        if target.netloc != urlsplit(PSEUDO_ROOT).netloc:
            return href  # another site: stays as it is
        path = target.path.lstrip("/")
        page = path.removesuffix("index.html")
        if page in self.paths:
            slug = self.paths[page]
            return f"#{slug}--{target.fragment}" if target.fragment else f"#{slug}"
        fragment = f"#{target.fragment}" if target.fragment else ""
        return urljoin(self.published, path) + fragment  # a file of the site, not a chapter

    def rewrite(self, match: re.Match) -> str:
        name, value = match.group(1), html.unescape(match.group(2))
        if name == "href":
            value = self.link(value)
        elif name == "src":
            if not urlsplit(value).scheme:  # a file of the site: addressed from its root
                path = urlsplit(urljoin(PSEUDO_ROOT + self.chapter.path, value)).path
                value = "/" + path.lstrip("/")
        else:  # id, for, aria-*: references to ids of this page
            value = " ".join(self.anchor(ident) for ident in value.split())
        return f'{name}="{html.escape(value)}"'


def _demote(article: str, levels: int) -> str:
    """Headings one level down per enclosing part, so the PDF outline nests chapters."""
    if not levels:
        return article
    return HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + levels)}", article)


def chapter_html(chapter: Chapter, page_html: str, paths: dict[str, str],
                 published: str) -> str:
    found = ARTICLE.search(page_html)
    if found is None:
        raise NotABuiltSite(f"{chapter.path or '/'}: the page has no <article>")
    article = found.group(1)
    for chrome in CHROME:
        article = chrome.sub("", article)
    article = ATTRIBUTE.sub(_Addresses(chapter, paths, published).rewrite, article)
    article = _demote(article, len(chapter.parts))
    article = re.sub(r"<h([1-6])\b", r'<h\1 class="book-chapter-title"', article, count=1)
    note = ""
    if "<form" in article:
        online = urljoin(published, chapter.path)
        note = (f'<p class="book-print-note">This page is interactive on the site: '
                f'<a href="{html.escape(online)}">{html.escape(online)}</a>.</p>')
    return (f'<section class="book-chapter" id="{chapter.slug}">\n'
            f'<article class="md-content__inner md-typeset">{note}{article}</article>\n'
            "</section>")


def title_page(facts: Facts) -> str:
    issue = facts.issue[:1].upper() + facts.issue[1:]
    if facts.issue.startswith("edition "):
        status = ("This edition never changes; the newest edition is at "
                  f"{facts.url.rstrip('/').rsplit('/', 1)[0]}/latest/.")
    elif facts.edition:
        status = "Not a published edition: this text changes with every commit."
    else:
        status = "Not a published edition: printed from a local build of the site."
    dated = f"from the commit of {facts.date}" if facts.date else "commit date unknown"
    return f"""<section class="book-title-page">
<p class="book-title">{html.escape(facts.title)}</p>
<p class="book-authors">{html.escape(facts.authors)}</p>
<p class="book-edition">{html.escape(issue)}, {html.escape(dated)}</p>
<p class="book-url"><a href="{html.escape(facts.url)}">{html.escape(facts.url)}</a></p>
<p class="book-status">{html.escape(status)} Every number in this book was computed by Python
and checked against an independent recomputation before the site was published; this PDF is
printed from that site.</p>
</section>"""


def contents(chapters: list[Chapter]) -> str:
    lines = ['<section class="book-contents">', '<h1 id="book-contents">Contents</h1>', "<ul>"]
    open_parts: tuple[str, ...] = ()
    for chapter in chapters:
        if chapter.parts != open_parts:
            lines.extend("</ul></li>" for _ in open_parts)
            lines.extend(f'<li class="book-part">{html.escape(part)}<ul>'
                         for part in chapter.parts)
            open_parts = chapter.parts
        lines.append(f'<li><a href="#{chapter.slug}">{html.escape(chapter.title)}</a></li>')
    lines.extend("</ul></li>" for _ in open_parts)
    lines.extend(["</ul>", "</section>"])
    return "\n".join(lines)


def part_heading(part: str, depth: int, first: Chapter) -> str:
    level = min(6, depth + 1)
    return (f'<section class="book-part-title" id="part-{first.slug}">'
            f'<h{level}>{html.escape(part)}</h{level}></section>')


PRINT_CSS = """
html, body { background: white; }
.book-title-page, .book-contents, .book-chapter, .book-part-title { break-before: page; }
.book-title-page, .book-contents, .book-part-title { font-size: 12pt; line-height: 1.5;
  padding: 0 0.8rem; }
.book-title-page { break-before: auto; padding-top: 30%; }
.book-title { font-size: 2.2em; font-weight: 700; line-height: 1.2; margin-bottom: 0.6em; }
.book-authors { font-size: 1.3em; }
.book-edition { font-size: 1.1em; }
.book-status { margin-top: 3em; font-size: 0.9em; }
.book-contents h1 { font-size: 2em; font-weight: 600; margin: 0 0 0.8em; }
.book-contents ul { list-style: none; padding-left: 1.4em; margin: 0; }
.book-contents > ul { padding-left: 0; }
.book-contents li { margin: 0.15em 0; }
.book-part { font-weight: 700; margin-top: 0.7em !important; }
.book-part li { font-weight: 400; }
.book-contents a, .book-title-page a { color: inherit; text-decoration: none; }
.book-part-title { padding-top: 35%; text-align: center; }
.book-part-title :is(h1, h2, h3) { font-size: 2.4em; font-weight: 600; }
.md-typeset .book-chapter-title { font-size: 2em; font-weight: 600; color: inherit;
  margin-top: 0; }
.book-print-note { font-style: italic; }
.md-typeset .equation, .md-typeset figure, .md-typeset table, .md-typeset img
  { break-inside: avoid; }
.md-typeset :is(h1, h2, h3, h4) { break-after: avoid; }
.md-typeset a { color: inherit; text-decoration: underline; }
"""


def whole_book(site: Path) -> tuple[str, Facts, list[Chapter]]:
    """The printable document of the site at `site`, with its title-page facts and chapters."""
    index = site / "index.html"
    if not index.is_file():
        raise NotABuiltSite("has no index.html")
    index_html = index.read_text(encoding="utf-8")
    chapters = navigation(index_html)
    facts = book_facts(index_html)
    published = facts.url or "/"
    paths = {chapter.path: chapter.slug for chapter in chapters}
    styles = "\n".join(
        f'<link rel="stylesheet" href="/{urlsplit(urljoin(PSEUDO_ROOT, href)).path.lstrip("/")}">'
        for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', index_html)
        if not href.startswith(("http:", "https:")))
    body = [title_page(facts), contents(chapters)]
    open_parts: tuple[str, ...] = ()
    for chapter in chapters:
        page = site / chapter.path / "index.html"
        if not page.is_file():
            raise NotABuiltSite(f"the navigation lists {chapter.path}, which has no index.html")
        common = 0
        while (common < min(len(open_parts), len(chapter.parts))
               and open_parts[common] == chapter.parts[common]):
            common += 1
        for depth in range(common, len(chapter.parts)):
            body.append(part_heading(chapter.parts[depth], depth, chapter))
        open_parts = chapter.parts
        body.append(chapter_html(chapter, page.read_text(encoding="utf-8"), paths, published))
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(facts.title)}</title>
{styles}
<style>{PRINT_CSS}</style>
</head>
<body dir="ltr" data-md-color-scheme="default" data-md-color-primary="indigo">
<div class="md-container"><main class="md-main"><div class="md-content">
{chr(10).join(body)}
</div></main></div>
</body>
</html>
"""
    return document, facts, chapters
