"""The inputs of the worked example of general/groups.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# A depthwise separable layer on one example with two channels: a 2×2 depthwise kernel per
# channel (groups = C_in = 2), then a 1×1 pointwise convolution from 2 channels to 2.
EXAMPLE_X = (
    ((1, 2, 0), (0, 1, 3), (2, -1, 1)),
    ((2, 0, 1), (1, -2, 1), (0, 1, 2)),
)
EXAMPLE_DEPTHWISE = (((1, -1), (2, 0)),), (((0, 1), (-1, 2)),)
EXAMPLE_POINTWISE = ((1, 2), (-1, 1))  # V[o][c]: output channel o, input channel c
EXAMPLE_DELTA = (((1, -1), (0, 2)), ((2, 0), (-1, 1)))

# The channel counts of the connection figure (which input channels each filter sees).
FIGURE_CHANNELS = 4
FIGURE_GROUPS = (1, 2, 4)

# A typical layer for the parameter count: 3×3 kernels, 256 channels in and out.
COUNT_KERNEL = 3
COUNT_CHANNELS = 256
