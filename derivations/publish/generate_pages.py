"""The MkDocs hook's generator process: every generated file, written as one cache entry.

    python -m derivations.publish.generate_pages KEY OUT

The hook runs this in a fresh interpreter rather than in its own process, for three reasons:
an edit to any module under derivations/ takes effect on the next `mkdocs serve` rebuild;
MkDocs' process never imports numpy or sympy, so it neither waits for them at exit nor
carries their objects through its garbage collections; and the pages are computed while
MkDocs loads its theme.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from derivations.publish.book import build_book
from derivations.publish.build_cache import write_entry


def main(argv: list[str]) -> None:
    key, out = argv
    book = build_book()  # everything is computed before the first byte is written
    write_entry(Path(out), key, {item.path: item.content for item in book.files()})


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # The entry is complete and renamed into place, and nothing else is left to do: skip
    # the interpreter's teardown, which with sympy loaded costs about a tenth of a second.
    # (An exception above ends the process the ordinary way, with its traceback.)
    os._exit(0)
