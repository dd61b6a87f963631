"""The shape of every error line: one line, at most MAX_LINE characters, nothing raw.

A value a user gave (a key, a path, a token) can hold newlines, terminal escape sequences
or a hundred thousand characters; shown() makes it safe to put into a message, and
one_line() is the last guard that main() puts every message through.
"""

from __future__ import annotations

import unicodedata

MAX_LINE = 200  # characters in the whole stderr line, "error: " included
MAX_VALUE = 40  # characters of one value quoted inside a message
CUT = "…"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    # Cc control, Cf format (bidi overrides), Cs lone surrogates (undecodable file names),
    # Co/Cn private and unassigned, Zl/Zp line and paragraph separators.
    category = unicodedata.category(ch)
    if category[0] != "C" and category not in ("Zl", "Zp"):
        return ch
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def escaped(text: str, limit: int) -> str:
    """text with invisible characters written as escapes, cut to limit characters with …."""
    head = text[: limit + 1]  # escaping only what can be shown: a 32 MiB value costs nothing
    out = "".join(_escape(ch) for ch in head)
    if len(out) <= limit and len(head) == len(text):
        return out
    return out[: limit - len(CUT)] + CUT


def shown(value, limit: int = MAX_VALUE) -> str:
    """A user's value (a key, path or token) as it may stand in a message."""
    return escaped(str(value), limit)


def one_line(message: str, prefix: str = "error: ") -> str:
    """The whole stderr line for message: escaped, at most MAX_LINE characters."""
    return prefix + escaped(message, MAX_LINE - len(prefix))
