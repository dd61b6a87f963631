"""Which edition a build publishes follows from the release facts, or the build is refused."""

from __future__ import annotations

import pytest

from derivations.publish.edition import EditionError, commit_date, edition_of

BASE = "https://example.org/book/"


def test_a_release_edition_is_major_dot_minor_of_the_version():
    edition = edition_of("0.1", "0.1.3", BASE)
    assert (edition.kind, edition.name) == ("release", "0.1")
    assert edition.url == "https://example.org/book/0.1/"
    assert edition.moving_url == "https://example.org/book/latest/"


@pytest.mark.parametrize("name", ["0.2", "1.1", "0.10"])
def test_an_edition_that_disagrees_with_the_version_is_refused(name):
    with pytest.raises(EditionError, match=f"edition {name}: .* is 0.1.0, so its edition is 0.1"):
        edition_of(name, "0.1.0", BASE)


@pytest.mark.parametrize("name", ["latest", "0.1.0", "Dev", "v0.1", "a/b"])
def test_names_that_are_not_editions_are_refused(name):
    with pytest.raises(EditionError, match=f"edition '?{name}'?"):
        edition_of(name, "0.1.0", BASE)


def test_dev_is_unreleased_and_no_name_is_a_local_build():
    dev = edition_of("dev", "0.1.0", "https://example.org/book")  # slash added
    assert (dev.kind, dev.url) == ("unreleased", "https://example.org/book/dev/")
    local = edition_of(None, "0.1.0", BASE)
    assert (local.kind, local.name, local.url) == ("local", None, None)
    assert local.moving_url == "https://example.org/book/latest/"


def test_the_date_is_the_commits_utc_day():
    assert commit_date("86399") == "1970-01-01" and commit_date("86400") == "1970-01-02"
    assert commit_date(None) is None and commit_date("yesterday") is None
