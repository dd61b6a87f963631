"""Figures of general/matrix-view.md: the Jacobian, and transposed convolution as stamps.

Drawn with the shared grid renderer (derivations/figures/grid.py); this module only decides
which cells are highlighted and how panels are labelled; the caller names the quantity each
panel shows (its key, under which oracles/matrix_view.py recomputes every cell).
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, inside, roles_where
from derivations.render.page import Asset


def jacobian_figure(path: str, jacobian, highlight_row: int, key: str) -> Asset:
    """The Jacobian ∂vec(Y)/∂vec(X): one row per output, one column per input entry."""
    rows = len(jacobian)
    return figure_asset(
        path,
        "The Jacobian of a convolution: each row holds the kernel's weights at the columns of "
        "the input entries its window covers, zeros elsewhere; the highlighted row is the "
        "first output.",
        [
            Panel("J = ∂o¹/∂i", jacobian.tolist(),
                  {**roles_where(jacobian.shape, "zero", lambda r, c: jacobian[r, c] == 0),
                   **roles_where(jacobian.shape, "window",
                                 lambda r, c: r == highlight_row and jacobian[r, c] != 0)},
                  key=key),
        ] if rows else [],
    )


def transposed_figure(path: str, delta, kernel, contributions, total, keys: dict[str, str],
                      stride: int = 1, names=("δ", "W"), per_row: int | None = None) -> Asset:
    """Each δ entry stamps δ·W onto its window; the stamps add up to Jᵀδ.

    A stamp's shading is its whole window (zero weights included), at (s·i, s·j). keys names
    the quantities shown: "delta", "kernel", "total", and "stamp", to which the stamp's
    reading-order number k is appended.
    """
    delta_name, kernel_name = names  # the page's own symbols: δ¹ and w¹ on the seed
    k_h, k_w = kernel.shape
    panels = [Panel(delta_name, delta.tolist(), operator_after="", key=keys["delta"]),
              Panel(kernel_name, kernel.tolist(),
                    roles_where(kernel.shape, "tap", lambda r, c: True), operator_after="",
                    key=keys["kernel"])]
    corners = [(stride * i, stride * j) for i in range(delta.shape[0])
               for j in range(delta.shape[1])]
    for index, (stamp, (top, left)) in enumerate(zip(contributions, corners, strict=True)):
        last = index == len(contributions) - 1
        panels.append(Panel(
            f"stamp {index + 1}", stamp.tolist(),
            roles_where(stamp.shape, "window", inside(top, left, k_h, k_w)),
            operator_after="=" if last else "+", key=f"{keys['stamp']}{index}",
        ))
    panels.append(Panel(f"Jᵀ{delta_name}", total.tolist(),
                        roles_where(total.shape, "result", lambda r, c: True),
                        key=keys["total"]))
    return figure_asset(
        path,
        "Transposed convolution: every entry of delta stamps delta times the kernel onto the "
        "window it came from; overlapping stamps add, giving the input gradient.",
        panels, per_row=per_row,
    )
