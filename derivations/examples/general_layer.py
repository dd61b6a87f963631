"""The inputs of the worked example of general/layer.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# The worked example: small integers so every sum can be checked by hand.
EXAMPLE_X = ((1, 2, 0, 1), (3, 1, 2, 0), (0, 1, 3, 2), (2, 0, 1, 1))
EXAMPLE_W = ((1, 0, -1), (2, 1, 0), (0, -1, 1))
EXAMPLE_B = 1
EXAMPLE_DELTA = ((2, -1), (1, 3))

# The weight whose derivative is checked by finite differences on the page.
FD_WEIGHT = (0, 0)
FD_STEP = 1e-3
