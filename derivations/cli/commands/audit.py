"""`python -m derivations audit SITE_DIR`: prove every printed number of a built site."""

from derivations.cli.input_files import site_figure, site_limits_text, site_pages
from derivations.cli.messages import shown

HELP = "check every number printed in a built site against an independent recomputation"
DESCRIPTION = f"""\
Check a built site (the folder `mkdocs build` writes, normally site/):

  * every number the generators printed appears on its page as printed, and equals an
    independent recomputation (exact Fractions through the loop-by-definition engine,
    sympy, or the definition) at display precision;
  * no other number stands in the article body of any page, except notation the
    generator declared (sub/superscripts, equation numbers, code);
  * the same for every figure the book generated (the numbers drawn in its SVG) and for
    the command output shown on a page (marked output blocks).

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
    from derivations.audit.figure_svg import extract_figure_numbers, figure_records
    from derivations.audit.page_html import extract_numbers
    from derivations.oracles import independent_values
    from derivations.publish.book import build_book
    from derivations.render.printed_numbers import UNKEYED

    book = build_book()
    oracle = independent_values()
    records_by_html = {page_html_path(page.path): page.records for page in book.pages}
    problems: list[str] = []
    for html_path in sorted(records_by_html):
        if html_path not in pages:
            problems.append(f"{html_path}: generated page is missing from the built site")
    figures = 0
    for asset in book.assets:
        if not asset.path.endswith(".svg"):
            continue
        svg = site_figure(args.site_dir, asset.path, f"SITE_DIR {shown(args.site_dir)}")
        if svg is None:
            problems.append(f"{asset.path}: generated figure is missing from the built site")
            continue
        problems.extend(audit_page(asset.path, figure_records(asset),
                                   extract_figure_numbers(svg), oracle))
        figures += 1
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
    all_records = [record for records in records_by_html.values() for record in records]
    all_records += [record for asset in book.assets if asset.path.endswith(".svg")
                    for record in figure_records(asset)]
    unkeyed = sum(record.key.startswith(UNKEYED) for record in all_records)
    verdict = "clean" if not problems else f"{len(problems)} problem(s)"
    print(f"audit: {checked} pages, {figures} figures, {len(all_records)} computed numbers "
          f"checked ({unkeyed} against the generator only): {verdict}")
    return 1 if problems else 0
