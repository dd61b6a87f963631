"""Independent values for the command output shown on tools/worked-cli.md.

The page shows what `worked` printed for the seed example (Stack Exchange format), for a
small example (JSON) and for a malformed input (its error line). Here the chain is worked
again from the inputs alone: the matrix syntax read by a plain split, the maps and the
gradients by the loop-by-definition reference (mathematics/conv2d_reference.py) on
Fractions, δ at the output as the derivative of (o − y)², 2(o − y); each written-out sum's
products are the definition's terms in its stated order (reading order of the kernel's taps
forward; of δ's entries backward). Nothing here comes from mathematics/worked.py.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from derivations import worked_limits
from derivations.examples import seed
from derivations.examples import worked_cli as example
from derivations.mathematics.conv2d_reference import (
    conv2d_backward_reference,
    conv2d_forward_reference,
)
from derivations.oracles import array_quantities

PREFIX = "worked_cli"
# The browser twin of the command (tools/try-your-numbers) states the display precision on
# its own; --help must say the same.
BROWSER_SCRIPT = Path(__file__).resolve().parents[1] / "web" / "worked.js"


def parse(text: str) -> list[list[Fraction]]:
    """The matrix syntax: rows split on ';', entries on commas or spaces."""
    return [[Fraction(entry) for entry in re.split(r"[,\s]+", row.strip())]
            for row in text.split(";")]


def _terms(out: dict, key: str, pairs) -> None:
    pairs = list(pairs)
    if not pairs:
        out[f"{key}.zero"] = Fraction(0)
    for t, (a, b) in enumerate(pairs):
        out[f"{key}.a{t}"], out[f"{key}.b{t}"] = a, b


def chain_quantities(key: str, x, kernels, target) -> dict:
    """Every number the worked derivation prints, under the keys its formatter records."""
    maps = [x]
    for w in kernels:
        maps.append(conv2d_forward_reference([[maps[-1]]], [[w]])[0][0].tolist())
    out_map = maps[-1]
    rows, cols = len(out_map), len(out_map[0])
    one_number = len(target) == len(target[0]) == 1
    y = [[target[0][0]] * cols for _ in range(rows)] if one_number else target
    residual = [[out_map[i][j] - y[i][j] for j in range(cols)] for i in range(rows)]
    out = {f"{key}.cost": sum((r * r for row in residual for r in row), Fraction(0))}
    if one_number:
        out[f"{key}.target"] = target[0][0]
    out.update(array_quantities(f"{key}.input", x))
    out.update(array_quantities(f"{key}.target", y))
    out.update(array_quantities(f"{key}.residual", residual))
    delta = [[2 * r for r in row] for row in residual]
    for i in range(rows):
        for j in range(cols):
            out[f"{key}.cost.o[{i},{j}]"], out[f"{key}.cost.y[{i},{j}]"] = out_map[i][j], y[i][j]
            out[f"{key}.residual[{i},{j}].d"] = residual[i][j]
    out.update(array_quantities(f"{key}.delta{len(kernels)}", delta))
    for k in range(len(kernels), 0, -1):
        w, before = kernels[k - 1], maps[k - 1]
        k_h, k_w = len(w), len(w[0])
        out.update(array_quantities(f"{key}.kernel{k}", w))
        out.update(array_quantities(f"{key}.map{k}", maps[k]))
        for u in range(len(maps[k])):
            for v in range(len(maps[k][0])):
                _terms(out, f"{key}.map{k}[{u},{v}]",
                       ((w[m][n], before[u + m][v + n]) for m in range(k_h) for n in range(k_w)))
        grads = conv2d_backward_reference([[before]], [[w]], [[delta]])
        grad_w, grad_in = grads.grad_weight[0][0].tolist(), grads.grad_input[0][0].tolist()
        below = f"{key}.grad_input" if k == 1 else f"{key}.delta{k - 1}"
        out.update(array_quantities(f"{key}.grad_kernel{k}", grad_w))
        out.update(array_quantities(f"{key}.grad_kernel{k}.summary", grad_w))
        out.update(array_quantities(below, grad_in))
        if k == 1:
            out.update(array_quantities(f"{key}.grad_input.summary", grad_in))
        cells = [(u, v) for u in range(len(delta)) for v in range(len(delta[0]))]
        for m in range(k_h):
            for n in range(k_w):
                _terms(out, f"{key}.grad_kernel{k}[{m},{n}]",
                       ((delta[u][v], before[u + m][v + n]) for u, v in cells))
        for a in range(len(before)):
            for c in range(len(before[0])):
                _terms(out, f"{below}[{a},{c}]",
                       ((delta[u][v], w[a - u][c - v]) for u, v in cells
                        if 0 <= a - u < k_h and 0 <= c - v < k_w))
        delta = grad_in
    return out


def json_quantities(key: str, x, kernels, target) -> dict:
    """The JSON's numbers: the chain's matrices under its names, and each exact p/q."""
    maps, deltas, grad_kernels = [x], [], []
    for w in kernels:
        maps.append(conv2d_forward_reference([[maps[-1]]], [[w]])[0][0].tolist())
    y = ([[target[0][0]] * len(maps[-1][0]) for _ in maps[-1]]
         if len(target) == len(target[0]) == 1 else target)
    residual = [[o - t for o, t in zip(row, trow, strict=True)]
                for row, trow in zip(maps[-1], y, strict=True)]
    cost = sum((r * r for row in residual for r in row), Fraction(0))
    delta = [[2 * r for r in row] for row in residual]
    for k in range(len(kernels), 0, -1):
        deltas.insert(0, delta)
        grads = conv2d_backward_reference([[maps[k - 1]]], [[kernels[k - 1]]], [[delta]])
        grad_kernels.insert(0, grads.grad_weight[0][0].tolist())
        delta = grads.grad_input[0][0].tolist()
    values = {"input": x, "target": y, "output": maps[-1], "grad_input": delta, "cost": cost}
    values.update({f"{name}[{k}]": matrix for name, matrices in (
        ("kernels", kernels), ("maps", maps[1:]), ("grad_maps", deltas),
        ("grad_kernels", grad_kernels)) for k, matrix in enumerate(matrices)})
    out = {}
    for name, value in values.items():
        plain = array_quantities(f"{key}.{name}", value) if isinstance(value, list) \
            else {f"{key}.{name}": value}
        out.update(plain)
        for path, number in plain.items():
            exact = path.replace(f"{key}.", f"{key}.exact.", 1)
            out[f"{exact}.p"], out[f"{exact}.q"] = number.numerator, number.denominator
    return out


def bad_input_quantities(key: str, text: str) -> dict:
    """The first row whose length differs from the first row's, counted from one."""
    rows = [re.split(r"[,\s]+", row.strip()) for row in text.split(";")]
    short = next(r for r in range(len(rows)) if len(rows[r]) != len(rows[0]))
    return {f"{key}.short_row": short + 1, f"{key}.short_row_entries": len(rows[short]),
            f"{key}.first_row": 1, f"{key}.first_row_entries": len(rows[0])}


def quantities():
    x, kernels, target = (parse(text) for text in example.JSON_EXAMPLE)
    seed_input = [[Fraction(v) for v in row] for row in seed.I]
    seed_kernels = [[[Fraction(v) for v in row] for row in w] for w in (seed.W1, seed.W2)]
    out = chain_quantities(f"{PREFIX}.seed", seed_input, seed_kernels,
                           [[Fraction(seed.TARGET)]])
    out.update(json_quantities(f"{PREFIX}.json", x, [kernels], target))
    out.update(bad_input_quantities(f"{PREFIX}.bad", example.BAD_EXAMPLE[0]))
    decimals = re.search(r"DISPLAY_DECIMALS = (\d+)", BROWSER_SCRIPT.read_text(encoding="utf-8"))
    out[f"{PREFIX}.display_decimals"] = int(decimals.group(1))
    # the one limit the browser twin has no use for (it reads no network description)
    out[f"{PREFIX}.description_chars"] = worked_limits.MAX_DESCRIPTION_CHARS
    return out
