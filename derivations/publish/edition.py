"""Which edition a build is, from the release facts: pure, no I/O.

mike (the versioning tool Material supports) builds each published edition with
MIKE_DOCS_VERSION set to its name and serves it under `site_url/NAME/`; `latest` is the
alias that moves to the newest edition. A release edition is named `X.Y` after the book's
version `X.Y.Z` in mkdocs.yml `extra.citation`, so a build whose name disagrees with the
release facts is refused instead of published under a number that lies. Any other name
(`dev`, built from main) is unreleased text; no name at all is a local build.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

RELEASE_NAME = re.compile(r"(\d+)\.(\d+)")
UNRELEASED_NAME = re.compile(r"[a-z][a-z0-9-]*")
MOVING_ALIAS = "latest"  # the alias that always leads to the newest edition


class EditionError(ValueError):
    """A build asked for an edition that the release facts do not allow."""


@dataclass(frozen=True)
class Edition:
    """What a build publishes: `kind` is "release", "unreleased" or "local"."""

    kind: str
    name: str | None
    version: str  # the book's version, X.Y.Z
    base_url: str  # site_url of mkdocs.yml: the editions live below it
    date: str | None = None  # YYYY-MM-DD (UTC) of the build's commit

    @property
    def url(self) -> str | None:
        """Where this edition is served; None for a local build."""
        return None if self.name is None else f"{self.base_url}{self.name}/"

    @property
    def moving_url(self) -> str:
        """The address that follows the newest edition."""
        return f"{self.base_url}{MOVING_ALIAS}/"

    def as_dict(self) -> dict:
        """Plain values for the theme's templates (mkdocs.yml `extra.edition`)."""
        return {"kind": self.kind, "name": self.name, "version": self.version,
                "base_url": self.base_url, "url": self.url, "moving_url": self.moving_url,
                "date": self.date}


def edition_of(name: str | None, version: str, base_url: str) -> Edition:
    """The edition a build named `name` (MIKE_DOCS_VERSION, or None) publishes."""
    if not base_url.endswith("/"):
        base_url += "/"
    if not name:
        return Edition("local", None, version, base_url)
    release = RELEASE_NAME.fullmatch(name)
    if release:
        expected = ".".join(version.split(".")[:2])
        if name != expected:
            raise EditionError(
                f"edition {name}: the book's version in mkdocs.yml extra.citation is {version}, "
                f"so its edition is {expected}; update the release facts (mkdocs.yml, "
                "pyproject.toml, CITATION.cff) before publishing a new edition")
        return Edition("release", name, version, base_url)
    if name == MOVING_ALIAS:
        raise EditionError(f"edition {name}: `{MOVING_ALIAS}` is the alias of the newest "
                           "edition, not an edition; deploy X.Y with the alias latest")
    if UNRELEASED_NAME.fullmatch(name):
        return Edition("unreleased", name, version, base_url)
    raise EditionError(f"edition {name!r}: name a release X.Y (such as 0.1) or an unreleased "
                       "build with a lowercase word (such as dev)")


def commit_date(source_date_epoch: str | None) -> str | None:
    """YYYY-MM-DD (UTC) of SOURCE_DATE_EPOCH, the build's commit time; None if unknown."""
    if not source_date_epoch or not source_date_epoch.isdigit():
        return None
    moment = datetime.datetime.fromtimestamp(int(source_date_epoch), datetime.UTC)
    return moment.strftime("%Y-%m-%d")
