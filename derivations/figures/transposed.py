"""Figures of general/transposed.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, inside, roles_where
from derivations.mathematics import transposed as tr
from derivations.render.page import Asset


def figures(e: tr.TransposedExample) -> list[Asset]:
    """The figures of general/transposed.md, as files of the site."""
    s, p, d = e.stride, e.padding, e.dilation
    k_h, k_w = e.w.shape
    span_h, span_w = d * (k_h - 1) + 1, d * (k_w - 1) + 1
    corners = [(s * i, s * j) for i in range(e.x.shape[0]) for j in range(e.x.shape[1])]
    panels = [Panel("X", e.x.tolist(), key="transposed.x"),
              Panel("W", e.w.tolist(), roles_where(e.w.shape, "tap", lambda r, c: True),
                    key="transposed.w")]
    for index, (stamp, (top, left)) in enumerate(zip(e.stamps, corners, strict=True)):
        i, j = divmod(index, e.x.shape[1])
        panels.append(Panel(f"X{'₀₁'[i]}{'₀₁'[j]}·W", stamp.tolist(),
                            roles_where(stamp.shape, "window", inside(top, left, span_h, span_w)),
                            operator_after="=" if index == len(e.stamps) - 1 else "+",
                            key=f"transposed.stamp[{i},{j}]"))
    kept = inside(p, p, *e.y.shape)
    panels.append(Panel("sum of stamps", e.canvas.tolist(),
                        roles_where(e.canvas.shape, "zero", lambda r, c: not kept(r, c)),
                        operator_after="→", key="transposed.canvas"))
    panels.append(Panel("Y (crop p, add b)", e.y.tolist(),
                        roles_where(e.y.shape, "result", lambda r, c: True), key="transposed.y"))
    forward = figure_asset(
        "general/figures/transposed-stamps.svg",
        "Transposed convolution forward: every input entry stamps itself times the kernel onto "
        "the output, s apart; overlapping stamps add; the padding is cropped from the sum and "
        "the bias added.",
        panels, per_row=4,
    )
    i, j = 0, 1  # an entry of X whose window on δ_pad touches the padding
    window = inside(s * i, s * j, span_h, span_w)
    shape = e.delta_padded.shape
    real = inside(p, p, *e.delta.shape)
    backward = figure_asset(
        "general/figures/transposed-input-gradient.svg",
        "The input gradient of a transposed convolution is a strided convolution: the kernel "
        "slides over the padded delta s at a time; the highlighted window gives one entry.",
        [Panel("δ padded", e.delta_padded.tolist(),
               {**roles_where(shape, "zero", lambda r, c: not real(r, c)),
                **roles_where(shape, "window", window)}, operator_after="⋆",
               key="transposed.delta_padded"),
         Panel("W", e.w.tolist(), roles_where(e.w.shape, "tap", lambda r, c: True),
               operator_after="=", key="transposed.w"),
         Panel("∂C/∂X", e.grad_input.tolist(),
               roles_where(e.grad_input.shape, "focus", lambda r, c: (r, c) == (i, j)),
               key="transposed.grad_x")],
    )
    return [forward, backward]
