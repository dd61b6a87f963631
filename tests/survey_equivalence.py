"""One-off check (not a test): the browser survey reads what the per-module fixtures it
replaced read, on the same site in the same Chromium.

    python tests/survey_equivalence.py SITE [REVISION]

Takes tests/test_site_browser.py, test_site_phone_browser.py and
test_reading_comforts_browser.py as they were at REVISION (default: main), calls their
fixtures' own functions (`visits`, `static_visits`, `layouts`, `printed`) on SITE served
on 127.0.0.1, runs the survey on the same server, and prints every difference between the
two (as the tests read them: after a trip through JSON). Exit 0 when there is none.
"""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

TESTS = Path(__file__).resolve().parent
OLD_MODULES = {"visits": "test_site_browser", "static_visits": "test_site_browser",
               "layouts": "test_site_phone_browser", "printed": "test_reading_comforts_browser"}


def differences(old, new, where: str = "") -> list[str]:
    """Every place where two JSON-like values differ, named by its path."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = [f"{where}/{key}: only in the old fixture" for key in old.keys() - new.keys()]
        found += [f"{where}/{key}: only in the survey" for key in new.keys() - old.keys()]
        for key in old.keys() & new.keys():
            found += differences(old[key], new[key], f"{where}/{key}")
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True))
                for d in differences(a, b, f"{where}[{i}]")]
    if old == new and type(old) is type(new):
        return []
    return [f"{where}: {shorter(old)} != {shorter(new)}"]


def shorter(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def main(site: Path, revision: str) -> int:
    from playwright.sync_api import sync_playwright

    old_tests = Path(tempfile.mkdtemp(prefix="old-browser-tests-"))
    for module in set(OLD_MODULES.values()):
        source = subprocess.run(["git", "show", f"{revision}:tests/{module}.py"], cwd=TESTS,
                                check=True, capture_output=True, text=True).stdout
        (old_tests / f"{module}.py").write_text(source, encoding="utf-8")
    sys.path[:0] = [str(old_tests), str(TESTS)]  # the old modules shadow the new ones
    import browser_survey

    handler = functools.partial(browser_survey._QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site_url = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_survey.CHROMIUM),
                                             headless=True, args=browser_survey.CHROMIUM_ARGS)
        old = {}
        for name, module in OLD_MODULES.items():
            fixture = getattr(__import__(module), name)
            assert str(old_tests) in sys.modules[module].__file__, "not the old module"
            old[name] = fixture._get_wrapped_function()(browser, site, site_url)
        new = browser_survey.survey(browser, site, site_url)
        browser.close()
    server.shutdown()
    found = differences(json.loads(json.dumps(old)), json.loads(json.dumps(new)))
    for line in found:
        print(line)
    pages = len(old["static_visits"])
    scripted = [key for key in old["layouts"]["phone"] if key.endswith("(scripted)")]
    print(f"{pages} pages, {len(scripted)} scripted ({', '.join(scripted)}); "
          f"{len(found)} differences between the old fixtures and the survey")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "main"))
