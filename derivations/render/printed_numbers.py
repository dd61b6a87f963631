"""The one formatter for every number printed in the book, and the record it leaves.

Every displayed number goes through `format_number`, so display precision is one decision.
Page code never pastes a number into Markdown itself: it asks for a `Fragment` from `num`
(inside math), `text_num` (in prose or tables) or `matrix` (a LaTeX pmatrix of numbers);
each fragment carries a `Record` per number, in document order, naming the quantity it shows
(`key`) so that the audit can recompute it by an independent route.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from html import escape
from numbers import Real

# Four decimals keep hand-checkable examples exact (they are integers or simple fractions)
# while still showing finite-difference estimates honestly.
DISPLAY_DECIMALS = 4

ASCII_MINUS = "-"
MINUS_SIGN = "\u2212"  # typographic minus, what readers see in prose


def format_number(value: Real | Fraction) -> str:
    """Return the display form of value: an integer when exact, else rounded to 4 decimals.

    Uses an ASCII hyphen for negatives; `display_text` turns it into a typographic minus.
    """
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers to print")
    if type(value) is int:
        return str(value)  # most printed numbers: nothing to round (a build prints ~7000)
    if isinstance(value, Fraction | int):
        exact = Fraction(value)
    else:
        as_float = float(value)
        if not math.isfinite(as_float):
            raise ValueError(f"cannot print non-finite number {as_float!r}")
        exact = Fraction(as_float)
    rounded = round(exact, DISPLAY_DECIMALS)
    if rounded == 0:
        return "0"
    if rounded.denominator == 1:
        return str(rounded.numerator)
    # Digits from the exact fraction, never through a float: above ~1e15 a float has no
    # room left for the decimals (999997000002999.999 would print as ...003000).
    scaled = int(rounded * 10**DISPLAY_DECIMALS)  # exact: rounded has ≤ 4 decimals
    sign = "-" if scaled < 0 else ""
    whole, decimals = divmod(abs(scaled), 10**DISPLAY_DECIMALS)
    return f"{sign}{whole}.{decimals:0{DISPLAY_DECIMALS}d}".rstrip("0").rstrip(".")


# Key prefix of a number recorded without a quantity's key (a figure panel given no key):
# the audit checks that it is printed as computed, but has no independent value for it, and
# counts such numbers in its summary instead. The book's own site has none (a test says so).
UNKEYED = "unkeyed:"


def parse_printed(text: str) -> str:
    """Normalise a number as it appears on a page back to format_number's spelling."""
    return text.replace(MINUS_SIGN, ASCII_MINUS).replace("\u2009", "").strip()


@dataclass(frozen=True)
class Record:
    """One printed number: which quantity it shows, its exact-as-computed value, its print.

    A number in command output is printed as the command wrote it (`as_written`: 0.25 in
    JSON as 0.25, 1/3 as 0.3333333333333333), so the audit compares it with the quantity's
    independent value at display precision rather than letter by letter.
    """

    key: str
    value: float | int | Fraction
    printed: str
    as_written: bool = False


@dataclass(frozen=True)
class Fragment:
    """A piece of Markdown plus the records of the numbers printed in it, in order."""

    text: str
    records: tuple[Record, ...] = ()

    def __add__(self, other: Fragment | str) -> Fragment:
        other = as_fragment(other)
        return Fragment(self.text + other.text, self.records + other.records)

    def __radd__(self, other: str) -> Fragment:
        return as_fragment(other) + self


def as_fragment(piece: Fragment | str) -> Fragment:
    if isinstance(piece, Fragment):
        return piece
    if isinstance(piece, str):
        return Fragment(piece)
    raise TypeError(f"a page slot takes a Fragment or str, not {type(piece).__name__}")


def join(pieces: Iterable[Fragment | str], separator: str = "") -> Fragment:
    """Concatenate fragments with a separator, keeping records in order."""
    out = Fragment("")
    for index, piece in enumerate(pieces):
        if index:
            out = out + separator
        out = out + piece
    return out


def _record(value, key: str) -> Record:
    return Record(key=key, value=value, printed=format_number(value))


def num(value, key: str) -> Fragment:
    r"""A number inside math: `\num{…}`, which the math renderer turns into a marked <mn>."""
    record = _record(value, key)
    return Fragment(rf"\num{{{record.printed}}}", (record,))


def num_signed(value, key: str) -> Fragment:
    r"""A number inside math, in parentheses when negative (for use after + or ·)."""
    fragment = num(value, key)
    if fragment.records[0].printed.startswith(ASCII_MINUS):
        return "(" + fragment + ")"
    return fragment


def text_num(value, key: str) -> Fragment:
    """A number in prose or a table cell: a marked span the audit can find."""
    record = _record(value, key)
    shown = record.printed.replace(ASCII_MINUS, MINUS_SIGN)
    return Fragment(f'<span class="num">{shown}</span>', (record,))


def lit(text: str | int) -> str:
    """A number that is notation, not a result (a step label, a formula's constant).

    The audit accepts it because the generator declared it; keep these rare.
    """
    return rf"\lit{{{text}}}"


def text_lit(text: str | int) -> str:
    """Notation number in prose (e.g. 'step 2'), declared for the audit."""
    return f'<span class="lit">{text}</span>'


def matrix(values, key: str, environment: str = "pmatrix") -> Fragment:
    r"""A 2-D array as a LaTeX matrix; entry (r, c) is recorded as key[r,c]."""
    rows = []
    for r, row in enumerate(values):
        cells = [num(value, f"{key}[{r},{c}]") for c, value in enumerate(row)]
        rows.append(join(cells, " & "))
    return rf"\begin{{{environment}}}" + join(rows, r" \\ ") + rf"\end{{{environment}}}"


def shape_text(shape: Sequence[int], key: str) -> Fragment:
    """A size like 3×3 in prose; each extent is recorded as key[d]."""
    return join((text_num(extent, f"{key}[{d}]") for d, extent in enumerate(shape)), "×")


# A number in command output as the audit finds it (audit/page_html.py's NUMBER), with
# thousands separators (100,000) read as one number.
OUTPUT_NUMBER = re.compile(
    r"(?<![\w.])-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?![\w])")
CODE_OUTPUT_CLASS = "code-output"
OUTPUT_REFERENCES = str.maketrans({"$": "&#36;", "\\": "&#92;", "#": "&#35;"})
# The key of a number in command output that is notation, not a quantity: an index or an
# exponent, a syntax example, an exit status. It is declared like `lit`, and not recorded.
NOTATION = None


def output_numbers(text: str) -> list[str]:
    """The numbers of a command's output, as spelled, in order (what code_output marks)."""
    return [match.group(0) for match in OUTPUT_NUMBER.finditer(text)]


def code_output(text: str, keys: Sequence[str | None]) -> Fragment:
    """What a command printed, as a marked output block (raw HTML <pre>): its k-th number is
    a marked span recorded under keys[k], or a declared `lit` span when keys[k] is NOTATION.

    Output is shown exactly as the command wrote it (0.3333333333333333, 1/2), so the
    records keep its spelling (as_written): the audit proves the page shows what the command
    printed, and that each number agrees with its quantity's independent value."""
    def literal(piece: str) -> str:
        # as character references, $ and \ cannot start math for the Markdown extensions,
        # nor # a heading for the tools that scan a page's Markdown lines
        return escape(piece, quote=False).translate(OUTPUT_REFERENCES)

    matches = list(OUTPUT_NUMBER.finditer(text))
    if len(matches) != len(keys):
        raise ValueError(f"command output has {len(matches)} numbers but {len(keys)} keys")
    pieces, records, cursor = [], [], 0
    for match, key in zip(matches, keys, strict=True):
        spelled = match.group(0)
        pieces.append(literal(text[cursor:match.start()]))
        if key is NOTATION:
            pieces.append(f'<span class="lit">{spelled}</span>')
        else:
            records.append(Record(key, Fraction(spelled.replace(",", "")), spelled,
                                  as_written=True))
            pieces.append(f'<span class="num">{spelled}</span>')
        cursor = match.end()
    pieces.append(literal(text[cursor:].rstrip()))
    body = "".join(pieces)
    return Fragment(f'<pre class="{CODE_OUTPUT_CLASS}"><code>{body}</code></pre>',
                    tuple(records))
