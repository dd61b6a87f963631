"""Page general/padding.md (being written)."""

from derivations.page import make_page

TEMPLATE = r"""
# Padding {#padding}

This chapter is being written.
"""


def build():
    yield make_page("general/padding.md", "derivations/pages/general_padding.py", TEMPLATE)
