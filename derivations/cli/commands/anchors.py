"""`python -m derivations anchors SITE_DIR`: list every citable address of a built site."""

from __future__ import annotations

from pathlib import Path

from derivations.cli.atomic import check_output_file
from derivations.cli.input_files import site_limits_text
from derivations.cli.messages import shown

HELP = "list every citable page#anchor of a built site (headings and numbered equations)"
DESCRIPTION = f"""\
Print one line per citable address of a built site (the folder `mkdocs build` writes):
each page as `/path/`, and each heading and numbered equation in its article as
`/path/#id`, sorted. People cite these; tests/anchors_manifest.txt keeps the published
list so that a test notices when one disappears. The theme's own "Cite this page"
heading, redirect stubs and 404.html are not addresses of the book.

{site_limits_text()}"""
EPILOG = """\
example:
  python -m mkdocs build --strict -d /tmp/site
  python -m derivations anchors /tmp/site --write tests/anchors_manifest.txt"""


def add_arguments(parser):
    parser.add_argument("site_dir", metavar="SITE_DIR", help="a built site folder")
    parser.add_argument("--write", metavar="FILE",
                        help="write the list to FILE instead of printing it: a regular file, "
                             "replaced whole or not at all, or a new name (a symlink, FIFO or "
                             "device is refused)")


def page_address(html_path: str) -> str:
    """`general/stride/index.html` -> `/general/stride/`; `index.html` -> `/`."""
    return "/" + html_path.removesuffix("index.html")


def published_anchors(site: Path) -> list[str]:
    """Every page and page#anchor of the built site at `site`, sorted."""
    from derivations.audit.page_html import article_ids
    from derivations.cli.input_files import site_pages

    lines: set[str] = set()
    for name, html in site_pages(site, f"SITE_DIR {shown(site)}").items():
        if name == "404.html":
            continue
        ids = article_ids(html)
        if ids is None:
            continue  # redirect stubs (mkdocs-redirects) and other non-pages
        address = page_address(name)
        lines.add(address)
        lines.update(f"{address}#{ident}" for ident in ids)
    return sorted(lines)


def run(args) -> int:
    from derivations.cli.atomic import write_text_atomic

    if args.write is not None:
        check_output_file(args.write, "--write")  # refused before the site is read
    text = "".join(f"{line}\n" for line in published_anchors(Path(args.site_dir)))
    if args.write is None:
        print(text, end="")
        return 0
    write_text_atomic(args.write, text, "--write")
    print(f"wrote {text.count(chr(10))} addresses to {shown(args.write, 1000)}")
    return 0
