"""`python -m derivations anchors SITE_DIR`: list every citable address of a built site."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from derivations.errors import UsageError

HELP = "list every citable page#anchor of a built site (headings and numbered equations)"
DESCRIPTION = """\
Print one line per citable address of a built site (the folder `mkdocs build` writes):
each page as `/path/`, and each heading and numbered equation in its article as
`/path/#id`, sorted. People cite these; tests/anchors_manifest.txt keeps the published
list so that a test notices when one disappears. The theme's own "Cite this page"
heading, redirect stubs and 404.html are not addresses of the book."""
EPILOG = """\
example:
  python -m mkdocs build --strict -d /tmp/site
  python -m derivations anchors /tmp/site --write tests/anchors_manifest.txt"""

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
THEME_IDS = {"cite-this-page"}  # derivations/theme/partials/cite-box.html, on every page


def add_arguments(parser):
    parser.add_argument("site_dir", metavar="SITE_DIR", type=Path, help="a built site folder")
    parser.add_argument("--write", metavar="FILE", type=Path,
                        help="write the list to FILE instead of printing it")


class _ArticleIds(HTMLParser):
    """Ids of headings and equation blocks inside the page's first <article>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.in_article = False
        self.seen_article = False
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "article" and not self.seen_article:
            self.in_article = self.seen_article = True
        if not self.in_article:
            return
        if tag == "article":
            self.depth += 1
        values = dict(attrs)
        ident = values.get("id")
        classes = (values.get("class") or "").split()
        if ident and ident not in THEME_IDS and (tag in HEADINGS or "equation" in classes):
            self.ids.append(ident)

    def handle_endtag(self, tag):
        if self.in_article and tag == "article":
            self.depth -= 1
            if self.depth == 0:
                self.in_article = False


def page_address(html_path: str) -> str:
    """`general/stride/index.html` -> `/general/stride/`; `index.html` -> `/`."""
    return "/" + html_path.removesuffix("index.html")


def published_anchors(site: Path) -> list[str]:
    """Every page and page#anchor of the built site at `site`, sorted."""
    lines: set[str] = set()
    for html_file in sorted(site.rglob("*.html")):
        name = html_file.relative_to(site).as_posix()
        if name == "404.html":
            continue
        parser = _ArticleIds()
        parser.feed(html_file.read_text(encoding="utf-8"))
        if not parser.seen_article:
            continue  # redirect stubs (mkdocs-redirects) and other non-pages
        address = page_address(name)
        lines.add(address)
        lines.update(f"{address}#{ident}" for ident in parser.ids)
    return sorted(lines)


def run(args) -> int:
    site: Path = args.site_dir
    if not (site / "index.html").is_file():
        raise UsageError(f"SITE_DIR {site}: has no index.html, so it is not a built site; "
                         "build one with `python -m mkdocs build --strict -d DIR`")
    text = "".join(f"{line}\n" for line in published_anchors(site))
    if args.write is None:
        print(text, end="")
        return 0
    from derivations.cli.atomic import write_text_atomic

    try:
        write_text_atomic(args.write, text)
    except OSError as error:
        raise UsageError(f"--write {args.write}: cannot write: {error.strerror}") from None
    print(f"wrote {text.count(chr(10))} addresses to {args.write}")
    return 0
