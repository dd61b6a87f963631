"""Independent values for general/padding.md: forward by definition, exact differences.

The gradient with respect to the padded input is reached by treating the padded array as
the input of an unpadded layer (the definition of what those cells would receive).
"""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import padding as example
from derivations.oracles import array_quantities
from derivations.oracles.general_layer import exact, exact_gradients_2d, forward_4d

PREFIX = "padding"


def quantities():
    x, w, delta = exact(example.EXAMPLE_X), exact(example.EXAMPLE_W), exact(example.EXAMPLE_DELTA)
    b, p = Fraction(example.EXAMPLE_B), example.EXAMPLE_PADDING
    height, width = len(x), len(x[0])
    gx, gw, _ = exact_gradients_2d(x, w, b, delta, padding=p)
    y = forward_4d([[x]], [[w]], [b], padding=p)[0][0]
    x_pad = [[x[r - p][c - p] if p <= r < p + height and p <= c < p + width else Fraction(0)
              for c in range(width + 2 * p)] for r in range(height + 2 * p)]
    gx_pad, _, _ = exact_gradients_2d(x_pad, w, b, delta)
    out = {}
    for name, value in (("x", x), ("w", w), ("delta", delta), ("y", y), ("x_pad", x_pad),
                        ("grad_w", gw), ("grad_x", gx), ("grad_x_pad", gx_pad),
                        ("x_shape", [height, width]), ("w_shape", [len(w), len(w[0])]),
                        ("padded_shape", [len(gx_pad), len(gx_pad[0])])):
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    out[f"{PREFIX}.p"] = p
    out[f"{PREFIX}.delta_size"] = len(delta) * len(delta[0])
    # Products a weight keeps: outputs whose window puts that weight on a real input entry,
    # i.e. ∂Y[u,v]/∂W[m,n] is an entry of X and not a padding zero (by the forward definition).
    for m in range(len(w)):
        for n in range(len(w[0])):
            out[f"{PREFIX}.kept[{m},{n}]"] = sum(
                1 for u in range(len(y)) for v in range(len(y[0]))
                if 0 <= u + m - p < height and 0 <= v + n - p < width)
    return out
