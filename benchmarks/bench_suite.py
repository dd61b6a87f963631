"""What the test suite costs, and where the CPU goes.

    python benchmarks/bench_suite.py [--runs 1] [--baseline REV] [--write] [-- PYTEST_ARGUMENTS]

Runs the README's test command (`python -m pytest`, with pyproject.toml's addopts: one
xdist worker per core) --runs times and reports, for each run, the time pytest prints
("N passed in S s"), the busy core-seconds of the whole machine over the run (from
/proc/stat: run it on a quiet machine), and the CPU seconds of the run's own processes by
kind (pytest and its workers, Chromium, site builds, command-line runs, ...), read from
/proc every SAMPLE_S seconds for every descendant of the pytest process. A process that
ends between two samples loses at most SAMPLE_S of its CPU; the gap to the machine's total
shows how much that and other work came to.

The suite is CPU-bound on two cores: its pytest time is about its core-seconds divided by
the cores, so the breakdown says where a second of pytest time can still be found.

This machine's speed drifts by a third within an hour (a run of one tree measured 105 s and
141 s an hour apart), so a change is judged against --baseline REV: a checkout of REV in a
temporary git worktree, built once first (as the README's first command does), whose runs
alternate with the working tree's; the record gives both medians and their ratio. Every run
sets PYTHONPATH to its own tree, so a subprocess started elsewhere imports that tree too.
--write stores the record in benchmarks/results/suite_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "benchmarks" / "results" / "suite_speed.json"
GOAL_S = 75.0  # issue 15: the whole suite in <= 75 s of pytest time on 2 cores
SAMPLE_S = 0.2
TOP_COMMANDS = 25  # the costliest command lines (first 120 characters), summed over processes
TICKS = os.sysconf("SC_CLK_TCK")
SUMMARY = re.compile(r"(\d+) passed.* in ([\d.]+)s")


def short_command(command: str) -> str:
    """A command line with the run's own folders named, so one command sums over runs and
    the record holds no temporary path."""
    command = command.replace("\0", " ").replace(sys.prefix, "<venv>").replace(str(REPO), ".")
    return re.sub(r"/tmp/pytest-of-[^/]+/pytest-\d+/(popen-gw\d+/)?", "<tmp>/", command)[:120]


def busy_ticks() -> int:
    """Busy clock ticks of every core since boot (all but idle and iowait)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def kind_of(command: list[str]) -> str:
    """Which part of the suite a process is, from its command line."""
    program = Path(command[0]).name if command else ""
    text = " ".join(command)
    if "chrom" in program:
        return "Chromium"
    if program == "node":  # Playwright's driver
        return "Playwright driver"
    if "python" in program:
        if re.search(r"-m (mkdocs|properdocs)\b|/(mike|zensical)\b|generate_pages", text):
            return "site builds"
        if "-m derivations" in text or "derivations.cli" in text:
            return "command-line runs"
        return "pytest and its workers"
    return "other programs (git, ...)"


def sample(root: int, seen: dict[int, list]) -> None:
    """Add every live descendant of root to seen: pid -> [kind, CPU ticks so far, command]."""
    parents = {}
    ticks = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    for pid, cpu in ticks.items():
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor != root and pid != root:
            continue
        if pid not in seen:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            seen[pid] = [kind_of(command.split("\0")), cpu, short_command(command)]
        seen[pid][1] = cpu


def one_run(tree: Path, pytest_arguments: list[str]) -> dict:
    before, start = busy_ticks(), time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "pytest", "-q", *pytest_arguments],
                               cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: dict[int, list] = {}
    while process.poll() is None:
        sample(process.pid, seen)
        time.sleep(SAMPLE_S)
    output = process.stdout.read()
    wall = time.monotonic() - start
    busy = (busy_ticks() - before) / TICKS
    found = SUMMARY.search(output)
    if process.returncode != 0 or not found:
        sys.exit(f"the suite did not pass (exit {process.returncode}):\n{output[-3000:]}")
    by_kind, by_command = Counter(), Counter()
    for kind, cpu, command in seen.values():
        by_kind[kind] += cpu / TICKS
        by_command[command] += cpu / TICKS
    return {"tree": "baseline" if tree != REPO else "working tree",
            "passed": int(found.group(1)), "pytest_s": float(found.group(2)),
            "wall_s": round(wall, 1), "machine_busy_core_s": round(busy, 1),
            "cpu_s_by_kind": {kind: round(cpu, 1) for kind, cpu in by_kind.most_common()},
            "cpu_s_by_command": {command: round(cpu, 1)
                                 for command, cpu in by_command.most_common(TOP_COMMANDS)}}


def baseline_tree(revision: str, folder: Path) -> Path:
    """REV checked out in a worktree under folder, its site built once (warm build cache)."""
    tree = folder / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), revision],
                   cwd=REPO, check=True)
    subprocess.run([sys.executable, "-m", "properdocs", "build", "-q", "--strict", "-f",
                    "mkdocs.yml"], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                   check=True, capture_output=True)
    return tree


def summary(runs: list[dict]) -> dict:
    return {"median_pytest_s": round(statistics.median(r["pytest_s"] for r in runs), 2),
            "median_machine_busy_core_s": round(statistics.median(r["machine_busy_core_s"]
                                                                  for r in runs), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--baseline", metavar="REV",
                        help="alternate each run with one of this git revision")
    parser.add_argument("--write", action="store_true", help=f"store the record in {RESULT}")
    parser.add_argument("pytest_arguments", nargs="*", help="passed to pytest after --")
    args = parser.parse_args()
    if not Path("/proc/stat").exists():
        sys.exit("bench_suite reads /proc: Linux only")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    record = {
        "what": "python -m pytest (the README's test command), pytest time and CPU by kind",
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "CI": os.environ.get("CI") == "true"},
        "goal_pytest_s": GOAL_S,
        "commit": commit,
    }
    with tempfile.TemporaryDirectory() as folder:
        trees = [REPO]
        if args.baseline:
            trees.insert(0, baseline_tree(args.baseline, Path(folder)))
        try:
            runs = []
            for number in range(1, args.runs + 1):
                for tree in trees:
                    runs.append(one_run(tree, args.pytest_arguments))
                    print(f"run {number}: {json.dumps(runs[-1])}", flush=True)
        finally:
            if args.baseline:
                subprocess.run(["git", "worktree", "remove", "--force", str(trees[0])],
                               cwd=REPO, check=False)
    record.update(summary([run for run in runs if run["tree"] == "working tree"]))
    if args.baseline:
        base = summary([run for run in runs if run["tree"] == "baseline"])
        record["baseline"] = {"revision": args.baseline, **base}
        record["ratio_to_baseline"] = round(record["median_pytest_s"]
                                            / base["median_pytest_s"], 3)
    record["runs"] = runs
    print(json.dumps({key: value for key, value in record.items() if key != "runs"}))
    if args.write:
        RESULT.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
