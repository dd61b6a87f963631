"""Independent values for general/bias-relu-pooling.md, from the definitions on Fractions.

Nothing here masks, routes or spreads a gradient the way
derivations/mathematics/bias_relu_pooling.py does. The costs are written as the forward
definitions (a bias added at every position, max and mean taken over each window by plain
loops), and derivatives are exact one-sided differences of those costs with a tiny Fraction
step. Where a function has a corner, the convention is stated explicitly: ReLU's slope at
zero is the left one (zero, as PyTorch), and a tied maximum goes to the first one in reading
order (as PyTorch's strict `>` scan)."""

from __future__ import annotations

from fractions import Fraction

from derivations.examples import bias_relu_pooling as inputs
from derivations.oracles import array_quantities

PREFIX = "bias_relu_pooling"
TINY = Fraction(1, 10**6)  # smaller than any gap between distinct example values


def _grid(nested):
    return [[Fraction(v) for v in row] for row in nested]


def _windows(height, width, size, stride):
    out = []
    for i in range((height - size) // stride + 1):
        row = []
        for j in range((width - size) // stride + 1):
            row.append([(stride * i + m, stride * j + n) for m in range(size) for n in range(size)])
        out.append(row)
    return out


def _relu_cost(z, g):
    return sum((g[r][c] * max(z[r][c], Fraction(0)) for r in range(len(z))
                for c in range(len(z[0]))), Fraction(0))


def _bumped(grid, r, c, amount):
    out = [row[:] for row in grid]
    out[r][c] += amount
    return out


def _relu(z, g, h):
    rows, cols = len(z), len(z[0])
    # left difference: at a kink it gives the left slope, zero, PyTorch's choice
    delta = [[(_relu_cost(z, g) - _relu_cost(_bumped(z, r, c, -TINY), g)) / TINY
              for c in range(cols)] for r in range(rows)]
    mask = [[1 if z[r][c] > 0 else 0 for c in range(cols)] for r in range(rows)]
    kr, kc = inputs.RELU_KINK
    base = _relu_cost(z, g)
    up = _relu_cost(_bumped(z, kr, kc, h), g)
    down = _relu_cost(_bumped(z, kr, kc, -h), g)
    out = {}
    out.update(array_quantities(f"{PREFIX}.relu_z", z))
    out.update(array_quantities(f"{PREFIX}.relu_upstream", g))
    out.update(array_quantities(f"{PREFIX}.relu_mask", mask))
    out.update(array_quantities(f"{PREFIX}.relu_delta", delta))
    out[f"{PREFIX}.relu_step"] = h
    out[f"{PREFIX}.relu_right"] = (up - base) / h
    out[f"{PREFIX}.relu_left"] = (base - down) / h
    out[f"{PREFIX}.relu_central"] = (up - down) / (2 * h)
    out[f"{PREFIX}.relu_zero_count"] = sum(1 for row in z for value in row if value == 0)
    return out


def _pooling(x, size, stride, g_max, g_avg):
    windows = _windows(len(x), len(x[0]), size, stride)
    pooled = [[max(x[a][c] for a, c in cells) for cells in row] for row in windows]
    means = [[sum((x[a][c] for a, c in cells), Fraction(0)) / len(cells) for cells in row]
             for row in windows]
    grad_max = [[Fraction(0)] * len(x[0]) for _ in x]
    grad_split = [[Fraction(0)] * len(x[0]) for _ in x]
    grad_avg = [[Fraction(0)] * len(x[0]) for _ in x]
    grad_naive = [[Fraction(0)] * len(x[0]) for _ in x]  # every tied maximum gets it all
    for i, row in enumerate(windows):
        for j, cells in enumerate(row):
            values = [x[a][c] for a, c in cells]
            best = max(values)
            first = cells[values.index(best)]  # list.index: the first in reading order
            grad_max[first[0]][first[1]] += g_max[i][j]
            tied = [cell for cell, v in zip(cells, values, strict=True) if v == best]
            for a, c in tied:
                grad_split[a][c] += g_max[i][j] / len(tied)
                grad_naive[a][c] += g_max[i][j]
            # mean: exact difference of the average, one entry bumped by one
            for a, c in cells:
                bumped = sum((x[p][q] + (1 if (p, q) == (a, c) else 0) for p, q in cells),
                             Fraction(0)) / len(cells)
                grad_avg[a][c] += g_avg[i][j] * (bumped - means[i][j])
    out = {}
    out.update(array_quantities(f"{PREFIX}.pool_x", x))
    out.update(array_quantities(f"{PREFIX}.pool_x_shape", [len(x), len(x[0])]))
    out[f"{PREFIX}.pool_size"] = size
    out[f"{PREFIX}.pool_stride"] = stride
    out[f"{PREFIX}.window_size"] = size * size
    out.update(array_quantities(f"{PREFIX}.max_out", pooled))
    out.update(array_quantities(f"{PREFIX}.max_upstream", g_max))
    out.update(array_quantities(f"{PREFIX}.max_grad", grad_max))
    out.update(array_quantities(f"{PREFIX}.max_grad_split", grad_split))
    # the tie rules figure: the whole of ∂C/∂X under each rule
    out.update(array_quantities(f"{PREFIX}.tie_grad_first", grad_max))
    out.update(array_quantities(f"{PREFIX}.tie_grad_shared", grad_split))
    out.update(array_quantities(f"{PREFIX}.tie_grad_naive", grad_naive))
    out.update(array_quantities(f"{PREFIX}.avg_out", means))
    out.update(array_quantities(f"{PREFIX}.avg_upstream", g_avg))
    out.update(array_quantities(f"{PREFIX}.avg_share",
                                [[g / (size * size) for g in row] for row in g_avg]))
    out.update(array_quantities(f"{PREFIX}.avg_grad", grad_avg))
    return out


def _bias(delta):
    out = {}
    for n, example in enumerate(delta):
        out.update(array_quantities(f"{PREFIX}.bias_delta{n}", example))
    sums = []
    for example in delta:
        sums.append(sum((v for row in example for v in row), Fraction(0)))
    out.update(array_quantities(f"{PREFIX}.bias_sum", sums))
    uses = sum(len(example) * len(example[0]) for example in delta)
    out[f"{PREFIX}.bias_uses"] = uses

    def cost(b):  # C = Σ δ·(b + rest); the rest cancels in the difference, so leave it out
        return sum((v * b for example in delta for row in example for v in row), Fraction(0))

    total = cost(Fraction(1)) - cost(Fraction(0))
    out[f"{PREFIX}.grad_b[0]"] = total
    return out


def _first_max_routes(x, size, stride, g):
    """(window, winning cell) pairs by the strict > scan in reading order, and the gradient."""
    routes = {}
    grad = [[Fraction(0)] * len(x[0]) for _ in x]
    for i, row in enumerate(_windows(len(x), len(x[0]), size, stride)):
        for j, cells in enumerate(row):
            values = [x[a][c] for a, c in cells]
            cell = cells[values.index(max(values))]
            routes[(i, j)] = cell
            grad[cell[0]][cell[1]] += g[i][j]
    return routes, grad


def _overlap(x, size, stride, g, g_avg):
    routes, grad = _first_max_routes(x, size, stride, g)
    wins = {}
    for cell in routes.values():
        wins[cell] = wins.get(cell, 0) + 1
    pooled = [[max(x[a][c] for a, c in cells) for cells in row]
              for row in _windows(len(x), len(x[0]), size, stride)]
    avg = [[Fraction(0)] * len(x[0]) for _ in x]
    for i, row in enumerate(_windows(len(x), len(x[0]), size, stride)):
        for j, cells in enumerate(row):
            for a, c in cells:  # the mean of the window moves by 1/len when one entry moves by 1
                avg[a][c] += g_avg[i][j] * Fraction(1, len(cells))
    out = {f"{PREFIX}.ov_size": size, f"{PREFIX}.ov_stride": stride,
           f"{PREFIX}.ov_count": max(wins.values())}
    for name, value in (("ov_x", x), ("ov_x_shape", [len(x), len(x[0])]),
                        ("ov_max_out", pooled), ("ov_upstream", g), ("ov_max_grad", grad),
                        ("ov_avg_upstream", g_avg), ("ov_avg_grad", avg)):
        out.update(array_quantities(f"{PREFIX}.{name}", value))
    return out


def _global_average(x, g):
    """P = mean of each channel; ∂C/∂X by exact differences of C = Σ g·P (P is linear)."""
    def cost(values):
        return sum((g[c] * sum((v for row in values[c] for v in row), Fraction(0))
                    / (len(values[c]) * len(values[c][0])) for c in range(len(values))),
                   Fraction(0))

    base = cost(x)
    grads = []
    for c, channel in enumerate(x):
        grid = []
        for a, row in enumerate(channel):
            line = []
            for b in range(len(row)):
                bumped = [[r[:] for r in ch] for ch in x]
                bumped[c][a][b] += 1
                line.append(cost(bumped) - base)
            grid.append(line)
        grads.append(grid)
    h, w = len(x[0]), len(x[0][0])
    out = {f"{PREFIX}.gap_hw": h * w}
    out.update(array_quantities(f"{PREFIX}.gap_shape", [h, w]))
    out.update(array_quantities(f"{PREFIX}.gap_pooled",
                                [[sum((v for row in ch for v in row), Fraction(0)) / (h * w)
                                  for ch in x]]))
    out.update(array_quantities(f"{PREFIX}.gap_upstream", [list(g)]))
    for c in range(len(x)):
        out.update(array_quantities(f"{PREFIX}.gap_x[{c}]", x[c]))
        out.update(array_quantities(f"{PREFIX}.gap_grad[{c}]", grads[c]))
    return out


def _ties(x, size, stride, g, h):
    """Each rule at the tied cells, and the cost's exact change when both move by h."""
    out = {f"{PREFIX}.tie_step": h}
    for i, row in enumerate(_windows(len(x), len(x[0]), size, stride)):
        for j, cells in enumerate(row):
            best = max(x[a][c] for a, c in cells)
            tied = [cell for cell in cells if x[cell[0]][cell[1]] == best]
            if len(tied) < 2:
                continue
            rules = {"first": {tied[0]: g[i][j]},  # the strict > scan keeps the first
                     "shared": {cell: g[i][j] / len(tied) for cell in tied},
                     "naive": {cell: g[i][j] for cell in tied}}
            for name, shares in rules.items():
                for a, c in tied:
                    out[f"{PREFIX}.tie_{name}[{a},{c}]"] = shares.get((a, c), Fraction(0))
                out[f"{PREFIX}.tie_total_{name}"] = sum(shares.values(), Fraction(0))
            moved = [row_[:] for row_ in x]
            for a, c in tied:
                moved[a][c] += h

            def cost(values):
                return sum((g[p][q] * max(values[a][c] for a, c in window)
                            for p, windows in enumerate(_windows(len(x), len(x[0]), size,
                                                                 stride))
                            for q, window in enumerate(windows)), Fraction(0))

            out[f"{PREFIX}.tie_measured"] = (cost(moved) - cost(x)) / h
            out[f"{PREFIX}.tie_count"] = len(tied)
    return out


def quantities():
    out = {}
    out.update(_bias([_grid(batch_item) for batch_item in inputs.BIAS_DELTA]))
    out.update(_relu(_grid(inputs.RELU_Z), _grid(inputs.RELU_UPSTREAM),
                     Fraction(inputs.RELU_STEP)))
    out.update(_pooling(_grid(inputs.POOL_X), inputs.POOL_SIZE, inputs.POOL_STRIDE,
                        _grid(inputs.MAX_UPSTREAM), _grid(inputs.AVG_UPSTREAM)))
    out.update(_overlap(_grid(inputs.OVERLAP_X), inputs.OVERLAP_SIZE, inputs.OVERLAP_STRIDE,
                        _grid(inputs.OVERLAP_UPSTREAM), _grid(inputs.OVERLAP_AVG_UPSTREAM)))
    out.update(_global_average([_grid(channel) for channel in inputs.GAP_X],
                               [Fraction(v) for v in inputs.GAP_UPSTREAM]))
    out.update(_ties(_grid(inputs.POOL_X), inputs.POOL_SIZE, inputs.POOL_STRIDE,
                     _grid(inputs.MAX_UPSTREAM), Fraction(inputs.TIE_STEP)))
    return out
