"""Independent values for general/stride.md: forward by definition, exact differences."""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import stride as example
from derivations.oracles import array_quantities
from derivations.oracles.general_layer import exact, exact_gradients_2d, forward_4d

PREFIX = "stride"


def quantities():
    x, w, delta = exact(example.EXAMPLE_X), exact(example.EXAMPLE_W), exact(example.EXAMPLE_DELTA)
    b, s = Fraction(example.EXAMPLE_B), example.EXAMPLE_STRIDE
    gx, gw, _ = exact_gradients_2d(x, w, b, delta, stride=s)
    y = forward_4d([[x]], [[w]], [b], stride=s)[0][0]
    # Reached rows by definition: the union of the rows the windows cover.
    rows = {s * i + m for i in range(len(y)) for m in range(len(w))}
    cols = {s * j + n for j in range(len(y[0])) for n in range(len(w[0]))}
    dilated = [[delta[p // s][q // s] if p % s == 0 and q % s == 0 else 0
                for q in range(s * (len(delta[0]) - 1) + 1)]
               for p in range(s * (len(delta) - 1) + 1)]
    # spread δ with k − 1 zeros around it, by definition: the full correlation's input
    k_h, k_w = len(w), len(w[0])
    spread_padded = [[dilated[r - k_h + 1][c - k_w + 1]
                      if 0 <= r - k_h + 1 < len(dilated) and 0 <= c - k_w + 1 < len(dilated[0])
                      else Fraction(0)
                      for c in range(len(dilated[0]) + 2 * (k_w - 1))]
                     for r in range(len(dilated) + 2 * (k_h - 1))]
    out = {}
    for name, value in (("x", x), ("delta_dil_padded", spread_padded), ("w", w),
                        ("delta", delta), ("y", y), ("grad_w", gw),
                        ("grad_x", gx), ("delta_dil", dilated),
                        ("grad_x_reached", [row[: len(cols)] for row in gx[: len(rows)]]),
                        ("x_shape", [len(x), len(x[0])]), ("w_shape", [len(w), len(w[0])]),
                        ("y_shape", [len(y), len(y[0])]), ("reached", [len(rows), len(cols)]),
                        ("leftover", [len(x) - len(rows), len(x[0]) - len(cols)])):
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    out[f"{PREFIX}.s"] = s
    out[f"{PREFIX}.s_minus_one"] = s - 1
    out[f"{PREFIX}.delta_size"] = len(delta) * len(delta[0])
    out[f"{PREFIX}.sym_leftover"] = gx[len(x) - 1][0]
    # δ spread out, slid over the whole of X: every offset at which it still fits inside.
    fits = (len(x) - len(dilated) + 1, len(x[0]) - len(dilated[0]) + 1)
    out.update(array_quantities(f"{PREFIX}.x_corr_spread", [
        [sum(dilated[p][q] * x[p + m][q + n]
             for p in range(len(dilated)) for q in range(len(dilated[0])))
         for n in range(fits[1])] for m in range(fits[0])]))
    out.update(array_quantities(f"{PREFIX}.x_corr_spread_shape", list(fits)))
    a, c = s, s  # the entry the page writes out: the windows that cover it, by definition
    out[f"{PREFIX}.windows_at[{a},{c}]"] = sum(
        1 for i in range(len(y)) for j in range(len(y[0]))
        if s * i <= a < s * i + len(w) and s * j <= c < s * j + len(w[0]))
    return out
