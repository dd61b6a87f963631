"""Page general/dilation.md (being written)."""

from derivations.page import make_page

TEMPLATE = r"""
# Dilation {#dilation}

This chapter is being written.
"""


def build():
    yield make_page("general/dilation.md", "derivations/pages/general_dilation.py", TEMPLATE)
