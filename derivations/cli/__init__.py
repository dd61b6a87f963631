"""Edge: `python -m derivations COMMAND`, one module per command under commands/."""
