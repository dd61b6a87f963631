"""Time the engine (mathematics/conv2d.py) forward + backward, and PyTorch CPU if installed.

Three layers of one size: input 8×16×64×64, 32 filters 3×3, stride 1, padding 1, bias,
float64 (the engine's type; PyTorch is run in float64 too so both do the same arithmetic):
a plain convolution, a depthwise one (groups = 16, two filters per input channel) and a
transposed one (16 → 32 channels). Reports the median and minimum of REPEATS runs after one
warm-up, per layer the ratio engine / PyTorch on medians and on minima, and the machine's
load average before and after (other work on the cores slows PyTorch's threads most).

    python benchmarks/bench_conv2d.py [--repeats 7] [--write]

The goal (issue 13) is each layer within 1.5× of PyTorch in the same run. --write stores the
record in benchmarks/results/conv2d_speed.json (printed by the colophon page, whose oracle
recomputes every median and ratio from the raw runs kept there); it needs PyTorch.
PyTorch is an optional comparison, never a dependency of the book.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from derivations.cli.atomic import write_text_atomic
from derivations.mathematics.conv2d import (
    conv2d_backward,
    conv2d_forward,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
)

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "benchmarks" / "results" / "conv2d_speed.json"
SHAPE_X, C_OUT, K, STRIDE, PADDING = (8, 16, 64, 64), 32, 3, 1, 1
# name -> (groups, transposed)
LAYERS = {"plain": (1, False), "depthwise": (16, False), "transposed": (1, True)}
GOAL_RATIO = 1.5  # issue 13: engine / PyTorch, each layer, in the same run
MS_DECIMALS = 3  # a run's milliseconds kept to the microsecond: finer is timer noise
RATIO_DECIMALS = 2


def timed(steps: dict, repeats: int) -> dict[str, list[float]]:
    """Runs the steps in turn, repeat after repeat, so a busy machine slows them alike."""
    for step in steps.values():
        step()  # warm-up: first-touch page faults and BLAS thread start-up are not the layer
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float]) -> None:
    print(f"{name:<34} median {1e3 * statistics.median(times):8.1f} ms   "
          f"min {1e3 * min(times):8.1f} ms")


def layer_description(groups: int, transposed: bool) -> dict:
    """The layer's shapes and settings, as the record states them."""
    c_in = SHAPE_X[1]
    weight = ([c_in, C_OUT // groups, K, K] if transposed
              else [C_OUT, c_in // groups, K, K])
    return {"input": list(SHAPE_X), "weight": weight,
            "output": [SHAPE_X[0], C_OUT, *SHAPE_X[2:]], "groups": groups,
            "stride": STRIDE, "padding": PADDING, "transposed": transposed, "bias": True,
            "dtype": "float64"}


def layer_record(description: dict, engine_s: list[float], torch_s: list[float]) -> dict:
    """One layer's raw runs in ms, and the medians, minima and ratios computed from them."""
    engine = [round(1e3 * seconds, MS_DECIMALS) for seconds in engine_s]
    pytorch = [round(1e3 * seconds, MS_DECIMALS) for seconds in torch_s]
    summary = {"engine_median_ms": statistics.median(engine), "engine_min_ms": min(engine),
               "torch_median_ms": statistics.median(pytorch), "torch_min_ms": min(pytorch)}
    # From the stored (rounded) runs, so that the record's own runs reproduce every figure.
    summary["ratio_median"] = round(summary["engine_median_ms"] / summary["torch_median_ms"],
                                    RATIO_DECIMALS)
    summary["ratio_min"] = round(summary["engine_min_ms"] / summary["torch_min_ms"],
                                 RATIO_DECIMALS)
    return {**description, "engine_ms": engine, "torch_ms": pytorch, **summary}


def steps_for(name: str, groups: int, transposed: bool, rng, torch):
    """(engine step, PyTorch step or None) for one layer, on the same numbers."""
    c_in = SHAPE_X[1]
    x = rng.standard_normal(SHAPE_X)
    b = rng.standard_normal(C_OUT)
    delta = rng.standard_normal((SHAPE_X[0], C_OUT, *SHAPE_X[2:]))
    if transposed:
        w = rng.standard_normal((c_in, C_OUT // groups, K, K))

        def engine():
            conv_transpose2d_forward(x, w, b, STRIDE, PADDING, groups=groups)
            conv_transpose2d_backward(x, w, delta, STRIDE, PADDING, groups=groups,
                                      with_bias=True)
    else:
        w = rng.standard_normal((C_OUT, c_in // groups, K, K))

        def engine():
            conv2d_forward(x, w, b, STRIDE, PADDING, groups=groups)
            conv2d_backward(x, w, delta, STRIDE, PADDING, with_bias=True, groups=groups)

    if torch is None:
        return engine, None
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tdelta = torch.tensor(delta)
    function = (torch.nn.functional.conv_transpose2d if transposed
                else torch.nn.functional.conv2d)

    def pytorch():
        tx.grad = tw.grad = tb.grad = None
        function(tx, tw, tb, stride=STRIDE, padding=PADDING, groups=groups).backward(tdelta)

    return engine, pytorch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--write", action="store_true", help=f"store the record in {RESULT}")
    args = parser.parse_args()
    repeats = args.repeats
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    rng = np.random.default_rng(0)
    cores = os.cpu_count() or 1
    try:
        import torch
    except ImportError:
        torch = None
    if args.write and torch is None:
        # The record is a comparison; without PyTorch there is nothing to compare with.
        print("bench_conv2d.py: --write needs PyTorch, which is not installed "
              "(pip install torch; without --write the engine is timed alone)", file=sys.stderr)
        return 2
    print(f"input {SHAPE_X}, {C_OUT} filters {K}×{K}, stride {STRIDE} padding {PADDING}, "
          f"float64, {repeats} runs, {cores} cores, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ""))
    if torch is not None:
        torch.set_num_threads(cores)
    steps = {}
    for name, (groups, transposed) in LAYERS.items():
        engine, pytorch = steps_for(name, groups, transposed, rng, torch)
        steps[f"{name}: engine fwd+bwd"] = engine
        if pytorch is not None:
            steps[f"{name}: torch fwd+bwd"] = pytorch
    load_before = os.getloadavg()[0]
    times = timed(steps, repeats)
    load_after = os.getloadavg()[0]
    for name, runs in times.items():
        report(name, runs)
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")
    if torch is None:
        print("PyTorch not installed: no ratio (pip install torch to compare)")
        return 0
    layers = {name: layer_record(layer_description(groups, transposed),
                                 times[f"{name}: engine fwd+bwd"],
                                 times[f"{name}: torch fwd+bwd"])
              for name, (groups, transposed) in LAYERS.items()}
    for name, layer in layers.items():
        # The minimum is the least disturbed by other load on a shared machine; both are shown.
        print(f"{name}: ratio engine / PyTorch CPU ({cores} threads): "
              f"{layer['ratio_median']:.2f}x on medians, {layer['ratio_min']:.2f}x on minima"
              f" (goal <= {GOAL_RATIO})")
    if args.write:
        record = {
            "what": "milliseconds of one forward + backward pass (bias, input and weight"
                    " gradients) of three layers, the engine (derivations/mathematics/conv2d.py)"
                    " against PyTorch CPU, both float64, runs alternating after one warm-up;"
                    " written by benchmarks/bench_conv2d.py",
            "repeats": repeats,
            "cpus": cores,
            "torch_threads": torch.get_num_threads(),
            "versions": {"numpy": np.__version__, "torch": torch.__version__,
                         "python": platform.python_version()},
            "load_average_1min": {"start": round(load_before, 2), "end": round(load_after, 2)},
            "goal_ratio": GOAL_RATIO,
            "layers": layers,
        }
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(RESULT, json.dumps(record, indent=2, sort_keys=True) + "\n", "--write")
        print(f"wrote {RESULT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
