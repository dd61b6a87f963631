"""MkDocs glue (mkdocs.yml `hooks:`): tell the theme which edition this build publishes.

The facts land in `config.extra.edition` (see derivations/publish/edition.py), which the
"Cite this page" box, the page head and the outdated-edition banner read. Nothing here
reads the clock: the date is SOURCE_DATE_EPOCH, the build's commit time.
"""

from __future__ import annotations

import os

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from derivations.publish.edition import EditionError, commit_date, edition_of

VERSION_VARIABLE = "MIKE_DOCS_VERSION"  # set by `mike deploy NAME` for its build


@event_priority(50)  # before mike's own on_config turns site_url into the edition's address
def on_config(config):
    citation = config.extra.get("citation") or {}
    try:
        edition = edition_of(os.environ.get(VERSION_VARIABLE), str(citation.get("version", "")),
                             config.site_url or "")
    except EditionError as error:
        raise PluginError(str(error)) from None
    config.extra["edition"] = edition.as_dict()
    return config


def on_pre_build(config):
    # After every on_config: mkdocs_hook.py has defaulted SOURCE_DATE_EPOCH to the last
    # commit's time by now, so the edition's date is the commit's, as in sitemap.xml.
    config.extra["edition"]["date"] = commit_date(os.environ.get("SOURCE_DATE_EPOCH"))
