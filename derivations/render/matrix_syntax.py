r"""The matrix syntax of `python -m derivations worked` and the "Try your own numbers" page.

Rows are separated by `;`, entries by spaces and/or commas. An entry is an integer (`-3`),
a decimal (`0.25`, `.5`) or a fraction (`1/2`, `-3/4`); a typographic minus (−, as the book
prints it) counts as a minus. Everything is parsed into exact `fractions.Fraction`s.
The page's JavaScript (derivations/web/worked.js) implements the same rules and messages,
character for character: the spaces are one explicit list (not Python's or JavaScript's
`\s`, which differ), and a token is quoted the same way in both.
Bad input raises UsageError naming what was wrong, where, and what is allowed.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from derivations.errors import UsageError
from derivations.mathematics.worked import Matrix
from derivations.worked_limits import MAX_DIGITS

ALLOWED = "integers like -3, decimals like 0.25, fractions like 1/2"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FRACTION = re.compile(r"[+-]?[0-9]+/[0-9]+")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
# What counts as a space: JavaScript's \s exactly (a no-break space pasted from a web page is
# a space; a zero-width space is not, and shows up escaped in the message instead).
SPACES = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ENTRY_SEPARATOR = re.compile(f"[{SPACES},]+")
_EDGE_SPACES = re.compile(f"^[{SPACES}]+|[{SPACES}]+$")
_EMPTY_BETWEEN_COMMAS = re.compile(f",[{SPACES}]*,|^[{SPACES}]*,|,[{SPACES}]*$")
_BRACKETS = re.compile(r"[][()]")
QUOTE_MAX = 24  # characters of a quoted token in a message (worked.js has the same)


def quote(token: str) -> str:
    """'token' in single quotes; invisible characters (format, control, spaces) as \\uXXXX;
    beyond QUOTE_MAX characters of that, cut with …, so a pasted page stays a short message."""
    out, width = [], 0
    for ch in token:
        piece = f"\\u{ord(ch):04x}" if unicodedata.category(ch)[0] in "CZ" else ch
        if width + len(piece) > QUOTE_MAX:
            return "'" + "".join(out) + "…'"
        out.append(piece)
        width += len(piece)
    return "'" + "".join(out) + "'"


def _strip(text: str) -> str:
    return _EDGE_SPACES.sub("", text)


def parse_number(token: str, where: str) -> Fraction:
    """One entry as an exact Fraction, or UsageError saying why it is not one."""
    text = token.replace("\u2212", "-")
    if _NON_FINITE.fullmatch(text):
        raise UsageError(f"{where}: {quote(token)} is not a finite number; allowed: {ALLOWED}")
    if not (_DECIMAL.fullmatch(text) or _FRACTION.fullmatch(text)):
        if _BRACKETS.search(text):
            raise UsageError(f"{where}: {quote(token)} is not a number; write the matrix "
                             "without brackets, rows separated by ';', e.g. '1 2; 3 4'")
        raise UsageError(f"{where}: {quote(token)} is not a number; allowed: {ALLOWED}")
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_DIGITS:
        raise UsageError(
            f"{where}: {quote(token)} has {digits} digits; at most {MAX_DIGITS} digits per entry"
        )
    if "/" in text:
        numerator, denominator = text.split("/")
        if int(denominator) == 0:
            raise UsageError(f"{where}: {quote(token)} divides by zero; a fraction needs a "
                             "non-zero denominator")
        return Fraction(int(numerator), int(denominator))
    return Fraction(text)


def parse_matrix(text: str, name: str) -> Matrix:
    """Eq. syntax `a b; c d` as a rectangular tuple of rows of Fractions (name is for messages)."""
    if text is None or not _strip(text):
        raise UsageError(f"{name}: empty; write rows separated by ';' and entries by spaces "
                         "or commas, e.g. '1 2; 3 4'")
    rows: list[tuple[Fraction, ...]] = []
    row_texts = text.split(";")
    for r, row_text in enumerate(row_texts, start=1):
        tokens = [t for t in _ENTRY_SEPARATOR.split(row_text) if t]
        if not tokens and r == len(row_texts):
            raise UsageError(f"{name}: ends with ';'; rows are separated by ';', so remove the "
                             "last one")
        if not tokens:
            raise UsageError(f"{name}: row {r} is empty; every row needs at least one entry "
                             "(rows are separated by ';')")
        if _EMPTY_BETWEEN_COMMAS.search(row_text):
            raise UsageError(f"{name}: row {r} has an empty entry between commas; give a "
                             "number between each two commas")
        rows.append(tuple(parse_number(t, f"{name} row {r} entry {c}")
                          for c, t in enumerate(tokens, start=1)))
    width = len(rows[0])
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise UsageError(f"{name}: row {r} has {_entries(len(row))} but row 1 has "
                             f"{_entries(width)}; every row needs the same number of entries")
    return tuple(rows)


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def format_matrix(matrix: Matrix) -> str:
    """The syntax back again (exact: fractions as p/q), e.g. to prefill the page's form."""
    return "; ".join(" ".join(str(value) for value in row) for row in matrix)
