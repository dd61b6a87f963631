"""Figures of general/bias-relu-pooling.md: max pooling's routing, average pooling's spread.

Drawn with the shared grid renderer (derivations/figures/grid.py); this module only decides
which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_svg, roles_where


def max_pool_figure(x, pooled, winners, losers, upstream, grad) -> str:
    """X with each window's winner marked, the pooled output, then δ routed back to winners."""
    winner_cells = set(winners.values())
    x_roles = {cell: "result" for cell in winner_cells}
    x_roles.update({cell: "tap" for cell in losers})
    return figure_svg(
        "Max pooling: each window's maximum (green, outlined) is the only entry that reaches the "
        "output, so it alone receives that output's gradient; a tied maximum that lost "
        "(yellow) receives nothing.",
        [
            Panel("X", x.tolist(), x_roles, operator_after="→"),
            Panel("max pool", pooled.tolist(), roles_where(pooled.shape, "result",
                                                           lambda r, c: True)),
            Panel("∂C/∂P", upstream.tolist(), operator_after="→"),
            Panel("∂C/∂X", grad.tolist(), {cell: "result" for cell in winner_cells}),
        ],
    )


def avg_pool_figure(upstream, grad, size: int, stride: int) -> str:
    """δ of the pooled output spread evenly over each window of the input gradient."""
    def shaded(r: int, c: int) -> bool:
        return (r // stride + c // stride) % 2 == 0  # checkerboard of windows

    return figure_svg(
        "Average pooling: each output's gradient is shared equally by the entries of its "
        "window.",
        [
            Panel("∂C/∂P", upstream.tolist(), roles_where(upstream.shape, "window",
                                                          lambda r, c: (r + c) % 2 == 0),
                  operator_after="→"),
            Panel("∂C/∂X", grad.tolist(), roles_where(grad.shape, "window", shaded)),
        ],
    )
