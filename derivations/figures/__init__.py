"""SVG figures: one shared grid renderer and one module per chapter's figures."""
