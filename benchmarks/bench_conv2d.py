"""Time the engine (mathematics/conv2d.py) forward + backward, and PyTorch CPU if installed.

Layer: input 8×16×64×64, 32 filters 3×3, stride 1, padding 1, bias, float64 (the engine's
type; PyTorch is run in float64 too so both do the same arithmetic). Reports the median and
minimum of REPEATS runs after one warm-up, and the ratio engine / PyTorch on medians and on minima.

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
from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward

SHAPE_X, SHAPE_W, STRIDE, PADDING = (8, 16, 64, 64), (32, 16, 3, 3), 1, 1


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


def report(name: str, times: list[float]) -> list[float]:
    print(f"{name:<28} median {1e3 * statistics.median(times):8.1f} ms   "
          f"min {1e3 * min(times):8.1f} ms")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(SHAPE_X), rng.standard_normal(SHAPE_W), rng.standard_normal(32)
    delta = rng.standard_normal((8, 32, 64, 64))
    cores = os.cpu_count() or 1
    print(f"layer x{SHAPE_X} w{SHAPE_W} stride {STRIDE} padding {PADDING}, float64, "
          f"{repeats} runs, {cores} cores, numpy {np.__version__}")

    def engine():
        conv2d_forward(x, w, b, STRIDE, PADDING)
        conv2d_backward(x, w, delta, STRIDE, PADDING, with_bias=True)

    label = "derivations.mathematics.conv2d fwd+bwd"
    steps = {label: engine}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is None:
        report(label, timed(steps, repeats)[label])
        print("PyTorch not installed: no ratio (pip install torch to compare)")
        return 0
    torch.set_num_threads(cores)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tdelta = torch.tensor(delta)

    def pytorch():
        tx.grad = tw.grad = tb.grad = None
        y = torch.nn.functional.conv2d(tx, tw, tb, stride=STRIDE, padding=PADDING)
        y.backward(tdelta)

    steps[f"torch {torch.__version__} fwd+bwd"] = pytorch
    ours, theirs = (report(name, t) for name, t in timed(steps, repeats).items())
    # The minimum is the least disturbed by other load on a shared machine; both are shown.
    print(f"ratio engine / PyTorch CPU ({cores} threads): "
          f"{statistics.median(ours) / statistics.median(theirs):.2f}x on medians, "
          f"{min(ours) / min(theirs):.2f}x on minima")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
