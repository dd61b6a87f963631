"""The one number formatter: display precision, records, and their order."""

import decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivations.render.printed_numbers import (
    format_number,
    join,
    matrix,
    num,
    num_signed,
    parse_printed,
    shape_text,
    text_num,
)


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (14, "14"), (-3, "-3"), (0.5, "0.5"), (Fraction(1, 3), "0.3333"),
        (Fraction(-7, 2), "-3.5"), (-0.0, "0"), (-0.00001, "0"), (2.0000000001, "2"),
        (1.23456, "1.2346"), (Fraction(2, 3), "0.6667"), (10**12, "1000000000000"),
    ],
)
def test_format_number_prints_integers_exactly_and_others_to_four_decimals(value, printed):
    assert format_number(value) == printed


def by_decimal(value: Fraction) -> str:
    """The display rule through the decimal module: exact division, round half to even."""
    context = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_EVEN)
    exact = context.divide(decimal.Decimal(value.numerator), decimal.Decimal(value.denominator))
    text = f"{exact.quantize(decimal.Decimal('0.0001'), context=context):f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "0") else text


@given(st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**30)
       | st.integers(-10**30, 10**30).map(lambda n: Fraction(n * 1000 + 999, 1000)))
def test_format_number_agrees_with_decimal_arithmetic_at_any_size(value):
    """Large non-integers keep their decimals (no float step: 999997000002999.999)."""
    assert format_number(value) == by_decimal(value)


def test_a_large_non_integer_keeps_its_digits():
    assert format_number(Fraction(999997000002999999, 1000)) == "999997000002999.999"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True])
def test_format_number_refuses_what_is_not_a_finite_number(bad):
    with pytest.raises((TypeError, ValueError)):
        format_number(bad)


def test_records_follow_document_order_through_concatenation():
    fragment = "a " + num(1, "k.a") + " b " + text_num(-2, "k.b") + join(
        [num(3, "k.c"), num(4, "k.d")], ", "
    )
    assert [r.key for r in fragment.records] == ["k.a", "k.b", "k.c", "k.d"]
    assert fragment.text == r'a \num{1} b <span class="num">−2</span>\num{3}, \num{4}'


def test_matrix_records_each_entry_under_its_row_and_column():
    fragment = matrix([[1, 2], [3, 4]], "m")
    assert [(r.key, r.printed) for r in fragment.records] == [
        ("m[0,0]", "1"), ("m[0,1]", "2"), ("m[1,0]", "3"), ("m[1,1]", "4"),
    ]
    assert fragment.text.startswith(r"\begin{pmatrix}") and r" \\ " in fragment.text


def test_signed_numbers_get_parentheses_only_when_negative():
    assert num_signed(-2, "k").text == r"(\num{-2})"
    assert num_signed(2, "k").text == r"\num{2}"


def test_shape_text_and_parse_printed_round_trip():
    fragment = shape_text((3, 4), "s")
    assert [r.printed for r in fragment.records] == ["3", "4"]
    assert parse_printed("−3.5") == "-3.5"
