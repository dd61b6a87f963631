"""The colophon's engine-against-PyTorch figures: printed from benchmarks/results/
conv2d_speed.json, checked by an oracle that recomputes them from the record's raw runs, and
the record written only by bench_conv2d.py with PyTorch present."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derivations.audit.compare import expected_print
from derivations.oracles import colophon as oracle
from derivations.pages import colophon as page

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
BENCH = REPO / "benchmarks" / "bench_conv2d.py"
RECORD = "conv2d_speed.json"


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_conv2d", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def results(tmp_path, monkeypatch):
    """A copy of the committed records that both the page and the oracle read instead."""
    for path in RESULTS.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(oracle, "RESULTS", tmp_path)
    monkeypatch.setattr(page, "SITE_SPEED", tmp_path / "site_speed.json")
    monkeypatch.setattr(page, "BUILD_SPEED", tmp_path / "build_speed.json")
    monkeypatch.setattr(page, "CONV2D_SPEED", tmp_path / RECORD)
    return tmp_path


def edit_record(folder: Path, change) -> None:
    path = folder / RECORD
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(json.dumps(record), encoding="utf-8")


def colophon_page():
    (built,) = page.build()
    return built


def mismatches(built, values) -> dict[str, tuple[str, str | None]]:
    """key -> (printed, what the oracle expects), for every record the audit would flag."""
    return {record.key: (record.printed, expected_print(record, values))
            for record in built.records if expected_print(record, values) != record.printed}


def test_the_committed_record_prints_what_the_oracle_recomputes(results):
    built = colophon_page()
    keys = [record.key for record in built.records if record.key.startswith("colophon.conv_")]
    assert "colophon.conv_ratio_median[plain]" in keys and "colophon.conv_output[plain][1]" in keys
    assert mismatches(built, oracle.quantities()) == {}


def test_a_changed_raw_run_changes_the_oracle_and_the_audit_reports_it(results):
    """The oracle reads the runs, not the stored medians: an edited run is caught."""
    def change(record):
        record["layers"]["plain"]["engine_ms"] = [10.0, 70.0, 20.0, 60.0, 30.0, 50.0, 40.0]
        record["layers"]["plain"]["torch_ms"] = [20.0] * 7
    edit_record(results, change)
    values = oracle.quantities()
    # By hand: median of 10..70 in steps of 10 is 40; 40 / 20 = 2; minima 10 / 20 = 0.5.
    assert values["colophon.conv_engine_ms[plain]"] == 40.0
    assert values["colophon.conv_torch_ms[plain]"] == 20.0
    assert values["colophon.conv_ratio_median[plain]"] == 2.0
    assert values["colophon.conv_ratio_min[plain]"] == 0.5
    # The page still prints the record's stored medians, so the audit sees the disagreement.
    flagged = mismatches(colophon_page(), values)
    assert flagged["colophon.conv_engine_ms[plain]"][1] == "40"
    assert flagged["colophon.conv_ratio_median[plain]"][1] == "2"
    assert "colophon.conv_engine_ms[transposed]" not in flagged


def test_a_stated_output_shape_that_breaks_the_size_rule_is_reported(results):
    edit_record(results, lambda record: record["layers"]["plain"].update(output=[8, 32, 63, 64]))
    flagged = mismatches(colophon_page(), oracle.quantities())
    # (64 + 2·1 − 3) / 1 + 1 = 64, not the 63 the record claims
    assert flagged == {"colophon.conv_output[plain][2]": ("63", "64")}


def test_the_verdict_follows_the_numbers(results):
    assert page.ratio_verdict(1.5, 1.2, 1.5) == "met"
    assert page.ratio_verdict(1.6, 1.2, 1.5) == "met on minima, **not** on medians"
    assert page.ratio_verdict(1.4, 1.6, 1.5) == "met on medians, **not** on minima"
    assert page.ratio_verdict(1.51, 1.51, 1.5) == "**not met**"

    def slow_plain(record):
        layer = record["layers"]["plain"]
        layer.update(engine_median_ms=300.0, torch_median_ms=100.0, ratio_median=3.0,
                     engine_min_ms=250.0, torch_min_ms=100.0, ratio_min=2.5)
    edit_record(results, slow_plain)
    text = colophon_page().markdown
    assert "in the same run, on the\nmedians: **not met**." in text
    *_, row = (line for line in text.splitlines() if line.startswith("| plain | "))  # timings
    assert row.endswith("| **not met** |") and ">3<" in row


def test_a_missing_record_leaves_the_section_saying_what_to_run(results):
    (results / RECORD).unlink()
    built = colophon_page()
    section = built.markdown.split("{#engine-speed}", 1)[1].split("\n## ", 1)[0]
    assert "`benchmarks/results/conv2d_speed.json` is missing" in section
    assert "python benchmarks/bench_conv2d.py --write" in section
    assert not any(record.key.startswith("colophon.conv_") for record in built.records)
    assert not any(key.startswith("colophon.conv_") for key in oracle.quantities())
    assert "{#build-speed}" in built.markdown  # the rest of the page is still measured


def test_the_benchmark_computes_the_summary_from_the_runs_it_stores():
    bench = bench_module()
    layer = bench.layer_record({"groups": 1}, [0.001, 0.0030004, 0.002], [0.002, 0.002, 0.004])
    assert layer["engine_ms"] == [1.0, 3.0, 2.0]  # milliseconds to the microsecond
    assert (layer["engine_median_ms"], layer["engine_min_ms"]) == (2.0, 1.0)
    assert (layer["torch_median_ms"], layer["torch_min_ms"]) == (2.0, 2.0)
    assert (layer["ratio_median"], layer["ratio_min"]) == (1.0, 0.5)
    assert layer["groups"] == 1


def test_the_benchmark_describes_a_transposed_layer_by_its_weight_layout():
    bench = bench_module()
    described = bench.layer_description(groups=1, transposed=True)
    assert described["weight"] == [16, 32, 3, 3]  # in × out per group × k × k
    assert bench.layer_description(groups=16, transposed=False)["weight"] == [32, 1, 3, 3]


def test_write_without_pytorch_is_refused_with_one_line_and_nothing_written(tmp_path):
    hidden = tmp_path / "torch"
    hidden.mkdir()
    (hidden / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    before = (RESULTS / RECORD).read_bytes() if (RESULTS / RECORD).exists() else None
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, str(BENCH), "--repeats", "1", "--write"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "--write needs PyTorch" in lines[0], done.stderr
    after = (RESULTS / RECORD).read_bytes() if (RESULTS / RECORD).exists() else None
    assert after == before
