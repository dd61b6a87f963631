"""`python -m derivations pdf`: the whole book as one PDF, read back with pypdf (outline,
links, images) and PDFium (text).

The book is printed twice per run, by two processes beside the other tests (conftest's
`book_pdf` and `book_pdf_again`). Expectations come from elsewhere than the command:
chapter order and titles from mkdocs.yml's nav and the built pages' <h1>, equation numbers
from the built HTML, audited numbers from the generators' records, the commit day from git.
"""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
import yaml
from conftest import REPO, commit_day, derivations_pdf, run_cli

from derivations.publish.book import build_book

pytestmark = pytest.mark.browser
# PDFium writes U+FFFE for a hyphen where Chromium broke a line after it; the page shows "-".
LINE_END_HYPHEN = "\ufffe"


class _AnyTagLoader(yaml.SafeLoader):
    """mkdocs.yml may hold !!python/name tags; they do not matter here."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_chapters() -> list[tuple[str, str, tuple[str, ...]]]:
    """(nav title, site path, parts) of every page in mkdocs.yml's nav, in order."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    out = []

    def walk(items, parts):
        for item in items:
            (title, target), = item.items()
            if isinstance(target, list):
                walk(target, (*parts, title))
            else:
                path = target.removesuffix(".md")
                path = "" if path == "index" else path + "/"
                out.append((title, path, parts))

    walk(config["nav"], ())
    return out


def h1_title(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)<a class=\"headerlink\"", html, re.S).group(1)
    return unescape(re.sub(r"<[^>]+>", "", heading)).strip()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def reader(book_pdf):
    from pypdf import PdfReader

    return PdfReader(book_pdf)


@pytest.fixture(scope="module")
def page_texts(book_pdf) -> list[str]:
    """The text of each page, as PDFium (Chromium's own PDF engine) reads it: a tenth of a
    second per hundred pages, where pypdf's extract_text takes ten."""
    import pypdfium2

    document = pypdfium2.PdfDocument(book_pdf)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace(LINE_END_HYPHEN, "-"))
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


def outline_entries(reader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every outline entry, in order."""
    entries = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                entries.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return entries


def chapter_starts(reader, built_site) -> list[tuple[str, int]]:
    """(path, first page index) of each chapter, from the outline, in nav order."""
    outline = outline_entries(reader)
    starts, cursor = [], 0
    for _, path, parts in nav_chapters():
        title = h1_title(built_site, path)
        found = next(i for i in range(cursor, len(outline))
                     if outline[i][1] == title and outline[i][0] == len(parts))
        starts.append((path, outline[found][2]))
        cursor = found + 1
    return starts


def test_the_title_page_names_the_book_the_build_and_its_commit_day(page_texts):
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    first = page_texts[0]
    assert config["site_name"] in first
    # The session's site is a local build: it must not pass for an edition.
    assert f"Local build, from the commit of {commit_day()}" in first
    assert "Not a published edition" in first


def test_contents_list_every_page_in_navigation_order(page_texts):
    contents = page_texts[1]
    assert contents.lstrip().startswith("Contents")
    titles = [title for title, _, _ in nav_chapters()]
    parts = [part for _, _, chapter_parts in nav_chapters() for part in chapter_parts]
    where = [contents.index(title) for title in titles]
    assert where == sorted(where), "contents out of navigation order"
    assert all(part in contents for part in parts)


def test_the_outline_holds_every_chapter_in_order_on_its_own_pages(reader, built_site):
    outline = outline_entries(reader)
    top = [title for depth, title, _ in outline if depth == 0]
    parts = list(dict.fromkeys(part for _, _, p in nav_chapters() for part in p[:1]))
    assert top[0] == "Contents" and all(part in top for part in parts)
    starts = chapter_starts(reader, built_site)
    pages = [page for _, page in starts]
    assert len(starts) == len(nav_chapters()) >= 20
    assert pages == sorted(set(pages)), "chapters share a page or run out of order"
    assert pages[0] >= 2  # after the title page and the contents
    assert len(reader.pages) > pages[-1]
    assert len(reader.pages) >= len(starts) + 2 + len(parts)


def test_every_chapter_title_appears_in_the_text(page_texts, built_site):
    text = squeeze("".join(page_texts))
    for title, path, _ in nav_chapters():
        assert squeeze(title) in text, title
        assert squeeze(h1_title(built_site, path)) in text, path


def test_a_sample_of_audited_numbers_is_printed_in_its_chapter(reader, page_texts, built_site):
    """Every 5th number the generators recorded (and the audit checks on the site) is in
    the text of its own chapter's pages."""
    starts = chapter_starts(reader, built_site)
    ranges = {path: (start, end) for (path, start), (_, end)
              in zip(starts, [*starts[1:], ("", len(reader.pages))], strict=True)}
    book = build_book()
    checked = 0
    for page in book.pages:
        stem = page.path.removesuffix(".md")
        path = "" if stem == "index" else (stem.removesuffix("/index") + "/")
        start, end = ranges[path]
        text = squeeze("".join(page_texts[start:end]))
        for record in page.records[::5]:
            # command output keeps the ASCII minus the command printed; prose shows U+2212
            printed = (record.printed if record.as_written
                       else record.printed.replace("-", "\u2212"))
            assert printed in text, f"{path}: {record.key} = {printed} not in its pages"
            checked += 1
    assert checked >= 100


def test_equations_keep_their_numbers_and_every_internal_link_resolves(reader, page_texts,
                                                                       built_site):
    destinations = reader.named_destinations
    links = 0
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link" or "/Dest" not in annotation:
                continue
            name = str(annotation["/Dest"])
            assert name in destinations, f"link to {name}: no such destination"
            assert 0 <= reader.get_destination_page_number(destinations[name]) < len(page_texts)
            links += 1
    equations = 0
    for path, start in chapter_starts(reader, built_site):
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        slug = path.strip("/").replace("/", "-") or "home"
        for ident, number in re.findall(
                r'<div class="equation" id="(eq-[a-z0-9-]+)">.*?<a class="eq-num"[^>]*>'
                r"(\(\d+\))</a>", html, re.S):
            index = reader.get_destination_page_number(destinations[f"/{slug}--{ident}"])
            assert index >= start and number in page_texts[index], f"{path}#{ident} {number}"
            equations += 1
    assert equations >= 30 and links >= equations


def test_contents_entries_link_to_their_chapters(reader, page_texts, built_site):
    """A click on a contents line opens the page where that chapter starts."""
    starts = dict(chapter_starts(reader, built_site))
    destinations = reader.named_destinations
    targets = [reader.get_destination_page_number(destinations[str(a.get_object()["/Dest"])])
               for a in reader.pages[1].get("/Annots") or [] if "/Dest" in a.get_object()]
    assert targets == [starts[path] for _, path, _ in nav_chapters()]


def test_figures_are_vectors(reader, built_site):
    """The site's figures are SVG; printed, the PDF holds not one bitmap."""
    figures = [p for p in built_site.rglob("*.svg") if "figures" in p.parts]
    assert len(figures) >= 10

    def images(resources) -> int:
        count = 0
        for item in ((resources or {}).get("/XObject") or {}).values():
            item = item.get_object()
            if item.get("/Subtype") == "/Image":
                count += 1
            elif item.get("/Subtype") == "/Form":
                count += images(item.get("/Resources"))
        for item in ((resources or {}).get("/Pattern") or {}).values():
            count += images(item.get_object().get("/Resources"))
        return count

    assert sum(images(page.get("/Resources")) for page in reader.pages) == 0


def test_one_site_gives_one_pdf(book_pdf, book_pdf_again):
    """Two processes print the run's site (conftest, beside the other tests): same bytes."""
    again = book_pdf_again
    assert again.read_bytes() == book_pdf.read_bytes()
    day = commit_day().replace("-", "")
    assert re.findall(rb"/CreationDate \(D:(\d{8})", again.read_bytes()) == [day.encode()]


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def nothing_written(folder: Path, before: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == before, "a file was left behind"


def test_bad_input_is_one_line_and_writes_nothing(built_site, tmp_path):
    """Each refusal comes before a browser starts, so the command runs in this process."""
    out = tmp_path / "book.pdf"
    refused(run_cli("pdf", str(tmp_path / "missing"), "--out", str(out)),
            "no such folder")
    not_a_site = tmp_path / "notasite"
    not_a_site.mkdir()
    refused(run_cli("pdf", str(not_a_site), "--out", str(out)), "has no index.html")
    (not_a_site / "index.html").write_text("<html><body>hello</body></html>", encoding="utf-8")
    refused(run_cli("pdf", str(not_a_site), "--out", str(out)), "no navigation")
    refused(run_cli("pdf", str(built_site), "--out", str(tmp_path / "no" / "b.pdf")),
            "--out", "cannot write there")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    refused(run_cli("pdf", str(built_site), "--out", str(blocker / "b.pdf")),
            "cannot write there")
    refused(run_cli("pdf", str(built_site), "--out", str(tmp_path)), "is a folder")
    no_chromium = str(tmp_path / "no-chromium")
    refused(run_cli("pdf", str(built_site), "--out", str(out), "--chromium", no_chromium),
            "--chromium", "no such file")
    # A fresh interpreter: Playwright is hidden before anything imports it.
    refused(derivations_pdf("pdf", str(built_site), "--out", str(out),
                            prelude="sys.modules['playwright'] = None"), "pip install -e '.[pdf]'")
    refused(run_cli("pdf", str(built_site)), "--out")
    nothing_written(tmp_path, {"notasite", "file"})


def test_a_chromium_that_does_not_start_is_one_line(chromium, built_site, tmp_path):
    out = tmp_path / "book.pdf"
    refused(derivations_pdf("pdf", str(built_site), "--out", str(out), "--chromium", "/bin/true"),
            "--chromium /bin/true: did not start")
    nothing_written(tmp_path, set())


def test_a_request_to_another_host_fails_the_pdf(chromium, site_copy, tmp_path):
    page = site_copy / "about" / "notation" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", '<img src="https://example.org/tracker.png" alt=""></article>', 1),
        encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    refused(derivations_pdf("pdf", str(site_copy), "--out", str(out / "book.pdf")),
            "asks another host for https://example.org/tracker.png")
    nothing_written(out, set())
