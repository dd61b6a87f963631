"""A hook-free mkdocs.yml for a folder that holds docs/ and every generated page.

Any mkdocs.yml-compatible builder can build such a project, including ones that run no
MkDocs hooks (Zensical, for one): this is the book's way out if MkDocs or Material stop
being maintained. The function is pure; `python -m derivations pages --project DIR` does
the copying and writing.
"""

from __future__ import annotations

import copy
from pathlib import Path

from derivations.errors import UsageError


def _described(value) -> str:
    kinds = {dict: "a mapping", list: "a list", bool: "true/false", type(None): "nothing"}
    if type(value) in kinds:
        return kinds[type(value)]
    if isinstance(value, str):
        return f"the text {value[:20]!r}" if value else "an empty text"
    return f"the {type(value).__name__} {str(value)[:20]}"


def _path_text(value, where: str) -> str:
    if not isinstance(value, str) or not value or "\0" in value:
        raise UsageError(f"{where}: got {_described(value)}; give a folder path")
    return value


def docs_dir_of(config: dict) -> str:
    """The config's docs_dir (default docs), checked to be a path."""
    return _path_text(config.get("docs_dir", "docs"), "docs_dir")


def hook_free_config(config: dict, config_dir: Path, docs_dir: str = "docs") -> dict:
    """config without `hooks:`, reading docs_dir, with its other paths made absolute.

    Relative paths in mkdocs.yml are relative to the folder that holds it; the exported
    config lives elsewhere, so the theme override folder and the snippet base paths are
    resolved against config_dir (the book's repository).
    The paths it rewrites are checked to be paths: a UsageError names the first key that
    holds something else (`theme.custom_dir: got int 7`).
    """
    out = copy.deepcopy(config)
    out.pop("hooks", None)
    out["docs_dir"] = docs_dir
    theme = out.get("theme")
    if isinstance(theme, dict) and "custom_dir" in theme:
        custom_dir = _path_text(theme["custom_dir"], "theme.custom_dir")
        theme["custom_dir"] = str((config_dir / custom_dir).resolve())
    extensions = out.get("markdown_extensions") or []
    if not isinstance(extensions, list):
        raise UsageError(f"markdown_extensions: got {_described(extensions)}; give a list")
    for extension in extensions:
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            where = "markdown_extensions: pymdownx.snippets"
            options = extension["pymdownx.snippets"] or {}
            if not isinstance(options, dict):
                raise UsageError(f"{where}: got {_described(options)}; give its options as a "
                                 "mapping")
            bases = options.get("base_path", ["."])
            bases = [bases] if isinstance(bases, str) else bases
            if not isinstance(bases, list):
                raise UsageError(f"{where}: base_path: got {_described(bases)}; give a path "
                                 "or a list of paths")
            options["base_path"] = [
                str((config_dir / _path_text(base, f"{where}: base_path")).resolve())
                for base in bases]
            extension["pymdownx.snippets"] = options
    return out
