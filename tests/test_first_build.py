"""A newcomer's first build (the README's first command) prints nothing alarming, yet a
real warning still shows and still fails the strict build.

Under `mkdocs`, Material prints an end-of-life notice and mkdocs-redirects a red WARNING
that MkDocs is abandoned, on every build; the README builds with ProperDocs, which prints
neither (docs/about/publishing.md#which-builder).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from readme_commands import build_command, builder_module, quick_start

REPO = Path(__file__).resolve().parents[1]
LOG_LINE = ("INFO    -  ", "DEBUG   -  ")  # what a quiet build may print: progress, no more


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """command as the README writes it (`python -m …`), run by this interpreter."""
    assert command[0] == "python"
    return subprocess.run([sys.executable, *command[1:]], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_the_readme_keeps_two_commands_and_builds_strictly():
    assert len(quick_start()) == 2  # .ci/run runs exactly these two
    command = build_command()
    assert "--strict" in command and "-q" not in command  # -q would stop counting warnings


@pytest.mark.slow
def test_the_first_build_prints_only_progress(tmp_path):
    done = run([*build_command(), "--site-dir", str(tmp_path / "site")], REPO)
    assert done.returncode == 0, done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    loud = [line for line in lines if not line.startswith(LOG_LINE)]
    assert loud == [], "the README's build printed more than progress:\n" + "\n".join(loud)
    assert (tmp_path / "site" / "index.html").is_file()


def scratch_project(root: Path, link: str) -> Path:
    """A two-page project with the book's theme and `validation:` rules, one link in it."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(f"# Home\n\nSee [the target]({link}).\n", encoding="utf-8")
    (docs / "target.md").write_text("# Target\n\n## A section {#a-section}\n", encoding="utf-8")
    scratch = {"site_name": "scratch", "theme": {"name": config["theme"]["name"]},
               "markdown_extensions": ["attr_list", "toc"], "validation": config["validation"],
               "nav": ["index.md", "target.md"]}
    (root / "mkdocs.yml").write_text(yaml.safe_dump(scratch), encoding="utf-8")
    return root / "mkdocs.yml"


def scratch_build(root: Path, link: str) -> subprocess.CompletedProcess:
    """The README's build command, pointed at a scratch project."""
    command = build_command()
    config = scratch_project(root, link)
    if "-f" in command:
        command[command.index("-f") + 1] = str(config)
    else:
        command += ["-f", str(config)]
    return run([*command, "--site-dir", str(root / "site")], root)


def test_a_real_warning_still_shows_and_fails_the_build(tmp_path):
    clean = scratch_build(tmp_path / "clean", "target.md#a-section")
    assert clean.returncode == 0, clean.stderr
    broken = scratch_build(tmp_path / "broken", "target.md#no-such-section")
    assert broken.returncode != 0, f"{builder_module()} --strict passed a broken anchor"
    warnings = [line for line in broken.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "no-such-section" in warnings[0], broken.stderr
