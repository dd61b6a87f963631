"""How long "Try your own numbers" takes for the heaviest networks its limits allow, in Chromium.

    python benchmarks/bench_try_your_numbers.py [--site DIR] [--runs 5]

The page (built with `mkdocs build --strict` into a temporary folder unless --site names a
built one) is served from 127.0.0.1 and driven in headless Debian Chromium. For each
network below, the time from the input event to the finished derivation on the page
(data-state "ok": the worker's arithmetic, the Markdown, the MathML built into the page) is
measured in the page with performance.now(), --runs times; the median is printed, with the
time the command line needs for the same network (Python, the same exact arithmetic).
Budget: every median under 2000 ms (the issue's limit for the worst legal input).

The networks: four input channels of 12×12 fractions with distinct 5-digit denominators
(the arithmetic's worst: their common denominator has about 2,900 digits), and networks at
the product limit (MAX_PRODUCTS) with one channel and with channel fan-out.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from derivations.publish.print_pdf import CHROMIUM_ARGS
from derivations.publish.print_pdf import DEFAULT_CHROMIUM as CHROMIUM

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
BUDGET_MS = 2000
PAGE = "tools/try-your-numbers/"


def networks() -> dict[str, dict[str, str]]:
    from network_forms import worst_form

    rng = random.Random(7)
    denominators = iter(rng.sample(range(10007, 99999), 4000))

    def fraction() -> str:
        return f"{rng.choice(['', '-'])}1/{next(denominators)}"

    def matrix(h: int, w: int) -> str:
        return "; ".join(" ".join(fraction() for _ in range(w)) for _ in range(h))

    def weight(c_out: int, c_in: int, side: int) -> str:
        return " || ".join(" | ".join(matrix(side, side) for _ in range(c_in))
                           for _ in range(c_out))

    chain = {"input": matrix(12, 12), "target": fraction(), "loss": "mse", "rate": "1/3"}
    for k in range(4):  # 4 × 1,296 products, each layer's map as large as the input
        chain.update({f"layer{k}-type": "conv", f"layer{k}-weight": matrix(3, 3),
                      f"layer{k}-padding": "1"})
    fan = {"input": matrix(12, 12), "target": fraction(), "loss": "mse", "rate": "1/3",
           "layer0-type": "conv", "layer0-weight": weight(4, 1, 3),
           "layer0-bias": " ".join(fraction() for _ in range(4)),
           "layer1-type": "relu", "layer2-type": "maxpool", "layer2-kernel": "2",
           "layer3-type": "conv", "layer3-weight": weight(2, 4, 3), "layer3-padding": "1",
           "layer4-type": "conv", "layer4-weight": weight(1, 2, 3), "layer4-padding": "1"}
    return {"four 12×12 input channels, four convs, biases": worst_form(),
            "one channel, four 3×3 convs with padding 1": chain,
            "one channel fanned out to four, ReLU, pool, two convs": fan}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def python_seconds(fields) -> float:
    from derivations.mathematics.network import gradient_step, work_network
    from derivations.render.network_form import network_from_form
    from derivations.render.network_format import stackexchange

    start = time.perf_counter()
    network, rate = network_from_form(fields)
    work = work_network(network)
    stackexchange(work, gradient_step(work, rate) if rate is not None else None)
    return time.perf_counter() - start


MEASURE = """async (fields) => {
  const form = document.getElementById('worked-form');
  const want = Object.keys(fields).filter(k => /^layer\\d+-type$/.test(k)).length;
  let layers = form.querySelectorAll('.worked-layer');
  while (layers.length < want) {
    document.getElementById('worked-add').click();
    layers = form.querySelectorAll('.worked-layer');
  }
  while (layers.length > want) {
    layers[layers.length - 1].querySelector('.worked-remove').click();
    layers = form.querySelectorAll('.worked-layer');
  }
  for (const control of form.elements) if (control.name) control.value = fields[control.name] ?? '';
  for (const select of form.querySelectorAll('select'))
    select.dispatchEvent(new Event('change', {bubbles: true}));
  const out = document.getElementById('worked-output');
  await new Promise(resolve => setTimeout(resolve, 300));  // let the select's jobs settle
  const start = performance.now();
  form.dispatchEvent(new Event('input', {bubbles: true}));
  const job = out.getAttribute('data-job');
  while (!(out.getAttribute('data-job') === job && out.getAttribute('data-state') !== 'busy'))
    await new Promise(resolve => requestAnimationFrame(resolve));
  return [performance.now() - start, out.getAttribute('data-state')];
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        site = args.site
        if site is None:
            site = Path(scratch) / "site"
            subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                            str(site)], cwd=REPO, check=True, capture_output=True)
        handler = functools.partial(_QuietHandler, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        results = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            tab = browser.new_page()
            tab.goto(f"http://127.0.0.1:{server.server_address[1]}/{PAGE}")
            tab.wait_for_selector("#worked-output[data-state=ok]")
            for name, fields in networks().items():
                times = []
                for _ in range(args.runs):
                    elapsed, state = tab.evaluate(MEASURE, fields)
                    if state != "ok":
                        raise SystemExit(f"{name}: the page says {tab.inner_text('#worked-error')}")
                    times.append(elapsed)
                cli = statistics.median(python_seconds(fields) for _ in range(3))
                results[name] = (statistics.median(times), min(times), max(times), cli)
            browser.close()
        server.shutdown()
    over = []
    for name, (median, low, high, cli) in results.items():
        print(f"{name}: page median {median:.0f} ms (min {low:.0f}, max {high:.0f}, "
              f"{args.runs} runs); command line {cli:.2f} s")
        if median > BUDGET_MS:
            over.append(name)
    print(json.dumps({"budget_ms": BUDGET_MS, "over_budget": over}))
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
