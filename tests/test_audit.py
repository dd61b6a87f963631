"""The audit on a real built site: clean passes; a changed, added or missing number fails."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from derivations.cli.main import main

pytestmark = pytest.mark.slow
PAGE = "seed/grad-w1/index.html"
MARKED = re.compile(r'(<mn class="num">)([^<]*)(</mn>)')


def audit(site: Path, capsys) -> tuple[int, list[str]]:
    code = main(["audit", str(site)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def test_clean_built_site_passes(built_site, capsys):
    code, lines = audit(built_site, capsys)
    assert code == 0, "\n".join(lines)
    assert lines[-1].endswith("clean")


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
