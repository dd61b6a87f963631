"""The inputs of the worked example of general/padding.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# A 3×3 input, 3×3 kernel and padding 1: a "same" convolution (output as big as the input).
EXAMPLE_X = ((2, 1, 0), (1, 3, 1), (0, 2, 1))
EXAMPLE_W = ((1, 0, -1), (0, 2, 0), (1, -1, 0))
EXAMPLE_B = 0
EXAMPLE_PADDING = 1
EXAMPLE_DELTA = ((1, 0, -1), (2, 1, 0), (0, -1, 1))
