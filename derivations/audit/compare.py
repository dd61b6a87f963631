"""Compare what a built page prints with what was computed and with an independent check.

Pure logic: given a page's records (from the generator), the numbers read out of its built
HTML, and the independent values, return one problem line per discrepancy.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from derivations.audit.page_html import PageNumbers
from derivations.render.printed_numbers import UNKEYED, Record, format_number, parse_printed


def expected_print(record: Record, oracle: Mapping[str, object]) -> str | None:
    """What the record should print, by its independent value (None: there is none)."""
    if record.key.startswith(UNKEYED):
        return record.printed  # no independent value: checked against what was computed
    value = oracle.get(record.key)
    if value is None:
        return None
    shown = format_number(value)
    if record.as_written and format_number(record.value) == shown:
        return record.printed  # command output: its own spelling, right at display precision
    return shown


def audit_page(name: str, records: Sequence[Record], found: PageNumbers,
               oracle: Mapping[str, object]) -> list[str]:
    """Problems on one page, as `page: printed X, expected Y` / `page: unaccounted number X`."""
    problems: list[str] = []
    if not found.found_article:
        what = "<svg> element: not a figure" if name.endswith(".svg") else (
            "<article> element: not a page of this book's theme")
        return [f"{name}: no {what}"]
    for record in records:
        expected = expected_print(record, oracle)
        if expected is None:
            problems.append(
                f"{name}: no independent check for {record.key} (printed {record.printed})"
            )
        elif expected != record.printed:
            problems.append(f"{name}: printed {record.printed}, expected {expected} ({record.key})")
    printed = [parse_printed(text) for text in found.marked]
    wanted = [record.printed for record in records]
    matcher = difflib.SequenceMatcher(a=wanted, b=printed, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(a1 - a0, b1 - b0) if op == "replace" else 0
        for offset in range(pairs):
            record = records[a0 + offset]
            shown = expected_print(record, oracle) or record.printed
            problems.append(
                f"{name}: printed {printed[b0 + offset]}, expected {shown} ({record.key})"
            )
        for record in records[a0 + pairs : a1]:
            problems.append(
                f"{name}: computed number {record.printed} ({record.key}) is not on the page"
            )
        for text in printed[b0 + pairs : b1]:
            problems.append(f"{name}: unaccounted number {text}")
    problems.extend(f"{name}: unaccounted number {text}" for text in found.unaccounted)
    return problems
