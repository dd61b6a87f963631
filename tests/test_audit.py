"""The audit on a real built site: clean passes; a changed, added or missing number fails."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from derivations import oracles
from derivations.cli.main import main
from derivations.publish import book

pytestmark = pytest.mark.slow
PAGE = "seed/grad-w1/index.html"
MARKED = re.compile(r'(<mn class="num">)([^<]*)(</mn>)')


@pytest.fixture(scope="module", autouse=True)
def _one_book_and_one_oracle():
    """The audits here differ only in the site they read: what they compare it with (the
    generators' records and the oracles' values, 2-3 s of sympy and page generation per
    audit) depends on the sources alone, so the module computes it once."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(oracles, "independent_values", functools.cache(oracles.independent_values))
        patch.setattr(book, "build_book", functools.cache(book.build_book))
        yield


def audit(site: Path, capsys) -> tuple[int, list[str]]:
    code = main(["audit", str(site)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def test_clean_built_site_passes(built_site, capsys):
    code, lines = audit(built_site, capsys)
    assert code == 0, "\n".join(lines)
    assert lines[-1].endswith("clean")


def test_every_number_on_the_built_site_is_checked_against_an_oracle(built_site, capsys):
    """None of the numbers the audit checks is compared with the generator alone."""
    code, lines = audit(built_site, capsys)
    assert code == 0, "\n".join(lines)
    summary = re.fullmatch(r"audit: \d+ pages, \d+ figures, (\d+) computed numbers checked "
                           r"\((\d+) against the generator only\): clean", lines[-1])
    assert summary, lines[-1]
    assert int(summary.group(1)) > 0
    assert summary.group(2) == "0", lines[-1]


def test_a_number_changed_after_the_build_is_reported(site_copy, capsys):
    page = site_copy / PAGE
    html = page.read_text(encoding="utf-8")
    first = MARKED.search(html)
    assert first, f"{PAGE} has no marked number to change"
    original = first.group(2)
    tampered = "12345"
    page.write_text(html[:first.start(2)] + tampered + html[first.end(2):], encoding="utf-8")
    code, lines = audit(site_copy, capsys)
    assert code == 1
    expected = original.replace("\u2212", "-")
    assert any(line.startswith(f"{PAGE}: printed {tampered}, expected {expected}")
               for line in lines), "\n".join(lines)


def test_a_hand_typed_number_in_the_body_is_unaccounted(site_copy, capsys):
    page = site_copy / PAGE
    html = page.read_text(encoding="utf-8")
    marker = '<h2 id="the-mistake">'
    assert marker in html
    page.write_text(html.replace(marker, "<p>The answer is 4321.</p>" + marker, 1),
                    encoding="utf-8")
    code, lines = audit(site_copy, capsys)
    assert code == 1
    assert f"{PAGE}: unaccounted number 4321" in lines


def test_missing_folder_exits_two_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "derivations", "audit",
                             str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert "no such folder" in result.stderr


def test_folder_without_index_html_exits_two(tmp_path, capsys):
    (tmp_path / "page.html").write_text("<article>1</article>", encoding="utf-8")
    code, lines = audit(tmp_path, capsys)
    assert code == 2
    assert len(lines) == 1 and "index.html" in lines[0]


FIGURE = "general/figures/padding-crop.svg"
DRAWN = re.compile(r'(<text[^>]*class="num"[^>]*>)([^<]*)(</text>)')
OUTPUT_PAGE = "tools/worked-cli/index.html"
OUTPUT_NUMBER = re.compile(r'(<pre class="code-output">.*?"cost": <span class="num">)([^<]*)(<)',
                           re.DOTALL)


def test_a_number_changed_in_a_built_figure_is_reported(site_copy, capsys):
    figure = site_copy / FIGURE
    svg = figure.read_text(encoding="utf-8")
    cells = list(DRAWN.finditer(svg))
    assert len(cells) > 3, f"{FIGURE} draws no numbers to change"
    third = cells[3]
    original = third.group(2).replace("\u2212", "-")
    figure.write_text(svg[:third.start(2)] + "12345" + svg[third.end(2):], encoding="utf-8")
    code, lines = audit(site_copy, capsys)
    assert code == 1
    # the fourth number drawn is row 0, column 3 of the padded gradient (first panel)
    assert [line for line in lines if line.startswith(FIGURE)] == [
        f"{FIGURE}: printed 12345, expected {original} (padding.grad_x_pad[0,3])"], \
        "\n".join(lines)


def test_a_number_removed_from_or_added_to_a_figure_is_reported(site_copy, capsys):
    figure = site_copy / FIGURE
    svg = figure.read_text(encoding="utf-8")
    first = DRAWN.search(svg)
    svg = svg[:first.start()] + svg[first.end():]
    figure.write_text(svg.replace("</g>", '<text x="1" y="1">777</text></g>'), encoding="utf-8")
    code, lines = audit(site_copy, capsys)
    assert code == 1
    assert f"{FIGURE}: unaccounted number 777" in lines
    assert any(line.startswith(f"{FIGURE}: computed number ") and "is not on the page" in line
               for line in lines), "\n".join(lines)


def test_a_deleted_figure_is_reported(site_copy, capsys):
    (site_copy / FIGURE).unlink()
    code, lines = audit(site_copy, capsys)
    assert code == 1
    assert f"{FIGURE}: generated figure is missing from the built site" in lines


def test_a_number_changed_in_command_output_is_reported(site_copy, capsys):
    page = site_copy / OUTPUT_PAGE
    html = page.read_text(encoding="utf-8")
    cost = OUTPUT_NUMBER.search(html)
    assert cost, f"{OUTPUT_PAGE} shows no marked JSON cost"
    original = cost.group(2)
    page.write_text(html[:cost.start(2)] + "12345" + html[cost.end(2):], encoding="utf-8")
    code, lines = audit(site_copy, capsys)
    assert code == 1
    problems = [line for line in lines if line.startswith(OUTPUT_PAGE)]
    assert len(problems) == 1, "\n".join(lines)
    assert problems[0].startswith(f"{OUTPUT_PAGE}: printed 12345, expected {original} (")
    assert problems[0].endswith("(worked_cli.json.cost)")


def test_a_figure_that_is_a_fifo_is_refused_with_exit_two(site_copy):
    import os

    (site_copy / FIGURE).unlink()
    os.mkfifo(site_copy / FIGURE)
    result = subprocess.run([sys.executable, "-m", "derivations", "audit", str(site_copy)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert FIGURE in line and "FIFO" in line
