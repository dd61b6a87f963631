"""`serve` picks up an edit to derivations/ with one rebuild (the hook regenerates on
rebuild, and its generator writes no bytecode into the watched package).

The server (the README's builder) runs on a copy of the repository, so the edit never
touches the tree the other tests build from; PYTHONPATH points the copy's `derivations`
package at the copy. The latency is measured and reported, not asserted: this machine is
shared (benchmarks/bench_build.py records it against its goal).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from readme_commands import builder_module

REPO = Path(__file__).resolve().parents[1]
MARKER = "Servedafteranedit"  # one word, no digits: the page's numbers stay audited
REBUILD = "Building documentation..."  # what the builder logs as each build starts
SETTLE_S = 2.0  # > the watcher's 0.5 s poll + 0.1 s delay: time for a second rebuild to start
COPY_IGNORES = shutil.ignore_patterns(".git", ".venv", "site", "__pycache__", ".hypothesis",
                                      ".pytest_cache", ".ruff_cache", "*.egg-info", ".cache")


def served_path() -> str:
    """MkDocs serves under site_url's path (/convbackprop/ for the published site)."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    site_url = next(line.split(":", 1)[1].strip() for line in config.splitlines()
                    if line.startswith("site_url:"))
    return urlsplit(site_url).path or "/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(condition, timeout: float, what: str, server: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mkdocs serve exited with {server.returncode} while waiting for {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def rebuilds(log: Path) -> int:
    return log.read_text(encoding="utf-8", errors="replace").count(REBUILD)


@pytest.mark.slow
def test_serve_rebuilds_a_page_once_after_its_generator_changes(tmp_path, record_property):
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=COPY_IGNORES)
    port = free_port()
    url = f"http://127.0.0.1:{port}{served_path()}question/"
    # The environment's bytecode setting is left out: the generator's own must be what
    # keeps __pycache__ out of the watched package (it used to cost a second rebuild).
    env = {**os.environ, "PYTHONPATH": str(copy)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", builder_module(), "serve", "-f", "mkdocs.yml",
         "-a", f"127.0.0.1:{port}"],
        cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        first = wait_for(lambda: fetch(url), 120, "the first build", server)
        assert MARKER not in first
        generator = copy / "derivations" / "pages" / "question.py"
        source = generator.read_text(encoding="utf-8")
        assert source.count('TEMPLATE = r"""\n') == 1
        generator.write_text(source.replace('TEMPLATE = r"""\n', f'TEMPLATE = r"""\n{MARKER}\n'),
                             encoding="utf-8")
        saved, saved_at = time.monotonic(), time.time()
        wait_for(lambda: MARKER in (fetch(url) or ""), 120, "the rebuilt page", server)
        latency = time.monotonic() - saved
        record_property("serve_latency_s", round(latency, 2))
        time.sleep(SETTLE_S)
        log.flush()
        assert rebuilds(log_path) == 2, (  # the first build, then one for the edit
            f"one edit, {rebuilds(log_path) - 1} rebuilds (page served "
            f"{latency:.2f} s after saving):\n" + log_path.read_text(errors="replace"))
        written = [path for path in copy.joinpath("derivations").rglob("*.pyc")
                   if path.stat().st_mtime >= saved_at - 1]  # (coarse file-system clocks)
        assert written == []
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
