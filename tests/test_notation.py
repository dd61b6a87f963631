"""One notation: every page prints only symbols of the table, each with its one meaning, says
which index base it uses, and numbers every display; the scanner behind it can fail."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import yaml
from notation_scan import BOUND, Use, math_of, page_uses, problems, uses

from derivations.notation import BY_KEY, NOTATION_PAGE, PAGES, SYMBOLS, base_sentence
from derivations.pages import gradient_check as gradient_check_page
from derivations.publish.book import build_book
from derivations.render.printed_numbers import format_number

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def generated_book():
    """Built on first use, not at import: every xdist worker imports this module to collect
    it, and only one runs it."""
    return build_book()


def markdown_of(path: str) -> str:
    """A page as the builder receives it: generated, or hand-written under docs/."""
    try:
        return generated_book().page(path).markdown
    except KeyError:
        return (ROOT / "docs" / path).read_text(encoding="utf-8")


def nav_pages() -> list[tuple[str, str]]:
    """(title, path) of every page in mkdocs.yml's nav, in reading order."""
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may hold !!python/name tags (Material's emoji options); the nav needs none.
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    found: list[tuple[str, str]] = []

    def walk(items):
        for item in items:
            for title, value in item.items():
                if isinstance(value, list):
                    walk(value)
                else:
                    found.append((title, value))

    walk(config["nav"])
    return found


def problems_in(latex: str) -> list[str]:
    return [p for use in uses(latex) for p in problems(use)]


# --- the table ---------------------------------------------------------------------------------


def test_every_key_belongs_to_exactly_one_row():
    keys = [key for symbol in SYMBOLS for key in symbol.keys]
    assert len(keys) == len(set(keys)) == len(BY_KEY)


def test_every_row_prints_its_own_symbol_without_a_problem():
    """The table's own 'shown' forms pass the checks the pages pass (no row contradicts itself)."""
    found = {p for symbol in SYMBOLS for p in problems_in(symbol.shown)}
    assert found == set()


def test_every_code_name_in_the_table_is_a_name_in_the_code():
    """The 'in the code' column maps symbols to names that exist (no invented identifiers)."""
    sources = " ".join(path.read_text(encoding="utf-8")
                       for path in (ROOT / "derivations").rglob("*.py")
                       if path.name != "notation.py")
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sources))
    named = {name for symbol in SYMBOLS for code in re.findall(r"`([^`]*)`", symbol.code)
             for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code)}
    assert named - words == set()


# --- the pages ---------------------------------------------------------------------------------


def test_the_registry_lists_every_page_of_the_nav_in_reading_order_with_its_title():
    assert [(page.title, path) for path, page in PAGES.items()] == nav_pages()


@pytest.mark.parametrize("path", list(PAGES))
def test_page_prints_exactly_the_symbols_registered_for_it(path):
    """A new symbol on a page, or one a page stopped using, must be registered deliberately."""
    printed = {use.key for use in page_uses(markdown_of(path))} - BOUND
    assert sorted(printed) == sorted(PAGES[path].symbols)


@pytest.mark.parametrize("path", list(PAGES))
def test_page_uses_every_symbol_with_its_one_meaning(path):
    """Every symbol is in the table and carries only the subscripts its meaning allows."""
    assert [p for use in page_uses(markdown_of(path)) for p in problems(use)] == []


@pytest.mark.parametrize("path", list(PAGES))
def test_inline_math_never_spans_a_line(path):
    """`$…$` across a line break is not rendered: the reader would see raw LaTeX."""
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown_of(path), flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"^[ \t]*\$\$.*?\$\$[ \t]*$", "", text, flags=re.MULTILINE | re.DOTALL)
    odd = [line for line in text.splitlines()
           if re.sub(r"`[^`]*`", "", line).replace(r"\$", "").count("$") % 2]
    assert odd == []


def test_the_notation_page_comes_before_the_first_page_that_leaves_the_questions_numbering():
    order = [path for _, path in nav_pages()]
    first_general = next(path for path in order if PAGES[path].base in ("zero", "both")
                         and path != NOTATION_PAGE)
    assert order.index(NOTATION_PAGE) < order.index(first_general)


# --- index bases ---------------------------------------------------------------------------------


def _running(use: Use) -> bool:
    """A use that names an entry by the question's one-based running number."""
    if use.subscript is None or use.key in BOUND:
        return False
    record = BY_KEY[use.key]
    one_slot = "," not in use.subscript
    return record.one_based or (one_slot and ((use.key == r"\delta" and use.superscript is not None)
                                              or use.key == "y"))


def _zero_based(use: Use) -> bool:
    """A use that names an entry by row and column (or channel), counted from zero."""
    if use.subscript is None or use.key in BOUND or BY_KEY[use.key].one_based:
        return False
    return "," in use.subscript or use.key == "b"


def inferred_base(path: str) -> str | None:
    """The base a page needs, read off the indices it prints (its base sentence left out)."""
    markdown = markdown_of(path)
    if PAGES[path].base is not None:
        markdown = markdown.replace(base_sentence(path), "")
    found = page_uses(markdown)
    running, zero = any(map(_running, found)), any(map(_zero_based, found))
    return {(True, True): "both", (True, False): "one", (False, True): "zero"}.get(
        (running, zero))


@pytest.mark.parametrize("path", list(PAGES))
def test_page_declares_the_index_base_its_indices_need(path):
    assert PAGES[path].base == inferred_base(path)


@pytest.mark.parametrize("path", [p for p, page in PAGES.items() if page.base is not None])
def test_page_states_its_index_base_and_links_the_rule(path):
    sentence = base_sentence(path)
    assert sentence in markdown_of(path)
    assert "notation.md#index-bases" in sentence


def test_the_bases_differ_and_the_rule_is_on_the_notation_page():
    assert len({base_sentence(p) for p in ("index.md", "general/stride.md", "general/layer.md")}
               ) == 3
    assert "{#index-bases}" in markdown_of(NOTATION_PAGE)


def test_the_first_switch_shows_the_mapping_from_running_numbers_to_rows_and_columns():
    """The conventions chapter, the first page with zero-based indices, lays i₁…i₉ beside
    X_{0,0}…X_{2,2}; the pairs follow k = 3a + c + 1 (written here from the rule)."""
    page = markdown_of("seed/conventions.md")
    first_zero = next(path for path, p in PAGES.items() if p.base in ("zero", "both")
                      and path != NOTATION_PAGE)
    assert first_zero == "seed/conventions.md"
    shown = re.search(r"\\begin\{pmatrix\}(i_\{1\}.*?)\\end\{pmatrix\} = "
                      r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", page)
    assert shown is not None
    names = re.findall(r"i_\{(\d)\}", shown.group(1))
    cells = re.findall(r"X_\{(\d),(\d)\}", shown.group(2))
    assert [int(k) for k in names] == [3 * int(a) + int(c) + 1 for a, c in cells]
    assert len(cells) == 9


# --- numbered displays -------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PAGES))
def test_every_display_equation_is_numbered(path):
    """Every display states a rule, a definition or a result, so every one can be cited."""
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown_of(path), flags=re.MULTILINE | re.DOTALL)
    displays = re.findall(r"^[ \t]*\$\$(.*?)\$\$[ \t]*$", text, flags=re.MULTILINE | re.DOTALL)
    assert [d.strip()[:60] for d in displays if r"\label{" not in d] == []


# --- claims computed, not typed ------------------------------------------------------------------


@pytest.mark.parametrize(("printed", "place"),
                         [("0.036", 2), ("0.001", 3), ("0.5", 1), ("-0.0025", 3)])
def test_first_digit_place_counts_decimal_places(printed, place):
    assert gradient_check_page._first_digit_place(printed) == place


def test_the_one_sided_errors_show_where_the_page_says():
    """The decimal place named for each weight, recomputed from the oracle's exact offsets."""
    from derivations.oracles import gradient_check as oracle

    values = oracle.quantities()
    ordinals = ("first", "second", "third", "fourth")
    page = markdown_of("general/gradient-checking.md")
    for r in range(2):
        for c in range(2):
            printed = format_number(values[f"gradient_check.forward_offset[{r},{c}]"])
            decimals = printed.partition(".")[2]
            place = len(decimals) - len(decimals.lstrip("0")) + 1
            weight = f"$w^1_{{{2 * r + c + 1}}}$"
            sentence = re.search(rf"in the {ordinals[place - 1]} decimal place for ([^.:]*?)"
                                 rf"(?:, and|\.)", page)
            assert sentence is not None and weight in sentence.group(1)
    assert "third\nand fourth decimal places" not in page


# --- the scanner can fail ------------------------------------------------------------------------


@pytest.mark.parametrize("latex", [
    r"M_X \times W_X",                 # the kernel's letter as a width
    r"C_{\text{in}}",                  # the cost's letter counting channels
    r"W_{o,c,m,l}",                    # a channel index o, a kernel column l
    r"X_{n,c,\,i+m,\,j+l}",            # n for an example, where the kernel column belongs
    r"\delta_k",                       # δ with a running number but no layer
    r"\sum_{i,j} \delta_{i,j}",        # the question's input letter as an output index
    r"i_{0}",                          # a running number counted from zero
    r"k_H \times k_W",                 # a running number's letter as a size
    r"\delta^{\text{tail}}",           # a label the table does not have
    r"R",                              # a letter the table does not have
])
def test_scanner_reports_a_symbol_used_with_another_meaning(latex):
    assert problems_in(latex) != []


@pytest.mark.parametrize("latex", [
    r"\frac{\partial C}{\partial X_{a,c}} = \sum_{u} \sum_{v} \delta_{u,v} W_{a-u,\,c-v}",
    r"W_{f,g,m,n} X_{e,g,u+m,v+n}", r"\delta^1_k", r"i_{3a+c+1}", r"X^{\text{pad}}_{a+p,c+p}",
    r"\delta_{a-M_W+1+m',\,c-N_W+1+n'}", r"O^{\ell-1}_{u+m,\,v+n}",
])
def test_scanner_accepts_the_book_notation(latex):
    assert problems_in(latex) == []


def test_math_of_skips_code_and_finds_inline_and_display_math():
    markdown = "a $x$ b\n\n```python\n$nope$\n```\n\n$$\ny = 1\n$$\n`$also not$`"
    assert sorted(math_of(markdown)) == ["\ny = 1\n", "x"]
