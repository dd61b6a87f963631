"""Redirect pages that keep the book's addresses from before editions alive.

Until editions, every page was published at site_url/PAGE/, and those addresses are cited
(tests/anchors_manifest.txt lists them). With mike the text lives under site_url/X.Y/, so
the gh-pages root gets one small page per address that forwards to site_url/latest/PAGE/
with the reader's #anchor, which `latest` then forwards to the newest edition. Pure: the
command `python -m derivations forward` writes what this returns.
"""

from __future__ import annotations

import posixpath
from html import escape

MARKER = '<meta name="generator" content="convbackprop forward">'


def is_forwarding_page(html: str) -> bool:
    return MARKER in html


def forwarding_page(path: str, alias: str) -> str:
    """The page for site path `path` (`seed/grad-w1/`) that forwards to `alias/path`."""
    depth = path.count("/")
    target = "../" * depth + f"{alias}/{path}"
    href = escape(target, quote=True)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{MARKER}
<meta name="robots" content="noindex">
<title>Moved to the newest edition</title>
<script>
window.location.replace({_js_string(target)} + window.location.search + window.location.hash);
</script>
<noscript><meta http-equiv="refresh" content="0; url={href}"></noscript>
</head>
<body>
<p>This address now leads to the newest edition of the book: <a href="{href}">{href}</a>.</p>
</body>
</html>
"""


def _js_string(text: str) -> str:
    """A JavaScript string literal that cannot close the <script> element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\u003c")
    return f'"{escaped}"'


def forwarded_paths(names: list[str]) -> list[str]:
    """Site paths (`seed/grad-w1/`) to forward, from the built site's file names: every
    folder's index.html (pages, and the stubs of moved pages), not the root, which mike's
    set-default owns."""
    return sorted(posixpath.dirname(name) + "/" for name in names
                  if name.endswith("/index.html"))
