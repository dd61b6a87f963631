"""Figures of general/shapes.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, roles_where
from derivations.mathematics import shapes as sh
from derivations.render.page import Asset


def figures(e: sh.ShapesExample) -> list[Asset]:
    """The figures of general/shapes.md, as files of the site."""
    p, d = e.padding, e.dilation
    k_h, k_w = e.w.shape
    rows, cols = set(e.rows.unreached), set(e.cols.unreached)
    h, w = e.x.shape

    def padding(r, c):
        return not (p <= r < p + h and p <= c < p + w)

    def missed(r, c):  # an entry is reached when both its row and its column are
        return not padding(r, c) and (r - p in rows or c - p in cols)

    x_roles = {**roles_where(e.x_padded.shape, "zero", padding),
               **roles_where(e.x_padded.shape, "unreached", missed),
               **roles_where(e.x_padded.shape, "window",
                             lambda r, c: not padding(r, c) and not missed(r, c))}
    reached = figure_asset(
        "general/figures/shapes-reached.svg",
        "The padded input with stride, padding and dilation together: grey cells are padding, "
        "blue cells are read by some window, red hatched cells by none; the input gradient is "
        "zero exactly on the red cells.",
        [Panel("X padded", e.x_padded.tolist(), x_roles, operator_after="→", key="shapes.x_pad"),
         Panel("∂C/∂X", e.grad_input.tolist(),
               roles_where(e.x.shape, "unreached", lambda r, c: r in rows or c in cols),
               key="shapes.grad_x")],
    )

    def on_tap(r, c):
        return r % d == 0 and c % d == 0

    def kept(r, c):
        return on_tap(r, c) and r // d < k_h and c // d < k_w

    corr_roles = {**roles_where(e.correlation.shape, "zero", lambda r, c: not on_tap(r, c)),
                  **roles_where(e.correlation.shape, "unreached",
                                lambda r, c: on_tap(r, c) and not kept(r, c)),
                  **roles_where(e.correlation.shape, "result", kept)}
    sampled_roles = {**roles_where(e.sampled.shape, "unreached",
                                   lambda r, c: r >= k_h or c >= k_w),
                     **roles_where(e.sampled.shape, "result",
                                   lambda r, c: r < k_h and c < k_w)}
    weight = figure_asset(
        "general/figures/shapes-weight-leftover.svg",
        "The weight gradient: the correlation of the padded input with the zero-inserted delta, "
        "read every d-th row and column; the reading has one row more than the kernel, a "
        "leftover row (red, hatched) that is dropped.",
        [Panel("X padded ⋆ δ⁽ˢ⁾", e.correlation.tolist(), corr_roles, operator_after="→",
               key="shapes.correlation"),
         Panel("every d-th", e.sampled.tolist(), sampled_roles, operator_after="→",
               key="shapes.sampled"),
         Panel("∂C/∂W", e.grad_weight.tolist(),
               roles_where(e.grad_weight.shape, "result", lambda r, c: True),
               key="shapes.grad_w")],
    )
    return [reached, weight]
