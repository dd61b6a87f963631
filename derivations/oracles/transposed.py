"""Independent values for general/transposed.md: the loop-by-definition scatter on Fractions.

The chapter computes the forward pass as a sum of stamps cropped by the padding, the input
gradient as a strided convolution of δ and the weight gradient as a correlation of δ with the
zero-inserted X. Here every number comes from derivations/mathematics/conv2d_reference.py's
transposed convolution, written as its own definition (each X[b,c,i,j]·W[c,o,m,n] added where
it lands), and its term-by-term backward: none of those formulas is used.
"""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import transposed as example
from derivations.mathematics.conv2d_reference import (
    conv_transpose2d_backward_reference,
    conv_transpose2d_forward_reference,
)
from derivations.oracles import array_quantities

PREFIX = "transposed"


def _grid(nested):
    return [[Fraction(v) for v in row] for row in nested]


def quantities():
    x, w, delta = _grid(example.EXAMPLE_X), _grid(example.EXAMPLE_W), _grid(example.EXAMPLE_DELTA)
    b = Fraction(example.EXAMPLE_B)
    s, p, op, d = (example.EXAMPLE_STRIDE, example.EXAMPLE_PADDING,
                   example.EXAMPLE_OUTPUT_PADDING, example.EXAMPLE_DILATION)
    hyper = dict(stride=s, padding=p, output_padding=op, dilation=d)
    y = conv_transpose2d_forward_reference([[x]], [[w]], [b], **hyper)[0][0].tolist()
    # The stamps' sum before cropping: the same layer without padding and output_padding.
    canvas = conv_transpose2d_forward_reference([[x]], [[w]], stride=s,
                                                dilation=d)[0][0].tolist()
    grads = conv_transpose2d_backward_reference([[x]], [[w]], [[delta]], with_bias=True,
                                                **hyper)
    # stamp (i, j): the same unpadded layer fed X zero except at (i, j)
    stamps = {}
    for i in range(len(x)):
        for j in range(len(x[0])):
            alone = [[v if (r, c) == (i, j) else Fraction(0) for c, v in enumerate(row)]
                     for r, row in enumerate(x)]
            stamps[i, j] = conv_transpose2d_forward_reference([[alone]], [[w]], stride=s,
                                                              dilation=d)[0][0].tolist()
    # δ with p zeros around it, by definition: what the input gradient's windows slide over
    delta_padded = [[delta[r - p][c - p] if 0 <= r - p < len(delta) and 0 <= c - p < len(delta[0])
                     else Fraction(0) for c in range(len(delta[0]) + 2 * p)]
                    for r in range(len(delta) + 2 * p)]
    out = {f"{PREFIX}.s": s, f"{PREFIX}.p": p, f"{PREFIX}.op": op, f"{PREFIX}.b": b,
           f"{PREFIX}.grad_b": grads.grad_bias[0]}
    for name, value in (
        ("x", x), ("w", w), ("delta", delta), ("y", y), ("canvas", canvas),
        ("delta_padded", delta_padded),
        ("grad_x", grads.grad_input[0][0].tolist()),
        ("grad_w", grads.grad_weight[0][0].tolist()),
        ("x_shape", [len(x), len(x[0])]), ("w_shape", [len(w), len(w[0])]),
        ("y_shape", [len(y), len(y[0])]), ("canvas_shape", [len(canvas), len(canvas[0])]),
    ):
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    for (i, j), stamp in stamps.items():
        out.update(array_quantities(f"{PREFIX}.stamp[{i},{j}]", stamp))
    return out
