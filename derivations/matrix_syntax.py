"""The matrix syntax of `python -m derivations worked` and the "Try your own numbers" page.

Rows are separated by `;`, entries by spaces and/or commas. An entry is an integer (`-3`),
a decimal (`0.25`, `.5`) or a fraction (`1/2`, `-3/4`); a typographic minus (−, as the book
prints it) counts as a minus. Everything is parsed into exact `fractions.Fraction`s.
The page's JavaScript (derivations/web/worked.js) implements the same rules and messages.
Bad input raises UsageError naming what was wrong, where, and what is allowed.
"""

from __future__ import annotations

import re
from fractions import Fraction

from derivations.errors import UsageError

Matrix = tuple[tuple[Fraction, ...], ...]

# At most this many digits in one entry (numerator and denominator together): longer numbers
# make sums nobody can check by hand, which is the point of the derivation.
MAX_DIGITS = 6
ALLOWED = "integers like -3, decimals like 0.25, fractions like 1/2"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FRACTION = re.compile(r"[+-]?[0-9]+/[0-9]+")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_ENTRY_SEPARATOR = re.compile(r"[\s,]+")


def parse_number(token: str, where: str) -> Fraction:
    """One entry as an exact Fraction, or UsageError saying why it is not one."""
    text = token.replace("\u2212", "-")
    if _NON_FINITE.fullmatch(text):
        raise UsageError(f"{where}: {token!r} is not a finite number; allowed: {ALLOWED}")
    if not (_DECIMAL.fullmatch(text) or _FRACTION.fullmatch(text)):
        raise UsageError(f"{where}: {token!r} is not a number; allowed: {ALLOWED}")
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_DIGITS:
        raise UsageError(
            f"{where}: {token!r} has {digits} digits; at most {MAX_DIGITS} digits per entry"
        )
    if "/" in text:
        numerator, denominator = text.split("/")
        if int(denominator) == 0:
            raise UsageError(f"{where}: {token!r} divides by zero; a fraction needs a "
                             "non-zero denominator")
        return Fraction(int(numerator), int(denominator))
    return Fraction(text)


def parse_matrix(text: str, name: str) -> Matrix:
    """Eq. syntax `a b; c d` as a rectangular tuple of rows of Fractions (name is for messages)."""
    if text is None or not text.strip():
        raise UsageError(f"{name}: empty; write rows separated by ';' and entries by spaces "
                         "or commas, e.g. '1 2; 3 4'")
    rows: list[tuple[Fraction, ...]] = []
    for r, row_text in enumerate(text.split(";"), start=1):
        tokens = [t for t in _ENTRY_SEPARATOR.split(row_text.strip()) if t]
        if not tokens:
            raise UsageError(f"{name}: row {r} is empty; every row needs at least one entry "
                             "(rows are separated by ';')")
        if "," in row_text and re.search(r",\s*,|^\s*,|,\s*$", row_text):
            raise UsageError(f"{name}: row {r} has an empty entry between commas")
        rows.append(tuple(parse_number(t, f"{name} row {r} entry {c}")
                          for c, t in enumerate(tokens, start=1)))
    width = len(rows[0])
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise UsageError(f"{name}: row {r} has {len(row)} entries but row 1 has {width}; "
                             "every row needs the same number of entries")
    return tuple(rows)


def format_matrix(matrix: Matrix) -> str:
    """The syntax back again (exact: fractions as p/q), e.g. to prefill the page's form."""
    return "; ".join(" ".join(str(value) for value in row) for row in matrix)
