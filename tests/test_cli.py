"""The CLI edge: help, one-line errors with exit code 2, and the pages export."""

import subprocess
import sys
from pathlib import Path

import pytest

from derivations.publish.book import build_book

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derivations", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_usage_error(result: subprocess.CompletedProcess, fragment: str):
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("audit", "pages"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(("nonsense",), "invalid choice"), ((), "required"), (("pages",), "--out")],
)
def test_bad_arguments_give_one_line_and_exit_code_2(args, fragment):
    assert_one_line_usage_error(run_cli(*args), fragment)


def test_pages_refuses_a_file_as_output_folder(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert_one_line_usage_error(run_cli("pages", "--out", str(target)), "not a folder")
    assert target.read_text() == "keep me"


def test_audit_refuses_what_is_not_a_built_site(tmp_path):
    assert_one_line_usage_error(run_cli("audit", str(tmp_path / "missing")), "no such folder")
    assert_one_line_usage_error(run_cli("audit", str(tmp_path)), "not a built site")


def test_pages_export_holds_exactly_the_generated_book_and_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert run_cli("pages", "--out", str(out)).returncode == 0
    exported = {p.relative_to(first).as_posix(): p.read_bytes()
                for p in first.rglob("*") if p.is_file()}
    again = {p.relative_to(second).as_posix(): p.read_bytes()
             for p in second.rglob("*") if p.is_file()}
    assert exported == again
    book = build_book()
    assert exported == {item.path: item.content.encode() for item in book.files()}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("args", [("seed",), ("worked", "--format", "stackexchange"),
                                  ("grad", "-")])
def test_a_full_disk_on_standard_output_is_one_line_not_a_traceback(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "derivations", *args], cwd=REPO,
                                input='{"input": [[1]], "weight": [[1]]}', stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("error: standard output: cannot write: No space left on device; "
                             "the output is incomplete\n")


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`grad big.json | head -1`: the reader stopped; no message, status 0."""
    request = tmp_path / "big.json"
    # about a megabyte of output: far more than a pipe holds, so the write really fails
    request.write_text('{"input": [' + ", ".join(["[" + ", ".join(["1"] * 300) + "]"] * 300)
                       + '], "weight": [[1]]}')
    process = subprocess.Popen([sys.executable, "-m", "derivations", "grad", str(request)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with process, process.stderr:
        process.stdout.readline()
        process.stdout.close()
        assert process.wait(timeout=120) == 0
        assert process.stderr.read() == b""
