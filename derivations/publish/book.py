"""The whole generated book: every page module under derivations/pages, built in memory.

Each module in derivations/pages defines `build() -> Iterable[Page | Asset]`. Modules are
found by name (sorted) so that adding a chapter touches no shared registry; the reading
order is mkdocs.yml's `nav`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from derivations import pages
from derivations.render.page import Asset, Page


@dataclass(frozen=True)
class Book:
    pages: tuple[Page, ...]
    assets: tuple[Asset, ...]

    def files(self) -> tuple[Page | Asset, ...]:
        return self.pages + self.assets

    def page(self, path: str) -> Page:
        for page in self.pages:
            if page.path == path:
                return page
        raise KeyError(path)


def page_modules() -> list[str]:
    return sorted(f"derivations.pages.{m.name}" for m in pkgutil.iter_modules(pages.__path__))


def build_book() -> Book:
    """Run every page generator; fail on two generators writing the same path."""
    built: dict[str, Page | Asset] = {}
    for name in page_modules():
        module = importlib.import_module(name)
        for item in module.build():
            if item.path in built:
                raise ValueError(f"{name} writes {item.path}, which another generator wrote")
            built[item.path] = item
    ordered = [built[path] for path in sorted(built)]
    return Book(
        pages=tuple(item for item in ordered if isinstance(item, Page)),
        assets=tuple(item for item in ordered if isinstance(item, Asset)),
    )
