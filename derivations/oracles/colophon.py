"""Oracle for the colophon's measured figures: the measurement records themselves.

A measurement has no second derivation; what can be checked is that the page prints what
was measured. This module re-reads benchmarks/results/*.json on its own (sharing no code
with derivations/pages/colophon.py) and recomputes each median and ratio from the raw runs.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

PREFIX = "colophon"
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
RATIO_DECIMALS = 2  # the engine/PyTorch and build ratios are stated to hundredths


def quantities() -> dict[str, float | int]:
    records = [RESULTS / "site_speed.json", RESULTS / "build_speed.json"]
    if not all(path.is_file() for path in records):
        return {}  # nothing measured, nothing printed (the page says so)
    site, build = (json.loads(path.read_text(encoding="utf-8")) for path in records)
    conv2d = RESULTS / "conv2d_speed.json"
    out = site_quantities(site)
    if "serve" in build:
        out.update(build_quantities(build))
    if conv2d.is_file():  # absent: the page's section says what to run instead
        out.update(conv2d_quantities(json.loads(conv2d.read_text(encoding="utf-8"))))
    return out


def site_quantities(site: dict) -> dict[str, float | int]:
    """The math-ready times and seed page weights, each median recomputed from the runs."""
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
                out[f"{PREFIX}.build_ratio_{measure}[{kind}]"] = round(median / medians["bare"],
                                                                    RATIO_DECIMALS)
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


def conv2d_quantities(record: dict) -> dict[str, float | int]:
    """The engine-against-PyTorch figures: medians, minima and their ratios from the raw runs."""
    layers = record["layers"]
    out: dict[str, float | int] = {
        # the fewest runs any timing has: a record cut short states no more than it holds
        f"{PREFIX}.conv_repeats": min(len(layer[side]) for layer in layers.values()
                                      for side in ("engine_ms", "torch_ms")),
        f"{PREFIX}.conv_cpus": record["cpus"],
        f"{PREFIX}.conv_load_start": record["load_average_1min"]["start"],
        f"{PREFIX}.conv_load_end": record["load_average_1min"]["end"],
        f"{PREFIX}.conv_goal_ratio": record["goal_ratio"],
    }
    for name, layer in layers.items():
        engine, pytorch = layer["engine_ms"], layer["torch_ms"]
        out[f"{PREFIX}.conv_engine_ms[{name}]"] = statistics.median(engine)
        out[f"{PREFIX}.conv_torch_ms[{name}]"] = statistics.median(pytorch)
        out[f"{PREFIX}.conv_ratio_median[{name}]"] = round(
            statistics.median(engine) / statistics.median(pytorch), RATIO_DECIMALS)
        out[f"{PREFIX}.conv_ratio_min[{name}]"] = round(min(engine) / min(pytorch),
                                                        RATIO_DECIMALS)
        out[f"{PREFIX}.conv_goal_ratio[{name}]"] = record["goal_ratio"]
        out[f"{PREFIX}.conv_groups[{name}]"] = layer["groups"]
        out[f"{PREFIX}.conv_stride[{name}]"] = layer["stride"]
        out[f"{PREFIX}.conv_padding[{name}]"] = layer["padding"]
        for part in ("input", "weight"):
            out.update({f"{PREFIX}.conv_{part}[{name}][{axis}]": extent
                        for axis, extent in enumerate(layer[part])})
        out.update({f"{PREFIX}.conv_output[{name}][{axis}]": extent
                    for axis, extent in enumerate(output_shape(layer))})
    return out


def output_shape(layer: dict) -> list[int]:
    """The output size by the size rule, not as recorded: a record whose stated shapes
    disagree shows up in the audit."""
    batch, _, *spatial = layer["input"]
    kernel, stride, padding = layer["weight"][2:], layer["stride"], layer["padding"]
    if layer["transposed"]:  # weights: input channels × output channels per group × k × k
        channels = layer["weight"][1] * layer["groups"]
        sizes = [(n - 1) * stride - 2 * padding + k for n, k in zip(spatial, kernel, strict=True)]
    else:  # weights: output channels × input channels per group × k × k
        channels = layer["weight"][0]
        sizes = [(n + 2 * padding - k) // stride + 1 for n, k in zip(spatial, kernel, strict=True)]
    return [batch, channels, *sizes]
