"""Shared fixtures: one site build per test session, a local server, headless Chromium, and an
in-process runner for the command line."""

from __future__ import annotations

import functools
import http.server
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Flags for a sandboxed root container with no network: without the background-networking
# ones Chromium tries Google's hosts at start-up and those requests would pollute the count.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
]
IN_CI = os.environ.get("CI") == "true"


def build_site(destination: Path) -> Path:
    """`mkdocs build --strict` into destination, the way the README builds site/."""
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(destination)],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    return destination


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The whole site, built once per session; tests that modify it must copy it first."""
    return build_site(tmp_path_factory.mktemp("site") / "site")


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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Serve the built site on 127.0.0.1 (a free port) for the session."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
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
