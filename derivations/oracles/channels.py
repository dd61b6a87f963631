"""Independent values for general/channels.md: 4-D forward by definition, exact differences.

The per-example weight-gradient terms are the gradients of the cost of that example alone;
the per-output-channel input-gradient terms are the gradients of the cost of that output
channel alone: what each term of the chapter's sums means, reached without its formula.
"""

from __future__ import annotations

from derivations.examples import channels as example
from derivations.oracles import array_quantities
from derivations.oracles.general_layer import exact, exact_gradients_4d, forward_4d

PREFIX = "channels"


def quantities():
    x, w, b, delta = (exact(example.EXAMPLE_X), exact(example.EXAMPLE_W),
                      exact(example.EXAMPLE_B), exact(example.EXAMPLE_DELTA))
    batch, c_in, c_out = len(x), len(x[0]), len(w)
    gx, gw, gb = exact_gradients_4d(x, w, b, delta)
    y = forward_4d(x, w, b)
    out = {}
    for n in range(batch):
        _, gw_n, _ = exact_gradients_4d([x[n]], w, b, [delta[n]])
        for o in range(c_out):
            for c in range(c_in):
                out.update(array_quantities(f"{PREFIX}.grad_w_term[{o},{c},{n}]", gw_n[o][c]))
    for o in range(c_out):
        gx_o, _, _ = exact_gradients_4d(x, [w[o]], [b[o]], [[delta[n][o]] for n in range(batch)])
        for n in range(batch):
            for c in range(c_in):
                out.update(array_quantities(f"{PREFIX}.grad_x_term[{n},{c},{o}]", gx_o[n][c]))
    for a in range(batch):
        for c in range(c_in):
            out.update(array_quantities(f"{PREFIX}.x[{a},{c}]", x[a][c]))
            out.update(array_quantities(f"{PREFIX}.grad_x[{a},{c}]", gx[a][c]))
        for o in range(c_out):
            out.update(array_quantities(f"{PREFIX}.y[{a},{o}]", y[a][o]))
            out.update(array_quantities(f"{PREFIX}.delta[{a},{o}]", delta[a][o]))
    for o in range(c_out):
        out[f"{PREFIX}.b[{o}]"] = b[o]
        out[f"{PREFIX}.grad_b[{o}]"] = gb[o]
        for c in range(c_in):
            out.update(array_quantities(f"{PREFIX}.w[{o},{c}]", w[o][c]))
            out.update(array_quantities(f"{PREFIX}.grad_w[{o},{c}]", gw[o][c]))
    out[f"{PREFIX}.n"] = batch
    out[f"{PREFIX}.c_in"] = c_in
    out[f"{PREFIX}.c_out"] = c_out
    out.update(array_quantities(f"{PREFIX}.x_shape", [len(x[0][0]), len(x[0][0][0])]))
    out.update(array_quantities(f"{PREFIX}.w_shape", [len(w[0][0]), len(w[0][0][0])]))
    out[f"{PREFIX}.entry_products"] = batch * len(delta[0][0]) * len(delta[0][0][0])
    return out
