"""A worked network as a standalone PyTorch script that checks the derivation's gradients.

The script rebuilds the network as a learner would write it (torch.nn.Sequential of
Conv2d, ReLU, MaxPool2d, AvgPool2d and an MSELoss), loads the same numbers, runs autograd
and asserts that every gradient, the cost and (with a step) the cost after one SGD step
equal the exact derivation's, to float64 rounding. Inputs are written exactly when a float
literal can be (2, 0.25), else as a quotient (1 / 3, rounded once by Python);
the expected values are the exact results rounded to the nearest float64.
"""

from __future__ import annotations

from fractions import Fraction

from derivations.mathematics.network import Conv, NetworkWork, StepWork, flat, shape

HEADER = '''\
"""PyTorch's autograd against the worked derivation of `python -m derivations worked`.

Rebuilds the network with the same numbers, runs backward() and checks every gradient.
Needs only PyTorch (pip install torch); runs on the CPU in float64.
"""
import torch

torch.set_default_dtype(torch.float64)


def tensor(values):
    """A float64 tensor (torch.tensor would make integer lists int64)."""
    return torch.tensor(values, dtype=torch.float64)
'''
# float64 sums of these few terms are accurate to about 1e-15 of the largest term; the
# tolerance leaves room for that and nothing a wrong gradient could hide in.
TOLERANCE = '''
def check(name, got, want):
    """got (PyTorch) equals want (the exact derivation, rounded to float64) to rounding."""
    want = tensor(want)
    scale = max(1.0, want.abs().max().item())
    torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-9 * scale, msg=name)
    print(name, "=", got.tolist())
'''


def literal(value: Fraction) -> str:
    """A Python expression for value: exact when a float literal is, else p / q."""
    if value.denominator == 1:
        return str(value.numerator)
    as_float = float(value)
    if Fraction(as_float) == value:
        return repr(as_float)
    return f"{value.numerator} / {value.denominator}"


def nearest(value: Fraction) -> str:
    """The exact value rounded to float64, written so it reads back to the same float."""
    return str(value.numerator) if value.denominator == 1 else repr(float(value))


def nested(tensor, write=literal) -> str:
    if isinstance(tensor, tuple):
        return "[" + ", ".join(nested(item, write) for item in tensor) + "]"
    return write(tensor)


def _pair(value) -> str:
    return str(value[0]) if value[0] == value[1] else f"({value[0]}, {value[1]})"


def _module(layer) -> str:
    if isinstance(layer, Conv):
        c_out, c_in, kh, kw = shape(layer.weight)
        options = [f"kernel_size={_pair((kh, kw))}"]
        for name, value, default in (("stride", layer.stride, (1, 1)),
                                     ("padding", layer.padding, (0, 0)),
                                     ("dilation", layer.dilation, (1, 1))):
            if value != default:
                options.append(f"{name}={_pair(value)}")
        options.append(f"bias={layer.bias is not None}")
        return f"torch.nn.Conv2d({c_in}, {c_out}, {', '.join(options)})"
    if layer.kind == "relu":
        return "torch.nn.ReLU()"
    name = "MaxPool2d" if layer.kind == "maxpool" else "AvgPool2d"
    return (f"torch.nn.{name}(kernel_size={_pair(layer.kernel)}, "
            f"stride={_pair(layer.stride)})")


def _dyadic(value: Fraction) -> bool:
    """Exactly a float64 (these small numbers): the denominator is a power of two."""
    return value.denominator & (value.denominator - 1) == 0


def kinks_float_may_miss(work: NetworkWork) -> list[str]:
    """ReLU inputs exactly 0 and max-pool ties, when float64 cannot reproduce them exactly.

    At such a point the derivation takes PyTorch's side (ReLU′(0) = 0, the first maximum
    wins), but PyTorch computes in float64: with numbers like 1/3 or a mean over 3 entries
    an exact 0 may come out as 1e-17, and PyTorch takes the other side.
    """
    network = work.network
    numbers = list(flat(network.input))
    for layer in network.layers:
        if isinstance(layer, Conv):
            numbers += flat(layer.weight) + list(layer.bias or ())
    areas = [layer.kernel[0] * layer.kernel[1] for layer in network.layers
             if layer.kind == "avgpool"]
    if all(_dyadic(v) for v in numbers) and all(a & (a - 1) == 0 for a in areas):
        return []
    found = []
    for k, done in enumerate(work.layers):
        if done.layer.kind == "relu":
            found += [f"layers[{k}] (relu) input {list(index)} is exactly 0"
                      for index, v in _entries(done.input_map) if v == 0]
        elif done.layer.kind == "maxpool":
            found += [f"layers[{k}] (maxpool) window {list(w.index)} has a tie"
                      for w in done.windows if w.values.count(w.value) > 1]
    return found


def _entries(tensor, index=()):
    if isinstance(tensor, tuple):
        for position, item in enumerate(tensor):
            yield from _entries(item, (*index, position))
    else:
        yield index, tensor


def pytorch_script(work: NetworkWork, step: StepWork | None = None) -> str:
    """The whole script, deterministic text."""
    network = work.network
    lines = [HEADER, "", "net = torch.nn.Sequential("]
    lines += [f"    {_module(layer)},  # layers[{k}]" for k, layer in enumerate(network.layers)]
    lines.append(")")
    lines.append("with torch.no_grad():  # the description's numbers, not a random start")
    for k, layer in enumerate(network.layers):
        if isinstance(layer, Conv):
            lines.append(f"    net[{k}].weight.copy_(tensor({nested(layer.weight)}))")
            if layer.bias is not None:
                lines.append(f"    net[{k}].bias.copy_(tensor({nested(layer.bias)}))")
    lines.append("")
    lines.append("# one example (N = 1) of shape (C, H, W)")
    lines.append(f"x = tensor([{nested(network.input)}]).requires_grad_()")
    if network.target_rank == 0:
        lines.append(f"y = torch.full(({', '.join(map(str, (1, *shape(work.output))))}), "
                     f"float({literal(network.target)}))")
    else:
        lines.append(f"y = tensor([{nested(work.target)}])")
    reduction = "sum" if network.loss == "sse" else "mean"
    lines.append(f'loss = torch.nn.MSELoss(reduction="{reduction}")  '
                 f"# {'C = sum of (o - y)^2' if reduction == 'sum' else 'C = mean of (o - y)^2'}")
    kinks = kinks_float_may_miss(work)
    if kinks:
        lines += ["", "# Note: the derivation is exact, PyTorch rounds to float64. Where the exact",
                  "# value sits on a kink, rounding may put PyTorch on the other side, and a",
                  "# check below may fail there for that reason alone:"]
        lines += [f"#   {kink}" for kink in kinks[:5]]
        if len(kinks) > 5:
            lines.append(f"#   and {len(kinks) - 5} more")
    lines += ["", "output = net(x)", "cost = loss(output, y)", "cost.backward()", "",
              "", TOLERANCE.strip("\n"), "", ""]
    lines.append(f'check("output", output.detach(), [{nested(work.output, nearest)}])')
    lines.append(f'check("cost", cost.detach(), {nearest(work.cost)})')
    for k, done in enumerate(work.layers):
        if isinstance(done.layer, Conv):
            lines.append(f'check("dC/d layers[{k}].weight", net[{k}].weight.grad, '
                         f"{nested(done.grad_weight, nearest)})")
            if done.grad_bias is not None:
                lines.append(f'check("dC/d layers[{k}].bias", net[{k}].bias.grad, '
                             f"{nested(done.grad_bias, nearest)})")
    lines.append(f'check("dC/d input", x.grad[0], {nested(work.grad_input, nearest)})')
    if step is not None:
        lines += ["", "# one gradient-descent step: every parameter moves by -rate * its "
                      "gradient",
                  f"torch.optim.SGD(net.parameters(), lr={literal(step.rate)}).step()",
                  "with torch.no_grad():",
                  f'    check("cost after one step", loss(net(x), y), '
                  f"{nearest(step.cost_after)})"]
    lines += ["", 'print("PyTorch agrees with the worked derivation.")', ""]
    return "\n".join(lines)
