"""The audit's comparison logic on hand-made records (no site build needed)."""

from derivations.audit.compare import audit_page
from derivations.audit.page_html import PageNumbers
from derivations.render.printed_numbers import Record

RECORDS = (Record("q.a", 14, "14"), Record("q.b", -3, "-3"), Record("q.c", 5, "5"))
ORACLE = {"q.a": 14, "q.b": -3, "q.c": 5}


def numbers(*marked, unaccounted=()):
    return PageNumbers(marked=list(marked), unaccounted=list(unaccounted), found_article=True)


def test_clean_page_has_no_problems():
    assert audit_page("p", RECORDS, numbers("14", "−3", "5"), ORACLE) == []


def test_a_changed_number_is_reported_as_printed_versus_expected():
    problems = audit_page("p", RECORDS, numbers("14", "−4", "5"), ORACLE)
    assert problems == ["p: printed -4, expected -3 (q.b)"]


def test_an_extra_or_missing_number_is_reported():
    assert audit_page("p", RECORDS, numbers("14", "−3", "5", "8"), ORACLE) == [
        "p: unaccounted number 8"
    ]
    assert audit_page("p", RECORDS, numbers("14", "5"), ORACLE) == [
        "p: computed number -3 (q.b) is not on the page"
    ]


def test_a_wrong_computation_is_caught_by_the_independent_value():
    oracle = dict(ORACLE, **{"q.c": 6})
    assert audit_page("p", RECORDS, numbers("14", "−3", "5"), oracle) == [
        "p: printed 5, expected 6 (q.c)"
    ]


def test_a_number_without_independent_check_and_typed_numbers_are_reported():
    problems = audit_page("p", RECORDS, numbers("14", "−3", "5", unaccounted=["7"]),
                          {"q.a": 14, "q.b": -3})
    assert problems == ["p: no independent check for q.c (printed 5)", "p: unaccounted number 7"]
