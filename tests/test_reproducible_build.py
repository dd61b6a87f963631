"""Two builds of one commit are byte-identical, and no build date comes from the clock."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

from conftest import REPO, build_inputs, build_site

from derivations.publish import mkdocs_hook


def all_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_clean_builds_are_byte_identical(site_build, tmp_path):
    """A clean build made now writes exactly the bytes of the run's shared build, made earlier
    by another process (an xdist worker, or the background build of a serial run).

    If the sources changed in between (an edit landing in a shared working tree), the
    shared build proves nothing: then the test makes a second build, back to back."""
    before = build_inputs()
    first = all_files(build_site(tmp_path / "first"))
    if site_build.built_from(before, build_inputs()):
        second = all_files(site_build.site)
    else:
        second = all_files(build_site(tmp_path / "second"))
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
