"""Check a gradient you derived by hand against central differences of the cost.

Needs numpy only. Run it to see a check pass (the chain rule done right) and a check fail
(the question's product of two sums): copy this file anywhere and `python gradient_check.py`,
or, inside the book's repository, `python derivations/mathematics/gradient_check.py`.
"""

import numpy as np

# An entry whose derivative is exactly zero is estimated as rounding noise (about
# 1e-16·|C|/h), never as an exact zero, and noise divided by its own size is an error of one.
# So entries far below the largest are measured against this fraction of the largest instead.
NEAR_ZERO = 1e-3


def central_differences(cost, x, h=1e-3):
    """Eq. (1): ∂C/∂x[k] ≈ (C(x + h·e_k) − C(x − h·e_k)) / 2h, for every entry k of x."""
    x = np.asarray(x, dtype=np.float64)
    estimate = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = h
        estimate[k] = (cost(x + step) - cost(x - step)) / (2 * h)
    return estimate


def relative_error(derived, estimated, floor=1e-8):
    """Eq. (2): |a − b| / max(|a|, |b|), entry by entry; floor avoids 0/0 where both are zero."""
    a = np.asarray(derived, dtype=np.float64)
    b = np.asarray(estimated, dtype=np.float64)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


def gradient_check(derived, cost, x, h=1e-3, tolerance=1e-6):
    """(passed, largest relative error) of a derived gradient against central differences."""
    estimate = central_differences(cost, x, h)
    largest = max(np.abs(derived).max(), np.abs(estimate).max())
    errors = relative_error(derived, estimate, floor=max(NEAR_ZERO * largest, 1e-8))
    return bool(errors.max() <= tolerance), float(errors.max())


def correlate(x, w):
    """Y[u,v] = Σ_{m,n} W[m,n] X[u+m, v+n]: a valid cross-correlation, as PyTorch computes."""
    out_h, out_w = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
    return np.array([[np.sum(w * x[i : i + w.shape[0], j : j + w.shape[1]])
                      for j in range(out_w)] for i in range(out_h)])


def demo():
    """The question's network i ⋆ w¹ = o¹, o² = Σ w² ⊙ o¹, C = (o² − y)², random values."""
    rng = np.random.default_rng(0)
    i, w1, w2, y = rng.normal(size=(3, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 2)), 1.0

    def cost(w1):
        o2 = np.sum(w2 * correlate(i, w1))
        return (o2 - y) ** 2

    o2 = np.sum(w2 * correlate(i, w1))
    delta1 = 2 * (o2 - y) * w2  # ∂C/∂o¹: one value per output of the first layer
    chain_rule = correlate(i, delta1)  # ∂C/∂w¹[m,n] = Σ_k δ¹_k · (input under w¹[m,n] at k)
    # the question's version: (sum of the inputs w¹[m,n] touched) × (sum of all of δ¹)
    product_of_sums = np.array([[i[m : m + 2, n : n + 2].sum() * delta1.sum()
                                 for n in range(2)] for m in range(2)])
    for name, derived in [("chain rule", chain_rule), ("product of sums", product_of_sums)]:
        passed, worst = gradient_check(derived, cost, w1)
        print(f"{name:16s} largest relative error {worst:.1e}  {'PASS' if passed else 'FAIL'}")


if __name__ == "__main__":
    demo()
