"""Independent values for general/batch-norm.md: sympy differentiates the definition.

The chapter computes ∂C/∂Z with its closed form (eq-bn-input). Here, for each channel, the
cost C = Σ δ·(γ·(z − μ)/√σ² + β) is written with μ and σ² as the definitions' sums of the M
symbols, sympy differentiates it symbol by symbol, and the example's exact values are
substituted (ε = 0 and a perfect-square variance keep every number rational). γ's and β's
gradients are sympy's derivatives in γ and β of the same cost.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from derivations.examples import batch_norm as example
from derivations.oracles import array_quantities

PREFIX = "batch_norm"


def _fraction(value) -> Fraction:
    value = sympy.nsimplify(value)
    if not value.is_Rational:
        raise ValueError(f"expected an exact rational, got {value}")
    return Fraction(int(value.p), int(value.q))


def _channel(values, deltas, gamma, beta):
    """(μ, σ², √σ², ẑ, y, ∂C/∂z, ∂C/∂γ, ∂C/∂β) for one channel, in the order of values."""
    z = sympy.symbols(f"z0:{len(values)}", real=True)
    g, b = sympy.symbols("g b", real=True)
    m = len(values)
    mean = sympy.Add(*z) / m
    var = sympy.Add(*((zk - mean) ** 2 for zk in z)) / m
    root = sympy.sqrt(var + sympy.Rational(example.EXAMPLE_EPS))
    outputs = [g * (zk - mean) / root + b for zk in z]
    cost = sympy.Add(*(sympy.Rational(d) * y for d, y in zip(deltas, outputs, strict=True)))
    at = {**{zk: sympy.Rational(v) for zk, v in zip(z, values, strict=True)},
          g: sympy.Rational(gamma), b: sympy.Rational(beta)}
    hats = [(zk - mean) / root for zk in z]
    return (_fraction(mean.subs(at)), _fraction(var.subs(at)), _fraction(root.subs(at)),
            [_fraction(h.subs(at)) for h in hats], [_fraction(y.subs(at)) for y in outputs],
            [_fraction(sympy.diff(cost, zk).subs(at)) for zk in z],
            _fraction(sympy.diff(cost, g).subs(at)), _fraction(sympy.diff(cost, b).subs(at)))


def quantities():
    z, delta = example.EXAMPLE_Z, example.EXAMPLE_DELTA
    n, c, h, w = len(z), len(z[0]), len(z[0][0]), len(z[0][0][0])
    places = [(b, i, j) for b in range(n) for i in range(h) for j in range(w)]
    out = {f"{PREFIX}.n": n, f"{PREFIX}.c": c, f"{PREFIX}.h": h, f"{PREFIX}.w": w,
           f"{PREFIX}.m": len(places), f"{PREFIX}.eps": Fraction(example.EXAMPLE_EPS)}
    for q in range(c):
        mean, var, std, hats, ys, grads, grad_gamma, grad_beta = _channel(
            [z[b][q][i][j] for b, i, j in places], [delta[b][q][i][j] for b, i, j in places],
            example.EXAMPLE_GAMMA[q], example.EXAMPLE_BETA[q])
        out.update({f"{PREFIX}.mean[{q}]": mean, f"{PREFIX}.var[{q}]": var,
                    f"{PREFIX}.std[{q}]": std, f"{PREFIX}.grad_gamma[{q}]": grad_gamma,
                    f"{PREFIX}.grad_beta[{q}]": grad_beta,
                    f"{PREFIX}.gamma[{q}]": example.EXAMPLE_GAMMA[q],
                    f"{PREFIX}.beta[{q}]": example.EXAMPLE_BETA[q],
                    f"{PREFIX}.grad_z_sum[{q}]": sum(grads, Fraction(0))})
        for name, flat in (("z_hat", hats), ("y", ys), ("grad_z", grads)):
            for b in range(n):
                grid = [[flat[places.index((b, i, j))] for j in range(w)] for i in range(h)]
                out.update(array_quantities(f"{PREFIX}.{name}[{b},{q}]", grid))
        for b in range(n):
            out.update(array_quantities(f"{PREFIX}.z[{b},{q}]", z[b][q]))
            out.update(array_quantities(f"{PREFIX}.delta[{b},{q}]", delta[b][q]))
    return out
