"""Independent values for general/shapes.md: window by window, and the loop-by-definition layer.

Nothing here uses the chapter's closed forms (the floor, the remainder ℓ, the swapped stride
and dilation, the appended rows). Output sizes count the windows that fit; reached rows are
collected tap by tap; the gradients are the loop-by-definition reference on exact
Fractions; the correlation X_pad ⋆ δ⁽ˢ⁾ at every offset is the reference weight gradient of
an undilated kernel as large as that correlation; the padded input's gradient is the
reference layer run on the padded input itself.
"""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import shapes as example
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)
from derivations.oracles import array_quantities

PREFIX = "shapes"


def _windows(size, k, s, p, d):
    """Window starts 0, s, 2s, … whose last tap still lies in the padded axis."""
    starts, start = [], 0
    while start + d * (k - 1) <= size + 2 * p - 1:
        starts.append(start)
        start += s
    return starts


def _axis(size, k, s, p, d):
    starts = _windows(size, k, s, p, d)
    taps = {start + d * m for start in starts for m in range(k)}
    reached = [a for a in range(size) if a + p in taps]
    last_tap = max(taps)
    return {
        "size": size, "k": k, "s": s, "p": p, "d": d, "out": len(starts),
        "leftover": size + 2 * p - 1 - last_tap,
        "reached": reached, "unreached": [a for a in range(size) if a not in reached],
    }


def _grid(nested):
    return [[Fraction(v) for v in row] for row in nested]


def _put(out, key, value):
    if isinstance(value, list):
        out.update(array_quantities(key, value))
    else:
        out[key] = value


def quantities():
    out = {}
    for c, case in enumerate(example.AXIS_CASES):
        axis = _axis(*case)
        for name in ("size", "k", "s", "p", "d", "out", "leftover", "unreached"):
            _put(out, f"{PREFIX}.case[{c}].{name}", axis[name])
    x, w, delta = _grid(example.EXAMPLE_X), _grid(example.EXAMPLE_W), _grid(example.EXAMPLE_DELTA)
    s, p, d = example.EXAMPLE_STRIDE, example.EXAMPLE_PADDING, example.EXAMPLE_DILATION
    h, width, k_h, k_w = len(x), len(x[0]), len(w), len(w[0])
    rows, cols = _axis(h, k_h, s, p, d), _axis(width, k_w, s, p, d)
    hyper = dict(stride=s, padding=p, dilation=d)
    y = conv2d_forward_reference([[x]], [[w]], **hyper)[0][0]
    grads = conv2d_backward_reference([[x]], [[w]], [[delta]], **hyper)
    x_pad = [[x[r - p][c - p] if 0 <= r - p < h and 0 <= c - p < width else Fraction(0)
              for c in range(width + 2 * p)] for r in range(h + 2 * p)]
    # The correlation at every offset: an undilated kernel of that size has exactly the
    # same windows (its size is the padded axis minus the windows' reach), so its weight
    # gradient is Σ δ[i,j] X_pad[s·i + u, s·j + v] for every offset (u, v).
    wide = (h + 2 * p - s * (len(delta) - 1), width + 2 * p - s * (len(delta[0]) - 1))
    zero_kernel = [[Fraction(0)] * wide[1] for _ in range(wide[0])]
    correlation = conv2d_backward_reference([[x_pad]], [[zero_kernel]], [[delta]],
                                            stride=s).grad_weight[0][0].tolist()
    sampled = [row[::d] for row in correlation[::d]]
    on_padded = conv2d_backward_reference([[x_pad]], [[w]], [[delta]], stride=s,
                                          dilation=d).grad_input[0][0].tolist()
    dilated_delta = [[delta[r // s][c // s] if r % s == 0 and c % s == 0 else 0
                      for c in range(s * (len(delta[0]) - 1) + 1)]
                     for r in range(s * (len(delta) - 1) + 1)]
    w_dil = [[w[r // d][c // d] if r % d == 0 and c % d == 0 else 0
              for c in range(d * (k_w - 1) + 1)] for r in range(d * (k_h - 1) + 1)]
    reached_shape = [h + 2 * p - rows["leftover"], width + 2 * p - cols["leftover"]]
    for name, value in (
        ("x", x), ("w", w), ("delta", delta), ("y", y.tolist()), ("x_pad", x_pad),
        ("grad_w", grads.grad_weight[0][0].tolist()), ("grad_x", grads.grad_input[0][0].tolist()),
        ("x_shape", [h, width]), ("w_shape", [k_h, k_w]), ("y_shape", [len(y), len(y[0])]),
        ("w_dil", w_dil), ("w_dil_rot", [row[::-1] for row in w_dil[::-1]]),
        ("delta_dil", dilated_delta), ("correlation", correlation), ("sampled", sampled),
        ("sampled_shape", [len(sampled), len(sampled[0])]),
        ("grad_x_padded", on_padded),
        ("grad_x_reached", [row[: reached_shape[1]] for row in on_padded[: reached_shape[0]]]),
        ("reached_shape", reached_shape), ("padded_shape", [h + 2 * p, width + 2 * p]),
        ("short", [h - rows["leftover"], width - cols["leftover"]]),
    ):
        _put(out, f"{PREFIX}.{name}", value)
    out[f"{PREFIX}.s"], out[f"{PREFIX}.p"], out[f"{PREFIX}.d"] = s, p, d
    out[f"{PREFIX}.span"] = len(w_dil)
    for which, axis in (("rows", rows), ("cols", cols)):
        for name in ("size", "out", "leftover", "reached", "unreached"):
            _put(out, f"{PREFIX}.{which}.{name}", axis[name])
        # the numerator of the output size: padded size minus the kernel's reach
        reach = (axis["d"] * (axis["k"] - 1) + 1)
        out[f"{PREFIX}.{which}.inner"] = axis["size"] + 2 * axis["p"] - reach
    # every input size with the rows' output size, and the output_padding it needs
    sizes = [size for size in range(1, 4 * h) if _windows(size, k_h, s, p, d)
             and len(_windows(size, k_h, s, p, d)) == rows["out"]]
    for t, size in enumerate(sizes):
        axis = _axis(size, k_h, s, p, d)
        for name, value in (("size", size), ("out", axis["out"]), ("leftover", axis["leftover"]),
                            ("output_padding", axis["leftover"])):
            out[f"{PREFIX}.same_out[{t}].{name}"] = value
    return out
