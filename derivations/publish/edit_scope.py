"""Which of our modules an edit reaches, so that `serve` recomputes only the pages it changes.

The serve standby (derivations/publish/generate_pages.py) imports every module of ours and
builds the book while the author edits. When the next rebuild asks, it compares the files
with what it loaded: a module whose source changed is stale, and so is every module that
imports a stale one (it may hold a name bound to the old code). Everything else was loaded
from the same bytes as a fresh interpreter would load, so its objects and the pages it built
are still right. Only a `.py` edit outside the machinery itself is handled this way; any
other change (a new or removed file, worked.js, mkdocs.yml, a benchmark record, a package's
`__init__.py`, anything under publish/) makes the caller start afresh.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT_PACKAGE = "derivations"
MACHINERY = "derivations.publish"  # the generator itself: an edit here means a fresh start


def read_files(paths: Iterable[Path]) -> dict[Path, bytes | None]:
    """Each file's bytes (None: missing), as loaded now."""
    contents: dict[Path, bytes | None] = {}
    for path in paths:
        try:
            contents[path] = path.read_bytes()
        except OSError:
            contents[path] = None
    return contents


def module_name(path: Path, package_dir: Path) -> str | None:
    """`derivations.pages.stride` for package_dir/pages/stride.py; None for anything that is
    not a plain module of ours (a package's __init__.py, a script, a data file)."""
    try:
        relative = path.relative_to(package_dir)
    except ValueError:
        return None
    if path.suffix != ".py" or path.name == "__init__.py":
        return None
    return ".".join((ROOT_PACKAGE, *relative.with_suffix("").parts))


def imported_modules(source: bytes) -> set[str]:
    """Every module of ours an import statement in source names, function-level ones too
    (`from derivations.render import page` names derivations.render.page as well)."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise ValueError("a relative import: its target is not read here")
        elif isinstance(node, ast.ImportFrom) and node.module:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in named if name.split(".")[0] == ROOT_PACKAGE}


def importers_of(files: Mapping[Path, bytes | None],
                 package_dir: Path) -> dict[str, set[str]] | None:
    """For each module of ours, the modules whose source imports it; None when a source
    cannot be read this way (a syntax error: it never loaded; a relative import)."""
    importers: dict[str, set[str]] = {}
    for path, source in files.items():
        name = module_name(path, package_dir)
        if name is None or source is None:
            continue
        try:
            imported = imported_modules(source)
        except (SyntaxError, ValueError):
            return None
        for target in imported:
            importers.setdefault(target, set()).add(name)
    return importers


def stale_modules(loaded: Mapping[Path, bytes | None], now: Mapping[Path, bytes | None],
                  package_dir: Path,
                  importers: Mapping[str, set[str]] | None = None) -> set[str] | None:
    """The modules to import again after the edits between `loaded` and `now` (the same
    files read twice), or None when a change needs a fresh start (see the module's doc).
    `importers` is importers_of(loaded), if the caller computed it ahead."""
    if loaded.keys() != now.keys():
        return None  # a file added or removed
    changed = [path for path in loaded if loaded[path] != now[path]]
    names = [module_name(path, package_dir) for path in changed]
    if any(name is None or name.startswith(MACHINERY + ".") for name in names):
        return None
    if importers is None:
        importers = importers_of(loaded, package_dir)
        if importers is None:
            return None
    stale = set(names)
    frontier = list(stale)
    while frontier:
        for importer in importers.get(frontier.pop(), ()):
            if importer not in stale:
                stale.add(importer)
                frontier.append(importer)
    return stale
