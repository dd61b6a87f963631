"""The MkDocs hook's generator process: every generated file, written as one cache entry.

    python -m derivations.publish.generate_pages KEY OUT
    python -m derivations.publish.generate_pages --standby    (then ["KEY", "OUT"] on stdin)

The hook runs this in a fresh interpreter rather than in its own process, for three reasons:
an edit to any module under derivations/ takes effect on the next `mkdocs serve` rebuild;
MkDocs' process never imports numpy or sympy, so it neither waits for them at exit nor
carries their objects through its garbage collections; and the pages are computed while
MkDocs loads its theme.

`--standby` is for `mkdocs serve`: the process imports numpy and sympy (most of a cold
generator's time) while the author is still editing, then waits for the next rebuild's
KEY OUT and generates like a fresh process, importing every module of ours from disk then.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

STALE_STANDBY = 75  # exit status: the libraries loaded are not the installed ones any more
LIBRARIES = ("numpy", "sympy", "mpmath")  # build_cache.LIBRARIES, not imported here (tested)


def main(argv: list[str]) -> None:
    from derivations.publish.book import build_book
    from derivations.publish.build_cache import write_entry

    key, out = argv
    book = build_book()  # everything is computed before the first byte is written
    write_entry(Path(out), key, {item.path: item.content for item in book.files()})


def standby() -> int:
    import numpy  # noqa: F401  (the slow part, paid while the author edits)
    import sympy  # noqa: F401  (imports mpmath)

    line = sys.stdin.readline()
    if not line:
        return 0  # the server stopped
    from importlib import metadata

    request = json.loads(line)
    # The key names the installed versions; an upgrade since this process started would
    # file pages computed with the old libraries under the new versions.
    if any(metadata.version(name) != sys.modules[name].__version__ for name in LIBRARIES):
        return STALE_STANDBY
    for name in [name for name in sys.modules if name.split(".")[0] == "derivations"]:
        del sys.modules[name]  # this process's own start imported a few of ours: drop them
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
