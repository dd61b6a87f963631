"""Figures of general/bias-relu-pooling.md: max pooling's routing, average pooling's spread.

Drawn with the shared grid renderer (derivations/figures/grid.py); this module only decides
which cells are highlighted and how panels are labelled, and which quantity each panel shows
(its key, under which oracles/bias_relu_pooling.py recomputes every cell).
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, roles_where
from derivations.render.page import Asset

P = "bias_relu_pooling"


def max_pool_figure(x, pooled, winners, losers, upstream, grad) -> Asset:
    """X with each window's winner marked, the pooled output, then δ routed back to winners."""
    winner_cells = set(winners.values())
    x_roles = {cell: "result" for cell in winner_cells}
    x_roles.update({cell: "tap" for cell in losers})
    return figure_asset(
        "general/figures/max-pool.svg",
        "Max pooling: each window's maximum (green, outlined) is the only entry that reaches the "
        "output, so it alone receives that output's gradient; a tied maximum that lost "
        "(yellow) receives nothing.",
        [
            Panel("X", x.tolist(), x_roles, operator_after="→", key=f"{P}.pool_x"),
            Panel("max pool", pooled.tolist(), roles_where(pooled.shape, "result",
                                                           lambda r, c: True),
                  key=f"{P}.max_out"),
            Panel("∂C/∂P", upstream.tolist(), operator_after="→", key=f"{P}.max_upstream"),
            Panel("∂C/∂X", grad.tolist(), {cell: "result" for cell in winner_cells},
                  key=f"{P}.max_grad"),
        ],
    )


def avg_pool_figure(upstream, grad, size: int, stride: int) -> Asset:
    """δ of the pooled output spread evenly over each window of the input gradient."""
    def shaded(r: int, c: int) -> bool:
        return (r // stride + c // stride) % 2 == 0  # checkerboard of windows

    return figure_asset(
        "general/figures/avg-pool.svg",
        "Average pooling: each output's gradient is shared equally by the entries of its "
        "window.",
        [
            Panel("∂C/∂P", upstream.tolist(), roles_where(upstream.shape, "window",
                                                          lambda r, c: (r + c) % 2 == 0),
                  operator_after="→", key=f"{P}.avg_upstream"),
            Panel("∂C/∂X", grad.tolist(), roles_where(grad.shape, "window", shaded),
                  key=f"{P}.avg_grad"),
        ],
    )


def overlap_figure(x, winners, shared_cell, grad, size: int, stride: int) -> Asset:
    """Overlapping windows: the entry that wins several windows collects all their gradients."""
    x_roles = {cell: "result" for cell in set(winners.values())}
    x_roles[shared_cell] = "focus"
    return figure_asset(
        "general/figures/max-pool-overlap.svg",
        "Overlapping max pooling: the windows share their middle row and column; the centre "
        "entry (outlined in black) is the maximum of three windows and receives the sum of "
        "their three gradients.",
        [
            Panel(f"X ({size}×{size} windows, stride {stride})", x.tolist(), x_roles,
                  operator_after="→", key=f"{P}.ov_x"),
            Panel("∂C/∂X", grad.tolist(), {cell: role for cell, role in x_roles.items()},
                  key=f"{P}.ov_max_grad"),
        ],
    )


def tie_rules_figure(x, tied, rules) -> Asset:
    """The tied window's gradient under each rule (name, ∂C/∂X), side by side."""
    roles = {cell: "tap" for cell in tied}
    return figure_asset(
        "general/figures/max-pool-ties.svg",
        "Three tie rules for max pooling on the same window: the first maximum gets everything; "
        "the tied entries share; the naive rule gives everything to each, twice the gradient "
        "the window received.",
        [Panel("X", x.tolist(), roles, key=f"{P}.pool_x")]
        + [Panel(name, grad.tolist(), roles, key=f"{P}.tie_grad_{name}") for name, grad in rules],
    )
