"""Page tools/worked-cli.md: the `worked` command, its help, and what it writes.

Every example on the page is produced by running the command's own code at build time, so
nothing on the page is typed by hand and nothing can go stale; what the command prints is
shown in marked output blocks (printed_numbers.code_output), whose numbers the audit reads.
Each number in them is keyed to the quantity it is (oracles/worked_cli.py recomputes it) or
declared notation: an index or exponent, a syntax example, an example argument, an exit status.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable

from derivations.cli.commands import worked as command
from derivations.errors import UsageError
from derivations.examples.worked_cli import BAD_EXAMPLE, JSON_EXAMPLE
from derivations.mathematics.worked import work_chain
from derivations.render.matrix_syntax import parse_matrix
from derivations.render.page import Asset, Page, make_page
from derivations.render.printed_numbers import NOTATION, OUTPUT_NUMBER, code_output, text_num
from derivations.render.worked_format import as_json, json_keys, stackexchange, stackexchange_keys
from derivations.worked_limits import SE_MAX_CHARS

SOURCE = "derivations/pages/worked_cli.py"
HELP_WIDTH = 88  # fixed, so the page does not depend on the builder's terminal
LIMITS = "worked_limits"  # the keys of oracles/worked_limits.py
# The limits --help states, each found by the words around it (whitespace may be a line
# break): each pattern must match once, or the page fails to build. Every other number of
# the help is notation: syntax examples ("1 2; 3 -4", (1/2, -3/4)), example arguments,
# the exit statuses, and the "1" of "1 to 4 kernels".
HELP_QUANTITIES = (
    (r"at most (\d+) digits per entry", f"{LIMITS}.MAX_DIGITS"),
    (r"rounded to (\d+) decimals", "worked_cli.display_decimals"),
    (r"1 to (\d+) kernels", f"{LIMITS}.MAX_KERNELS"),
    (r"at most (\d+) entries and each sum", f"{LIMITS}.SUM_MAX_ENTRIES"),
    (r"each sum at most (\d+) products", f"{LIMITS}.SUM_MAX_TERMS"),
    (r"at most (\d+) channels", f"{LIMITS}.MAX_CHANNELS"),
    (r"at most (\d+) layers", f"{LIMITS}.MAX_LAYERS"),
    (r"layers, (\d+) of them convolutions", f"{LIMITS}.MAX_KERNELS"),
    (r"stride and dilation at most (\d+)", f"{LIMITS}.MAX_STRIDE"),
    (r"padding at most (\d+)", f"{LIMITS}.MAX_PADDING"),
    (r"at most (\d+) products in the forward", f"{LIMITS}.MAX_PRODUCTS"),
    (r"at most ([\d,]+) characters; standard input", "worked_cli.description_chars"),
    (r"at most (\d+) characters in a post", f"{LIMITS}.SE_MAX_CHARS"),
)
# The one line of the bad-input example, and what each of its numbers is.
BAD_MESSAGE = (r"row (\d+) has (\d+) entr(?:y|ies) but row (\d+) has (\d+) entries",
               ("worked_cli.bad.short_row", "worked_cli.bad.short_row_entries",
                "worked_cli.bad.first_row", "worked_cli.bad.first_row_entries"))


def help_text() -> str:
    parser = argparse.ArgumentParser(
        prog="python -m derivations worked", description=command.DESCRIPTION,
        epilog=command.EPILOG,
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, width=HELP_WIDTH))
    command.add_arguments(parser)
    return parser.format_help()


def keys_by_pattern(text: str, rules) -> list[str | None]:
    """A key for each number of text: rules' (pattern, key or keys) name the numbers their
    groups capture; every other number is NOTATION. ValueError unless each pattern matches
    exactly once (the text changed: the page must say anew what its numbers are)."""
    keyed: dict[int, str] = {}
    flat = " ".join(text.split())  # patterns read across line breaks
    starts = _positions_in_flat(text)
    for pattern, names in rules:
        names = (names,) if isinstance(names, str) else names
        found = list(re.finditer(pattern, flat))
        if len(found) != 1:
            raise ValueError(f"pattern {pattern!r} matches {len(found)} times in the output")
        for group, name in enumerate(names, start=1):
            keyed[starts[found[0].start(group)]] = name
    numbers = [match.start() for match in OUTPUT_NUMBER.finditer(text)]
    if set(keyed) - set(numbers):
        raise ValueError("a pattern's group does not capture a whole number of the output")
    return [keyed.get(start, NOTATION) for start in numbers]


def _positions_in_flat(text: str) -> dict[int, int]:
    """Map a position in " ".join(text.split()) back to its position in text."""
    out, flat_at = {}, 0
    for match in re.finditer(r"\S+", text):
        for offset in range(len(match.group(0))):
            out[flat_at + offset] = match.start() + offset
        flat_at += len(match.group(0)) + 1
    return out


def seed_chain():
    x, kernels, target = command.seed_values()
    return work_chain(x, kernels, target)


def fence(text: str, language: str = "text") -> str:
    """A code fence longer than any backtick run inside text."""
    ticks = "`" * max(3, max((len(run) for run in text.split("\n") if set(run) == {"`"}),
                             default=0) + 1)
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}"


def _argv(values) -> str:
    x, k, y = values
    return f'python -m derivations worked --input "{x}" --kernel "{k}" --target "{y}"'


def bad_input_message() -> str:
    x, k, y = BAD_EXAMPLE
    try:
        work_chain(parse_matrix(x, "--input"), (parse_matrix(k, "--kernel 1"),),
                   parse_matrix(y, "--target"))
    except UsageError as error:
        return f"error: {error}"
    raise AssertionError("the bad-input example was accepted")


TEMPLATE = r"""
# The worked command {#worked-cli}

`python -m derivations worked` writes the complete worked derivation for your own numbers:
the forward pass, the cost, the gradient at the output, and the gradient of every weight and
of the input, each entry written out as a sum of products, the way the book's chapters do it.
It is the command line twin of [Try your own numbers](try-your-numbers.md), and uses the
same matrix syntax and the same limits.

Without arguments it works the book's own example (the question's network). Give
`--input`, one `--kernel` per layer (in order) and `--target` to work yours. The arithmetic
is exact, in fractions: an input such as a half typed as a fraction stays exact all the way
through, and only the printed numbers are rounded (to four decimals, integers exactly).

## Usage {#usage}

{{help}}

## Formats {#formats}

`--format markdown` (the default) writes the book's own page style: LaTeX math between
dollar signs, heading ids, and the book's number marks (`\num{}`, `\lit{}`), ready to
drop into a page of this book.

`--format stackexchange` writes the same derivation for an answer on Stack Exchange:
Markdown with MathJax, using only `$` and `$$` as delimiters, no HTML, none of the book's
private marks, and a link to the book's page for each step. Paste it as it is. Stack
Exchange accepts at most {{se_max}} characters in a post; when the text is longer (a large
input through several kernels can be), the command says so in a note on standard error and
still writes the text. For the book's example it writes:

{{stackexchange}}

`--format json` writes the numbers for a program: `output`, `cost`, `grad_kernels` (one
per kernel, in the order given), `grad_input`, the map after each kernel (`maps`) and the
gradient of the cost with respect to each map (`grad_maps`), as JSON numbers, and the same
again as exact fractions under `exact`. For example:

{{json_command}}

{{json}}

## When the input is wrong {#bad-input}

A malformed matrix, a kernel that does not fit, a target of the wrong size, a division by
zero, a number that is not finite, an unknown format, an option given twice (only `--kernel`
repeats) or an `--out` that cannot be written stops the command before anything is written,
with exit status two and a single line that says what is wrong, where, and what is allowed:

{{bad_command}}

{{bad_message}}

`--out FILE` writes the file atomically: either the complete new derivation or, if anything
goes wrong, the old file untouched. FILE must be a regular file or a new name in an existing
folder: a symlink, a named pipe or a device such as `/dev/null` is refused rather than
replaced. Whatever the input, an error is one line on standard error, never a traceback:
values quoted in it are cut short and invisible characters are shown as escapes.
"""


def build() -> Iterable[Page | Asset]:
    x, k, y = JSON_EXAMPLE
    example = work_chain(parse_matrix(x, "--input"), (parse_matrix(k, "--kernel 1"),),
                         parse_matrix(y, "--target"))
    help_, bad, json_text = help_text(), bad_input_message(), as_json(example)
    yield make_page(
        "tools/worked-cli.md", SOURCE, TEMPLATE,
        help=code_output(help_, keys_by_pattern(help_, HELP_QUANTITIES)),
        se_max=text_num(SE_MAX_CHARS, "worked_limits.SE_MAX_CHARS"),
        stackexchange=code_output(stackexchange(seed_chain()),
                                  stackexchange_keys(seed_chain(), "worked_cli.seed")),
        json_command=fence(_argv(JSON_EXAMPLE) + " --format json", "console"),
        json=code_output(json_text, json_keys(json_text, "worked_cli.json")),
        bad_command=fence(_argv(BAD_EXAMPLE), "console"),
        bad_message=code_output(bad, keys_by_pattern(bad, [BAD_MESSAGE])),
    )
