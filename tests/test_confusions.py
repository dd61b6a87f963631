"""The confusions page: every recurring confusion is there and every link lands on a section."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

from derivations.pages import confusions as page_module
from derivations.render.page import pages_only

PAGE_URL = "general/confusions/"
# The brief's list of confusions that must have an entry (by the entry's stable id).
REQUIRED = {
    "sum-or-average", "why-rot180", "convolution-or-correlation", "stride-backward",
    "padding-backward", "leftover-rows", "channels-line-up", "shared-bias",
    "index-bookkeeping", "product-of-sums",
}


class _ArticleLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            self.depth += 1
        elif tag == "a" and self.depth and "headerlink" not in (attrs.get("class") or ""):
            self.links.append(attrs.get("href") or "")

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1


def article_links(text: str) -> list[str]:
    parser = _ArticleLinks()
    parser.feed(text)
    return parser.links


def test_every_required_confusion_has_an_entry_with_links():
    ids = [c.id for c in page_module.CONFUSIONS]
    assert len(ids) == len(set(ids))
    assert REQUIRED <= set(ids)
    assert all(c.links for c in page_module.CONFUSIONS)
    product = next(c for c in page_module.CONFUSIONS if c.id == "product-of-sums")
    assert ("../seed/grad-w1.md#the-mistake" in [target for _, target in product.links])


def test_every_link_on_the_built_page_reaches_an_existing_anchor(built_site):
    """Resolve each href against the page's URL; the file must exist and hold the id."""
    text = (built_site / PAGE_URL / "index.html").read_text(encoding="utf-8")
    # absolute links in the article are the theme's (edit button, cite box), not the entries'
    links = [href for href in article_links(text) if not urlsplit(href).scheme]
    targets = {target for c in page_module.CONFUSIONS for _, target in c.links}
    assert all(not urlsplit(target).scheme and ".md" in target for target in targets)
    assert len(links) >= len(targets)
    for href in links:
        resolved = urlsplit(urljoin(PAGE_URL, href))
        path = PurePosixPath(resolved.path or PAGE_URL)
        file = built_site / path / "index.html" if not path.suffix else built_site / path
        assert file.is_file(), f"{href}: no page {file}"
        if resolved.fragment:
            assert re.search(rf'id="{re.escape(resolved.fragment)}"',
                             file.read_text(encoding="utf-8")), f"{href}: no such anchor"


def test_confusions_page_prints_no_number(built_site):
    """Prose only: no computed number, and the audit finds nothing unaccounted."""
    from derivations.audit.page_html import extract_numbers

    (page,) = pages_only(page_module.build())
    assert page.records == ()
    found = extract_numbers((built_site / PAGE_URL / "index.html").read_text(encoding="utf-8"))
    assert found.found_article and found.marked == [] and found.unaccounted == []
