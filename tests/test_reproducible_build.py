"""Two builds of one commit are byte-identical, whether the build cache is cold or warm, and
no build date comes from the clock."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from conftest import REPO

from derivations.publish import build_cache, mkdocs_hook


def all_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def build(destination: Path, cache: Path, *python_options: str) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` into destination, with its build cache in the folder cache."""
    env = {**os.environ, build_cache.CACHE_DIR_ENV: str(cache)}
    env.pop(build_cache.NO_CACHE_ENV, None)
    return subprocess.run(
        [sys.executable, *python_options, "-m", "mkdocs", "build", "--strict",
         "--site-dir", str(destination)],
        cwd=REPO, env=env, check=True, capture_output=True, text=True)


def test_a_cold_and_a_warm_build_are_byte_identical(tmp_path):
    """Two builds, one after the other into two folders, write exactly the same bytes: the
    first with an empty cache (it generates every page and renders every formula), the
    second from what the first cached, importing neither numpy, sympy nor latex2mathml.

    (Both are made here, back to back, rather than reusing the session's build, so that an
    edit landing in a shared working tree meanwhile cannot make them differ.)"""
    cache = tmp_path / "cache"
    build(tmp_path / "first", cache)
    warm = build(tmp_path / "second", cache, "-X", "importtime")
    imported = {line.rsplit("|", 1)[-1].strip() for line in warm.stderr.splitlines()
                if line.startswith("import time:")}
    assert "mkdocs" in imported  # the import log is read right
    assert sorted({"numpy", "sympy", "latex2mathml"} & imported) == []
    first = all_files(tmp_path / "first")
    second = all_files(tmp_path / "second")
    assert sorted(first) == sorted(second), "the two builds wrote different file lists"
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], f"files differ between two builds: {differing}"
    assert "sitemap.xml.gz" in first  # its gzip header holds a time: covered by this check


def test_hook_dates_the_build_by_the_last_commit(monkeypatch):
    """Without SOURCE_DATE_EPOCH the hook sets it to the last commit time, not to now."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    commit = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    config = SimpleNamespace(config_file_path=str(REPO / "mkdocs.yml"))
    mkdocs_hook.on_config(config)
    assert os.environ["SOURCE_DATE_EPOCH"] == commit


def test_explicit_source_date_epoch_wins(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    mkdocs_hook.on_config(SimpleNamespace(config_file_path=str(REPO / "mkdocs.yml")))
    assert os.environ["SOURCE_DATE_EPOCH"] == "86400"


def test_sitemap_lastmod_is_the_commit_date(built_site):
    commit = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    day = datetime.datetime.fromtimestamp(int(commit), datetime.UTC).strftime("%Y-%m-%d")
    sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    dates = set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap))
    assert dates == {day}
