"""mkdocs.yml's strict validation really fails a build on a broken link or anchor.

Uses the repository's own `validation:` block on a two-page scratch project (no hook, so
it takes about a second), once clean and once with each kind of mistake.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


class _AnyTag(yaml.SafeLoader):
    pass


_AnyTag.add_multi_constructor("", lambda loader, suffix, node: None)


def strict_build(tmp_path: Path, link: str) -> subprocess.CompletedProcess:
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTag)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(f"# Home {{#home}}\n\nSee [the target]({link}).\n")
    (docs / "target.md").write_text("# Target {#target}\n\n## A section {#a-section}\n")
    scratch = {"site_name": "scratch", "docs_dir": str(docs),
               "markdown_extensions": ["attr_list", "toc"],
               "validation": config["validation"],
               "nav": ["index.md", "target.md"]}
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(scratch), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "-f", str(tmp_path / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          capture_output=True, text=True)


def test_a_correct_link_and_anchor_build_cleanly(tmp_path):
    done = strict_build(tmp_path, "target.md#a-section")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("link, complaint", [
    ("target.md#no-such-section", "no-such-section"),   # anchors: warn
    ("missing.md", "missing.md"),                        # links to absent pages
    ("target", "target"),                                # unrecognized_links: warn
])
def test_strict_validation_fails_the_build(tmp_path, link, complaint):
    done = strict_build(tmp_path, link)
    assert done.returncode != 0, f"strict build accepted a link to {link}"
    assert complaint in done.stderr


def test_quiet_strict_build_is_not_strict(tmp_path):
    """Why nothing here runs `--strict -q`: MkDocs 1.6 then passes a broken link (pinned so
    that a MkDocs upgrade which fixes it shows up, and the advice can be dropped)."""
    config = tmp_path / "a"
    config.mkdir()
    strict_build(config, "missing.md")  # writes the scratch project
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(config / "mkdocs.yml"), "-d", str(config / "quiet")],
                          capture_output=True, text=True)
    assert done.returncode == 0
