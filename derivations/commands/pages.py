"""`python -m derivations pages --out DIR`: export the generated pages as plain Markdown."""

from pathlib import Path

from derivations.atomic import write_text_atomic
from derivations.errors import UsageError

HELP = "write every generated page and figure into DIR (a docs folder for any builder)"
DESCRIPTION = """\
Write every generated page (Markdown) and asset (SVG figures, scripts) of the book into
DIR, at the paths they have under docs/. Together with docs/ and mkdocs.yml this is all an
mkdocs.yml-compatible builder needs; the MkDocs hook does the same thing in memory."""


def add_arguments(parser):
    parser.add_argument("--out", required=True, metavar="DIR", type=Path,
                        help="folder to write into (created if missing)")


def run(args) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder; give a folder path")
    from derivations.book import build_book

    book = build_book()  # everything is computed before the first byte is written
    for item in book.files():
        target = out / item.path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(target, item.content)
        except OSError as error:
            raise UsageError(f"--out {out}: cannot write {item.path}: {error.strerror}") from None
    print(f"wrote {len(book.pages)} pages and {len(book.assets)} assets to {out}")
    return 0
