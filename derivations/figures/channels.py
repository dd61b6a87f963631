"""Figures of general/channels.md, drawn with the shared grid renderer (figures/grid.py).

This module only decides which cells are highlighted and how panels are labelled.
"""

from __future__ import annotations

from derivations.figures.grid import Panel, figure_asset
from derivations.mathematics import channels as ch
from derivations.render.page import Asset


def figure(e: ch.ChannelsExample) -> Asset:
    """The figure of general/channels.md, as a file of the site."""
    n, c = 0, 0
    panels = [
        Panel(f"from output channel {o}", e.grad_input_terms[n, c, o].tolist(),
              operator_after="+" if o + 1 < e.w.shape[0] else "=",
              key=f"channels.grad_x_term[{n},{c},{o}]")
        for o in range(e.w.shape[0])
    ]
    panels.append(Panel("∂C/∂X for example 0, channel 0", e.grad_input[n, c].tolist(),
                        {(r, cc): "result" for r in range(e.x.shape[2])
                         for cc in range(e.x.shape[3])}, key=f"channels.grad_x[{n},{c}]"))
    return figure_asset(
        "general/figures/channels-input-gradient.svg",
        "The input gradient of the first channel of the first example: the term from each "
        "output channel, and their sum.",
        panels,
    )
