"""Random "Try your own numbers" forms (shared by the page's tests; not a test module).

Fields as the page's form names them (derivations/render/network_form.py): networks whose
layers mostly fit, with channels, bias, stride, padding, dilation, pools, both losses and
sometimes a learning rate; with `bad=True` one text field is replaced by something wrong.
"""

from __future__ import annotations

NUMBERS = ("1/2", "-3/4", "0.25", "2/3", "-1.5", "5/7", "1/3")
WRONG = ("", "x", "1 2; 3", "-1", "1.5", "9", "1 | 2 3", "1/0", "<b>hi</b>")


def random_form(rng, bad: bool = False) -> dict[str, str]:
    def value() -> str:
        return rng.choice(NUMBERS) if rng.random() < 0.2 else str(rng.randint(-4, 4))

    def matrix(h: int, w: int) -> str:
        return "; ".join(" ".join(value() for _ in range(w)) for _ in range(h))

    channels, height, width = rng.randint(1, 2), rng.randint(2, 7), rng.randint(2, 7)
    fields = {"input": " | ".join(matrix(height, width) for _ in range(channels))}
    here = [channels, height, width]
    for k in range(rng.randint(1, 4)):
        kind = "conv" if k == 0 else rng.choice(["conv", "relu", "maxpool", "avgpool"])
        fields[f"layer{k}-type"] = kind
        if kind == "conv":
            here = _conv(rng, fields, k, here, matrix, value)
        elif kind != "relu":
            here = _pool(rng, fields, k, here)
        if min(here[1:]) < 1:
            break
    if rng.random() < 0.5 or min(here[1:]) < 1:
        fields["target"] = value()
    else:
        fields["target"] = " | ".join(matrix(here[1], here[2]) for _ in range(here[0]))
    fields["loss"] = rng.choice(["sse", "mse"])
    fields["rate"] = rng.choice(["", "", "1/100", "0.5"])
    if bad:  # a text field (a reader cannot type into the page's lists of choices)
        typed = [name for name in fields if name != "loss" and not name.endswith("-type")]
        fields[rng.choice(typed)] = rng.choice(WRONG)
    return fields


def _conv(rng, fields, k, here, matrix, value) -> list[int]:
    pad, stride, dilation = rng.randint(0, 1), rng.randint(1, 2), rng.randint(1, 2)
    kh, kw = rng.randint(1, 3), rng.randint(1, 3)
    if dilation * (kh - 1) + 1 > here[1] + 2 * pad or dilation * (kw - 1) + 1 > here[2] + 2 * pad:
        dilation, kh, kw = 1, min(kh, here[1] + 2 * pad), min(kw, here[2] + 2 * pad)
    c_out = rng.randint(1, 2)
    if here[0] == 1 and c_out == 1 and rng.random() < 0.5:
        fields[f"layer{k}-weight"] = matrix(kh, kw)
    else:
        fields[f"layer{k}-weight"] = " || ".join(
            " | ".join(matrix(kh, kw) for _ in range(here[0])) for _ in range(c_out))
    if rng.random() < 0.5:
        fields[f"layer{k}-bias"] = " ".join(value() for _ in range(c_out))
    for name, given, default in (("stride", stride, 1), ("padding", pad, 0),
                                 ("dilation", dilation, 1)):
        if given != default:
            fields[f"layer{k}-{name}"] = str(given)
    return [c_out, len(range(0, here[1] + 2 * pad - dilation * (kh - 1), stride)),
            len(range(0, here[2] + 2 * pad - dilation * (kw - 1), stride))]


def _pool(rng, fields, k, here) -> list[int]:
    kh, kw = rng.randint(1, min(2, here[1])), rng.randint(1, min(2, here[2]))
    fields[f"layer{k}-kernel"] = f"{kh} {kw}" if kh != kw else str(kh)
    sh, sw = kh, kw
    if rng.random() < 0.5:
        sh = sw = rng.randint(1, 2)
        fields[f"layer{k}-stride"] = str(sh)
    return [here[0], (here[1] - kh) // sh + 1, (here[2] - kw) // sw + 1]


def worst_form(seed: int = 5) -> dict[str, str]:
    """A network at the limits whose exact arithmetic is as heavy as they allow: four input
    channels of 12×12 fractions with distinct 5-digit denominators (their common
    denominator alone has about 2,900 digits), biases, four convolutions and a step."""
    import random

    rng = random.Random(seed)
    denominators = iter(rng.sample(range(10007, 99999), 2000))

    def fraction() -> str:
        return f"{rng.choice(['', '-'])}1/{next(denominators)}"

    def matrix(h: int, w: int) -> str:
        return "; ".join(" ".join(fraction() for _ in range(w)) for _ in range(h))

    fields = {"input": " | ".join(matrix(12, 12) for _ in range(4)),
              "layer0-type": "conv", "layer0-weight": " | ".join(matrix(3, 3) for _ in range(4)),
              "layer0-bias": fraction()}
    for k in (1, 2, 3):
        fields.update({f"layer{k}-type": "conv", f"layer{k}-weight": matrix(2, 2),
                       f"layer{k}-bias": fraction()})
    fields.update({"target": fraction(), "loss": "mse", "rate": "1/3"})
    return fields
