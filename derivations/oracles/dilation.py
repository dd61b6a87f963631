"""Independent values for general/dilation.md: forward by definition, exact differences."""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import dilation as example
from derivations.oracles import array_quantities
from derivations.oracles.general_layer import exact, exact_gradients_2d, forward_4d

PREFIX = "dilation"


def quantities():
    x, w, delta = exact(example.EXAMPLE_X), exact(example.EXAMPLE_W), exact(example.EXAMPLE_DELTA)
    b, d = Fraction(example.EXAMPLE_B), example.EXAMPLE_DILATION
    k_h, k_w = len(w), len(w[0])
    gx, gw, _ = exact_gradients_2d(x, w, b, delta, dilation=d)
    y = forward_4d([[x]], [[w]], [b], dilation=d)[0][0]
    span = (d * (k_h - 1) + 1, d * (k_w - 1) + 1)
    w_dil = [[w[r // d][c // d] if r % d == 0 and c % d == 0 else Fraction(0)
              for c in range(span[1])] for r in range(span[0])]
    w_dil_rot = [[w_dil[span[0] - 1 - r][span[1] - 1 - c] for c in range(span[1])]
                 for r in range(span[0])]
    # δ laid over X at every offset (r, c): the sum of products, by definition.
    offsets = (len(x) - len(delta) + 1, len(x[0]) - len(delta[0]) + 1)
    x_star_delta = [[sum((delta[i][j] * x[r + i][c + j] for i in range(len(delta))
                          for j in range(len(delta[0]))), Fraction(0))
                     for c in range(offsets[1])] for r in range(offsets[0])]
    # δ with span − 1 zeros around it, by definition: the full correlation's input
    pad_h, pad_w = span[0] - 1, span[1] - 1
    delta_padded = [[delta[r - pad_h][c - pad_w]
                     if 0 <= r - pad_h < len(delta) and 0 <= c - pad_w < len(delta[0])
                     else Fraction(0)
                     for c in range(len(delta[0]) + 2 * pad_w)]
                    for r in range(len(delta) + 2 * pad_h)]
    out = {}
    for name, value in (("x", x), ("delta_padded", delta_padded), ("w", w), ("delta", delta),
                        ("y", y), ("grad_w", gw),
                        ("grad_x", gx), ("w_dil", w_dil), ("w_dil_rot", w_dil_rot),
                        ("x_star_delta", x_star_delta), ("x_shape", [len(x), len(x[0])]),
                        ("w_shape", [k_h, k_w]), ("span", list(span)),
                        ("y_shape", [len(y), len(y[0])])):
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    out[f"{PREFIX}.d"] = d
    out[f"{PREFIX}.pad"] = span[0] - 1
    return out
