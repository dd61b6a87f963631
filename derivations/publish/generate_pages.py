"""The MkDocs hook's generator process: every generated file, written as one cache entry.

    python -m derivations.publish.generate_pages KEY OUT
    python -m derivations.publish.generate_pages --standby    (then ["KEY", "OUT"] on stdin)

OUT receives the entry; stdout, as each page is built, one JSON line `[PATH, MARKDOWN]`, so
that the hook renders the page's formulas while the next pages are computed (anything else
the generators print goes to stderr).

The hook runs this in a fresh interpreter rather than in its own process, for three reasons:
an edit to any module under derivations/ takes effect on the next `mkdocs serve` rebuild;
MkDocs' process never imports numpy or sympy, so it neither waits for them at exit nor
carries their objects through its garbage collections; and the pages are computed while
MkDocs loads its theme.

`--standby` is for `mkdocs serve`: while the author is still editing, the process imports
numpy and sympy (most of a cold generator's time), every module of ours, and builds the book;
then it waits for the next rebuild's KEY OUT, imports again the modules the edit reached and
recomputes only the pages built by them (derivations/publish/edit_scope.py), or, for an edit
it cannot scope, drops every module of ours and generates like a fresh process.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

STALE_STANDBY = 75  # exit status: the libraries loaded are not the installed ones any more
LIBRARIES = ("numpy", "sympy", "mpmath")  # build_cache.LIBRARIES, not imported here (tested)


def main(argv: list[str], built: dict | None = None) -> None:
    from derivations.publish.book import build_book
    from derivations.publish.build_cache import write_entry

    key, out = argv
    progress = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # a stray print() must not break the lines the hook reads

    def announce(item) -> None:
        if item.path.endswith(".md"):
            progress.write(json.dumps([item.path, item.content], ensure_ascii=False) + "\n")
            progress.flush()

    book = build_book(announce, built)  # the entry holds all or nothing: written last
    write_entry(Path(out), key, {item.path: item.content for item in book.files()})
    progress.close()


class PreparedBook:
    """Every page built from the files as read just before our modules were imported."""

    def __init__(self):
        from derivations.publish.book import build_page_module, page_modules
        from derivations.publish.edit_scope import importers_of, read_files

        self.package_dir = Path(__file__).resolve().parents[1]
        self.loaded = read_files(self.inputs())  # first: a later edit then shows as a change
        self.built = {name: build_page_module(name) for name in page_modules()}
        self.importers = importers_of(self.loaded, self.package_dir)  # ahead of the request

    def inputs(self) -> list[Path]:
        """The files the pages depend on (the page key's inputs but the builder's config)."""
        from derivations.publish.build_cache import page_inputs

        return page_inputs(self.package_dir, self.package_dir.parent / "mkdocs.yml")

    def still_valid(self) -> dict | None:
        """The pages no edit since reached, after dropping the modules it did; None when the
        edits need a fresh start."""
        from derivations.publish.edit_scope import read_files, stale_modules

        if self.importers is None:
            return None
        stale = stale_modules(self.loaded, read_files(self.inputs()), self.package_dir,
                              self.importers)
        if stale is None:
            return None
        for name in stale:
            sys.modules.pop(name, None)
            parent, _, child = name.rpartition(".")
            # `from package import module` reads the package's attribute before sys.modules
            if hasattr(sys.modules.get(parent), child):
                delattr(sys.modules[parent], child)
        importlib.invalidate_caches()
        return {name: items for name, items in self.built.items() if name not in stale}


def standby() -> int:
    import numpy  # noqa: F401  (the slow part, paid while the author edits)
    import sympy  # noqa: F401  (imports mpmath)

    try:
        prepared: PreparedBook | None = PreparedBook()
    except Exception:  # a generator that fails now may be fixed by the next edit
        prepared = None  # the request starts afresh, and reports what still fails
    line = sys.stdin.readline()
    if not line:
        return 0  # the server stopped
    from importlib import metadata

    request = json.loads(line)
    # The key names the installed versions; an upgrade since this process started would
    # file pages computed with the old libraries under the new versions.
    if any(metadata.version(name) != sys.modules[name].__version__ for name in LIBRARIES):
        return STALE_STANDBY
    built = prepared.still_valid() if prepared is not None else None
    if built is not None:
        main(request, built)
        return 0
    for name in [name for name in sys.modules if name.split(".")[0] == "derivations"]:
        del sys.modules[name]  # everything of ours is imported again, from disk
    importlib.invalidate_caches()  # modules added since this process started
    importlib.import_module("derivations.publish.generate_pages").main(request)
    return 0


if __name__ == "__main__":
    status = standby() if sys.argv[1:] == ["--standby"] else main(sys.argv[1:]) or 0
    sys.stdout.flush()
    sys.stderr.flush()
    # The entry is complete and renamed into place, and nothing else is left to do: skip
    # the interpreter's teardown, which with sympy loaded costs about a tenth of a second.
    # (An exception above ends the process the ordinary way, with its traceback.)
    os._exit(status)
