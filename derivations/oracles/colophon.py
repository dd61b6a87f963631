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
    }
    out[f"{PREFIX}.budget_slowest_ms"] = site["budget_ms"]["slowest"]
    out[f"{PREFIX}.budget_median_ms"] = site["budget_ms"]["median"]
    if "serve" in build:
        out.update(build_quantities(build))
    out.update({f"{PREFIX}.page_ms[{page}]": value for page, value in per_page.items()})
    for page, weight in site["seed_weight"].items():
        out[f"{PREFIX}.seed_total_bytes[{page}]"] = weight["total_bytes"]
        out[f"{PREFIX}.seed_html_bytes[{page}]"] = weight["html_bytes"]
        out[f"{PREFIX}.seed_requests[{page}]"] = weight["requests"]
    return out


def build_quantities(build: dict) -> dict[str, float | int]:
    """The build-time figures, each median and ratio recomputed from the raw runs."""
    out: dict[str, float | int] = {
        f"{PREFIX}.build_runs": min(len(runs) for runs in build["wall_s"].values()),
        f"{PREFIX}.build_cpus": build["cpus"],
        f"{PREFIX}.build_load_start": build["load_average_1min"]["start"],
        f"{PREFIX}.build_load_end": build["load_average_1min"]["end"],
    }
    for measure, runs in (("wall", build["wall_s"]), ("cpu", build["cpu_s"])):
        medians = {kind: statistics.median(times) for kind, times in runs.items()}
        for kind, median in medians.items():
            out[f"{PREFIX}.build_{measure}_s[{kind}]"] = median
            if kind != "bare":
                out[f"{PREFIX}.build_ratio_{measure}[{kind}]"] = round(median / medians["bare"], 2)
    for kind, goal in build["goal_ratio"].items():
        out[f"{PREFIX}.build_goal_ratio[{kind}]"] = goal
    serve = build["serve"]
    out[f"{PREFIX}.serve_median_s"] = statistics.median(serve["latency_s"])
    out[f"{PREFIX}.serve_min_s"] = min(serve["latency_s"])
    out[f"{PREFIX}.serve_max_s"] = max(serve["latency_s"])
    out[f"{PREFIX}.serve_edits"] = len(serve["latency_s"])
    out[f"{PREFIX}.serve_goal_s"] = serve["goal_latency_s"]
    if len(set(serve["rebuilds"])) == 1:
        out[f"{PREFIX}.serve_rebuilds_each"] = serve["rebuilds"][0]
    out.update({f"{PREFIX}.serve_rebuilds[{index}]": count
                for index, count in enumerate(serve["rebuilds"])})
    return out
