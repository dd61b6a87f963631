"""Two editions published with mike into a local gh-pages branch, served and read in Chromium.

A copy of the repository becomes a fresh git repository; edition 0.1 is deployed as
`latest`, the release facts are bumped to 0.2.0 and a sentence is added, and edition 0.2
takes `latest` over (the commands of .github/workflows/pages.yml, without --push, and its
`python -m derivations forward` for the addresses from before editions). The
gh-pages tree is then served from a folder on 127.0.0.1, and the tests check what readers
and citations rely on: 0.1 is byte-for-byte what it was, both editions are served, the
root and /latest/ lead to the newest, the version selector lists both and moves between
them, and every URL in the cite box resolves (anchor included) on the served copy.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COPY_IGNORES = shutil.ignore_patterns(".git", ".venv", "site", "__pycache__", ".hypothesis",
                                      ".pytest_cache", ".ruff_cache", "*.egg-info")
MARKER = "Thissentencearrivedwiththesecondedition"  # no digits: the audit stays clean
PAGE = "general/stride/"  # a page with headings and numbered equations
# An entry of Material's version selector: [its title, the alias shown beside it or ""].
TITLE = """entry => [entry.firstChild.textContent.trim(),
                  (entry.querySelector(".md-version__alias") || {textContent: ""}).textContent]"""


def site_url() -> str:
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    return next(line.split(":", 1)[1].strip() for line in config.splitlines()
                if line.startswith("site_url:"))


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True, env=env).stdout


def mike(repo: Path, env: dict, *args: str) -> None:
    """The `mike` beside this interpreter; it runs `mkdocs` (or ProperDocs) from PATH."""
    command = [str(Path(sys.executable).with_name("mike")), *args, "--branch", "gh-pages"]
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stderr[-2000:]}"


def forward(repo: Path, env: dict) -> None:
    """The workflow's last step: pre-edition addresses forward to latest (on gh-pages)."""
    pages = repo.parent / "gh-pages-checkout"
    git(repo, "worktree", "add", "-q", str(pages), "gh-pages", env=env)
    done = subprocess.run([sys.executable, "-m", "derivations", "forward", "site", "--out",
                           str(pages)], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    git(pages, "add", "-A", env=env)
    if git(pages, "status", "--porcelain", env=env):  # the same pages again: nothing to add
        git(pages, "commit", "-q", "-m", "forward unversioned addresses", env=env)
    git(repo, "worktree", "remove", str(pages), env=env)  # mike moves gh-pages next time


def bump_release_facts(repo: Path, version: str) -> None:
    """What a maintainer edits before a new edition: the version in its three places, and
    the edition's address in CITATION.cff."""
    edition = ".".join(version.split(".")[:2])
    for name, pattern, new in (
            ("mkdocs.yml", r"(\n    version: )\S+", version),
            ("pyproject.toml", r'(\nversion = ")[^"]+', version),
            ("CITATION.cff", r"(\nversion: )\S+", version),
            ("CITATION.cff", r"(convbackprop/)\d+\.\d+(/)", edition),
            ("CITATION.cff", r"(Edition )\d+\.\d+", edition)):
        path = repo / name
        text, count = re.subn(pattern, rf"\g<1>{new}\g<2>" if pattern.endswith("(/)")
                              else rf"\g<1>{new}", path.read_text(encoding="utf-8"))
        assert count == 1, (name, pattern)
        path.write_text(text, encoding="utf-8")


def tree(repo: Path, folder: str) -> dict[str, str]:
    """path -> git blob id (a hash of the bytes) of every file under folder on gh-pages."""
    listing = git(repo, "ls-tree", "-r", "gh-pages", "--", folder)
    return {line.split("\t")[1]: line.split()[2] for line in listing.splitlines()}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The repository copy after both deployments, and 0.1's tree right after its own."""
    root = tmp_path_factory.mktemp("editions")
    repo = root / "repo"
    shutil.copytree(REPO, repo, ignore=COPY_IGNORES)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PYTHONPATH": str(repo), "PATH": bin_dir + os.pathsep + os.environ["PATH"],
           "GIT_AUTHOR_NAME": "Editions test", "GIT_AUTHOR_EMAIL": "editions@example.org",
           "GIT_COMMITTER_NAME": "Editions test", "GIT_COMMITTER_EMAIL": "editions@example.org"}
    env.pop("SOURCE_DATE_EPOCH", None)
    env.pop("MIKE_DOCS_VERSION", None)
    first = {**env, "GIT_AUTHOR_DATE": "2026-01-15T12:00:00Z",
             "GIT_COMMITTER_DATE": "2026-01-15T12:00:00Z"}
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the book at edition 0.1", env=first)
    mike(repo, first, "deploy", "0.1", "latest", "--update-aliases")
    mike(repo, first, "set-default", "latest")
    forward(repo, first)
    before = tree(repo, "0.1")

    bump_release_facts(repo, "0.2.0")
    publishing = repo / "docs" / "about" / "publishing.md"
    publishing.write_text(publishing.read_text(encoding="utf-8") + f"\n{MARKER}\n",
                          encoding="utf-8")
    second = {**env, "GIT_AUTHOR_DATE": "2026-03-02T12:00:00Z",
              "GIT_COMMITTER_DATE": "2026-03-02T12:00:00Z"}
    git(repo, "commit", "-q", "-am", "edition 0.2", env=second)
    mike(repo, second, "deploy", "0.2", "latest", "--update-aliases")
    mike(repo, second, "set-default", "latest")
    forward(repo, second)

    served = root / "served"
    served.mkdir()
    archive = subprocess.run(["git", "archive", "gh-pages"], cwd=repo, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(served, filter="data")
    return {"repo": repo, "before": before, "served": served}


@pytest.fixture(scope="module")
def server(published):
    """The gh-pages tree on 127.0.0.1, as GitHub Pages would serve the branch."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(published["served"]))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def page(browser, server):
    """A fresh browser tab that refuses, and records, any request to another host."""
    context = browser.new_context()
    foreign: list[str] = []
    origin = urlsplit(server).netloc

    def gate(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert foreign == [], foreign
    assert errors == [], errors


def local(url: str, server: str) -> str:
    """A published address (site_url/...) on the local copy of the gh-pages branch."""
    assert url.startswith(site_url()), url
    return server + url.removeprefix(site_url())


def test_the_old_edition_is_byte_for_byte_unchanged(published):
    after = tree(published["repo"], "0.1")
    assert len(after) > 50 and after == published["before"]


def test_both_editions_are_built_from_their_own_commit(published):
    served = published["served"]
    versions = json.loads((served / "versions.json").read_text(encoding="utf-8"))
    assert [(v["version"], v["aliases"]) for v in versions] == [("0.2", ["latest"]),
                                                               ("0.1", [])]
    for edition, day in (("0.1", "2026-01-15"), ("0.2", "2026-03-02")):
        html = (served / edition / PAGE / "index.html").read_text(encoding="utf-8")
        assert f'<meta name="convbackprop:edition" content="release {edition}">' in html
        assert f'<meta name="convbackprop:date" content="{day}">' in html
        assert f'<link rel="canonical" href="{site_url()}{edition}/{PAGE}">' in html
    new = (served / "0.2" / "about" / "publishing" / "index.html").read_text(encoding="utf-8")
    old = (served / "0.1" / "about" / "publishing" / "index.html").read_text(encoding="utf-8")
    assert MARKER in new and MARKER not in old


def test_the_root_and_latest_lead_to_the_newest_edition(page, server, published):
    page.goto(server, wait_until="load")
    page.wait_for_url(server + "0.2/")
    equation = re.findall(r'class="equation" id="(eq-[a-z0-9-]+)"',
                          (published["served"] / "0.2" / PAGE / "index.html").read_text())[0]
    page.goto(f"{server}latest/{PAGE}#{equation}", wait_until="load")
    page.wait_for_url(f"{server}0.2/{PAGE}#{equation}")  # the anchor survives the redirect


def test_addresses_from_before_editions_lead_to_the_newest(page, server, published):
    """Every page address of the anchors manifest (cited before there were editions) is
    still served, and forwards to the same page of the newest edition, anchor kept."""
    manifest = (REPO / "tests" / "anchors_manifest.txt").read_text(encoding="utf-8")
    addresses = [line for line in manifest.splitlines() if line and "#" not in line]
    assert len(addresses) >= 20
    for address in addresses:
        assert (published["served"] / address.lstrip("/") / "index.html").is_file(), address
    anchor = next(line for line in manifest.splitlines() if line.startswith(f"/{PAGE}#eq-"))
    page.goto(server + anchor.lstrip("/"), wait_until="load")
    page.wait_for_url(server + "0.2" + anchor)
    assert page.locator(anchor[anchor.index("#"):]).count() == 1


def test_the_version_selector_lists_both_and_moves_to_the_same_page(page, server):
    page.goto(f"{server}0.1/{PAGE}", wait_until="networkidle")
    selector = page.locator(".md-version")
    selector.wait_for()
    assert page.eval_on_selector(".md-version__current", TITLE) == ["0.1", ""]
    links = page.locator(".md-version__link")
    assert page.eval_on_selector_all(".md-version__link", f"links => links.map({TITLE})") == [
        ["0.2", "latest"], ["0.1", ""]]
    banner = page.locator("[data-md-component=outdated]")
    assert banner.is_visible() and "earlier edition" in banner.inner_text()
    selector.hover()
    links.first.click()
    page.wait_for_url(f"{server}0.2/{PAGE}")
    page.wait_for_load_state("networkidle")
    assert page.eval_on_selector(".md-version__current", TITLE) == ["0.2", "latest"]
    assert not page.locator("[data-md-component=outdated]").is_visible()


def test_the_cite_box_cites_the_edition_and_its_urls_resolve(page, server, published):
    html = (published["served"] / "0.1" / PAGE / "index.html").read_text(encoding="utf-8")
    equation = re.findall(r'class="equation" id="(eq-[a-z0-9-]+)"', html)[0]
    heading = re.findall(r'<h2 id="([a-z0-9-]+)"', html)[0]
    page.goto(f"{server}0.1/{PAGE}", wait_until="load")
    page.click(f"#{equation} a.eq-num")  # the reader links to an equation
    page.wait_for_function(f"() => document.querySelector('#cite-plain').textContent"
                           f".includes('#{equation}')")
    edition = f"{site_url()}0.1/{PAGE}#{equation}"
    moving = f"{site_url()}latest/{PAGE}#{equation}"
    urls = page.locator(".cite-box a.cite-box__url")
    assert [urls.nth(i).get_attribute("href") for i in range(urls.count())] == [edition, moving]
    assert page.locator("#cite-plain").inner_text().endswith(
        f"edition 0.1 (version 0.1.0, 2026-01-15). {edition}")
    bibtex = page.locator("#cite-bibtex").inner_text()
    assert f"\\url{{{edition}}}" in bibtex and "edition      = {0.1}" in bibtex
    assert "equation (" in page.locator(".cite-box__target").inner_text()

    page.goto(f"{server}0.1/{PAGE}#{heading}", wait_until="load")  # or to a heading
    assert page.locator(".cite-box a.cite-box__url").first.get_attribute("href") == (
        f"{site_url()}0.1/{PAGE}#{heading}")

    for url, lands in ((edition, f"{server}0.1/{PAGE}#{equation}"),
                       (moving, f"{server}0.2/{PAGE}#{equation}")):
        page.goto("about:blank")  # a new document each time, not a jump within the page
        response = page.goto(local(url, server), wait_until="load")
        page.wait_for_url(lands)
        assert response is not None and response.ok, url
        assert page.locator(f"#{equation}").count() == 1, f"{url}: no such anchor"


def test_the_workflow_publishes_with_these_commands():
    """.github/workflows/pages.yml deploys editions with the mike commands tested above."""
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text())
    script = "\n".join(step.get("run", "") for job in workflow["jobs"].values()
                       for step in job["steps"])
    assert re.search(r'mike deploy "\$EDITION" latest --update-aliases --push', script)
    assert "mike set-default latest --push" in script
    assert re.search(r"python -m derivations forward site --out \S+", script)
