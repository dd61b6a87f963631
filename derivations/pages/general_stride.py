"""Page general/stride.md (being written)."""

from derivations.page import make_page

TEMPLATE = r"""
# Stride {#stride}

This chapter is being written.
"""


def build():
    yield make_page("general/stride.md", "derivations/pages/general_stride.py", TEMPLATE)
