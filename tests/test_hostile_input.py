"""Every command keeps its contract under hostile input (issue 11).

The contract: exit 0 (1 for audit problems) or exit 2 with exactly one line on stderr of
at most 200 characters and no control characters, never a traceback, within bounded time
and memory, and with the file system as it was (nothing half-written, nothing replaced).

Each case runs the command in a forked child of this test process: the imports are
already warm, so a case costs milliseconds rather than an interpreter start, yet the
child has real file descriptors (a closed stdin, /dev/full as stdout), an address-space
limit, and is killed at a deadline, so a regression that hangs on a FIFO or reads
/dev/zero fails here instead of stalling CI. The parent measures the child's CPU time and
peak resident memory (wait4) and compares the watched folder before and after. Two cases
run as real `python -m derivations` processes, where the interpreter's own flush at exit
is part of what is tested. The JSON request parser and the matrix syntax are fuzzed
in-process with hypothesis.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.cli.main import main
from derivations.cli.messages import MAX_LINE

REPO = Path(__file__).resolve().parents[1]
DEADLINE = 20.0  # wall seconds before a child counts as hung and is killed
REFUSAL_CPU = 1.0  # the issue: refused in under a second
SMALL_MEMORY = 64 * 2**20  # growth of the child's peak RSS over the parent's, in bytes
LARGE_MEMORY = 256 * 2**20  # for inputs of tens of MiB: a few copies of the text at most
OK_REQUEST = b'{"input": [[1, 2, 3], [4, 5, 6]], "weight": [[1, -1]]}'
OK_NETWORK = b'{"input": [[1, 2], [3, 4]], "layers": [{"type": "conv", "weight": [[1]]}], ' \
    b'"target": 0}'
SITE_INDEX = '<html><body><article><h1 id="top">Top</h1><p>1</p></article></body></html>'


# ---- the harness ------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def warm_imports():
    """Import here, once, what the commands import lazily: a forked child then starts warm
    (a case costs ~50 ms instead of ~0.4 s) and its CPU time is the command's own."""
    import yaml  # noqa: F401

    import derivations.audit.compare
    import derivations.audit.page_html
    import derivations.cli.conv2d_request
    import derivations.cli.worked_network
    import derivations.mathematics.conv2d
    import derivations.mathematics.seed
    import derivations.mathematics.worked
    import derivations.publish.export_project  # noqa: F401
    from derivations.cli.main import build_parser

    build_parser()


@pytest.fixture(scope="module")
def book():
    """The book built once here, so a child that reaches build_book finds it cached."""
    from derivations.publish.book import build_book

    return build_book()


@dataclass
class Outcome:
    code: int
    out: bytes
    err: bytes
    cpu: float  # seconds of user + system time of the child
    growth: int  # bytes of peak RSS beyond the parent's at the fork

    def __str__(self):
        return (f"exit {self.code}, {self.cpu:.2f} s CPU, +{self.growth / 2**20:.0f} MB, "
                f"stdout {self.out[:200]!r}, stderr {self.err[-2000:]!r}")


def _resident_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _address_space() -> int:
    return int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(argv, stdin, stdout, out_path, err_path, prepare) -> None:
    """In the fork: set up fds 0-2 as a shell would, run main, exit with its code."""
    code = 70
    try:
        # A safety net, not the measure: a runaway allocation fails instead of swapping.
        limit = _address_space() + 2 * 2**30
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(err_fd, 2)
        if stdin is None:
            os.close(0)
        else:
            os.dup2(os.open(stdin, os.O_RDONLY), 0)
        if stdout is None:
            os.close(1)
        else:
            os.dup2(os.open(stdout or out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        # As the interpreter does at start-up: no stream object for a closed descriptor.
        sys.stdin = None if stdin is None else open(0, encoding="utf-8", closefd=False)
        sys.stdout = None if stdout is None else open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        if prepare is not None:
            prepare()
        code = main(argv)
        if sys.stdout is not None:
            try:
                sys.stdout.flush()  # the interpreter's flush at exit
            except Exception:
                code = 120  # what Python exits with when that flush fails
        sys.stderr.flush()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # the contract is broken: show how
        with contextlib.suppress(Exception):
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
        code = 70
    finally:
        os._exit(code)


def run(argv, *, stdin: str | Path | None = os.devnull, stdout: str | None = "",
        prepare=None) -> Outcome:
    """Run `python -m derivations *argv` in a forked child; stdin/stdout None = closed,
    stdout "" = captured, else a path such as /dev/full."""
    with tempfile.TemporaryDirectory() as scratch:
        out_path, err_path = os.path.join(scratch, "out"), os.path.join(scratch, "err")
        baseline = _resident_bytes()
        with warnings.catch_warnings():  # Python 3.12 warns about fork with threads alive
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _child(list(argv), None if stdin is None else str(stdin), stdout, out_path,
                   err_path, prepare)
        started = time.monotonic()
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - started > DEADLINE:
                os.kill(pid, signal.SIGKILL)
                os.wait4(pid, 0)
                pytest.fail(f"{argv}: still running after {DEADLINE} s (a hang)")
            time.sleep(0.002)
        out = Path(out_path).read_bytes() if os.path.exists(out_path) else b""
        err = Path(err_path).read_bytes() if os.path.exists(err_path) else b""
    return Outcome(os.waitstatus_to_exitcode(status), out, err,
                   usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 - baseline)


def assert_one_line(err: bytes, fragment: str = "") -> str:
    text = err.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, repr(text[-2000:])
    line = text[:-1]
    assert line.startswith("error: "), line
    assert len(line) <= MAX_LINE, (len(line), line)
    assert not [ch for ch in line if unicodedata.category(ch)[0] == "C"], line
    assert "Traceback" not in line
    assert fragment in line, line
    return line


def assert_refused(outcome: Outcome, fragment: str = "", *, cpu: float = REFUSAL_CPU,
                   memory: int = SMALL_MEMORY) -> str:
    assert outcome.code == 2, str(outcome)
    assert outcome.out == b"", str(outcome)
    line = assert_one_line(outcome.err, fragment)
    assert outcome.cpu < cpu, str(outcome)
    assert outcome.growth < memory, str(outcome)
    return line


def snapshot(folder: Path) -> dict:
    """Everything under folder as it stands: kinds, modes, sizes, contents, link targets."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            entry = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_size)
            if stat.S_ISLNK(info.st_mode):
                entry += (os.readlink(path),)
            elif stat.S_ISREG(info.st_mode) and info.st_size <= 2**20:
                entry += (Path(path).read_bytes(),)
            elif stat.S_ISREG(info.st_mode):
                entry += (info.st_mtime_ns,)  # sparse giants: not read
            found[os.path.relpath(path, folder)] = entry
    return found


@pytest.fixture
def untouched(tmp_path):
    """tmp_path, checked after the test to hold exactly what it held when the test began
    the run (call `untouched.freeze()` once the case is set up)."""

    class Watch:
        before: dict | None = None

        def freeze(self):
            self.before = snapshot(tmp_path)

    watch = Watch()
    yield watch
    assert watch.before is not None, "the test never froze its folder"
    assert snapshot(tmp_path) == watch.before
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)  # /dev/null is still a device


def make_site(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(SITE_INDEX, encoding="utf-8")
    (folder / "network.json").write_bytes(OK_NETWORK)  # what `worked --network` reads
    return folder


# ---- grad: the JSON request -------------------------------------------------------------

# 32 MiB of what json.loads would build millions of objects from (a few bytes short of the
# limit, so the size check does not stop them first).
JUST_UNDER_32_MIB = 32 * 2**20 - 64


def _filled(head: bytes, unit: bytes, tail: bytes) -> bytes:
    return head + unit * ((JUST_UNDER_32_MIB - len(head) - len(tail)) // len(unit)) + tail


GRAD_REQUESTS = {
    # classes of issue 11
    "finite entries whose output overflows": (
        b'{"input": [[1e308, 1e308]], "weight": [[1, 1]]}', "output[0][0]: overflows"),
    "a gradient that overflows": (
        b'{"input": [[1e200]], "weight": [[1e-200]], "grad_output": [[1e200]]}',
        "grad_weight[0][0]: overflows"),
    "an entry of 5000 digits": (
        b'{"input": [[1, ' + b"9" * 5000 + b']], "weight": [[1]]}', "input[0][1]"),
    "a stride of 5000 digits": (
        b'{"input": [[1]], "weight": [[1]], "stride": ' + b"9" * 5000 + b"}", "stride"),
    "stride 2^59, 1x1 kernel": (
        b'{"input": [[1, 2]], "weight": [[1]], "stride": ' + str(2**59).encode() + b"}",
        "stride"),
    "dilation 2^63 as a pair": (
        b'{"input": [[1, 2]], "weight": [[1]], "dilation": [1, ' + str(2**63).encode()
        + b"]}", "dilation[1]"),
    "padding that asks for 12.8 GB": (
        b'{"input": [[1]], "weight": [[1]], "padding": 20000, "stride": 20000}',
        "padded input entries"),
    "a key with a newline and a terminal escape": (
        b'{"input": [[1]], "weight": [[1]], "a\\nb\\u001b[31mred": 1}', r'"a\nb\x1b[31mred"'),
    "a key of 200,000 characters": (
        b'{"' + b"k" * 200_000 + b'": 1}', "unknown key"),
    "a string entry of 100,000 characters": (
        b'{"input": [["' + b"x" * 100_000 + b'"]], "weight": [[1]]}', "input[0][0]"),
    # classes already handled before issue 11
    "deep nesting": (b'{"input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
    "NaN": (b'{"input": [[1, NaN]], "weight": [[1]]}', "input[0][1]: NaN"),
    "-Infinity": (b'{"input": [[-Infinity]], "weight": [[1]]}', "input[0][0]: -Infinity"),
    "a literal beyond float64": (b'{"input": [[1e999]], "weight": [[1]]}', "input[0][0]"),
    "unicode digits": ('{"input": [[\u0661]], "weight": [[1]]}'.encode(), "not JSON"),
    "fullwidth digits in a string": (
        '{"input": [[1]], "weight": [[1]], "stride": "\uff12"}'.encode(), "stride"),
    "a UTF-16 byte order mark": (b"\xff\xfe{\x00}\x00", "not UTF-8"),
    "duplicate keys": (b'{"input": [[1]], "weight": [[1]], "input": [[2]]}', "twice"),
    "empty": (b"", "empty input"),
}
LARGE_REQUESTS = {
    "32 MiB of unknown keys": (_filled(b"{", b'"k":1,', b'"z":1}'), "quote marks"),
    "32 MiB of empty objects": (_filled(b'{"input": [', b"{},", b"{}]}"), "objects"),
    "32 MiB of one-entry rows": (_filled(b'{"input": [', b"[0],", b"[0]]}"), "lists"),
    "32 MiB of zeros": (_filled(b'{"input": [', b"0,", b"0]}"), "values"),
    "32 MiB of one string": (_filled(b'{"weight": [[1]], "input": "', b"x", b'"}'),
                             "the string"),
}


@pytest.mark.parametrize("name", list(GRAD_REQUESTS))
def test_grad_refuses_a_hostile_request(name, tmp_path, untouched):
    text, fragment = GRAD_REQUESTS[name]
    (tmp_path / "request.json").write_bytes(text)
    untouched.freeze()
    assert_refused(run(["grad", str(tmp_path / "request.json")]), fragment)


@pytest.mark.parametrize("name", list(LARGE_REQUESTS))
def test_grad_refuses_32_mib_of_structure_fast_and_small(name, tmp_path, untouched):
    """json.loads of these took 4-8 s and up to 850 MB before anything was checked."""
    text, fragment = LARGE_REQUESTS[name]
    (tmp_path / "request.json").write_bytes(text)
    untouched.freeze()
    assert_refused(run(["grad", "-"], stdin=tmp_path / "request.json"), fragment,
                   memory=LARGE_MEMORY)


def test_grad_reads_a_byte_order_mark_and_computes_underflow_as_zero(tmp_path, untouched):
    (tmp_path / "request.json").write_bytes(
        b'\xef\xbb\xbf{"input": [[1e-200, 3]], "weight": [[1e-200]]}')
    untouched.freeze()
    outcome = run(["grad", str(tmp_path / "request.json")])
    assert (outcome.code, outcome.err) == (0, b""), str(outcome)
    assert json.loads(outcome.out)["output"] == [[0, 3e-200]]


def test_grad_answers_the_largest_request_in_bounded_time_and_memory(tmp_path, untouched):
    """250,000 entries in, 250,000 out: the limits' own worst case, answered."""
    rows = "[" + ",".join(["0.123456789012345"] * 500) + "]"
    (tmp_path / "request.json").write_text(
        '{"input": [' + ",".join([rows] * 500) + '], "weight": [[0.5]], "grad_output": ['
        + ",".join([rows] * 500) + "]}")
    untouched.freeze()
    outcome = run(["grad", str(tmp_path / "request.json")])
    assert (outcome.code, outcome.err) == (0, b""), str(outcome)
    assert outcome.cpu < 6.0 and outcome.growth < LARGE_MEMORY, str(outcome)
    assert len(json.loads(outcome.out)["grad_input"]) == 500


# ---- every command that reads a file: what can stand at a path ---------------------------

def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _symlink_to(target: str):
    def make(path: Path) -> Path:
        path.symlink_to(target)
        return path
    return make


def _sparse(size: int):
    def make(path: Path) -> Path:
        with open(path, "wb") as handle:
            handle.truncate(size)  # no blocks written: a giant that costs nothing
        return path
    return make


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _not_utf8(path: Path) -> Path:
    path.write_bytes(b"\xff\xfe\x00<article>\x80</article>")
    return path


INPUT_KINDS = {
    "a FIFO": (_fifo, "FIFO"),
    "a symlink to /dev/zero": (_symlink_to("/dev/zero"), "device"),
    "a folder": (_folder, "folder"),
    "a broken symlink": (_symlink_to("nowhere"), "broken symlink"),
    "not UTF-8": (_not_utf8, "UTF-8"),
    "a sparse 1 GiB file": (_sparse(2**30), "larger than"),
}


@pytest.mark.parametrize("kind", list(INPUT_KINDS))
def test_grad_file_that_is_not_a_small_regular_file(kind, tmp_path, untouched):
    make, fragment = INPUT_KINDS[kind]
    path = make(tmp_path / "request.json")
    untouched.freeze()
    assert_refused(run(["grad", str(path)]), fragment)


@pytest.mark.parametrize("kind", list(INPUT_KINDS))
def test_pages_config_that_is_not_a_small_regular_file(kind, tmp_path, untouched):
    make, fragment = INPUT_KINDS[kind]
    path = make(tmp_path / "mkdocs.yml")
    untouched.freeze()
    assert_refused(run(["pages", "--project", str(tmp_path / "book"), "--config", str(path)]),
                   fragment)


@pytest.mark.parametrize("command", ["audit", "anchors"])
@pytest.mark.parametrize("kind", [*INPUT_KINDS, "a symlink out of the site",
                                  "a sparse 20 MB page"])
def test_site_page_that_is_not_a_small_regular_file(command, kind, tmp_path, untouched):
    """A FIFO named p.html hung forever; /dev/zero exhausted the machine's memory."""
    site = make_site(tmp_path / "site")
    page = site / "deeper" / "p.html"
    page.parent.mkdir()
    if kind == "a symlink out of the site":
        (tmp_path / "secret.html").write_text("<article>42</article>")
        page.symlink_to(tmp_path / "secret.html")
        fragment = "outside the site"
    elif kind == "a sparse 20 MB page":
        _sparse(20 * 10**6)(page)
        fragment = "larger than 2 MiB"
    else:
        make, fragment = INPUT_KINDS[kind]
        make(page)
        if kind == "a symlink to /dev/zero":
            fragment = "outside the site"  # refused before its kind is even looked at
    if kind == "a folder":  # a folder named p.html is walked as a folder, not read
        (page / "index.html").write_text(SITE_INDEX)
        command = "anchors"  # the same walk as audit's, without building the whole book
    untouched.freeze()
    outcome = run([command, str(site)])
    if kind == "a folder":
        assert (outcome.code, outcome.err) == (0, b""), str(outcome)
        assert b"/deeper/p.html/#top" in outcome.out
        return
    line = assert_refused(outcome, fragment)
    assert "deeper/p.html" in line


@pytest.mark.parametrize("command", ["audit", "anchors"])
def test_site_dir_that_cannot_be_a_site(command, tmp_path, untouched):
    (tmp_path / "file").write_text("x")
    untouched.freeze()
    assert_refused(run([command, "a" * 5000]), "File name too long")
    assert_refused(run([command, str(tmp_path / "file")]), "a regular file, not a folder")
    assert_refused(run([command, str(tmp_path / "missing")]), "no such folder")
    assert_refused(run([command, "/dev/zero"]), "device")


@pytest.mark.parametrize("name", ["unclosed tag", "nested divs", "'<a' repeated"])
def test_anchors_reads_two_mib_of_hostile_html_in_seconds(name, tmp_path, untouched):
    """20 MB with an unclosed tag took 20-27 s and 4.3 GB; 4 MB of nested <div>s 10 s."""
    body = {"unclosed tag": "<div class='" + "a" * 2_000_000,
            "nested divs": "<div>" * 400_000,
            "'<a' repeated": "<a" * 1_000_000}[name]
    site = make_site(tmp_path / "site")
    (site / "hostile.html").write_text(f'<article><h2 id="x">X</h2>{body}')
    untouched.freeze()
    outcome = run(["anchors", str(site)])
    assert (outcome.code, outcome.err) == (0, b""), str(outcome)
    assert b"/hostile.html#x\n" in outcome.out
    assert outcome.cpu < 4.0 and outcome.growth < LARGE_MEMORY, str(outcome)


@pytest.mark.parametrize("kind", list(INPUT_KINDS))
def test_worked_network_file_that_is_not_a_small_regular_file(kind, tmp_path, untouched):
    make, fragment = INPUT_KINDS[kind]
    path = make(tmp_path / "network.json")
    untouched.freeze()
    assert_refused(run(["worked", "--network", str(path)]), fragment)


# ---- worked --network: the JSON description -------------------------------------------------

def _network(extra: str = "") -> bytes:
    return ('{"input": [[1, 2], [3, 4]], "layers": [{"type": "conv", "weight": [[1]]}], '
            '"target": 0' + extra + "}").encode()


NETWORK_DESCRIPTIONS = {
    "deep nesting within the size limit": (
        b'{"input": ' + b"[" * 49_000 + b"]" * 49_000 + b"}", "nested too deeply"),
    "a key with a newline and a terminal escape": (
        _network(', "a\\nb\\u001b[31mred": 1'), r'unknown key "a\nb\u001b[31mred"'),
    "a key of 90,000 characters": (_network(', "' + "k" * 90_000 + '": 1'), "allowed keys"),
    "a stride of 5000 digits": (
        b'{"input": [[1]], "layers": [{"type": "conv", "weight": [[1]], "stride": '
        + b"9" * 5000 + b'}], "target": 0}', "far too large"),
    "an entry of 5000 digits": (
        b'{"input": [[' + b"1" * 5000 + b']], "layers": [{"type": "relu"}], "target": 0}',
        "at most 6 digits"),
    "a float literal beyond float64": (
        b'{"input": [[1e999]], "layers": [{"type": "relu"}], "target": 0}', "input[0][0]"),
    "NaN": (b'{"input": [[1, NaN]]}', "NaN is not a finite number"),
    "24,000 rows": (
        b'{"input": [' + b",".join([b"[0]"] * 24_000) + b'], "layers": [{"type": "relu"}], '
        b'"target": 0}', "at most 12"),
    "duplicate keys": (_network(', "target": 1'), "appears twice"),
    "more than 100,000 characters": (_network(" " * 100_000), "longer than 100000 characters"),
}


@pytest.mark.parametrize("name", list(NETWORK_DESCRIPTIONS))
def test_worked_network_refuses_a_hostile_description(name, tmp_path, untouched):
    text, fragment = NETWORK_DESCRIPTIONS[name]
    (tmp_path / "network.json").write_bytes(text)
    untouched.freeze()
    assert_refused(run(["worked", "--network", "-"], stdin=tmp_path / "network.json"),
                   fragment)
    assert_refused(run(["worked", "--network", str(tmp_path / "network.json")]), fragment)


def test_worked_network_stdin_closed_or_endless_is_one_line(untouched):
    untouched.freeze()
    assert_refused(run(["worked", "--network", "-"], stdin=None), "standard input is closed")
    assert_refused(run(["worked", "--network", "-"], stdin="/dev/zero"), "larger than")


# ---- every command that writes: what can stand at the target -----------------------------

def _writers(site: Path, target: str) -> dict[str, list[str]]:
    return {
        "worked --out": ["worked", "--out", target],
        "worked --network --out": ["worked", "--network", str(site / "network.json"), "--out",
                                   target],
        "anchors --write": ["anchors", str(site), "--write", target],
        "pages --out": ["pages", "--out", target],
        "pages --project": ["pages", "--project", target, "--config",
                            str(REPO / "mkdocs.yml")],
    }


TARGETS = {
    "a symlink": ("link", "symlink"),
    "a FIFO": ("fifo", "FIFO"),
    "/dev/null": (os.devnull, "device"),
    "an empty path": ("", "empty path"),
    "a file name too long": ("x" * 300, "too long"),
    "a missing folder": ("missing/x", "does not exist"),
}


@pytest.mark.parametrize("writer", ["worked --out", "worked --network --out",
                                    "anchors --write", "pages --out", "pages --project"])
@pytest.mark.parametrize("target", list(TARGETS))
def test_a_target_that_is_not_a_regular_file_or_folder_is_refused(writer, target, tmp_path,
                                                                     untouched):
    site = make_site(tmp_path / "site")
    (tmp_path / "kept").write_text("previous content")
    (tmp_path / "link").symlink_to(tmp_path / "kept")
    os.mkfifo(tmp_path / "fifo")
    name, fragment = TARGETS[target]
    path = name if name in ("", os.devnull) else str(tmp_path / name)
    untouched.freeze()
    assert_refused(run(_writers(site, path)[writer]), fragment, cpu=2.0)


@pytest.mark.parametrize("writer", ["worked --out", "worked --network --out",
                                    "anchors --write"])
def test_a_folder_as_file_target_is_refused(writer, tmp_path, untouched):
    site = make_site(tmp_path / "site")
    untouched.freeze()
    assert_refused(run(_writers(site, str(tmp_path))[writer]), "is a folder")


@pytest.mark.parametrize("writer", ["pages --out", "pages --project"])
def test_a_file_or_a_folder_of_other_files_as_folder_target_is_refused(writer, tmp_path,
                                                                        untouched, book):
    """pages --out replaces its folder whole: a folder holding anything else is refused."""
    site = make_site(tmp_path / "site")
    (tmp_path / "file").write_text("previous content")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    untouched.freeze()
    assert_refused(run(_writers(site, str(tmp_path / "file"))[writer]), "not a folder",
                   cpu=2.0)
    assert_refused(run(_writers(site, str(tmp_path / "used"))[writer]), "notes.txt"
                   if writer == "pages --out" else "not an empty folder", cpu=4.0)


def _fail_on_fsync():
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    os.fsync = full


def _fail_on_twentieth_write():
    """A disk that fills up halfway through an export (pages writes ~40 files)."""
    original, calls = Path.write_text, [0]

    def write_text(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 20:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(self, *args, **kwargs)
    Path.write_text = write_text


def _read_only_folder():
    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))
    tempfile.mkstemp = refuse
    tempfile.mkdtemp = refuse


@pytest.mark.parametrize("fault", ["full disk", "read-only file system"])
@pytest.mark.parametrize("writer", ["worked --out", "worked --network --out",
                                    "anchors --write", "pages --out"])
def test_a_failed_write_leaves_the_previous_content_and_no_temporary_file(writer, fault,
                                                                         tmp_path, untouched,
                                                                         book):
    """As root, a read-only folder or a full disk cannot be made for real: the failures
    are injected into the child where the writing code meets the operating system."""
    site = make_site(tmp_path / "site")
    target = tmp_path / "target"
    assert main(_writers(site, str(target))[writer]) == 0  # the previous, complete content
    untouched.freeze()
    prepare = {"full disk": (_fail_on_twentieth_write if writer == "pages --out"
                             else _fail_on_fsync),
               "read-only file system": _read_only_folder}[fault]
    words = {"full disk": "No space left", "read-only file system": "Read-only"}[fault]
    assert_refused(run(_writers(site, str(target))[writer], prepare=prepare), words, cpu=4.0)


# ---- pages --project: the configuration ----------------------------------------------------

CONFIGS = {
    "docs_dir: 5": ("docs_dir: 5\n", "docs_dir: got the int 5"),
    "theme: {custom_dir: 7}": ("theme: {custom_dir: 7}\n", "theme.custom_dir"),
    "markdown_extensions: 5": ("markdown_extensions: 5\n", "markdown_extensions"),
    "snippets base_path: 5": ("markdown_extensions: [{pymdownx.snippets: {base_path: 5}}]\n",
                              "base_path"),
    "a YAML tag": ("hooks: !!python/name:os.system\n", "YAML tag"),
    "a billion laughs": ("a: &a [1, 1]\nb: &b [*a, *a]\nc: [*b, *b]\n", "alias"),
    "deep nesting": ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
    "not a mapping": ("- 1\n", "no mapping"),
    "malformed": ("a: [1\n", "not readable as YAML"),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_pages_project_refuses_a_malformed_config(name, tmp_path, untouched):
    text, fragment = CONFIGS[name]
    (tmp_path / "mkdocs.yml").write_text(text)
    (tmp_path / "docs").mkdir()
    untouched.freeze()
    assert_refused(run(["pages", "--project", str(tmp_path / "book"), "--config",
                        str(tmp_path / "mkdocs.yml")]), fragment)


def test_pages_project_refuses_a_fifo_in_docs_and_leaves_nothing(tmp_path, untouched, book):
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    (tmp_path / "docs").mkdir()
    os.mkfifo(tmp_path / "docs" / "pipe.md")
    (tmp_path / "docs" / "zero.md").symlink_to("/dev/zero")
    untouched.freeze()
    assert_refused(run(["pages", "--project", str(tmp_path / "book"), "--config",
                        str(tmp_path / "mkdocs.yml")]), "not a regular file", cpu=4.0)


# ---- worked: the matrix values ------------------------------------------------------------

@pytest.mark.parametrize("value", ["1" * 100_000, "x" * 100_000, "\x1b[31m" * 10_000,
                                   "1 " * 10_000, "1;" * 10_000, "\u200b" * 50_000])
def test_worked_cuts_a_huge_value_and_keeps_what_is_allowed(value, tmp_path, untouched):
    """An entry of 100,000 characters was echoed whole in the error line."""
    untouched.freeze()
    line = assert_refused(run(["worked", "--input", value, "--kernel", "1", "--target", "0"]))
    assert "input" in line and "…" not in line[-30:], line  # the message's end survives


# ---- streams ---------------------------------------------------------------------------------

STREAM_COMMANDS = {
    "seed": ["seed"],
    "worked": ["worked", "--format", "stackexchange"],
    "grad": ["grad", "-"],
    "anchors": ["anchors", "SITE"],
    "help": ["grad", "--help"],
}


@pytest.mark.parametrize("stdout", ["closed", "/dev/full"])
@pytest.mark.parametrize("command", list(STREAM_COMMANDS))
def test_an_output_that_cannot_be_written_is_one_line(command, stdout, tmp_path, untouched):
    site = make_site(tmp_path / "site")
    (tmp_path / "request.json").write_bytes(OK_REQUEST)
    argv = [str(site) if arg == "SITE" else arg for arg in STREAM_COMMANDS[command]]
    untouched.freeze()
    outcome = run(argv, stdin=tmp_path / "request.json",
                  stdout=None if stdout == "closed" else "/dev/full")
    reason = "Bad file descriptor" if stdout == "closed" else "No space left on device"
    assert_refused(outcome, f"standard output: cannot write: {reason}")


def test_a_closed_stdin_is_one_line(tmp_path, untouched):
    untouched.freeze()
    assert_refused(run(["grad", "-"], stdin=None), "standard input is closed")


def test_stdin_from_dev_zero_is_refused_after_32_mib(untouched):
    untouched.freeze()
    assert_refused(run(["grad", "-"], stdin="/dev/zero"), "larger than 32 MiB",
                   memory=LARGE_MEMORY)


@pytest.mark.parametrize(("args", "redirect", "reason"), [
    (["seed"], ">&-", "Bad file descriptor"),
    (["grad", "--help"], ">/dev/full", "No space left on device"),
])
def test_a_real_process_with_a_bad_stdout_prints_one_line(args, redirect, reason):
    """The interpreter's own start-up and flush at exit are part of this one."""
    done = subprocess.run(["sh", "-c", f'exec "$0" -m derivations "$@" {redirect}',
                           sys.executable, *args], cwd=REPO, stderr=subprocess.PIPE,
                          text=True, timeout=60)
    assert (done.returncode, done.stderr) == (
        2, f"error: standard output: cannot write: {reason}; the output is incomplete\n")


# ---- in-process: a bug still keeps the contract ---------------------------------------------

def test_an_internal_error_is_one_line_naming_where(monkeypatch, capsys):
    from derivations.cli.commands import seed

    def broken():
        raise KeyError("x\n\x1b[0m" * 100)
    monkeypatch.setattr(seed, "results", broken)
    assert main(["seed"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    line = assert_one_line(captured.err.encode(), "internal error, please report it")
    assert "KeyError at test_hostile_input.py:" in line


# ---- fuzzing --------------------------------------------------------------------------------

@contextlib.contextmanager
def streams(stdin: bytes = b""):
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        yield sys.stdout, sys.stderr
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def assert_contract(code: int, out: str, err: str) -> None:
    assert code in (0, 2), (code, err)
    if code == 2:
        assert out == ""
        assert_one_line(err.encode())
    else:
        assert err == "" or err.startswith("note: ")


NUMBERS = st.one_of(
    st.integers(-10, 10), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, 2**53 + 1, 10**400, 0.5]),
)
SMALL_INTS = st.one_of(st.integers(0, 3), st.integers(), st.sampled_from([2**59, 2**63]))


def _grids(elements, max_side=4, ndims=(2, 4)):
    def grid(shape):
        if len(shape) == 1:
            return st.lists(elements, min_size=shape[0], max_size=shape[0])
        return st.lists(grid(shape[1:]), min_size=shape[0], max_size=shape[0])
    shapes = st.sampled_from(ndims).flatmap(
        lambda n: st.lists(st.integers(1, max_side), min_size=n, max_size=n))
    return shapes.flatmap(grid)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)
REQUESTS = st.fixed_dictionaries(
    {"input": _grids(NUMBERS), "weight": _grids(NUMBERS, max_side=2)},
    optional={"bias": st.lists(NUMBERS, min_size=1, max_size=2),
              "stride": SMALL_INTS | st.lists(SMALL_INTS, max_size=3),
              "padding": SMALL_INTS, "dilation": SMALL_INTS,
              "grad_output": _grids(NUMBERS, max_side=3),
              "extra": JSON_VALUES})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(REQUESTS.map(lambda r: json.dumps(r).encode()),
                 JSON_VALUES.map(lambda v: json.dumps(v).encode()),
                 st.binary(max_size=64),
                 st.text(max_size=64).map(str.encode)))
def test_fuzzed_json_requests_exit_0_or_2(text):
    with streams(text) as (out, err):
        code = main(["grad", "-"])
    assert_contract(code, out.getvalue(), err.getvalue())
    if code == 0:
        json.loads(out.getvalue(), parse_constant=lambda c: pytest.fail(f"printed {c}"))


LAYERS = st.fixed_dictionaries(
    {"type": st.sampled_from(["conv", "relu", "maxpool", "avgpool", "pool"])},
    optional={"weight": _grids(NUMBERS, max_side=2), "bias": st.lists(NUMBERS, max_size=2),
              "stride": SMALL_INTS | st.lists(SMALL_INTS, max_size=3), "padding": SMALL_INTS,
              "dilation": SMALL_INTS, "kernel": SMALL_INTS, "extra": JSON_VALUES})
NETWORKS = st.fixed_dictionaries(
    {"input": _grids(NUMBERS, max_side=3, ndims=(2, 3)), "layers": st.lists(LAYERS, max_size=3),
     "target": NUMBERS | _grids(NUMBERS, max_side=2, ndims=(2, 3))},
    optional={"loss": st.sampled_from(["sse", "mse", "l1"]) | JSON_VALUES})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(NETWORKS.map(lambda r: json.dumps(r).encode()),
                 JSON_VALUES.map(lambda v: json.dumps(v).encode()),
                 st.binary(max_size=64)),
       st.sampled_from(["markdown", "stackexchange", "json", "pytorch"]))
def test_fuzzed_network_descriptions_exit_0_or_2(text, fmt):
    with streams(text) as (out, err):
        code = main(["worked", "--network", "-", "--format", fmt])
    assert_contract(code, out.getvalue(), err.getvalue())


MATRIX_TEXT = st.text(alphabet=st.sampled_from(
    [*"0123456789 ;,./-+−eEinfa[]()", "\u00a0", "\u200b", "\ufeff", "\x1b", "\n", "\u2028",
     "\U0001f600"]), max_size=30)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MATRIX_TEXT, st.lists(MATRIX_TEXT, min_size=1, max_size=2), MATRIX_TEXT,
       st.sampled_from(["markdown", "stackexchange", "json"]))
def test_fuzzed_matrices_exit_0_or_2(x, kernels, target, fmt):
    argv = ["worked", "--input", x, "--target", target, "--format", fmt]
    for kernel in kernels:
        argv += ["--kernel", kernel]
    with streams() as (out, err):
        code = main(argv)
    assert_contract(code, out.getvalue(), err.getvalue())


# ---- the limits are stated where users look ---------------------------------------------------

def _help(command: str, capsys) -> str:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_every_limit_is_stated_in_its_commands_help(capsys):
    """The help texts are written out by hand (printing help must not import numpy), so
    this is what ties them to the constants that enforce the limits."""
    from derivations.cli import conv2d_request as grad
    from derivations.cli import input_files as site
    from derivations.cli.commands import pages

    grad_help = _help("grad", capsys)
    for words in (f"1..{grad.MAX_HYPER}", f"0..{grad.MAX_HYPER}",
                  f"{grad.MAX_PADDED_ENTRIES:,} window entries", "padded input entries",
                  f"{grad.MAX_OBJECTS} objects or {grad.MAX_KEYS} keys",
                  f"{grad.MAX_QUOTES} quote marks", f"{grad.MAX_ITEMS:,} lists",
                  f"{2 * grad.MAX_ITEMS:,} values", f"{grad.MAX_BYTES // 2**20} MiB",
                  "not a FIFO"):
        assert words in grad_help
    for command in ("audit", "anchors"):
        text = _help(command, capsys)
        for words in (f"{site.MAX_PAGE_BYTES // 2**20} MiB each",
                      f"{site.MAX_SITE_HTML_BYTES // 2**20} MiB in all",
                      f"{site.MAX_SITE_FILES:,} files", f"{site.MAX_SITE_DEPTH} levels",
                      "symlink leading out of SITE_DIR"):
            assert words in text, (command, words)
    pages_help = _help("pages", capsys)
    for words in (f"{pages.MAX_CONFIG_BYTES // 2**10} KiB", f"{pages.MAX_CONFIG_DEPTH} deep",
                  f"{pages.MAX_DOCS_FILES:,} entries", f"{pages.MAX_DOCS_BYTES // 2**20} MiB",
                  "no aliases", "symlink"):
        assert words in pages_help, words
    assert "symlink, FIFO or device is refused" in _help("worked", capsys)
