"""The browser survey's edges (tests/browser_survey.py, read by conftest's `browser_survey`):
a survey that failed, ran out of time or left no findings fails every test that reads it
with what went wrong, and bad arguments get one line and exit 2, with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO, SURVEY_PARTS, surveyed

SCRIPT = REPO / "tests" / "browser_survey.py"
CRASH = ("Traceback (most recent call last):\n  File \"tests/browser_survey.py\", line 1\n"
         "playwright._impl._errors.TimeoutError: Page.goto: Timeout 30000ms exceeded.\n")


def failure_of(result: dict) -> str:
    with pytest.raises(pytest.fail.Exception) as failed:
        surveyed(result)
    return str(failed.value)


def test_a_failed_survey_fails_its_readers_with_its_output(tmp_path):
    message = failure_of({"returncode": 1, "output": CRASH, "survey": str(tmp_path / "none")})
    assert message.startswith("the browser survey failed (exit 1):")
    assert "Page.goto: Timeout 30000ms exceeded." in message


def test_a_survey_that_never_finished_fails_with_why():
    """What _RunOnce.wait gives a reader when the claiming worker never wrote a status."""
    message = failure_of({"returncode": -1, "output": "did not finish within 1200 s"})
    assert "(exit -1)" in message and "did not finish within 1200 s" in message


def test_a_survey_without_all_its_findings_fails(tmp_path):
    out = tmp_path / "survey.json"
    done = {"returncode": 0, "output": "", "survey": str(out)}
    assert "left no findings" in failure_of(done)
    out.write_text('{"visits": {', encoding="utf-8")  # cut short
    assert "left no findings" in failure_of(done)
    out.write_text(json.dumps({"visits": {}, "layouts": {}}), encoding="utf-8")
    assert failure_of(done).endswith("has no static_visits, printed")


def test_a_whole_survey_is_read_as_written(tmp_path):
    findings = {part: {"": {"part": part}} for part in SURVEY_PARTS}
    out = tmp_path / "survey.json"
    out.write_text(json.dumps(findings), encoding="utf-8")
    assert surveyed({"returncode": 0, "output": "", "survey": str(out)}) == findings


@pytest.mark.parametrize("arguments, complaint", [
    ([], "usage: python tests/browser_survey.py SITE OUT.json"),
    (["{tmp}/no-site", "{tmp}/survey.json"], "no index.html there"),
    (["{tmp}", "{tmp}/no-folder/survey.json"], "does not exist"),
])
def test_bad_arguments_get_one_line_and_exit_2(tmp_path, arguments, complaint):
    (tmp_path / "index.html").write_text("<article></article>", encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    done = subprocess.run([sys.executable, str(SCRIPT),
                           *(a.format(tmp=tmp_path) for a in arguments)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert complaint in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert done.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before
