"""The book does not depend on MkDocs internals: other mkdocs.yml builders publish it too.

Material for MkDocs announces its end of life for 2027-05-05 and MkDocs 2 drops plugins
and hooks. ProperDocs (the MkDocs 1.x continuation) must build the repository as it is,
hook included, to the same bytes; Zensical (Material's successor, no MkDocs hooks) must
build the hook-free export of `python -m derivations pages --project`, and that site must
pass the audit.
"""

from __future__ import annotations

import filecmp
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_inputs, missing_outside_ci, run_cli

from derivations.publish.export_project import hook_free_config

REPO = Path(__file__).resolve().parents[1]
GENERATOR_META = re.compile(rb'<meta name="generator" content="[^"]*">')


def build(builder: str, destination: Path) -> Path:
    """`BUILDER build --strict` of the repository into destination."""
    subprocess.run([sys.executable, "-m", builder, "build", "--strict", "-f", "mkdocs.yml",
                    "--site-dir", str(destination)], cwd=REPO, check=True,
                   capture_output=True, timeout=600)
    return destination


def require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        missing_outside_ci(f"the {module} build", f"{module} is not installed "
                           "(pip install -e '.[test]')")


def site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_hook_free_config_drops_the_hook_and_anchors_relative_paths(tmp_path):
    config = {
        "hooks": ["derivations/publish/mkdocs_hook.py"],
        "theme": {"name": "material", "custom_dir": "derivations/theme"},
        "markdown_extensions": ["toc", {"pymdownx.snippets": {"base_path": ["."]}}],
    }
    out = hook_free_config(config, tmp_path)
    assert "hooks" not in out and out["docs_dir"] == "docs"
    assert out["theme"]["custom_dir"] == str(tmp_path / "derivations" / "theme")
    assert out["markdown_extensions"][1]["pymdownx.snippets"]["base_path"] == [str(tmp_path)]
    assert config["hooks"] and config["theme"]["custom_dir"] == "derivations/theme"  # untouched


def test_project_export_refuses_a_folder_in_use_and_writes_nothing(tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine", encoding="utf-8")
    done = run_cli("pages", "--project", str(used))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "not an empty folder" in done.stderr
    assert sorted(p.name for p in used.iterdir()) == ["keep.txt"]
    done = run_cli("pages", "--project", str(tmp_path / "new"),
                   "--config", str(tmp_path / "missing.yml"))
    assert done.returncode == 2 and "no such file" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["used"]  # no staging folder left


@pytest.mark.slow
def test_properdocs_builds_the_repository_to_the_same_bytes(site_build, tmp_path):
    require("properdocs")
    before = build_inputs()
    site = tmp_path / "properdocs-site"
    build("properdocs", site)
    if site_build.built_from(before, build_inputs()):
        built_site = site_build.site  # the run's MkDocs build, of these same sources
    else:  # the sources changed during the run: a MkDocs build of them, back to back
        built_site = build("mkdocs", tmp_path / "mkdocs-site")
    assert site_files(site) == site_files(built_site)
    differ = []
    for name in sorted(site_files(built_site)):
        if filecmp.cmp(built_site / name, site / name, shallow=False):
            continue
        # The one expected difference: each builder names itself in <meta name="generator">.
        ours, theirs = ((root / name).read_bytes() for root in (built_site, site))
        if GENERATOR_META.sub(b"", ours) != GENERATOR_META.sub(b"", theirs):
            differ.append(name)
    assert differ == []


@pytest.mark.slow
def test_zensical_builds_the_hook_free_export_and_it_passes_the_audit(built_site, tmp_path):
    require("zensical")
    project = tmp_path / "book"
    done = run_cli("pages", "--project", str(project))
    assert done.returncode == 0, done.stderr
    subprocess.run([sys.executable, "-m", "zensical", "build", "-f", "mkdocs.yml"],
                   cwd=project, check=True, capture_output=True, timeout=600)
    pages = {name for name in site_files(built_site) if name.endswith("index.html")}
    assert pages <= site_files(project / "site")
    audit = run_cli("audit", str(project / "site"))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert audit.stdout.rstrip().endswith("clean")
