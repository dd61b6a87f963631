"""Page general/layer.md (being written)."""

from derivations.page import make_page

TEMPLATE = r"""
# The general convolution layer {#general-layer}

This chapter is being written.
"""


def build():
    yield make_page("general/layer.md", "derivations/pages/general_layer.py", TEMPLATE)
