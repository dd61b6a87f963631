"""`python -m derivations pdf SITE_DIR --out FILE`: the whole built book as one PDF."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from derivations.errors import UsageError
from derivations.publish.print_pdf import DEFAULT_CHROMIUM

HELP = "print a built site to one PDF: title page, contents, every page in navigation order"
DESCRIPTION = """\
Print the whole book from a built site (the folder `mkdocs build` writes) to one PDF with
Chromium's print to PDF, driven by Playwright:

  * a title page with the edition and the date of the commit the site was built from,
    then a table of contents, then every page in the order of the site's navigation;
  * equations with the numbers they have on the site (MathML, drawn by Chromium), figures
    as vectors (the site's SVG), an outline of every heading, and every link between
    pages of the book working inside the PDF;
  * no request to any other host (the site's files are read from SITE_DIR; anything else
    is refused and reported), and the same bytes for the same site.

Needs the `pdf` extra (`pip install -e '.[pdf]'`, Playwright) and a Chromium on disk; no
browser is downloaded. The file is written only when complete."""
EPILOG = """\
example:
  MIKE_DOCS_VERSION=0.1 python -m mkdocs build --strict -d /tmp/site
  python -m derivations pdf /tmp/site --out convbackprop-0.1.pdf"""



def add_arguments(parser):
    parser.add_argument("site_dir", metavar="SITE_DIR", type=Path, help="a built site folder")
    parser.add_argument("--out", metavar="FILE", type=Path, required=True,
                        help="where to write the PDF")
    parser.add_argument("--chromium", metavar="PATH", type=Path, default=DEFAULT_CHROMIUM,
                        help=f"the Chromium (or Chrome) to print with (default {DEFAULT_CHROMIUM})")


def _document(site: Path):
    from derivations.publish.whole_book import NotABuiltSite, whole_book

    if not site.is_dir():
        raise UsageError(f"SITE_DIR {site}: no such folder; give the folder `mkdocs build` wrote")
    try:
        return whole_book(site)
    except NotABuiltSite as error:
        raise UsageError(f"SITE_DIR {site}: {error}; build the book with "
                         "`python -m mkdocs build --strict -d DIR`") from None


def _claim_output(out: Path) -> Path:
    """A temporary sibling of --out, made now: an unwritable place fails before printing."""
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write there: {error.strerror}") from None
    os.close(fd)
    return Path(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def run(args) -> int:
    out: Path = args.out
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; name the PDF file to write")
    document, facts, chapters = _document(args.site_dir)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise UsageError("the pdf command needs Playwright, which is not installed: "
                         "pip install -e '.[pdf]'") from None
    if not args.chromium.is_file():
        raise UsageError(f"--chromium {args.chromium}: no such file; install Chromium "
                         "(apt-get install -y chromium) or name one with --chromium PATH")
    from derivations.publish.print_pdf import PrintError, fix_clock_bytes, print_pdf

    tmp = _claim_output(out)
    try:
        try:
            pdf = print_pdf(document, args.site_dir, args.chromium,
                            f"{facts.title} · {facts.issue}")
        except PrintError as error:
            raise UsageError(str(error)) from None
        tmp.write_bytes(fix_clock_bytes(pdf, facts.date))
        os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file, not mkstemp's 0600
        os.replace(tmp, out)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write: {error.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {out}: {len(chapters)} pages of the site, {facts.issue}")
    return 0
