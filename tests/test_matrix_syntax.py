"""The matrix syntax: what it accepts parses exactly, and everything else is one clear error."""

import random
from fractions import Fraction

import pytest

from derivations.errors import UsageError
from derivations.render.matrix_syntax import format_matrix, parse_matrix, parse_number
from derivations.worked_limits import MAX_DIGITS


@pytest.mark.parametrize(("token", "expected"), [
    ("7", Fraction(7)), ("-3", Fraction(-3)), ("+4", Fraction(4)), ("0.25", Fraction(1, 4)),
    (".5", Fraction(1, 2)), ("2.", Fraction(2)), ("1/2", Fraction(1, 2)),
    ("-3/4", Fraction(-3, 4)), ("6/4", Fraction(3, 2)), ("\u22122", Fraction(-2)),
    ("-0.125", Fraction(-1, 8)),
])
def test_each_allowed_spelling_parses_to_the_exact_fraction(token, expected):
    value = parse_number(token, "here")
    assert isinstance(value, Fraction)
    assert value == expected


def test_rows_split_on_semicolons_entries_on_spaces_and_commas():
    got = parse_matrix("  1, 2 3 ;4,5,6;  7  8\t9 ", "m")
    assert [len(row) for row in got] == [3, 3, 3]
    assert got == tuple(tuple(Fraction(v) for v in range(r, r + 3)) for r in (1, 4, 7))


def test_random_matrices_survive_format_then_parse():
    rng = random.Random(6)
    for _ in range(200):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        matrix = tuple(tuple(Fraction(rng.randint(-999, 999), rng.randint(1, 99))
                             for _ in range(cols)) for _ in range(rows))
        assert parse_matrix(format_matrix(matrix), "m") == matrix


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "empty"),
    ("   ", "empty"),
    (None, "empty"),
    ("1 2; 3", "row 2 has 1 entry but row 1 has 2 entries;"),
    ("1 2 3; 4", "row 2 has 1 entry but row 1 has 3 entries;"),
    ("1; 2 3", "row 2 has 2 entries but row 1 has 1 entry;"),
    ("1 2;; 3 4", "row 2 is empty"),
    ("1 2;", "ends with ';'"),
    ("1 2; 3 4 ;  ", "ends with ';'"),
    ("[1 2; 3 4]", "'[1' is not a number; write the matrix without brackets"),
    ("1 2\u200b", "'2\\u200b' is not a number"),
    ("1 it's", "'it's' is not a number"),
    ("1 x", "row 1 entry 2: 'x' is not a number"),
    ("1e3", "'1e3' is not a number"),
    ("1/0", "divides by zero"),
    ("1 -2/0", "row 1 entry 2: '-2/0' divides by zero"),
    ("nan", "not a finite number"),
    ("-inf 1", "not a finite number"),
    ("Infinity", "not a finite number"),
    ("1,,2", "empty entry between commas"),
    (",1", "empty entry between commas"),
    ("1.5/2", "is not a number"),
    ("1 2 3" + "4" * MAX_DIGITS, f"at most {MAX_DIGITS} digits"),
    ("0x10", "is not a number"),
])
def test_malformed_matrices_are_one_usage_error_naming_the_place(text, fragment):
    with pytest.raises(UsageError) as caught:
        parse_matrix(text, "--input")
    message = str(caught.value)
    assert message.startswith("--input")
    assert fragment in message
    assert "\n" not in message


def test_the_digit_limit_is_exactly_the_stated_one():
    assert parse_number("9" * MAX_DIGITS, "x") == int("9" * MAX_DIGITS)
    with pytest.raises(UsageError):
        parse_number("9" * (MAX_DIGITS + 1), "x")


@pytest.mark.parametrize("space", ["\u00a0", "\ufeff", "\u3000", "\t", "\u2009"])
def test_pasted_spaces_separate_entries_like_the_pages_script(space):
    """JavaScript's \\s (the page) counts these as spaces; the command must agree."""
    assert parse_matrix(f"1{space}2;{space}3 4{space}", "m") == ((1, 2), (3, 4))


@pytest.mark.parametrize("char", ["\x1c", "\x85", "\u200b"])
def test_characters_that_javascript_does_not_count_as_spaces_are_refused_visibly(char):
    """Python's \\s would split on the first two; the page would not, so neither does this."""
    with pytest.raises(UsageError) as caught:
        parse_matrix(f"1{char}2", "m")
    assert f"'1\\u{ord(char):04x}2' is not a number" in str(caught.value)
