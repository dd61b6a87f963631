"""Time the engine (mathematics/conv2d.py) forward + backward, and PyTorch CPU if installed.

Three layers of one size: input 8×16×64×64, 32 filters 3×3, stride 1, padding 1, bias,
float64 (the engine's type; PyTorch is run in float64 too so both do the same arithmetic):
a plain convolution, a depthwise one (groups = 16, two filters per input channel) and a
transposed one (16 → 32 channels). Reports the median and minimum of REPEATS runs after one
warm-up, per layer the ratio engine / PyTorch on medians and on minima, and the machine's
load average before and after (other work on the cores slows PyTorch's threads most).

    python benchmarks/bench_conv2d.py [--repeats 7]

PyTorch is an optional comparison, never a dependency of the book.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from derivations.mathematics.conv2d import (
    conv2d_backward,
    conv2d_forward,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
)

SHAPE_X, C_OUT, K, STRIDE, PADDING = (8, 16, 64, 64), 32, 3, 1, 1
# name -> (groups, transposed)
LAYERS = {"plain": (1, False), "depthwise": (16, False), "transposed": (1, True)}


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
    repeats = parser.parse_args().repeats
    rng = np.random.default_rng(0)
    cores = os.cpu_count() or 1
    try:
        import torch
    except ImportError:
        torch = None
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
    for name in LAYERS:
        ours, theirs = times[f"{name}: engine fwd+bwd"], times[f"{name}: torch fwd+bwd"]
        # The minimum is the least disturbed by other load on a shared machine; both are shown.
        print(f"{name}: ratio engine / PyTorch CPU ({cores} threads): "
              f"{statistics.median(ours) / statistics.median(theirs):.2f}x on medians, "
              f"{min(ours) / min(theirs):.2f}x on minima")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
