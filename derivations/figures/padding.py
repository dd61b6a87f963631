"""Figures of general/padding.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, inside, roles_where
from derivations.mathematics import padding as pd
from derivations.render.page import Asset


def figure(e: pd.PaddingExample) -> Asset:
    """The figure of general/padding.md, as a file of the site."""
    p = e.padding
    shape = e.grad_input_padded.shape
    core = inside(p, p, shape[0] - 2 * p, shape[1] - 2 * p)

    def border(r, c):
        return not core(r, c)

    return figure_asset(
        "general/figures/padding-crop.svg",
        "The gradient with respect to the padded input; its border is cropped, leaving the "
        "gradient with respect to the input.",
        [Panel("∂C/∂X padded", e.grad_input_padded.tolist(),
               {**roles_where(shape, "zero", border),
                **roles_where(shape, "result", lambda r, c: not border(r, c))},
               operator_after="→", key="padding.grad_x_pad"),
         Panel("∂C/∂X", e.grad_input.tolist(),
               roles_where(e.grad_input.shape, "result", lambda r, c: True),
               key="padding.grad_x")],
    )
