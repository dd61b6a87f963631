"""Every page can be cited: its URL, the book's version (not the build time), plain text and
BibTeX; the version agrees in pyproject.toml, mkdocs.yml and CITATION.cff.

The session's site is a local build (no edition): its box cites the moving address
site_url/latest/page/. Editions' boxes are checked in tests/test_editions.py."""

from __future__ import annotations

import datetime
import re
import subprocess
import tomllib
from html import unescape
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CITE_BOX = re.compile(r'<aside class="cite-box".*?</aside>', re.DOTALL)


class _AnyTagLoader(yaml.SafeLoader):
    """mkdocs.yml may hold !!python/name tags; they do not matter here."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def mkdocs_config() -> dict:
    return yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTagLoader)


def content_pages(site: Path) -> list[Path]:
    """Built pages of the book (with an <article>), not 404.html or redirect stubs."""
    return [p for p in sorted(site.rglob("*.html"))
            if p.name != "404.html" and "<article" in p.read_text(encoding="utf-8")]


def test_version_agrees_in_pyproject_mkdocs_and_citation_cff():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    citation = mkdocs_config()["extra"]["citation"]
    assert str(citation["version"]) == pyproject["project"]["version"] == str(cff["version"])
    assert cff["url"] == mkdocs_config()["site_url"]
    edition = ".".join(pyproject["project"]["version"].split(".")[:2])
    assert cff["identifiers"] == [{
        "type": "url", "value": f"{cff['url']}{edition}/",
        "description": f"Edition {edition} of the book, unchanged since its release"}]


def test_site_url_is_the_canonical_https_base():
    site_url = mkdocs_config()["site_url"]
    assert re.fullmatch(r"https://[^/]+/([^/]+/)?", site_url), site_url


def commit_day() -> str:
    """The UTC day of the last commit, read from git here rather than from the build."""
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, check=True,
                           capture_output=True, text=True).stdout.strip()
    return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).strftime("%Y-%m-%d")


def test_every_page_ends_with_a_cite_box(built_site):
    """One box per page, after the article text, naming the page's moving URL, the version
    and the day of the commit the site was built from."""
    config = mkdocs_config()
    version = str(config["extra"]["citation"]["version"])
    day = commit_day()
    pages = content_pages(built_site)
    assert len(pages) >= 3, "expected a built book with several pages"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        boxes = CITE_BOX.findall(html)
        name = page.relative_to(built_site).as_posix()
        assert len(boxes) == 1, f"{name}: {len(boxes)} cite boxes"
        box = unescape(boxes[0])
        url = config["site_url"] + "latest/" + name.removesuffix("index.html")
        assert f'href="{url}"' in box, f"{name}: moving URL {url} missing"
        plain = re.search(r'<pre class="cite-box__text" id="cite-plain">(.*?)</pre>', box, re.S)
        bibtex = re.search(r'<pre class="cite-box__text" id="cite-bibtex">(.*?)</pre>', box, re.S)
        assert plain and url in plain.group(1) and version in plain.group(1), name
        assert plain.group(1).endswith(f"version {version} ({day}). {url}"), name
        assert "edition" not in box.split("<pre")[0].lower().replace("newest edition", ""), (
            f"{name}: a local build claims to be an edition")
        assert bibtex and bibtex.group(1).startswith("@misc{convbackprop:"), name
        assert f"\\url{{{url}}}" in bibtex.group(1) and f"version      = {{{version}}}" in box
        assert bibtex.group(1).count("{") == bibtex.group(1).count("}"), f"{name}: unbalanced"
        assert box.count('class="cite-box__copy md-button"') == 2, f"{name}: copy buttons"
        assert f'<meta name="citation_public_url" content="{url}">' in html, name
        article_end = html.index("</article>")
        assert html.index('<aside class="cite-box"') < article_end, f"{name}: box outside article"


def test_bibtex_keys_are_unique_across_pages(built_site):
    keys = [re.search(r"@misc\{([^,]+),", page.read_text(encoding="utf-8")).group(1)
            for page in content_pages(built_site)]
    assert len(keys) == len(set(keys)), sorted(keys)
