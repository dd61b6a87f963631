"""The build cache: generated pages and rendered math kept in `.cache/` between builds.

A build whose inputs have not changed reuses the pages generated last time instead of
importing numpy and sympy and computing every page again, and reuses each formula's MathML
instead of converting it again. Each entry is named by a SHA-256 key of everything its
content depends on, so an entry can never be served for other inputs; a stale entry is
simply never asked for again.

- generated pages: every file of the `derivations` package except bytecode (its `.py`,
  `.js`, theme), the files the generators read from outside it (the benchmark records the
  colophon prints, the repository's mkdocs.yml) and the built config file, and the versions
  of Python, numpy and sympy (and mpmath, which sympy computes with);
- rendered math: the source of derivations/render/latex_math.py as loaded, latex2mathml's
  version and source files, and Python's version; each formula by `memo_key`.

Entries are written to a temporary sibling and renamed into place, and carry a checksum of
their content: a partial, corrupt or foreign file reads as a miss, never as an error.
CONVBACKPROP_NO_CACHE=1 builds with no cache (nothing read, nothing written);
CONVBACKPROP_CACHE_DIR=DIR keeps it elsewhere than `.cache/` beside mkdocs.yml.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

from derivations.cli.atomic import write_text_atomic

NO_CACHE_ENV = "CONVBACKPROP_NO_CACHE"
CACHE_DIR_ENV = "CONVBACKPROP_CACHE_DIR"
FORMAT = 1  # bump when the entry layout changes: old entries then read as misses
KEEP_ENTRIES = 4  # a few recent states (e.g. two branches) stay warm; older ones go
LEFTOVER_S = 3600.0  # a hidden working file this old belongs to a build that died


def cache_dir(project_root: Path) -> Path | None:
    """Where the cache lives, or None when the environment switches it off."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else project_root / ".cache"


def _digest(parts: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in parts:
        # Lengths first: ("ab", "c") and ("a", "bc") must not hash alike.
        digest.update(f"{len(name)}:{name}:{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def _files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts
                  and path.suffix not in {".pyc", ".pyo"})


def _file_parts(paths: list[Path], root: Path) -> list[tuple[str, bytes]]:
    parts = []
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b"<missing>"  # absent is a state of its own (the colophon says so)
        try:
            name = path.relative_to(root).as_posix()
        except ValueError:
            name = path.as_posix()
        parts.append((name, data))
    return parts


def distribution_version(name: str) -> str:
    """An installed distribution's version, read from its metadata without importing it."""
    from importlib import metadata  # (MkDocs has imported it; the page generator needs none)

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "<not installed>"


def page_inputs(package_dir: Path, config_file: Path) -> list[Path]:
    """Every file the generated pages depend on (tests/test_build_cache.py checks that the
    generators open nothing else)."""
    root = package_dir.parent
    results = root / "benchmarks" / "results"
    records = sorted(results.glob("*.json")) if results.is_dir() else []
    return [*_files_under(package_dir), *records, root / "mkdocs.yml", config_file]


LIBRARIES = ("numpy", "sympy", "mpmath")  # every library the generators import (tested)


def page_versions() -> list[tuple[str, str]]:
    return [("python", sys.version),
            *((name, distribution_version(name)) for name in LIBRARIES)]


def pages_key(package_dir: Path, config_file: Path,
              versions: list[tuple[str, str]] | None = None) -> str:
    """The key of the generated pages for the package and config as they are now."""
    versions = page_versions() if versions is None else versions
    parts = [("format", str(FORMAT).encode()),
             *((f"version:{name}", value.encode()) for name, value in versions),
             *_file_parts(page_inputs(package_dir, config_file), package_dir.parent)]
    return _digest(parts)


def math_key(renderer_source: bytes, versions: list[tuple[str, str]] | None = None) -> str:
    """The key of rendered math: the renderer's own source (as loaded, so a server that
    keeps an older version in memory never files its output under the newer source),
    latex2mathml's version and source, and Python's version."""
    if versions is None:
        versions = [("python", sys.version),
                    ("latex2mathml", distribution_version("latex2mathml"))]
    parts = [("format", str(FORMAT).encode()), ("renderer", renderer_source),
             *((f"version:{name}", value.encode()) for name, value in versions)]
    spec = importlib.util.find_spec("latex2mathml")
    for location in (spec.submodule_search_locations or []) if spec else []:
        parts.extend(_file_parts([p for p in _files_under(Path(location))
                                  if p.suffix == ".py"], Path(location)))
    return _digest(parts)


def _checksum(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def entry_text(key: str, content: dict[str, str]) -> str:
    """An entry file's text: the key it answers, a checksum, and the content."""
    record = {"format": FORMAT, "key": key, "sha256": _checksum(content), "content": content}
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def read_entry(path: Path, key: str) -> dict[str, str] | None:
    """The content filed under key at path, or None for anything else: a missing, partial,
    corrupt or foreign file, or one written for another key."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("key") != key:
        return None
    content = record.get("content")
    if not isinstance(content, dict) or not all(
            isinstance(name, str) and isinstance(value, str) for name, value in content.items()):
        return None
    if record.get("sha256") != _checksum(content):
        return None
    return content


def write_entry(path: Path, key: str, content: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, entry_text(key, content), "build cache entry")


def mark_used(path: Path) -> None:
    """A hit makes an entry the most recent, so that pruning keeps it."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(folder: Path, keep: int = KEEP_ENTRIES) -> None:
    """Keep the `keep` most recently used entries of a folder, and remove hidden working files
    (temporary writes, a generator's output) left by builds that died. Another build may
    prune at the same time: missing files are fine."""
    try:
        listed = list(folder.iterdir())
    except OSError:
        return
    entries, now = [], time.time()
    for path in listed:
        try:
            modified = path.stat().st_mtime
        except OSError:
            continue
        if path.name.startswith("."):
            if now - modified > LEFTOVER_S:
                path.unlink(missing_ok=True)
        elif path.suffix == ".json":
            entries.append((modified, path))
    for _, path in sorted(entries, reverse=True)[keep:]:
        path.unlink(missing_ok=True)
