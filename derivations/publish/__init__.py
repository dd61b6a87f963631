"""Edge: the whole book in memory, the MkDocs hook and the hook-free export."""
