"""Figures of general/stride.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, inside, roles_where
from derivations.mathematics import stride as st
from derivations.mathematics.general_layer import zero_pad
from derivations.render.page import Asset


def figures(e: st.StrideExample) -> list[Asset]:
    """The figures of general/stride.md, as files of the site."""
    s = e.stride
    k_h, k_w = e.w.shape
    dil_roles = roles_where(e.delta_dilated.shape, "zero", lambda r, c: r % s or c % s)
    padded = zero_pad(e.delta_dilated, k_h - 1, k_w - 1)
    real = inside(k_h - 1, k_w - 1, *e.delta_dilated.shape)
    padded_roles = roles_where(
        padded.shape, "zero",
        lambda r, c: not real(r, c) or (r - k_h + 1) % s or (c - k_w + 1) % s)
    reached = inside(0, 0, *e.reached)

    def unreached(r, c):
        return not reached(r, c)

    dilated = figure_asset(
        "general/figures/stride-dilated-delta.svg",
        "Delta, and delta with stride minus one zeros inserted between neighbouring entries.",
        [Panel("δ", e.delta.tolist(), operator_after="→", key="stride.delta"),
         Panel("δ with zeros inserted", e.delta_dilated.tolist(), dil_roles,
               operator_after="→", key="stride.delta_dil"),
         Panel("padded for the full correlation", padded.tolist(), padded_roles,
               key="stride.delta_dil_padded")],
    )
    unreached_fig = figure_asset(
        "general/figures/stride-unreached.svg",
        "The input: cells some window covers, and the last row and column that no window "
        "covers; the input gradient is zero exactly there.",
        [Panel("X", e.x.tolist(),
               {**roles_where(e.x.shape, "window", lambda r, c: not unreached(r, c)),
                **roles_where(e.x.shape, "unreached", unreached)}, operator_after="→",
               key="stride.x"),
         Panel("∂C/∂X", e.grad_input.tolist(),
               roles_where(e.x.shape, "unreached", unreached), key="stride.grad_x")],
    )
    return [dilated, unreached_fig]
