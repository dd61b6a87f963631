"""Figures of general/groups.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset, roles_where
from derivations.mathematics import groups as gr
from derivations.render.page import Asset


def figures(e: gr.SeparableExample) -> list[Asset]:
    """The figures of general/groups.md, as files of the site."""
    panels = []
    for groups, seen in zip(e.figure_groups, e.connections, strict=True):
        name = "depthwise" if groups == seen.shape[1] else f"groups = {groups}"
        panels.append(Panel(name, [[None] * seen.shape[1] for _ in range(seen.shape[0])],
                            roles_where(seen.shape, "window", lambda r, c, s=seen: s[r, c] == 1)))
    connections = figure_asset(
        "general/figures/groups-connections.svg",
        "Which input channels each output channel sees: rows are output channels, columns "
        "input channels, shaded where a filter reads that channel. One group: everything; two "
        "groups: two blocks on the diagonal; as many groups as channels (depthwise): the "
        "diagonal.",
        panels,
    )
    return [connections]
