"""Independent values for general/network.md: the whole network by definition, exactly.

The route: the loop-by-definition conv2d (mathematics/conv2d_reference.py) on Fractions for
both convolutions, forward and backward; ReLU, max pooling (the first maximum in reading
order wins, PyTorch's rule), the mean squared error and the chain rule between the layers
written out here; the gradient-descent step and the cost after it by running this forward
pass again. Nothing here comes from mathematics/network.py, which printed the page.
"""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import network as example
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)
from derivations.oracles import array_quantities

PREFIX = "network"


def exact(nested):
    if isinstance(nested, list | tuple):
        return [exact(item) for item in nested]
    return Fraction(nested)


def relu(x):
    return [[[v if v > 0 else Fraction(0) for v in row] for row in ch] for ch in x]


def windows(x, size):
    """(channel, i, j) and the window's cells in reading order, for a size×size pool, stride
    size."""
    for c, ch in enumerate(x):
        for i in range(len(ch) // size):
            for j in range(len(ch[0]) // size):
                yield (c, i, j), [(size * i + m, size * j + n)
                                  for m in range(size) for n in range(size)]


def max_pool(x, size):
    out = [[[None] * (len(x[0][0]) // size) for _ in range(len(x[0]) // size)] for _ in x]
    winners = {}
    for (c, i, j), cells in windows(x, size):
        best = cells[0]
        for cell in cells[1:]:
            if x[c][cell[0]][cell[1]] > x[c][best[0]][best[1]]:  # a tie keeps the first
                best = cell
        out[c][i][j] = x[c][best[0]][best[1]]
        winners[(c, i, j)] = best
    return out, winners


def forward(x, w1, b1, w4):
    o1 = conv2d_forward_reference([x], w1, b1, example.STRIDE1, example.PADDING1)[0].tolist()
    o2 = relu(o1)
    o3, winners = max_pool(o2, example.POOL)
    o4 = conv2d_forward_reference([o3], w4, None, 1, example.PADDING4)[0].tolist()
    return o1, o2, o3, winners, o4


def mse(o4, y):
    entries = [(o, t) for row, trow in zip(o4[0], y[0], strict=True)
               for o, t in zip(row, trow, strict=True)]
    return sum(((o - t) ** 2 for o, t in entries), Fraction(0)) / len(entries), len(entries)


def quantities():
    x, w1, b1, w4 = (exact([example.X]), exact(example.W1), exact(example.B1),
                     exact(example.W4))
    y = exact([example.TARGET])
    o1, o2, o3, winners, o4 = forward(x, w1, b1, w4)
    cost, count = mse(o4, y)
    residual = [[[o - t for o, t in zip(row, trow, strict=True)]
                 for row, trow in zip(o4[0], y[0], strict=True)]]
    delta4 = [[[Fraction(2, count) * r for r in row] for row in residual[0]]]
    back4 = conv2d_backward_reference([o3], w4, [delta4], 1, example.PADDING4)
    delta3 = back4.grad_input[0].tolist()
    delta2 = [[[Fraction(0)] * len(o2[0][0]) for _ in o2[0]] for _ in o2]
    for (c, i, j), (r, q) in winners.items():
        delta2[c][r][q] += delta3[c][i][j]
    mask = [[[Fraction(1) if v > 0 else Fraction(0) for v in row] for row in ch] for ch in o1]
    delta1 = [[[d * m for d, m in zip(drow, mrow, strict=True)]
               for drow, mrow in zip(dch, mch, strict=True)]
              for dch, mch in zip(delta2, mask, strict=True)]
    back1 = conv2d_backward_reference([x], w1, [delta1], example.STRIDE1, example.PADDING1,
                                      with_bias=True)
    grad_w1, grad_b1 = back1.grad_weight.tolist(), back1.grad_bias.tolist()
    grad_w4 = back4.grad_weight.tolist()
    rate = Fraction(*example.RATE)
    new_w1 = [[[[v - rate * g for v, g in zip(vr, gr, strict=True)]
                for vr, gr in zip(vc, gc, strict=True)] for vc, gc in zip(vo, go, strict=True)]
              for vo, go in zip(w1, grad_w1, strict=True)]
    new_b1 = [v - rate * g for v, g in zip(b1, grad_b1, strict=True)]
    new_w4 = [[[[v - rate * g for v, g in zip(vr, gr, strict=True)]
                for vr, gr in zip(vc, gc, strict=True)] for vc, gc in zip(vo, go, strict=True)]
              for vo, go in zip(w4, grad_w4, strict=True)]
    cost_after, _ = mse(forward(x, new_w1, new_b1, new_w4)[4], y)
    out = {}
    for name, value in (("X", x), ("W1", w1), ("b1", b1), ("W4", w4), ("y", y), ("O1", o1),
                        ("O2", o2), ("O3", o3), ("O4", o4), ("residual", residual),
                        ("delta4", delta4), ("delta3", delta3), ("delta2", delta2),
                        ("mask2", mask), ("delta1", delta1), ("gradW4", grad_w4),
                        ("gradW1", grad_w1), ("gradb1", grad_b1),
                        ("gradX", back1.grad_input[0].tolist()),
                        ("step.W1", new_w1), ("step.b1", new_b1), ("step.W4", new_w4),
                        ("shape.X", [len(x[0]), len(x[0][0])]),
                        ("shape.O1", _dims(o1)), ("shape.O2", _dims(o2)),
                        ("shape.O3", _dims(o3)), ("shape.O4", _dims(o4))):
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    out[f"{PREFIX}.cost"] = cost
    out[f"{PREFIX}.rate"] = rate
    out[f"{PREFIX}.step.cost"] = cost_after
    constants = {"c1_out": len(w1), "k1": len(w1[0][0]), "s1": example.STRIDE1,
                 "p1": example.PADDING1, "pool": example.POOL, "c4_in": len(w4[0]),
                 "k4": len(w4[0][0]), "p4": example.PADDING4, "m": count,
                 "o3_side": len(o3[0]), "zero": 0,
                 "passed": sum(1 for ch in delta1 for row in ch for v in row if v != 0),
                 "empty_windows": sum(1 for ch in delta3 for row in ch for v in row if v == 0)}
    out.update({f"{PREFIX}.const.{name}": value for name, value in constants.items()})
    return out


def _dims(tensor) -> list[int]:
    return [len(tensor), len(tensor[0]), len(tensor[0][0])]
