"""Figures and command output are audited like prose: records match what is drawn/printed,
and a changed, missing or extra number is reported with the figure (or page) and the key."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from derivations.audit.compare import audit_page
from derivations.audit.figure_svg import extract_figure_numbers, figure_records
from derivations.audit.page_html import extract_numbers
from derivations.figures.grid import Panel, figure_asset, figure_svg
from derivations.render.page import Asset
from derivations.render.printed_numbers import NOTATION, UNKEYED, code_output, output_numbers

NAME = "general/figures/test.svg"
MARKED_TEXT = re.compile(r'(<text[^>]*class="num"[^>]*>)([^<]*)(</text>)')


def two_panel_asset() -> Asset:
    return figure_asset(NAME, "A test figure with 3 panels", [
        Panel("X (2×2, stride 2)", [[1, -2], [Fraction(1, 3), None]], operator_after="⋆",
              key="t.x"),
        Panel("names", [["w¹₁", 7]]),  # unkeyed, one name and one number
    ])


ORACLE = {"t.x[0,0]": 1, "t.x[0,1]": -2, "t.x[1,0]": Fraction(1, 3)}


def test_each_number_drawn_is_recorded_in_order_with_its_key():
    asset = two_panel_asset()
    assert [(r.key, r.printed) for r in asset.records] == [
        ("t.x[0,0]", "1"), ("t.x[0,1]", "-2"), ("t.x[1,0]", "0.3333"),
        (f"{UNKEYED}panel 2 (names)[0,1]", "7")]
    found = extract_figure_numbers(asset.content)
    # the drawn text, typographic minus and all: labels, names and the title are notation
    assert found.marked == ["1", "\u22122", "0.3333", "7"]
    assert found.unaccounted == []
    assert audit_page(NAME, asset.records, found, ORACLE) == []


def test_figure_svg_without_keys_is_unchanged_text():
    """Modules that call figure_svg and pass no key keep working (same SVG as the asset)."""
    panels = [Panel("A", [[1, 2]])]
    assert figure_svg("t", panels) == figure_asset("x.svg", "t", panels).content


def test_a_changed_cell_is_reported_with_figure_and_key():
    asset = two_panel_asset()
    second = list(MARKED_TEXT.finditer(asset.content))[1]
    tampered = asset.content[:second.start(2)] + "9" + asset.content[second.end(2):]
    problems = audit_page(NAME, asset.records, extract_figure_numbers(tampered), ORACLE)
    assert problems == [f"{NAME}: printed 9, expected -2 (t.x[0,1])"]


def test_a_missing_and_an_extra_number_are_reported():
    asset = two_panel_asset()
    missing = MARKED_TEXT.sub("", asset.content, count=1)
    assert audit_page(NAME, asset.records, extract_figure_numbers(missing), ORACLE) == [
        f"{NAME}: computed number 1 (t.x[0,0]) is not on the page"]
    extra = asset.content.replace("</g>", '<text x="0" y="0">42</text></g>')
    assert audit_page(NAME, asset.records, extract_figure_numbers(extra), ORACLE) == [
        f"{NAME}: unaccounted number 42"]


def test_a_keyed_cell_is_checked_against_the_oracle():
    asset = two_panel_asset()
    wrong = {**ORACLE, "t.x[1,0]": Fraction(2, 3)}
    problems = audit_page(NAME, asset.records, extract_figure_numbers(asset.content), wrong)
    assert problems == [f"{NAME}: printed 0.3333, expected 0.6667 (t.x[1,0])"]


def test_a_figure_generated_without_records_is_read_back_from_its_text():
    svg = figure_svg("t", [Panel("A", [[5, -1]])])
    records = figure_records(Asset(NAME, svg))
    assert [r.printed for r in records] == ["5", "-1"]
    assert audit_page(NAME, records, extract_figure_numbers(svg.replace(">5<", ">6<")), {}) \
        == [f"{NAME}: printed 6, expected 5 ({UNKEYED}{NAME}[0])"]


def article(body: str) -> str:
    return f"<html><body><article>{body}</article></body></html>"


OUTPUT = '# cost: 42.5\n$$x = 1/2$$ and \\num{3} < -7 & "0.25"\n'
OUTPUT_KEYS = ["t.cost", NOTATION, NOTATION, "t.three", "t.minus", "t.quarter"]
OUTPUT_ORACLE = {"t.cost": Fraction(85, 2), "t.three": 3, "t.minus": -7,
                 "t.quarter": Fraction(1, 4)}


def test_command_output_numbers_are_marked_and_ordinary_code_stays_skipped():
    block = code_output(OUTPUT, OUTPUT_KEYS)
    assert [r.printed for r in block.records] == ["42.5", "3", "-7", "0.25"]
    assert [r.key for r in block.records] == ["t.cost", "t.three", "t.minus", "t.quarter"]
    found = extract_numbers(article("<pre><code>x = 99</code></pre>" + block.text))
    assert found.marked == ["42.5", "3", "-7", "0.25"]  # 1/2 is declared notation
    assert found.unaccounted == []
    assert audit_page("p.html", block.records, found, OUTPUT_ORACLE) == []


def test_command_output_needs_one_key_per_number():
    with pytest.raises(ValueError, match="6 numbers but 5 keys"):
        code_output(OUTPUT, OUTPUT_KEYS[:5])


def test_a_changed_or_typed_number_in_command_output_is_reported():
    block = code_output(OUTPUT, OUTPUT_KEYS)
    changed = block.text.replace('<span class="num">42.5</span>', '<span class="num">4.5</span>')
    assert audit_page("p.html", block.records, extract_numbers(article(changed)),
                      OUTPUT_ORACLE) == ["p.html: printed 4.5, expected 42.5 (t.cost)"]
    typed = block.text.replace("cost:", "cost 17:")
    assert audit_page("p.html", block.records, extract_numbers(article(typed)),
                      OUTPUT_ORACLE) == ["p.html: unaccounted number 17"]


def test_command_output_is_checked_against_the_oracle_at_display_precision():
    """A JSON float keeps its own spelling; its quantity's value decides whether it is right."""
    text = '{"third": 0.3333333333333333, "limit": "at most 100,000 characters"}'
    block = code_output(text, ["t.third", "t.limit"])
    assert [r.printed for r in block.records] == ["0.3333333333333333", "100,000"]
    found = extract_numbers(article(block.text))
    assert audit_page("p.html", block.records, found,
                      {"t.third": Fraction(1, 3), "t.limit": 100_000}) == []
    assert audit_page("p.html", block.records, found,
                      {"t.third": Fraction(2, 3), "t.limit": 10_000}) == [
        "p.html: printed 0.3333333333333333, expected 0.6667 (t.third)",
        "p.html: printed 100,000, expected 10000 (t.limit)"]
    assert audit_page("p.html", block.records, found, {"t.third": Fraction(1, 3)}) == [
        "p.html: no independent check for t.limit (printed 100,000)"]


@pytest.mark.parametrize("text", ["1.5.3 a-1 x2 2x 1e-05 --2", "", "no numbers"])
def test_output_blocks_mark_exactly_what_the_audit_finds(text):
    """The renderer's and the audit's idea of a number agree, whatever the text."""
    block = code_output(text, [f"t[{k}]" for k in range(len(output_numbers(text)))])
    found = extract_numbers(article(block.text))
    assert found.unaccounted == []
    assert found.marked == [r.printed for r in block.records]
