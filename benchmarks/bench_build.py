"""What generating the pages costs: a clean `mkdocs build` against a bare MkDocs build.

    python benchmarks/bench_build.py [--runs 5] [--write]

* full: `python -m mkdocs build --strict` of the repository as it is: the hook runs every
  page generator (numpy, sympy, the formatter) and MathML rendering, then MkDocs renders.
* bare: the same pages, exported once beforehand with `python -m derivations pages
  --project` (docs/ and every generated file in one docs folder, mkdocs.yml without the
  hook) and built by MkDocs. MathML rendering (a Markdown extension) still runs.
* imports only: the bare build plus a hook that imports numpy and sympy and generates
  nothing. It measures the floor of any in-process generator: what the libraries cost
  before a single page is written.

Each is a fresh process into a fresh folder, the two alternating, median of --runs runs.
The goal: full / bare <= 1.3. --write stores the record in
benchmarks/results/build_speed.json (printed by the colophon page).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "benchmarks" / "results" / "build_speed.json"
GOAL_RATIO = 1.3


IMPORTS_ONLY_HOOK = '''\
def on_files(files, config):
    import numpy
    import sympy

    sympy.Add(*sympy.symbols("a b"))  # sympy imports more modules at its first sum
    return files
'''


def bare_project(root: Path) -> Path:
    """docs/ + exported pages and a hook-free mkdocs.yml, by `pages --project`."""
    subprocess.run([sys.executable, "-m", "derivations", "pages", "--project", str(root)],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return root / "mkdocs.yml"


def imports_only_project(bare_config: Path, root: Path) -> Path:
    """The bare project plus a hook that only imports what the generators import."""
    root.mkdir(parents=True)
    hook = root / "imports_only_hook.py"
    hook.write_text(IMPORTS_ONLY_HOOK, encoding="utf-8")
    config = yaml.safe_load(bare_config.read_text(encoding="utf-8"))
    config["hooks"] = [str(hook)]
    config["docs_dir"] = str(bare_config.parent / config["docs_dir"])
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


CPU_S: dict[str, list[float]] = {"full": [], "bare": [], "imports_only": []}


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(config: Path, site: Path, cwd: Path, kind: str) -> float:
    """Wall-clock seconds of one build; its CPU seconds go to CPU_S[kind]. CPU time barely
    moves when other work shares the machine, so it is the steadier comparison."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    # No -q: MkDocs 1.6 with --strict -q does not count warnings, so it would not be strict.
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                    "-f", str(config), "-d", str(site)],
                   cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    CPU_S[kind].append(round(children_cpu_s() - cpu, 3))
    return wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each build")
    parser.add_argument("--write", action="store_true", help=f"store the record in {RESULT}")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    full: list[float] = []
    bare: list[float] = []
    imports_only: list[float] = []
    with tempfile.TemporaryDirectory(prefix="convbackprop-bench-build-") as tmp:
        root = Path(tmp)
        bare_config = bare_project(root / "bare")
        imports_config = imports_only_project(bare_config, root / "imports-only")
        for run in range(args.runs):
            full.append(timed_build(REPO / "mkdocs.yml", root / f"full-{run}", REPO, "full"))
            bare.append(timed_build(bare_config, root / f"bare-{run}", root / "bare", "bare"))
            imports_only.append(timed_build(imports_config, root / f"imports-{run}",
                                            root / "bare", "imports_only"))
    full_s = [round(value, 3) for value in full]
    bare_s = [round(value, 3) for value in bare]
    imports_s = [round(value, 3) for value in imports_only]
    record = {
        "what": "wall-clock seconds of `mkdocs build --strict` in a fresh process: full (the hook"
                " generates every page) vs bare (pre-exported pages, no hook) vs imports only"
                " (bare plus a hook importing numpy and sympy); written by"
                " benchmarks/bench_build.py",
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "full_s": full_s,
        "bare_s": bare_s,
        "imports_only_s": imports_s,
        "full_median_s": statistics.median(full_s),
        "bare_median_s": statistics.median(bare_s),
        "imports_only_median_s": statistics.median(imports_s),
        "ratio": round(statistics.median(full_s) / statistics.median(bare_s), 2),
        "imports_only_ratio": round(statistics.median(imports_s) / statistics.median(bare_s), 2),
        "goal_ratio": GOAL_RATIO,
        "cpu_s": CPU_S,
        "cpu_ratio": round(statistics.median(CPU_S["full"]) / statistics.median(CPU_S["bare"]), 2),
        "imports_only_cpu_ratio": round(statistics.median(CPU_S["imports_only"])
                                        / statistics.median(CPU_S["bare"]), 2),
    }
    print(f"full build  {record['full_median_s']:.3f} s (median of {args.runs}: {full_s})")
    print(f"bare MkDocs {record['bare_median_s']:.3f} s (median of {args.runs}: {bare_s})")
    print(f"imports only {record['imports_only_median_s']:.3f} s"
          f" (median of {args.runs}: {imports_s})")
    print(f"ratio {record['ratio']} (goal <= {GOAL_RATIO}); imports alone "
          f"{record['imports_only_ratio']}")
    print(f"CPU seconds (median): full {statistics.median(CPU_S['full']):.3f}, bare "
          f"{statistics.median(CPU_S['bare']):.3f}, imports only "
          f"{statistics.median(CPU_S['imports_only']):.3f}; ratio {record['cpu_ratio']}, "
          f"imports alone {record['imports_only_cpu_ratio']}")
    if args.write:
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {RESULT.relative_to(REPO)}")
    return 0 if record["ratio"] <= GOAL_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
