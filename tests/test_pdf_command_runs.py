"""`python -m derivations pdf` run by each test: the same site prints the same bytes again,
and every bad input, a Chromium that does not start and a page that asks another host are
refused in one line with nothing written.

Apart from tests/test_pdf_command.py (which reads the run's one print, conftest's
`book_pdf`) so that the second print runs on another worker while the first is read.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import commit_day, derivations_pdf, run_cli

pytestmark = pytest.mark.browser


def test_one_site_gives_one_pdf(chromium, built_site, tmp_path, request):
    again = tmp_path / "again.pdf"
    done = derivations_pdf("pdf", str(built_site), "--out", str(again))
    assert done.returncode == 0, done.stderr
    # Asked for only now: the run's first print may still be going on beside this one.
    book_pdf = request.getfixturevalue("book_pdf")
    assert again.read_bytes() == book_pdf.read_bytes()
    day = commit_day().replace("-", "")
    assert re.findall(rb"/CreationDate \(D:(\d{8})", again.read_bytes()) == [day.encode()]


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def nothing_written(folder: Path, before: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == before, "a file was left behind"


def test_bad_input_is_one_line_and_writes_nothing(built_site, tmp_path):
    """Each refusal comes before a browser starts, so the command runs in this process."""
    out = tmp_path / "book.pdf"
    refused(run_cli("pdf", str(tmp_path / "missing"), "--out", str(out)),
            "no such folder")
    not_a_site = tmp_path / "notasite"
    not_a_site.mkdir()
    refused(run_cli("pdf", str(not_a_site), "--out", str(out)), "has no index.html")
    (not_a_site / "index.html").write_text("<html><body>hello</body></html>", encoding="utf-8")
    refused(run_cli("pdf", str(not_a_site), "--out", str(out)), "no navigation")
    refused(run_cli("pdf", str(built_site), "--out", str(tmp_path / "no" / "b.pdf")),
            "--out", "cannot write there")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    refused(run_cli("pdf", str(built_site), "--out", str(blocker / "b.pdf")),
            "cannot write there")
    refused(run_cli("pdf", str(built_site), "--out", str(tmp_path)), "is a folder")
    no_chromium = str(tmp_path / "no-chromium")
    refused(run_cli("pdf", str(built_site), "--out", str(out), "--chromium", no_chromium),
            "--chromium", "no such file")
    # A fresh interpreter: Playwright is hidden before anything imports it.
    refused(derivations_pdf("pdf", str(built_site), "--out", str(out),
                            prelude="sys.modules['playwright'] = None"), "pip install -e '.[pdf]'")
    refused(run_cli("pdf", str(built_site)), "--out")
    nothing_written(tmp_path, {"notasite", "file"})


def test_a_chromium_that_does_not_start_is_one_line(chromium, built_site, tmp_path):
    out = tmp_path / "book.pdf"
    refused(derivations_pdf("pdf", str(built_site), "--out", str(out), "--chromium", "/bin/true"),
            "--chromium /bin/true: did not start")
    nothing_written(tmp_path, set())


def test_a_request_to_another_host_fails_the_pdf(chromium, site_copy, tmp_path):
    page = site_copy / "about" / "notation" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", '<img src="https://example.org/tracker.png" alt=""></article>', 1),
        encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    refused(derivations_pdf("pdf", str(site_copy), "--out", str(out / "book.pdf")),
            "asks another host for https://example.org/tracker.png")
    nothing_written(out, set())
