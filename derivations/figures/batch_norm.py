"""Figures of general/batch-norm.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, roles_where
from derivations.mathematics import batch_norm as bn
from derivations.render.page import Asset


def figures(e: bn.BatchNormExample) -> list[Asset]:
    """The figures of general/batch-norm.md, as files of the site."""
    roles = ("window", "tap")  # one shading per channel
    panels = []
    for c in range(e.z.shape[1]):
        for n in range(e.z.shape[0]):
            last = c == e.z.shape[1] - 1 and n == e.z.shape[0] - 1
            panels.append(Panel(f"Z example {n}, channel {c}", e.z[n, c].tolist(),
                                roles_where(e.z.shape[2:], roles[c % 2], lambda r, q: True),
                                operator_after="" if last else ("|" if n else ""),
                                key=f"batch_norm.z[{n},{c}]"))
    statistics = figure_asset(
        "general/figures/batch-norm-statistics.svg",
        "Which entries share a mean and a variance: every position of every example in one "
        "channel (same shading), and no entry of another channel.",
        panels,
    )
    return [statistics]
