"""Pages as data: a prose template with named slots, filled strictly, plus its number records.

A slot is written `{{name}}`. Filling fails on an unknown slot and on a slot left unused,
the way Material's shortcode hook raises on an unknown shortcode instead of passing it on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from derivations.render.printed_numbers import Fragment, Record, as_fragment

SLOT = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class TemplateError(ValueError):
    """A template and its slots do not match."""


@dataclass(frozen=True)
class Page:
    """One generated Markdown page, its numbers in document order, and its generator."""

    path: str  # relative to docs/, e.g. "seed/forward-pass.md"
    markdown: str
    records: tuple[Record, ...]
    source: str  # the script that writes it, repo-relative: the page's "edit" link

    @property
    def content(self) -> str:
        return self.markdown


@dataclass(frozen=True)
class Asset:
    """A generated non-page file (an SVG figure, a script) placed at path under docs/,
    with the records of the numbers it prints (a figure's cells), in document order."""

    path: str
    content: str
    records: tuple[Record, ...] = ()


def fill(template: str, **slots: Fragment | str) -> Fragment:
    """Replace every {{name}} in template by its slot, keeping number records in order."""
    used: set[str] = set()
    out = Fragment("")
    cursor = 0
    for match in SLOT.finditer(template):
        name = match.group(1)
        if name not in slots:
            raise TemplateError(f"template slot {{{{{name}}}}} has no value")
        used.add(name)
        out = out + template[cursor : match.start()] + as_fragment(slots[name])
        cursor = match.end()
    out = out + template[cursor:]
    unused = sorted(set(slots) - used)
    if unused:
        raise TemplateError(f"values given for slots the template does not have: {unused}")
    return out


def make_page(path: str, source: str, template: str, **slots: Fragment | str) -> Page:
    """Fill template and wrap it as a Page whose front matter names its generator."""
    body = fill(template, **slots)
    front_matter = f"---\ngenerated_by: {source}\n---\n\n"
    return Page(path=path, markdown=front_matter + body.text.strip() + "\n",
                records=body.records, source=source)


def pages_only(items: Iterable[Page | Asset]) -> list[Page]:
    return [item for item in items if isinstance(item, Page)]
