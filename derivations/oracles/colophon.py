"""Oracle for the colophon's measured figures: the measurement records themselves.

A measurement has no second derivation; what can be checked is that the page prints what
was measured. This module re-reads benchmarks/results/*.json on its own (sharing no code
with derivations/pages/colophon.py) and recomputes each median from the raw runs.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

PREFIX = "colophon"
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def quantities() -> dict[str, float | int]:
    records = [RESULTS / "site_speed.json", RESULTS / "build_speed.json"]
    if not all(path.is_file() for path in records):
        return {}  # nothing measured, nothing printed (the page says so)
    site, build = (json.loads(path.read_text(encoding="utf-8")) for path in records)
    runs = site["math_ready_ms"]
    per_page = {page: statistics.median(times) for page, times in runs.items()}
    out: dict[str, float | int] = {
        f"{PREFIX}.cpus": site["machine"]["cpus"],
        f"{PREFIX}.runs": min(len(times) for times in runs.values()),
        f"{PREFIX}.slowest_ms": max(per_page.values()),
        f"{PREFIX}.median_page_ms": statistics.median(per_page.values()),
        f"{PREFIX}.pages_measured": len(runs),
        f"{PREFIX}.load_average": site["machine"]["load_average_1min_at_end"],
        f"{PREFIX}.build_runs": len(build["full_s"]),
        f"{PREFIX}.build_full_s": statistics.median(build["full_s"]),
        f"{PREFIX}.build_bare_s": statistics.median(build["bare_s"]),
        f"{PREFIX}.build_ratio": round(statistics.median(build["full_s"])
                                       / statistics.median(build["bare_s"]), 2),
    }
    out[f"{PREFIX}.budget_slowest_ms"] = site["budget_ms"]["slowest"]
    out[f"{PREFIX}.budget_median_ms"] = site["budget_ms"]["median"]
    out[f"{PREFIX}.build_goal_ratio"] = build["goal_ratio"]
    if "cpu_s" in build:
        cpu = {kind: statistics.median(runs) for kind, runs in build["cpu_s"].items()}
        out[f"{PREFIX}.build_cpu_ratio"] = round(cpu["full"] / cpu["bare"], 2)
        out[f"{PREFIX}.build_imports_only_cpu_ratio"] = round(cpu["imports_only"] / cpu["bare"], 2)
    if "imports_only_s" in build:
        imports_only = statistics.median(build["imports_only_s"])
        out[f"{PREFIX}.build_imports_only_s"] = imports_only
        out[f"{PREFIX}.build_imports_only_ratio"] = round(
            imports_only / statistics.median(build["bare_s"]), 2)
    out.update({f"{PREFIX}.page_ms[{page}]": value for page, value in per_page.items()})
    for page, weight in site["seed_weight"].items():
        out[f"{PREFIX}.seed_total_bytes[{page}]"] = weight["total_bytes"]
        out[f"{PREFIX}.seed_html_bytes[{page}]"] = weight["html_bytes"]
        out[f"{PREFIX}.seed_requests[{page}]"] = weight["requests"]
    return out
