"""Strict slot templates: every slot filled, no value unused, records kept in order."""

import pytest

from derivations.render.page import TemplateError, fill, make_page
from derivations.render.printed_numbers import num, text_num


def test_fill_substitutes_slots_in_document_order():
    out = fill("b={{b}}, a={{a}}", a=num(1, "t.a"), b=text_num(2, "t.b"))
    assert [r.key for r in out.records] == ["t.b", "t.a"]


def test_unknown_slot_fails():
    with pytest.raises(TemplateError, match="missing"):
        fill("{{missing}}")


def test_unused_value_fails():
    with pytest.raises(TemplateError, match="extra"):
        fill("nothing here", extra="x")


def test_make_page_names_its_generator_in_front_matter():
    page = make_page("a/b.md", "derivations/pages/b.py", "# T {#t}\n\n{{x}}", x=num(3, "t.x"))
    assert page.markdown.startswith("---\ngenerated_by: derivations/pages/b.py\n---\n")
    assert page.records[0].printed == "3"
