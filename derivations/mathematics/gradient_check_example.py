"""The worked gradient check of general/gradient-checking.md: the seed's ∂C/∂w¹, checked.

Every estimate and error is computed by the functions of derivations/mathematics/gradient_check.py,
the snippet the page shows, so the page's numbers come from the code the reader runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivations.examples import seed as seed_example
from derivations.examples.gradient_check import STEP, TOLERANCE
from derivations.mathematics import gradient_check as gc


@dataclass(frozen=True)
class WorkedCheck:
    i: np.ndarray
    w1: np.ndarray
    w2: np.ndarray
    y: float
    o2: float
    delta1: np.ndarray  # ∂C/∂o¹ = 2(o² − y) w²
    derived: np.ndarray  # the chain rule: i ⋆ δ¹
    central: np.ndarray  # Eq. (1) at step h
    central_error: np.ndarray  # Eq. (2) of derived against central
    forward: np.ndarray  # (C(w + h e) − C(w)) / h, for comparison
    forward_error: np.ndarray
    product_of_sums: np.ndarray  # the question's formula, entry by entry
    product_error: np.ndarray
    step: float
    tolerance: float
    curvature: np.ndarray  # ∂²C/∂(w¹)² on the diagonal: what the one-sided error is made of


def seed_cost(i, w2, y):
    """C(w¹) = (Σ w² ⊙ (i ⋆ w¹) − y)², the question's cost as a function of the first kernel."""
    def cost(w1):
        return float((np.sum(w2 * gc.correlate(i, w1)) - y) ** 2)
    return cost


def forward_differences(cost, x, h):
    """(C(x + h·e_k) − C(x)) / h: one-sided, error of order h."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    base = cost(x)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = h
        out[k] = (cost(x + step) - base) / h
    return out


def worked_check() -> WorkedCheck:
    i, w1, w2 = (np.asarray(v, dtype=np.float64)
                 for v in (seed_example.I, seed_example.W1, seed_example.W2))
    y = float(seed_example.TARGET)
    cost = seed_cost(i, w2, y)
    o2 = float(np.sum(w2 * gc.correlate(i, w1)))
    delta1 = 2 * (o2 - y) * w2
    derived = gc.correlate(i, delta1)
    k_h, k_w = w1.shape
    product = np.array([[i[m : m + delta1.shape[0], n : n + delta1.shape[1]].sum() * delta1.sum()
                         for n in range(k_w)] for m in range(k_h)])
    central = gc.central_differences(cost, w1, STEP)
    forward = forward_differences(cost, w1, STEP)
    # C is a square of something linear in w¹, so ∂²C/∂w²[m,n] = 2 (∂o²/∂w¹[m,n])²
    curvature = 2 * gc.correlate(i, w2) ** 2
    return WorkedCheck(
        i=i, w1=w1, w2=w2, y=y, o2=o2, delta1=delta1, derived=derived, central=central,
        central_error=gc.relative_error(derived, central), forward=forward,
        forward_error=gc.relative_error(derived, forward), product_of_sums=product,
        product_error=gc.relative_error(product, central), step=STEP, tolerance=TOLERANCE,
        curvature=curvature,
    )
