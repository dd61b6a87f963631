"""A hook-free mkdocs.yml for a folder that holds docs/ and every generated page.

Any mkdocs.yml-compatible builder can build such a project, including ones that run no
MkDocs hooks (Zensical, for one): this is the book's way out if MkDocs or Material stop
being maintained. The function is pure; `python -m derivations pages --project DIR` does
the copying and writing.
"""

from __future__ import annotations

import copy
from pathlib import Path


def hook_free_config(config: dict, config_dir: Path, docs_dir: str = "docs") -> dict:
    """config without `hooks:`, reading docs_dir, with its other paths made absolute.

    Relative paths in mkdocs.yml are relative to the folder that holds it; the exported
    config lives elsewhere, so the theme override folder and the snippet base paths are
    resolved against config_dir (the book's repository).
    """
    out = copy.deepcopy(config)
    out.pop("hooks", None)
    out["docs_dir"] = docs_dir
    theme = out.get("theme")
    if isinstance(theme, dict) and "custom_dir" in theme:
        theme["custom_dir"] = str((config_dir / theme["custom_dir"]).resolve())
    for extension in out.get("markdown_extensions") or []:
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            options = extension["pymdownx.snippets"] or {}
            bases = options.get("base_path", ["."])
            bases = [bases] if isinstance(bases, str) else bases
            options["base_path"] = [str((config_dir / base).resolve()) for base in bases]
            extension["pymdownx.snippets"] = options
    return out
