"""`python -m derivations forward`: the addresses from before editions lead to latest."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import REPO

from derivations.publish.unversioned import forwarded_paths, forwarding_page


def forward(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derivations", "forward", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def tiny_site(root: Path) -> Path:
    site = root / "site"
    for name in ("index.html", "seed/grad-w1/index.html", "about/index.html", "404.html"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text("<article></article>", encoding="utf-8")
    return site


@pytest.mark.parametrize("path", ["question/", "seed/grad-w1/", "a/b/c/"])
def test_a_forwarding_page_leads_to_the_same_page_under_the_alias(path):
    html = forwarding_page(path, "latest")
    base = f"https://example.org/book/{path}"
    targets = set(re.findall(r'url=([^"]+)"', html) + re.findall(r'href="([^"]+)"', html)
                  + re.findall(r'replace\("([^"]+)"', html))
    assert {urljoin(base, target) for target in targets} == {
        f"https://example.org/book/latest/{path}"}
    assert "window.location.hash" in html  # the reader's anchor comes along


def test_every_folder_page_but_the_root_is_forwarded():
    names = ["index.html", "404.html", "seed/grad-w1/index.html", "old/index.html",
             "assets/book.css", "sitemap.xml"]
    assert forwarded_paths(names) == ["old/", "seed/grad-w1/"]


def test_the_command_writes_one_page_per_address(tmp_path):
    out = tmp_path / "gh-pages"
    out.mkdir()
    done = forward(str(tiny_site(tmp_path)), "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["about/index.html", "seed/grad-w1/index.html"]
    assert forward(str(tiny_site(tmp_path)), "--out", str(out)).returncode == 0  # again: fine


def refused(done: subprocess.CompletedProcess, words: str) -> None:
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr.count("\n") == 1 and words in done.stderr, done.stderr


def test_it_never_writes_into_an_edition_or_over_other_files(tmp_path):
    site = tiny_site(tmp_path)
    out = tmp_path / "gh-pages"
    (out / "seed").mkdir(parents=True)
    (out / "versions.json").write_text(json.dumps(
        [{"version": "seed", "title": "seed", "aliases": []}]), encoding="utf-8")
    refused(forward(str(site), "--out", str(out)), "would land in the published folder seed/")
    (out / "versions.json").write_text("[]", encoding="utf-8")
    (out / "about").mkdir()
    (out / "about" / "index.html").write_text("someone else's page", encoding="utf-8")
    refused(forward(str(site), "--out", str(out)), "about/index.html exists and is not")
    assert sorted(p.name for p in (out / "seed").iterdir()) == []  # nothing half-written
    refused(forward(str(tmp_path / "none"), "--out", str(out)), "not a built site")
    refused(forward(str(site), "--out", str(tmp_path / "none")), "no such folder")
    refused(forward(str(site), "--out", str(out), "--to", "a/b"), "name one folder")
