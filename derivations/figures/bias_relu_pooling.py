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


def overlap_figure(x, winners, shared_cell, grad, size: int, stride: int) -> str:
    """Overlapping windows: the entry that wins several windows collects all their gradients."""
    x_roles = {cell: "result" for cell in set(winners.values())}
    x_roles[shared_cell] = "focus"
    return figure_svg(
        "Overlapping max pooling: the windows share their middle row and column; the centre "
        "entry (outlined in black) is the maximum of three windows and receives the sum of "
        "their three gradients.",
        [
            Panel(f"X ({size}×{size} windows, stride {stride})", x.tolist(), x_roles,
                  operator_after="→"),
            Panel("∂C/∂X", grad.tolist(), {cell: role for cell, role in x_roles.items()}),
        ],
    )


def tie_rules_figure(x, tied, rules) -> str:
    """The tied window's gradient under each rule, side by side."""
    roles = {cell: "tap" for cell in tied}
    return figure_svg(
        "Three tie rules for max pooling on the same window: the first maximum gets everything; "
        "the tied entries share; the naive rule gives everything to each, twice the gradient "
        "the window received.",
        [Panel("X", x.tolist(), roles)]
        + [Panel(name, grad.tolist(), roles) for name, grad in rules],
    )
