"""Every number the book prints has an independent value, and a wrong one is caught.

The oracles (derivations/oracles/) recompute each quantity by a route of their own; these
tests prove that no record of a generated page or figure escapes them, and that the audit
reports a number whose generator or oracle is wrong, for the figures' cells and the command
output that were keyed last.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from derivations.audit.compare import audit_page
from derivations.audit.figure_svg import extract_figure_numbers, figure_records
from derivations.audit.page_html import PageNumbers, extract_numbers
from derivations.figures.grid import Panel, figure_asset
from derivations.mathematics import general_layer as gl
from derivations.oracles import independent_values
from derivations.pages import worked_cli
from derivations.publish.book import build_book
from derivations.render.printed_numbers import UNKEYED, code_output, format_number
from derivations.render.worked_format import stackexchange, stackexchange_keys


@pytest.fixture(scope="module")
def book():
    return build_book()


@pytest.fixture(scope="module")
def oracle():
    return independent_values()


def printed_items(book):
    """(path, records) of every generated page and figure."""
    yield from ((page.path, page.records) for page in book.pages)
    yield from ((asset.path, figure_records(asset)) for asset in book.assets
                if asset.path.endswith(".svg"))


def test_no_printed_number_is_left_to_the_generator_alone(book, oracle):
    """Every record has a key (not UNKEYED) that an oracle module defines."""
    unkeyed = sorted({f"{path}: {record.key}" for path, records in printed_items(book)
                      for record in records if record.key.startswith(UNKEYED)})
    assert unkeyed == []
    unchecked = sorted({f"{path}: {record.key}" for path, records in printed_items(book)
                        for record in records if record.key not in oracle})
    assert unchecked == []


def test_every_figure_and_command_output_block_is_keyed(book):
    """The figures and the worked-cli page print numbers, all of them keyed."""
    figures = [asset for asset in book.assets if asset.path.endswith(".svg")]
    assert figures and all(asset.records for asset in figures if 'class="num"' in asset.content)
    page = next(page for page in book.pages if page.path == "tools/worked-cli.md")
    written = [record for record in page.records if record.as_written]
    assert {record.key.split(".")[1] for record in written} >= {"seed", "json", "bad"}
    assert any(record.key.startswith("worked_limits.") for record in written)


def faithful(records) -> PageNumbers:
    """What a site that shows exactly the generated numbers reads back."""
    return PageNumbers(marked=[record.printed for record in records], found_article=True)


# Keys keyed last: figure cells that were unkeyed, and every kind of command output number.
NEWLY_KEYED = (
    "general_layer.scatter[1,1][2,2]", "transposed.stamp[0,1][0,2]",
    "transposed.delta_padded[1,1]", "stride.delta_dil_padded[2,2]",
    "dilation.delta_padded[2,2]", "bias_relu_pooling.tie_grad_naive[0,1]",
    "matrix_view.strided.stamp0[0,0]", "matrix_view.jacobian[0,0]", "batch_norm.z[1,1][0,0]",
    "channels.grad_x_term[0,0,1][0,0]", "shapes.correlation[0,0]",
    "worked_cli.seed.map1[0,0].a0", "worked_cli.seed.grad_input[2,2]",
    "worked_cli.json.kernels[0][1,0]", "worked_cli.json.exact.cost.q",
    "worked_cli.bad.short_row", "worked_cli.display_decimals",
    "worked_cli.description_chars", "worked_limits.SE_MAX_CHARS",
)


@pytest.mark.parametrize("key", NEWLY_KEYED)
def test_a_changed_oracle_value_is_reported(book, oracle, key):
    where = [(path, records) for path, records in printed_items(book)
             if any(record.key == key for record in records)]
    assert where, f"{key} is printed nowhere"
    path, records = where[0]
    assert audit_page(path, records, faithful(records), oracle) == []
    wrong = oracle[key] + 1
    problems = audit_page(path, records, faithful(records), {**oracle, key: wrong})
    assert problems and all(problem.endswith(f"({key})") for problem in problems)
    assert problems[0].split(", expected ")[1] == f"{format_number(wrong)} ({key})"


def test_a_wrong_generator_number_in_a_newly_keyed_figure_cell_is_caught(oracle):
    """The layer chapter's scatter panel drawn with one wrong cell: the oracle disagrees."""
    e = gl.example()
    term = e.scatter[0, 0].copy()
    term[0, 0] += 1  # the generator's mistake, drawn and recorded alike
    asset = figure_asset("t.svg", "t", [Panel("δ[0,0]·W", term[:3, :3].tolist(),
                                              key="general_layer.scatter[0,0]")])
    problems = audit_page("t.svg", asset.records, extract_figure_numbers(asset.content), oracle)
    assert problems == [f"t.svg: printed {format_number(term[0, 0])}, expected "
                        f"{format_number(e.scatter[0, 0][0, 0])} "
                        "(general_layer.scatter[0,0][0,0])"]


def test_a_wrong_generator_number_in_command_output_is_caught(oracle):
    """The seed's Stack Exchange text with its cost changed: shown as written, still wrong."""
    chain = worked_cli.seed_chain()
    keys = stackexchange_keys(chain, "worked_cli.seed")
    text = stackexchange(chain)
    cost = Fraction(chain.cost)
    marker = f"C = {format_number(cost)}"
    assert marker in text
    block = code_output(text.replace(marker, f"C = {format_number(cost + 1)}"), keys)
    problems = audit_page("p.html", block.records, extract_numbers(
        f"<article>{block.text}</article>"), oracle)
    assert problems == [f"p.html: printed {format_number(cost + 1)}, expected "
                        f"{format_number(cost)} (worked_cli.seed.cost)"]


def test_the_worked_keys_refuse_an_unmarked_number():
    """A digit typed into the worked text outside \\num{}/\\lit{}/a script fails the build."""
    from derivations.render import worked_format

    chain = worked_cli.seed_chain()
    original = worked_format.markdown
    try:
        worked_format.markdown = lambda c, key="worked": replace(
            original(c, key), text=original(c, key).text + "\nabout 7 more\n")
        with pytest.raises(ValueError, match="unmarked number"):
            stackexchange_keys(chain, "k")
    finally:
        worked_format.markdown = original


def test_the_help_keys_fail_when_a_limit_is_no_longer_found():
    with pytest.raises(ValueError, match="matches 0 times"):
        worked_cli.keys_by_pattern("no limits here: 3", worked_cli.HELP_QUANTITIES)
