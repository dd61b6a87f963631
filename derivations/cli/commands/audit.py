"""`python -m derivations audit SITE_DIR`: prove every printed number of a built site."""

from derivations.cli.input_files import site_limits_text, site_pages
from derivations.cli.messages import shown

HELP = "check every number printed in a built site against an independent recomputation"
DESCRIPTION = f"""\
Check a built site (the folder `mkdocs build` writes, normally site/):

  * every number the generators printed appears on its page as printed, and equals an
    independent recomputation (exact Fractions through the loop-by-definition engine,
    sympy, or the definition) at display precision;
  * no other number stands in the article body of any page, except notation the
    generator declared (sub/superscripts, equation numbers, code).

Exit 0 when clean; 1 with one line per problem (`page: printed X, expected Y` or
`page: unaccounted number X`); 2 when SITE_DIR is not a built site.

{site_limits_text()}"""


def add_arguments(parser):
    parser.add_argument("site_dir", metavar="SITE_DIR", help="a built site folder")


def page_html_path(markdown_path: str) -> str:
    """Where MkDocs (use_directory_urls) writes the page built from markdown_path."""
    stem = markdown_path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def run(args) -> int:
    pages = site_pages(args.site_dir, f"SITE_DIR {shown(args.site_dir)}")  # refused at once
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers
    from derivations.oracles import independent_values
    from derivations.publish.book import build_book

    book = build_book()
    oracle = independent_values()
    records_by_html = {page_html_path(page.path): page.records for page in book.pages}
    problems: list[str] = []
    for html_path in sorted(records_by_html):
        if html_path not in pages:
            problems.append(f"{html_path}: generated page is missing from the built site")
    checked = 0
    for name, html in pages.items():
        if name == "404.html":
            continue  # the theme's not-found page, not a page of the book
        found = extract_numbers(html)
        if not found.found_article:
            continue  # redirect stubs and other non-article files
        problems.extend(audit_page(name, records_by_html.get(name, ()), found, oracle))
        checked += 1
    for problem in problems:
        print(problem)
    total = sum(len(records) for records in records_by_html.values())
    verdict = "clean" if not problems else f"{len(problems)} problem(s)"
    print(f"audit: {checked} pages, {total} computed numbers checked: {verdict}")
    return 1 if problems else 0
