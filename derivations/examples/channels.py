"""The inputs of the worked example of general/channels.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# N = 2 examples, C_in = 2 input channels, C_out = 2 output channels, 3×3 inputs, 2×2 kernels.
EXAMPLE_X = (
    (((1, 0, 2), (2, 1, 0), (0, 1, 1)), ((0, 1, 1), (1, 0, 2), (2, 1, 0))),
    (((2, 1, 0), (0, 1, 1), (1, 0, 2)), ((1, 2, 0), (0, 1, 0), (1, 1, 1))),
)
EXAMPLE_W = (
    (((1, 0), (-1, 2)), ((0, 1), (1, 0))),
    (((2, -1), (0, 1)), ((1, 1), (0, -1))),
)
EXAMPLE_B = (1, -1)
EXAMPLE_DELTA = (
    (((1, -1), (0, 2)), ((0, 1), (1, 0))),
    (((2, 0), (-1, 1)), ((1, 1), (0, -1))),
)
