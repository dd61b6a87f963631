"""HTML text as a stream of start tags, end tags and text, in time linear in its length.

html.parser.HTMLParser rescans the rest of the document at every '<' it cannot close, so a
hostile page (`<a` repeated over a few megabytes) takes minutes. This tokenizer follows the
HTML standard's tokenizer and only moves forward: every scan either consumes what it read
or ends the document, as an end of file inside a tag, a comment or a script does in HTML.
On every page MkDocs writes it yields what HTMLParser reports (tests/test_page_html.py
compares the two on the built site): names lowercased, attribute values and text with
character references decoded, `<script>`/`<style>` content as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import NamedTuple

# One token per match, anchored where the previous one ended. Every alternative, once its
# first characters match, runs to its own end or to the end of the text, and the possessive
# quantifiers (*+) never give characters back: so no match rescans the text after it.
_TOKEN = re.compile(
    r"""(?P<text>(?:[^<]++|<(?![a-zA-Z/!?]))++)  # a '<' that starts no tag is text
    | <(?P<start>[a-zA-Z][^\t\n\f\r />]*+)
       (?P<attrs>(?:[^>"']++|"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z))*+)(?P<start_close>>|\Z)
    | </(?P<end>[a-zA-Z][^\t\n\f\r />]*+)[^>]*+(?P<end_close>>|\Z)
    | <!--.*?(?:-->|\Z)
    | </[^>]*+(?:>|\Z)    # `</>` and `</3…>`: dropped
    | <[!?][^>]*+(?:>|\Z)  # doctype, CDATA, processing instruction: not content""",
    re.VERBOSE | re.DOTALL)
_ATTRIBUTE = re.compile(
    r"""(?P<name>[^\t\n\f\r />=][^\t\n\f\r />=]*+|=[^\t\n\f\r />=]*+)
    (?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:"(?P<double>[^"]*+)"?|'(?P<single>[^']*+)'?
                                   |(?P<bare>[^\t\n\f\r >]*+)))?""",
    re.VERBOSE)
_RAW_TEXT = {"script", "style"}  # as HTMLParser: their content is text, not markup
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\t\n\f\r ]*>", re.IGNORECASE)
                 for name in _RAW_TEXT}
# A numeric character reference beyond U+10FFFF means U+FFFD; html.unescape would convert its
# digits to an int first, which raises beyond 4300 digits and is slow long before that.
_HUGE_REFERENCE = re.compile(r"&#(?:[xX]0*[1-9a-fA-F][0-9a-fA-F]{6,}|0*[1-9][0-9]{7,});?")


# Named tuples: a page has hundreds of thousands of tokens, and they are the cheapest record.
class StartTag(NamedTuple):
    name: str
    attrs: dict[str, str | None]  # the first of repeated attributes wins, as in HTML
    self_closing: bool


class EndTag(NamedTuple):
    name: str


class Text(NamedTuple):
    text: str


def decoded(text: str) -> str:
    """text with its character references (&amp;, &#8722;) replaced."""
    if "&" not in text:
        return text
    if "&#" in text:
        text = _HUGE_REFERENCE.sub("\ufffd", text)
    return unescape(text)


def tokens(html: str) -> Iterator[StartTag | EndTag | Text]:
    """The start tags, end tags and text runs of html, in order (comments are skipped).

    An end of file inside a tag ends the tokens there, without the tag (as in HTML)."""
    pos, end = 0, len(html)
    while pos < end:
        match = _TOKEN.match(html, pos)
        pos = match.end()
        kind = match.lastgroup
        if kind == "text":
            yield Text(decoded(match.group("text")))
        elif kind == "start_close":
            if not match.group("start_close"):
                return
            name = match.group("start").lower()
            attributes = match.group("attrs")
            yield StartTag(name, _attributes(attributes) if attributes else {},
                           attributes.endswith("/"))
            if name in _RAW_TEXT and not attributes.endswith("/"):
                closing = _RAW_TEXT_END[name].search(html, pos)
                stop = closing.start() if closing else end
                if stop > pos:
                    yield Text(html[pos:stop])
                pos = stop
        elif kind == "end_close":
            if not match.group("end_close"):
                return
            yield EndTag(match.group("end").lower())


def _attributes(text: str) -> dict[str, str | None]:
    attrs: dict[str, str | None] = {}
    for found in _ATTRIBUTE.finditer(text):
        double, single, bare = found.group("double", "single", "bare")
        value = double if double is not None else single if single is not None else bare
        attrs.setdefault(found.group("name").lower(),
                         None if value is None else decoded(value))
    return attrs
