"""Figures of the second half of the general chapters (pooling, the matrix view).

Drawn with the shared grid renderer of derivations/general_figures.py; this module only
decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.general_figures import Panel, figure_svg, inside, roles_where


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


def jacobian_figure(jacobian, highlight_row: int) -> str:
    """The Jacobian ∂vec(Y)/∂vec(X): one row per output, one column per input entry."""
    rows = len(jacobian)
    return figure_svg(
        "The Jacobian of a convolution: each row holds the kernel's weights at the columns of "
        "the input entries its window covers, zeros elsewhere; the highlighted row is the "
        "first output.",
        [
            Panel("J = ∂o¹/∂i", jacobian.tolist(),
                  {**roles_where(jacobian.shape, "zero", lambda r, c: jacobian[r, c] == 0),
                   **roles_where(jacobian.shape, "window",
                                 lambda r, c: r == highlight_row and jacobian[r, c] != 0)}),
        ] if rows else [],
    )


def transposed_figure(delta, kernel, contributions, total, stride: int = 1,
                      names=("δ", "W"), per_row: int | None = None) -> str:
    """Each δ entry stamps δ·W onto its window; the stamps add up to Jᵀδ.

    A stamp's shading is its whole window (zero weights included), at (s·i, s·j).
    """
    delta_name, kernel_name = names  # the page's own symbols: δ¹ and w¹ on the seed
    k_h, k_w = kernel.shape
    panels = [Panel(delta_name, delta.tolist(), operator_after=""),
              Panel(kernel_name, kernel.tolist(),
                    roles_where(kernel.shape, "tap", lambda r, c: True), operator_after="")]
    corners = [(stride * i, stride * j) for i in range(delta.shape[0])
               for j in range(delta.shape[1])]
    for index, (stamp, (top, left)) in enumerate(zip(contributions, corners, strict=True)):
        last = index == len(contributions) - 1
        panels.append(Panel(
            f"stamp {index + 1}", stamp.tolist(),
            roles_where(stamp.shape, "window", inside(top, left, k_h, k_w)),
            operator_after="=" if last else "+",
        ))
    panels.append(Panel(f"Jᵀ{delta_name}", total.tolist(), roles_where(total.shape, "result",
                                                                       lambda r, c: True)))
    return figure_svg(
        "Transposed convolution: every entry of delta stamps delta times the kernel onto the "
        "window it came from; overlapping stamps add, giving the input gradient.",
        panels, per_row=per_row,
    )
