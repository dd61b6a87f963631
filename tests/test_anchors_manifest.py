"""Published addresses (page#anchor) never disappear without a redirect.

tests/anchors_manifest.txt lists every citable address of the published book. Adding
addresses is normal (regenerate the file); removing one breaks every citation of it, so
a page that moves needs a redirect (mkdocs.yml, plugin `redirects`, `redirect_maps`).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

from derivations.cli.commands.anchors import published_anchors

MANIFEST = Path(__file__).with_name("anchors_manifest.txt")
REGENERATE = (
    "python -m mkdocs build --strict -d /tmp/site && "
    "python -m derivations anchors /tmp/site --write tests/anchors_manifest.txt"
)
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)"', re.IGNORECASE)


def manifest_lines() -> list[str]:
    return [line for line in MANIFEST.read_text(encoding="utf-8").splitlines() if line]


def redirect_target(site: Path, address: str) -> str | None:
    """Where the redirect stub at address's page sends readers (site-absolute), if any."""
    page = address.split("#", 1)[0]
    stub = site / page.lstrip("/") / "index.html"
    if not stub.is_file():
        return None
    found = REFRESH.search(stub.read_text(encoding="utf-8"))
    return urljoin(page, found.group(1)) if found else None


def test_manifest_is_sorted_unique_and_well_formed():
    lines = manifest_lines()
    assert lines, f"{MANIFEST} is empty; regenerate it: {REGENERATE}"
    assert lines == sorted(set(lines)), f"{MANIFEST} must be sorted and unique: {REGENERATE}"
    bad = [line for line in lines if not re.fullmatch(r"/([a-z0-9-]+/)*(#[a-z][a-z0-9-]*)?", line)]
    assert bad == [], f"malformed addresses in {MANIFEST}: {bad}"


def test_every_published_address_still_resolves(built_site):
    """Each manifest address exists in the fresh build, or its page redirects to where it went."""
    current = set(published_anchors(built_site))
    lost = []
    for address in manifest_lines():
        if address in current:
            continue
        target = redirect_target(built_site, address)
        fragment = address.partition("#")[2]
        moved_to = target and (target.split("#")[0] + (f"#{fragment}" if fragment else ""))
        if moved_to and moved_to in current:
            continue  # the redirect stub keeps the fragment (mkdocs-redirects adds location.hash)
        lost.append(address)
    assert lost == [], (
        f"{len(lost)} published address(es) disappeared: {lost[:20]}. People cite these. "
        "Keep the heading id / \\label, or when a page moved add `old.md: new.md` to "
        "redirect_maps of the `redirects` plugin in mkdocs.yml. If removal is really intended, "
        f"say why in the commit and regenerate the manifest: {REGENERATE}"
    )


def test_manifest_lists_every_published_address(built_site):
    """A new page or heading is protected from the day it is published, not once someone
    remembers to add it: the manifest must hold every address the build publishes."""
    unlisted = sorted(set(published_anchors(built_site)) - set(manifest_lines()))
    assert unlisted == [], (
        f"{len(unlisted)} published address(es) are not in {MANIFEST.name}: {unlisted[:20]}. "
        f"Adding addresses is normal; regenerate the manifest: {REGENERATE}"
    )


def test_redirect_lookup_finds_a_moved_page(site_copy):
    """The redirect check itself can tell a moved page from a lost one (tampered copy)."""
    page = next(line for line in manifest_lines() if line.count("/") > 2 and "#" not in line)
    moved = site_copy / "moved-page"
    moved.mkdir()
    (moved / "index.html").write_text(
        f'<html><head><meta http-equiv="refresh" content="0; url=..{page}"></head></html>',
        encoding="utf-8",
    )
    assert redirect_target(site_copy, "/moved-page/#x") == page
    assert redirect_target(site_copy, "/never-existed/") is None
