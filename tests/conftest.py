"""Shared fixtures: one site build per test run, a local server, headless Chromium, and an
in-process runner for the command line.

The suite runs on pytest-xdist workers (pyproject.toml's addopts); everything here works the
same in a plain serial run (`-n 0`).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_survey import CHROMIUM, CHROMIUM_ARGS, QuietHandler
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"

# Hypothesis: CI checks every property on the full number of examples its test asks for
# (`examples(n)`), under Hypothesis's own "ci" profile, which it loads itself when CI is set
# (derandomized, no deadline, no example database). A developer's run uses "dev": a fifth
# of the examples, so a change is quick to try and still exercised. HYPOTHESIS_PROFILE=ci
# runs the thorough profile locally.
THOROUGH = 100  # Hypothesis's default count: the ci profile's, for properties that name none
settings.register_profile("dev", parent=settings.get_profile("default"),
                          max_examples=THOROUGH // 5)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))
assert settings.get_profile("ci").max_examples == THOROUGH


def example_count(thorough: int) -> int:
    """How many of a property's `thorough` examples the loaded profile checks: all of them
    under ci, fewer in proportion under a smaller one (for a hand-rolled loop of seeded
    random examples too, whose first ones are always the same)."""
    return max(1, thorough * settings.default.max_examples // THOROUGH)


def examples(thorough: int, **options) -> settings:
    """Settings for a property checked on `thorough` examples under the ci profile (fewer,
    in proportion, under a smaller one); deadline off: numpy's first calls are slow."""
    return settings(max_examples=example_count(thorough), deadline=None, **options)


# ---- the shared site build, and the book printed and surveyed from it -------------------------
# Most tests only read the built site, so a run builds it once: the first xdist worker to
# start claims the build and runs it in the background (a subprocess, so it uses the other
# core while tests run); every worker then reads the same folder. The book's PDF is printed
# the same way right after the build, twice, by two independent processes (the second is
# what shows that one site gives one PDF), while the workers run other tests. So is the
# browser survey (tests/browser_survey.py): one pass of Chromium over every page, which the
# browser modules' page-by-page fixtures read.
PDF_FIXTURES = {"book_pdf", "book_pdf_again"}
SURVEY_FIXTURES = {"browser_survey"}
BACKGROUND_FIXTURES = PDF_FIXTURES | SURVEY_FIXTURES  # made by another process of the run
SITE_FIXTURES = {"built_site", "site_build", *BACKGROUND_FIXTURES}
SURVEY_PARTS = ("visits", "static_visits", "layouts", "printed")  # one per fixture reading it
BUILD_TIMEOUT = 600  # seconds; a build takes a few
PRINT_TIMEOUT = 600  # seconds; printing the whole book takes a quarter of a minute
SURVEY_TIMEOUT = 600  # seconds; the survey takes about half a minute


def build_site(destination: Path) -> Path:
    """`mkdocs build --strict` into destination, the way the README builds site/."""
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(destination)],
        cwd=REPO, check=True, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
    )
    return destination


def build_inputs() -> str:
    """A digest of the working tree a build reads (every file git does not ignore) and of the
    last commit's time (which dates the build): equal digests, same sources."""
    git = functools.partial(subprocess.run, cwd=REPO, capture_output=True)
    listed = git(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
    commit = git(["git", "log", "-1", "--format=%ct"])
    if listed.returncode or commit.returncode:  # not a checkout: a digest nothing else has
        return f"unknown sources {os.getpid()} {time.monotonic_ns()}"
    digest = hashlib.sha256(commit.stdout)
    for name in sorted(listed.stdout.decode().split("\0")):
        path = REPO / name
        if name and path.is_file():
            digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def derivations_pdf(*args: str, prelude: str = "pass") -> subprocess.CompletedProcess:
    """`python -m derivations ARGS` in a fresh interpreter, as the pdf command is run to
    print (Playwright's driver and Chromium stay out of the test process); `prelude` runs
    first (to hide a module)."""
    code = (f"import sys; {prelude}; from derivations.cli.main import main; "
            f"sys.exit(main({list(args)!r}))")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=PRINT_TIMEOUT)


@dataclass(frozen=True)
class SharedBuild:
    """The run's one build of the site, and the digest of the sources it was built from
    (None if they changed while it was being built)."""

    site: Path
    inputs: str | None

    def built_from(self, *digests: str) -> bool:
        """True when the shared build had the sources of each digest (taken by a test around
        its own build): only then may a test compare its build with this one."""
        return self.inputs is not None and all(d == self.inputs for d in digests)


class _RunOnce:
    """Work done by exactly one process of the run (claimed with an O_EXCL file), in a
    background thread; every process may wait for its result, a small JSON status file."""

    def __init__(self, folder: Path, work, timeout: float):
        self.folder = folder
        self.work = work  # folder -> result dict with "returncode" and "output"
        self.timeout = timeout
        self.status = folder / "status.json"
        self.thread: threading.Thread | None = None

    def start_once(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(self.folder / "claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # another worker does it
        self.thread = threading.Thread(target=self._run, name=self.folder.name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        result = {"returncode": -1, "output": ""}
        try:
            result = self.work(self.folder)
        except Exception as error:  # reported to every waiting test, never lost in a thread
            result["output"] = f"could not run: {error!r}"
        finally:
            partial = self.status.with_suffix(".partial")
            partial.write_text(json.dumps(result), encoding="utf-8")
            partial.replace(self.status)  # atomic: a reader sees all of it or nothing

    def wait(self) -> dict:
        """The result, once the claiming process has written it."""
        self.start_once()  # nobody started it (a run of one test): this process does
        deadline = time.monotonic() + self.timeout + 60
        while not self.status.exists():
            if time.monotonic() > deadline:
                return {"returncode": -1, "output": f"did not finish within {self.timeout} s"}
            time.sleep(0.05)
        return json.loads(self.status.read_text(encoding="utf-8"))

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(self.timeout)


def _build_site(folder: Path) -> dict:
    before = build_inputs()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    return {"returncode": done.returncode, "output": done.stdout + done.stderr,
            "inputs": before if build_inputs() == before else None}


def _print_book(site_job: _RunOnce):
    def work(folder: Path) -> dict:
        built = site_job.wait()
        if built["returncode"] != 0:
            return {"returncode": -1, "output": "the shared site build failed"}
        out = folder / "convbackprop.pdf"
        done = derivations_pdf("pdf", str(site_job.folder / "site"), "--out", str(out))
        return {"returncode": done.returncode, "output": done.stderr, "stdout": done.stdout,
                "pdf": str(out)}

    return work


def _survey_book(site_job: _RunOnce):
    def work(folder: Path) -> dict:
        built = site_job.wait()
        if built["returncode"] != 0:
            return {"returncode": -1, "output": "the shared site build failed"}
        out = folder / "survey.json"
        done = subprocess.run(
            [sys.executable, str(REPO / "tests" / "browser_survey.py"),
             str(site_job.folder / "site"), str(out)],
            cwd=REPO, capture_output=True, text=True, timeout=SURVEY_TIMEOUT)
        return {"returncode": done.returncode, "output": done.stdout + done.stderr,
                "survey": str(out)}

    return work


def _run_folder(tmp_path_factory) -> Path:
    """A folder shared by every process of this run: under xdist each worker's basetemp is
    a child of the run's (pytest-xdist's documented recipe); a serial run owns its own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def _site_build_job(tmp_path_factory) -> _RunOnce:
    return _RunOnce(_run_folder(tmp_path_factory) / "shared-site-build", _build_site,
                    BUILD_TIMEOUT)


@pytest.fixture(scope="session")
def _book_pdf_jobs(tmp_path_factory, _site_build_job) -> dict[str, _RunOnce]:
    """One print of the book per PDF fixture, each in a process of its own."""
    return {name: _RunOnce(_run_folder(tmp_path_factory) / f"shared-{name.replace('_', '-')}",
                           _print_book(_site_build_job), BUILD_TIMEOUT + PRINT_TIMEOUT)
            for name in sorted(PDF_FIXTURES)}


@pytest.fixture(scope="session")
def _survey_job(tmp_path_factory, _site_build_job) -> _RunOnce:
    return _RunOnce(_run_folder(tmp_path_factory) / "shared-browser-survey",
                    _survey_book(_site_build_job), BUILD_TIMEOUT + SURVEY_TIMEOUT)


def commit_day() -> str:
    """The day (UTC) of the last commit: the date a build of this tree carries."""
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, check=True,
                           capture_output=True, text=True).stdout.strip()
    return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).strftime("%Y-%m-%d")


def _printer_missing() -> str | None:
    """Why Chromium cannot be driven here (to print the book or survey it), or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session", autouse=True)
def _start_site_build_early(request, _site_build_job, _book_pdf_jobs, _survey_job):
    """Start the build (and the prints, and the survey) before the first test if a collected
    test needs it."""
    needed = set().union(*(item.fixturenames for item in request.session.items))
    if SITE_FIXTURES & needed:
        _site_build_job.start_once()
    browsing = _printer_missing() is None
    for name, job in _book_pdf_jobs.items():
        if name in needed and browsing:
            job.start_once()
    if SURVEY_FIXTURES & needed and browsing:
        _survey_job.start_once()
    yield
    # The claiming worker never leaves the others a half-built site, half-printed book or
    # half-written survey.
    for job in [*_book_pdf_jobs.values(), _survey_job]:
        job.join()
    _site_build_job.join()


def pytest_collection_modifyitems(items):
    """Order modules as xdist's loadfile hands them out (addopts turn its own reordering, most
    tests first, off): the longest start first, so no worker is left with one at the end.
    Browser modules first (Chromium lays out pages, 10-40 s of CPU each), then those that
    build the site again, then the rest, most tests first; last the modules that read the
    book's PDFs, or read the browser survey and drive no Chromium of their own, when the
    background prints and survey are done. A stable sort: tests keep their order within a
    module, but for that."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def rank(module_items) -> tuple[int, int]:
        if any(PDF_FIXTURES & set(item.fixturenames) for item in module_items) or (
                any(SURVEY_FIXTURES & set(item.fixturenames) for item in module_items)
                and not any("browser" in item.fixturenames for item in module_items)):
            group = 3
        elif any(item.get_closest_marker("browser") for item in module_items):
            group = 0
        elif any(item.get_closest_marker("slow") for item in module_items):
            group = 1
        else:
            group = 2
        return group, -len(module_items)

    # Ties keep collection order; the position breaks them so that a module stays in one
    # piece (two modules of one rank and size used to interleave).
    order = {name: (*rank(found), position)
             for position, (name, found) in enumerate(modules.items())}
    # Within a module, tests that read no PDF or survey go first: they run while those finish.
    items.sort(key=lambda item: (order[item.nodeid.split("::")[0]],
                                 bool(BACKGROUND_FIXTURES & set(item.fixturenames))))


@pytest.fixture(scope="session")
def site_build(_site_build_job) -> SharedBuild:
    """The run's shared build and the digest of its sources."""
    result = _site_build_job.wait()
    if result["returncode"] != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {result['returncode']}):\n"
                    + result["output"][-4000:], pytrace=False)
    return SharedBuild(_site_build_job.folder / "site", result["inputs"])


@pytest.fixture(scope="session")
def built_site(site_build) -> Path:
    """The whole site, built once per run; tests that modify it must copy it first."""
    return site_build.site


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium the pdf command prints with (and Playwright to drive it); skip locally
    without them, fail under CI."""
    reason = _printer_missing()
    if reason:
        missing_outside_ci("the PDF", reason)
    return CHROMIUM


def _printed(job: _RunOnce) -> Path:
    result = job.wait()
    assert result["returncode"] == 0, result["output"]
    out = Path(result["pdf"])
    assert result["stdout"].startswith(f"wrote {out}")
    return out


@pytest.fixture(scope="session")
def book_pdf(chromium, built_site, _book_pdf_jobs) -> Path:
    """The whole book printed from the run's site by `python -m derivations pdf`, once per
    run; tests read it and never change it."""
    return _printed(_book_pdf_jobs["book_pdf"])


@pytest.fixture(scope="session")
def book_pdf_again(chromium, built_site, _book_pdf_jobs) -> Path:
    """The same site printed by the same command in another process, beside book_pdf."""
    return _printed(_book_pdf_jobs["book_pdf_again"])


def surveyed(result: dict) -> dict:
    """The survey's findings from its job's result, or a failure that says why there are
    none (to every test that reads them)."""
    if result["returncode"] != 0:
        pytest.fail(f"the browser survey failed (exit {result['returncode']}):\n"
                    + result["output"][-4000:], pytrace=False)
    try:
        findings = json.loads(Path(result["survey"]).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        pytest.fail(f"the browser survey exited 0 but left no findings: {error}", pytrace=False)
    missing = [part for part in SURVEY_PARTS if part not in findings]
    if missing:
        pytest.fail(f"the browser survey has no {', '.join(missing)}", pytrace=False)
    return findings


@pytest.fixture(scope="session")
def browser_survey(built_site, _survey_job) -> dict:
    """Every page of the book in Chromium, surveyed once per run by tests/browser_survey.py
    in a process of its own ({fixture name: findings}); skip locally without Chromium,
    fail under CI."""
    reason = _printer_missing()
    if reason:
        missing_outside_ci("browser tests", reason)
    return surveyed(_survey_job.wait())


@pytest.fixture
def site_copy(built_site, tmp_path) -> Path:
    """A private copy of the built site that a test may tamper with."""
    return Path(shutil.copytree(built_site, tmp_path / "site"))


# ---- the command line, in process -------------------------------------------------------------
def run_cli(*args: str, stdin: bytes | str = b"") -> subprocess.CompletedProcess:
    """`python -m derivations ARGS` run in this process (a few ms instead of a new
    interpreter's ~0.3 s): real byte streams stand in for stdin, stdout and stderr, the
    working folder is the repository's, and argparse's exit becomes the return code.
    Output comes back as text, like subprocess.run(..., text=True)."""
    from derivations.cli.main import main

    data = stdin.encode() if isinstance(stdin, str) else stdin
    streams = {name: io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
               for name in ("stdout", "stderr")}
    saved = sys.stdin, sys.stdout, sys.stderr, os.getcwd()
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    sys.stdout, sys.stderr = streams["stdout"], streams["stderr"]
    try:
        os.chdir(REPO)
        try:
            code = main(list(args))
        except SystemExit as stop:  # --help and argparse's own exits
            code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
        out = {}
        for name, stream in streams.items():
            stream.flush()
            out[name] = stream.buffer.getvalue().decode("utf-8")
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved[:3]
        os.chdir(saved[3])
    return subprocess.CompletedProcess(["python", "-m", "derivations", *args], code,
                                       out["stdout"], out["stderr"])


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Serve the built site on 127.0.0.1 (a free port) for the session."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def missing_outside_ci(what: str, reason: str) -> None:
    """Skip with the reason on a developer's machine; under CI=true a skip would hide a gap."""
    if IN_CI:
        pytest.fail(f"{what} must run under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the engine's outside oracle: optional, never a dependency (.ci/run installs it)."""
    try:
        import torch
    except ImportError:
        missing_outside_ci("the PyTorch comparison",
                           "torch is not installed (pip install torch==2.13.0, the CPU build)")
    torch.set_num_threads(1)  # tiny layers: thread start-up would dominate
    return torch


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium via playwright; skip locally without it, fail under CI."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "playwright is not installed (pip install -e '.[test]')"
    if reason:
        missing_outside_ci("browser tests", reason)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()
