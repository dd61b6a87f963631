"""How fast the built book shows its math, and how heavy its seed pages are, in Chromium.

    python benchmarks/bench_site_speed.py [--site DIR] [--runs 5] [--write]

For every page of the book (built with `mkdocs build --strict` into a temporary folder
unless --site names a built one), served from 127.0.0.1, in headless Debian Chromium:

* math-ready time: from the start of navigation (performance.timeOrigin) to the first
  animation frame in which the article is parsed and every formula (<math>, outside closed
  <details>) has a layout box; a fresh browser context (cold cache) per page and run, so
  each load fetches HTML, CSS and scripts again; the median over --runs runs;
* weight of the seed pages (home, question, seed/*): bytes of every response the page
  fetched until the network was idle (bodies plus headers, cold cache, no compression:
  the local server sends files as they are).

--write stores the record in benchmarks/results/site_speed.json, which the colophon
page prints and its oracle re-reads (the measurement record is the oracle for measured
numbers). Budgets: slowest page under 1000 ms, median page under 300 ms.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from derivations.publish.print_pdf import CHROMIUM_ARGS
from derivations.publish.print_pdf import DEFAULT_CHROMIUM as CHROMIUM

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "benchmarks" / "results" / "site_speed.json"
SEARCH_INDEX = "search/search_index.json"
SLOWEST_BUDGET_MS = 1000
MEDIAN_BUDGET_MS = 300
# Runs in the page before any of its own code (an init script): checks every animation
# frame, inside the browser, whether the article is parsed and every formula laid out, and
# keeps the first such frame's time. Measuring in the page avoids timing the protocol.
MATH_READY = """(() => {
  const ready = () => {
    const article = document.querySelector("article");
    if (!article || !(article.querySelector(".cite-box") || document.readyState !== "loading"))
      return false;
    for (const m of article.querySelectorAll("math")) {
      if (m.closest("details:not([open])")) continue;
      const box = m.getBoundingClientRect();
      if (!(box.width > 0 && box.height > 0)) return false;
    }
    return true;
  };
  const frame = (now) => {
    if (ready()) window.__mathReadyMs = now; else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # a page navigated away while a file was still being sent


def book_pages(site: Path) -> list[str]:
    pages = []
    for html in sorted(site.rglob("*.html")):
        if html.name != "404.html" and "<article" in html.read_text(encoding="utf-8"):
            pages.append("/" + html.relative_to(site).as_posix().removesuffix("index.html"))
    return pages


def is_seed(page: str) -> bool:
    return page in {"/", "/question/"} or page.startswith("/seed/")


def build(site: Path) -> None:
    # No -q: MkDocs 1.6 with --strict -q does not count warnings, so it would not be strict.
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                   cwd=REPO, check=True, capture_output=True)


def measure(site: Path, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = book_pages(site)
    times: dict[str, list[float]] = {page: [] for page in pages}
    weights: dict[str, dict[str, int]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            version = browser.version
            for _ in range(runs):  # pages interleaved, so a slow moment hits many pages once
                for page_path in pages:
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    context.add_init_script(MATH_READY)
                    page = context.new_page()
                    page.goto(base + page_path, wait_until="load")
                    ready = page.wait_for_function("() => window.__mathReadyMs", timeout=10_000)
                    times[page_path].append(round(float(ready.json_value()), 1))
                    context.close()
            for page_path in filter(is_seed, pages):
                context = browser.new_context()
                page = context.new_page()
                responses = []
                page.on("requestfinished", lambda request, sink=responses: sink.append(request))
                page.goto(base + page_path, wait_until="load")
                # Material's search worker fetches the index after `load`, sometimes after
                # the network first looks idle: wait for it so every page counts it.
                if not any(SEARCH_INDEX in r.url for r in responses):
                    page.wait_for_event("requestfinished", timeout=10_000,
                                        predicate=lambda r: SEARCH_INDEX in r.url)
                page.wait_for_load_state("networkidle")
                sizes = [(r.url, r.sizes()) for r in responses]
                total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in sizes)
                html = sum(s["responseBodySize"] for url, s in sizes
                           if url == base + page_path)
                weights[page_path] = {"total_bytes": total, "html_bytes": html,
                                      "requests": len(sizes)}
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    medians = {page: statistics.median(values) for page, values in times.items()}
    slowest = max(medians, key=medians.get)
    return {
        "what": "math-ready time per page (ms from navigation start, cold cache, median of runs)"
                " and transferred bytes of the seed pages; written by"
                " benchmarks/bench_site_speed.py",
        "machine": {"cpus": os.cpu_count(), "chromium": version,
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2),
                    "python": platform.python_version(), "system": platform.system()},
        "runs": runs,
        "math_ready_ms": times,
        "median_ms": medians,
        "slowest_page": slowest,
        "slowest_median_ms": medians[slowest],
        "median_page_ms": statistics.median(medians.values()),
        "budget_ms": {"slowest": SLOWEST_BUDGET_MS, "median": MEDIAN_BUDGET_MS},
        "seed_weight": weights,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--runs", type=int, default=5, help="runs per page (odd: the median is"
                        " one of the measurements)")
    parser.add_argument("--write", action="store_true", help=f"store the record in {RESULT}")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="convbackprop-bench-") as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            build(site)
        record = measure(site, args.runs)
    for page, median in sorted(record["median_ms"].items(), key=lambda item: -item[1]):
        print(f"{median:8.1f} ms  {page}")
    print(f"slowest {record['slowest_median_ms']} ms ({record['slowest_page']}), "
          f"median page {record['median_page_ms']} ms, {args.runs} runs")
    for page, weight in record["seed_weight"].items():
        print(f"{weight['total_bytes']:9d} bytes in {weight['requests']} requests  {page}")
    within = (record["slowest_median_ms"] < SLOWEST_BUDGET_MS
              and record["median_page_ms"] < MEDIAN_BUDGET_MS)
    print("within budget" if within else "OVER BUDGET")
    if args.write:
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {RESULT.relative_to(REPO)}")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
