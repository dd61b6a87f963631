"""Independent values for general/groups.md: the loop-by-definition layer with `groups`.

The chapter restricts the channel sums to a group and chains the pointwise and depthwise
rules by hand. Here both layers are run through derivations/mathematics/conv2d_reference.py
on exact Fractions (groups = C for the depthwise layer, a 1×1 kernel for the pointwise one);
δ^Z is the reference's input gradient of the pointwise layer, and the depthwise gradients the
reference's backward pass fed with it. Parameter counts are the entries of the two layers'
weights, counted.
"""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import groups as example
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)
from derivations.oracles import array_quantities

PREFIX = "groups"


def _exact(nested):
    if isinstance(nested, list | tuple):
        return [_exact(item) for item in nested]
    return Fraction(nested)


def _entries(shape) -> int:
    count = 1
    for extent in shape:
        count *= extent
    return count


def quantities():
    x = [_exact(example.EXAMPLE_X)]
    dw, v = _exact(example.EXAMPLE_DEPTHWISE), _exact(example.EXAMPLE_POINTWISE)
    delta = [_exact(example.EXAMPLE_DELTA)]
    c = len(x[0])
    kernel_1x1 = [[[[value]] for value in row] for row in v]
    z = conv2d_forward_reference(x, dw, groups=c).tolist()
    y = conv2d_forward_reference(z, kernel_1x1).tolist()
    pointwise = conv2d_backward_reference(z, kernel_1x1, delta)
    delta_z = pointwise.grad_input.tolist()
    depthwise = conv2d_backward_reference(x, dw, delta_z, groups=c)
    out = {f"{PREFIX}.c": c, f"{PREFIX}.c_out": len(v), f"{PREFIX}.dw_k": len(dw[0][0]),
           f"{PREFIX}.fig_channels": example.FIGURE_CHANNELS,
           f"{PREFIX}.count_k": example.COUNT_KERNEL, f"{PREFIX}.count_c": example.COUNT_CHANNELS}
    k, channels = example.COUNT_KERNEL, example.COUNT_CHANNELS
    # the weight shapes of the two designs (C_out, C_in/G, k, k), entries counted
    dense = (channels, channels, k, k)
    separable = ((channels, 1, k, k), (channels, channels, 1, 1))
    out[f"{PREFIX}.count_dense"] = _entries(dense)
    out[f"{PREFIX}.count_separable"] = sum(_entries(shape) for shape in separable)
    out.update(array_quantities(f"{PREFIX}.v", v))
    out.update(array_quantities(f"{PREFIX}.grad_v",
                                [[g[0][0] for g in row] for row in pointwise.grad_weight.tolist()]))
    for q in range(c):
        out.update(array_quantities(f"{PREFIX}.x[{q}]", x[0][q]))
        out.update(array_quantities(f"{PREFIX}.dw[{q}]", dw[q][0]))
        out.update(array_quantities(f"{PREFIX}.z[{q}]", z[0][q]))
        out.update(array_quantities(f"{PREFIX}.delta_z[{q}]", delta_z[0][q]))
        out.update(array_quantities(f"{PREFIX}.grad_dw[{q}]",
                                    depthwise.grad_weight.tolist()[q][0]))
        out.update(array_quantities(f"{PREFIX}.grad_x[{q}]", depthwise.grad_input.tolist()[0][q]))
    for o in range(len(v)):
        out.update(array_quantities(f"{PREFIX}.y[{o}]", y[0][o]))
        out.update(array_quantities(f"{PREFIX}.delta[{o}]", delta[0][o]))
    return out
