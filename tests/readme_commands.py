"""The README's Quick start commands, read the way .ci/run reads them (imported by tests)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start() -> list[str]:
    """The lines of the first ```sh block under "## Quick start"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "README has no ```sh block under Quick start"
    return [line for line in block.group(1).splitlines() if line.strip()]


def build_command() -> list[str]:
    """The build half of the first command (after `pip install … &&`), as arguments."""
    first = quick_start()[0]
    steps = [step.strip() for step in first.split("&&")]
    assert len(steps) == 2 and "pip install" in steps[0], first
    return shlex.split(steps[1])


def builder_module() -> str:
    """`properdocs` in `python -m properdocs build …`: the README's builder."""
    command = build_command()
    assert command[:2] == ["python", "-m"] and command[3] == "build", command
    return command[2]
