"""Edge: read the numbers back out of a built site and compare them with the oracles."""
