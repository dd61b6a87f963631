"""The linear HTML tokenizer: HTMLParser's events on every built page, linear on garbage."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest

from derivations.audit.html_tokens import EndTag, StartTag, tokens
from derivations.audit.page_html import article_ids, extract_numbers


class _Recorder(HTMLParser):
    """CPython's own parser, the independent route: its events in the tokenizer's terms."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, _first_wins(attrs), False))

    def handle_startendtag(self, tag, attrs):
        self.events.append(("start", tag, _first_wins(attrs), True))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        self.events.append(("text", data))


def _first_wins(attrs) -> dict:
    out: dict = {}
    for key, value in attrs:
        out.setdefault(key, value)
    return out


def _merged(events):
    """Adjacent text runs as one: where a run is split is not part of what a page says."""
    out: list[tuple] = []
    for event in events:
        if event[0] == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + event[1])
        elif event != ("text", ""):
            out.append(event)
    return out


def html_parser_events(html: str) -> list[tuple]:
    recorder = _Recorder()
    recorder.feed(html)
    recorder.close()
    return _merged(recorder.events)


def tokenizer_events(html: str) -> list[tuple]:
    def as_tuple(token):
        if isinstance(token, StartTag):
            return ("start", token.name, token.attrs, token.self_closing)
        if isinstance(token, EndTag):
            return ("end", token.name)
        return ("text", token.text)

    return _merged(as_tuple(token) for token in tokens(html))


SMALL = [
    '<p class="a b" id=x data-v=\'1>2\'>1 &amp; 2 &minus;3 &#8722;4</p>',
    "<br/><img src=x.png><hr />text",
    "<!DOCTYPE html><!-- a <p> in a comment --><p>after</p>",
    "<script>if (a < b && c > d) { x = '<p>' }</script><p>2</p>",
    "<style>p > a { color: red }</style>",
    "a < b and c <= d, 1<2",
    "</>stray</3 x>end",
    '<A HREF="X" Class=Num>Upper</A>',
    '<p id="first" id="second">dup</p>',
    "<math><msub><mi>w</mi><mn>1</mn></msub></math>",
]


@pytest.mark.parametrize("html", SMALL)
def test_small_documents_give_html_parsers_events(html):
    assert tokenizer_events(html) == html_parser_events(html)


@pytest.mark.slow
def test_every_built_page_gives_html_parsers_events(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert tokenizer_events(html) == html_parser_events(html), page


def test_end_of_file_inside_a_tag_or_comment_ends_the_tokens():
    assert tokenizer_events("<p>1</p><a href='x") == [("start", "p", {}, False),
                                                       ("text", "1"), ("end", "p")]
    assert tokenizer_events("2<!-- never closed <p>3</p>") == [("text", "2")]
    assert tokenizer_events("<p>4</p><div class=x") == tokenizer_events("<p>4</p>")


def test_a_reference_too_large_for_unicode_is_the_replacement_character():
    """html.unescape would convert 5000 digits to an int: a ValueError, not a page."""
    assert [t.text for t in tokens("&#" + "9" * 5000 + ";x")] == ["\ufffdx"]
    assert [t.text for t in tokens("&#x110000;&#0000000049;")] == ["\ufffd1"]


# Each about half a MiB: the shapes that made HTMLParser or the old extractor slow
# (rescanning the rest at every '<', walking the open-element stack for each text). At this
# size a quadratic reader takes tens of seconds; this one 0.3 s of CPU at most (measured).
HOSTILE = {
    "unclosed tag": "<article><p>1</p><div class='" + "a" * 500_000,
    "'<a' repeated": "<article>" + "<a" * 250_000,
    "nested divs": "<article>" + "<div>" * 100_000 + "1 2 3",
    "stray end tags": "<article>" + "<div>" * 25_000 + "</p>" * 100_000,
    "lone '<'": "<article>" + "< 1 " * 125_000,
    "unclosed comments": "<article>" + "<!--" * 125_000,
    "unclosed quotes": "<article>" + "<a x=\"" * 75_000,
    "ampersands": "<article>" + "&#" * 250_000,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_html_is_read_in_linear_time(name):
    html = HOSTILE[name]
    start = time.process_time()
    extract_numbers(html)
    article_ids(html)
    assert time.process_time() - start < 1.5
