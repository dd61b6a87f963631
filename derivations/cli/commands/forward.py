"""`python -m derivations forward SITE_DIR --out DIR`: keep pre-edition addresses alive."""

from __future__ import annotations

import json
from pathlib import Path

from derivations.errors import UsageError

HELP = "write pages that forward the book's unversioned addresses to the newest edition"
DESCRIPTION = """\
Before editions, every page was published at site_url/PAGE/, and answers online cite
those addresses. For every page of SITE_DIR (the newest edition, built), write
DIR/PAGE/index.html, a small page that forwards the reader to TO/PAGE/ (default
latest/PAGE/), keeping the #anchor. DIR is a checkout of the gh-pages branch that mike
publishes to; a page that would land in an edition's folder, or on a file this command
did not write, is refused before anything is written. mike's set-default owns DIR's own
index.html."""
EPILOG = """\
example (what .github/workflows/pages.yml does after `mike deploy X.Y latest`):
  git worktree add /tmp/gh-pages gh-pages
  python -m derivations forward site --out /tmp/gh-pages"""


def add_arguments(parser):
    parser.add_argument("site_dir", metavar="SITE_DIR", type=Path,
                        help="the newest edition, built (its pages are the addresses kept)")
    parser.add_argument("--out", metavar="DIR", type=Path, required=True,
                        help="a checkout of the gh-pages branch")
    parser.add_argument("--to", metavar="ALIAS", default="latest",
                        help="the folder the addresses lead to (default: latest)")


def _published_names(out: Path) -> set[str]:
    """Versions and aliases mike has published in DIR (its versions.json)."""
    listing = out / "versions.json"
    if not listing.is_file():
        return set()
    try:
        versions = json.loads(listing.read_text(encoding="utf-8"))
        return {str(v["version"]) for v in versions} | {a for v in versions for a in v["aliases"]}
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"--out {out}: versions.json is not mike's list of versions") from None


def run(args) -> int:
    from derivations.cli.atomic import write_text_atomic
    from derivations.publish.unversioned import (
        forwarded_paths,
        forwarding_page,
        is_forwarding_page,
    )

    site, out = args.site_dir, args.out
    if not (site / "index.html").is_file():
        raise UsageError(f"SITE_DIR {site}: has no index.html, so it is not a built site")
    if not out.is_dir():
        raise UsageError(f"--out {out}: no such folder; give a checkout of the gh-pages branch")
    if not args.to or "/" in args.to or args.to in {".", ".."}:
        raise UsageError(f"--to {args.to!r}: name one folder, such as latest")
    editions = _published_names(out)
    paths = forwarded_paths([p.relative_to(site).as_posix() for p in site.rglob("index.html")])
    for path in paths:
        target = out / path / "index.html"
        if path.split("/", 1)[0] in editions:
            raise UsageError(f"SITE_DIR {site}: page {path} would land in the published "
                             f"folder {path.split('/', 1)[0]}/ of --out {out}")
        if target.exists() and not is_forwarding_page(target.read_text(encoding="utf-8")):
            raise UsageError(f"--out {out}: {path}index.html exists and is not a forwarding "
                             "page; refusing to overwrite it")
    for path in paths:
        target = out / path / "index.html"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(target, forwarding_page(path, args.to), "--out")
        except OSError as error:
            raise UsageError(f"--out {out}: cannot write {path}index.html: "
                             f"{error.strerror}") from None
    print(f"wrote {len(paths)} forwarding pages to {out}, each to {args.to}/PAGE/")
    return 0
