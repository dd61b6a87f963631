"""What building the book costs: a bare build against a cold and a warm one, and `serve`.

    python benchmarks/bench_build.py [--runs 5] [--edits 5] [--write]

Every build is the README's build command, `python -m properdocs build --strict -f
mkdocs.yml`, in a fresh process, with Python's default bytecode caching (an inherited
PYTHONDONTWRITEBYTECODE is dropped) and the build cache on:

* bare: the same pages exported beforehand by `python -m derivations pages --project`
  (docs/ and every generated file in one folder, mkdocs.yml without the hook), built with no
  hook; MathML rendering (a Markdown extension) still runs. What the builder costs alone.
* cold: a fresh copy of the repository (its files that git tracks or would track: no
  .cache/, no __pycache__), as a new clone's first build: every page generated, every
  formula rendered, every module of ours compiled.
* warm: the same copy built again with nothing changed: pages and math from .cache/.
* serve: `properdocs serve` on a fresh copy; --edits times, a word is added to the
  generator derivations/pages/question.py, then the seconds until the server returns the
  page with the word, and the number of rebuilds the edit started.

The three builds alternate within each of --runs rounds; the record keeps every run, wall
and CPU seconds (of the build process and its children: on a shared machine the clock swings
with other work, CPU time far less). Goals: warm / bare <= 1, cold / bare <= 1.35, the
edited page served within 2 s, one rebuild per edit. --write stores the record in
benchmarks/results/build_speed.json (printed by the colophon page).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "benchmarks" / "results" / "build_speed.json"
BUILDER = "properdocs"  # the README's builder
GOAL_RATIO = {"warm": 1.0, "cold": 1.35}
GOAL_SERVE_S = 2.0
KINDS = ("bare", "cold", "warm")
REBUILD = "Building documentation..."
SETTLE_S = 3.0  # after a served edit: time for a second rebuild to show, and for the
#                 next generator to warm up, as between two edits of a person
EDIT_WORDS = ["Benchmarkedit" + letter for letter in "abcdefghijklmnopqrstuvwxyz"]


def environment(copy: Path | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in {"PYTHONDONTWRITEBYTECODE", "CONVBACKPROP_NO_CACHE",
                           "CONVBACKPROP_CACHE_DIR"}}
    if copy is not None:
        env["PYTHONPATH"] = str(copy)  # the copy's package, not the installed one
    return env


def fresh_copy(destination: Path) -> Path:
    """The repository's files as a new clone has them (plus uncommitted edits)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def bare_project(root: Path) -> Path:
    """docs/ + exported pages and a hook-free mkdocs.yml, by `pages --project`."""
    subprocess.run([sys.executable, "-m", "derivations", "pages", "--project", str(root)],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL, env=environment())
    return root


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(project: Path, site: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one build of project into site."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    # No -q: with --strict -q the builder stops counting warnings, so it would not be strict.
    subprocess.run([sys.executable, "-m", BUILDER, "build", "--strict", "-f", "mkdocs.yml",
                    "--site-dir", str(site)], cwd=project, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, children_cpu_s() - cpu


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def wait_for(condition, timeout: float, what: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve: no {what} (log in the temporary folder)")
        time.sleep(0.02)


def measure_serve(copy: Path, edits: int) -> tuple[list[float], list[int]]:
    """Seconds from saving an edit to the page being served with it, and rebuilds per edit."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = (copy / "mkdocs.yml").read_text(encoding="utf-8")
    site_url = next(line.split(":", 1)[1].strip() for line in config.splitlines()
                    if line.startswith("site_url:"))
    url = f"http://127.0.0.1:{port}{urlsplit(site_url).path}question/"
    log_path = copy / "serve.log"
    generator = copy / "derivations" / "pages" / "question.py"
    source = generator.read_text(encoding="utf-8")
    latencies: list[float] = []
    rebuilds: list[int] = []
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", BUILDER, "serve", "-f", "mkdocs.yml",
                                   "-a", f"127.0.0.1:{port}"], cwd=copy, env=environment(copy),
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: fetch(url), 300, "first build", server)
            time.sleep(SETTLE_S)
            for word in EDIT_WORDS[:edits]:
                before = log_path.read_text(errors="replace").count(REBUILD)
                generator.write_text(source.replace('TEMPLATE = r"""\n',
                                                    f'TEMPLATE = r"""\n{word}\n'),
                                     encoding="utf-8")
                saved = time.perf_counter()
                wait_for(lambda word=word: word in fetch(url), 120, "rebuilt page", server)
                latencies.append(round(time.perf_counter() - saved, 3))
                time.sleep(SETTLE_S)
                rebuilds.append(log_path.read_text(errors="replace").count(REBUILD) - before)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return latencies, rebuilds


def median_ratio(runs: dict[str, list[float]], kind: str) -> float:
    return round(statistics.median(runs[kind]) / statistics.median(runs["bare"]), 2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each build")
    parser.add_argument("--edits", type=int, default=5, help="edits under serve")
    parser.add_argument("--write", action="store_true", help=f"store the record in {RESULT}")
    args = parser.parse_args(argv)
    if args.runs < 1 or not 1 <= args.edits <= len(EDIT_WORDS):
        parser.error(f"--runs must be at least 1, --edits from 1 to {len(EDIT_WORDS)}")
    wall: dict[str, list[float]] = {kind: [] for kind in KINDS}
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="convbackprop-bench-build-") as tmp:
        root = Path(tmp)
        bare = bare_project(root / "bare")
        for run in range(args.runs):
            copy = fresh_copy(root / f"clone-{run}")
            builds = {"bare": (bare, environment()), "cold": (copy, environment(copy)),
                      "warm": (copy, environment(copy))}
            for kind in KINDS:  # cold before warm: the warm build reads the cold one's cache
                project, env = builds[kind]
                seconds, cpu_seconds = timed_build(project, root / f"{kind}-{run}", env)
                wall[kind].append(round(seconds, 3))
                cpu[kind].append(round(cpu_seconds, 3))
        latencies, rebuilds = measure_serve(fresh_copy(root / "serve"), args.edits)
    record = {
        "what": f"seconds of `python -m {BUILDER} build --strict` in a fresh process, wall"
                " and CPU (process and children): bare (pre-exported pages, no hook), cold (a"
                " fresh copy of the repository, empty build cache), warm (the same copy again);"
                " and under serve, seconds from saving an edit to a generator to the page"
                " served with it, and rebuilds per edit; written by benchmarks/bench_build.py",
        "builder": BUILDER,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1min": {"start": round(load_start, 2),
                              "end": round(os.getloadavg()[0], 2)},
        "wall_s": wall,
        "cpu_s": cpu,
        "median_wall_s": {kind: statistics.median(wall[kind]) for kind in KINDS},
        "median_cpu_s": {kind: statistics.median(cpu[kind]) for kind in KINDS},
        "ratio_wall": {kind: median_ratio(wall, kind) for kind in ("cold", "warm")},
        "ratio_cpu": {kind: median_ratio(cpu, kind) for kind in ("cold", "warm")},
        "goal_ratio": GOAL_RATIO,
        "serve": {"edits": args.edits, "latency_s": latencies, "rebuilds": rebuilds,
                  "median_latency_s": statistics.median(latencies),
                  "goal_latency_s": GOAL_SERVE_S},
    }
    for kind in KINDS:
        print(f"{kind:5} wall {record['median_wall_s'][kind]:.3f} s {wall[kind]}; "
              f"CPU {record['median_cpu_s'][kind]:.3f} s {cpu[kind]}")
    for kind in ("cold", "warm"):
        print(f"{kind}/bare: wall {record['ratio_wall'][kind]}, CPU {record['ratio_cpu'][kind]}"
              f" (goal <= {GOAL_RATIO[kind]})")
    print(f"serve: page served {statistics.median(latencies):.2f} s after saving (median of "
          f"{latencies}; goal <= {GOAL_SERVE_S}), rebuilds per edit {rebuilds}")
    print(f"load average (1 min) {record['load_average_1min']} on {os.cpu_count()} cores")
    if args.write:
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {RESULT.relative_to(REPO)}")
    met = (all(record["ratio_wall"][kind] <= GOAL_RATIO[kind] for kind in GOAL_RATIO)
           and record["serve"]["median_latency_s"] <= GOAL_SERVE_S and set(rebuilds) == {1})
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
