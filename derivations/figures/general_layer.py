"""Figures of general/layer.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

import numpy as np

from derivations.figures.grid import Panel, figure_asset, inside, roles_where
from derivations.mathematics import general_layer as gl
from derivations.render.page import Asset

P = "general_layer"  # the keys of oracles/general_layer.py


def figures(e: gl.LayerExample) -> list[Asset]:
    """The figures of general/layer.md, as files of the site."""
    k_h, k_w = e.w.shape
    weight = figure_asset(
        "general/figures/layer-weight-gradient.svg",
        "The upstream gradient delta slides over the input X; the window at offset row 0, "
        "column 1 gives the weight-gradient entry in row 0, column 1.",
        [
            Panel("X", e.x.tolist(), roles_where(e.x.shape, "window",
                                                 lambda r, c: r < 2 and 1 <= c < 3),
                  operator_after="⋆", key=f"{P}.x"),
            Panel("δ", e.delta.tolist(), roles_where(e.delta.shape, "window", lambda r, c: True),
                  operator_after="=", key=f"{P}.delta"),
            Panel("∂C/∂W", e.grad_weight.tolist(), {(0, 1): "result"}, key=f"{P}.grad_w"),
        ],
    )
    a, c = 1, 2
    real = inside(k_h - 1, k_w - 1, *e.delta.shape)  # δ itself, inside its padding
    inp = figure_asset(
        "general/figures/layer-input-gradient.svg",
        "The kernel rotated by half a turn slides over delta padded with zeros; the highlighted "
        "window gives the input-gradient entry in row 1, column 2.",
        [
            Panel("δ padded", e.delta_padded.tolist(),
                  {**roles_where(e.delta_padded.shape, "zero",
                                 lambda r, cc: not real(r, cc)),
                   **roles_where(e.delta_padded.shape, "window",
                                 lambda r, cc: a <= r < a + k_h and c <= cc < c + k_w)},
                  operator_after="⋆", key=f"{P}.delta_padded"),
            Panel("rot180(W)", e.w_rotated.tolist(),
                  roles_where(e.w.shape, "tap", lambda r, cc: True), operator_after="=",
                  key=f"{P}.w_rot"),
            Panel("∂C/∂X", e.grad_input.tolist(), {(a, c): "result"}, key=f"{P}.grad_x"),
        ],
    )
    panels = []
    for i, j in np.ndindex(*e.delta.shape):
        term = e.scatter[i, j]
        window = inside(i, j, k_h, k_w)
        values = [[term[r, cc] if window(r, cc) else None for cc in range(term.shape[1])]
                  for r in range(term.shape[0])]
        last = (i, j) == (e.delta.shape[0] - 1, e.delta.shape[1] - 1)
        panels.append(Panel(f"δ[{i},{j}]·W", values, roles_where(term.shape, "window", window),
                            operator_after="=" if last else "+",
                            key=f"{P}.scatter[{i},{j}]"))
    panels.append(Panel("∂C/∂X", e.grad_input.tolist(),
                        roles_where(e.grad_input.shape, "result", lambda r, cc: True),
                        key=f"{P}.grad_x"))
    scatter = figure_asset(
        "general/figures/layer-scatter.svg",
        "Each entry of delta sends delta times the kernel back onto the window it came from; "
        "the copies add up to the input gradient.",
        panels, per_row=3,
    )
    return [weight, inp, scatter]
