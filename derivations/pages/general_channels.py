"""Page general/channels.md (being written)."""

from derivations.page import make_page

TEMPLATE = r"""
# Channels and batch {#channels-and-batch}

This chapter is being written.
"""


def build():
    yield make_page("general/channels.md", "derivations/pages/general_channels.py", TEMPLATE)
