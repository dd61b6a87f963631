"""Figures of general/dilation.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, inside, roles_where
from derivations.mathematics import dilation as dl
from derivations.mathematics.general_layer import zero_pad
from derivations.render.page import Asset


def figures(e: dl.DilationExample) -> list[Asset]:
    """The figures of general/dilation.md, as files of the site."""
    d = e.dilation
    k_h, k_w = e.w_dilated.shape
    m, n = 0, 1  # the weight whose sampled block is shown
    weight = figure_asset(
        "general/figures/dilation-weight-gradient.svg",
        "The input with the block of entries that delta meets for one weight, and the "
        "weight-gradient entry it gives.",
        [Panel("X", e.x.tolist(),
               roles_where(e.x.shape, "window",
                           lambda r, c: d * m <= r < d * m + e.delta.shape[0]
                           and d * n <= c < d * n + e.delta.shape[1]), operator_after="⋆",
               key="dilation.x"),
         Panel("δ", e.delta.tolist(), roles_where(e.delta.shape, "window", lambda r, c: True),
               operator_after="→", key="dilation.delta"),
         Panel("∂C/∂W", e.grad_weight.tolist(), {(m, n): "result"}, key="dilation.grad_w")],
    )
    padded = zero_pad(e.delta, k_h - 1, k_w - 1)
    real = inside(k_h - 1, k_w - 1, *e.delta.shape)
    inp = figure_asset(
        "general/figures/dilation-input-gradient.svg",
        "Delta padded with zeros, the rotated dilated kernel whose taps are spread apart, and "
        "the input gradient.",
        [Panel("δ padded", padded.tolist(),
               roles_where(padded.shape, "zero", lambda r, c: not real(r, c)),
               operator_after="⋆", key="dilation.delta_padded"),
         Panel("rot180(W dilated)", e.w_dilated_rotated.tolist(),
               roles_where(e.w_dilated.shape, "tap", lambda r, c: r % d == 0 and c % d == 0),
               operator_after="=", key="dilation.w_dil_rot"),
         Panel("∂C/∂X", e.grad_input.tolist(), key="dilation.grad_x")],
    )
    return [weight, inp]
