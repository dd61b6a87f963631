"""The whole generated book: every page module under derivations/pages, built in memory.

Each module in derivations/pages defines `build() -> Iterable[Page | Asset]`. Modules are
found by name (sorted) so that adding a chapter touches no shared registry; the reading
order is mkdocs.yml's `nav`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
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


def build_page_module(name: str) -> tuple[Page | Asset, ...]:
    return tuple(importlib.import_module(name).build())


def build_book(each: Callable[[Page | Asset], None] | None = None,
               built: Mapping[str, tuple[Page | Asset, ...]] | None = None) -> Book:
    """Run every page generator; fail on two generators writing the same path. `each` is
    given every file as soon as it is built (the build hook starts work on it meanwhile);
    `built` holds modules' files computed earlier from the same code (the serve standby)."""
    files: dict[str, Page | Asset] = {}
    for name in page_modules():
        items = built[name] if built is not None and name in built else build_page_module(name)
        for item in items:
            if item.path in files:
                raise ValueError(f"{name} writes {item.path}, which another generator wrote")
            files[item.path] = item
            if each is not None:
                each(item)
    ordered = [files[path] for path in sorted(files)]
    return Book(
        pages=tuple(item for item in ordered if isinstance(item, Page)),
        assets=tuple(item for item in ordered if isinstance(item, Asset)),
    )
