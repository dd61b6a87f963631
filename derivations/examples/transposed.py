"""The inputs of the worked example of general/transposed.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# The usual 2× upsampling layer: kernel 3, stride 2, padding 1, output_padding 1 turns a 2×2
# input into a 4×4 output; the stamps of neighbouring inputs overlap on one row and column.
EXAMPLE_X = ((1, 2), (-1, 3))
EXAMPLE_W = ((1, -1, 0), (2, 1, -1), (0, 1, 2))
EXAMPLE_B = 1
EXAMPLE_STRIDE = 2
EXAMPLE_PADDING = 1
EXAMPLE_OUTPUT_PADDING = 1
EXAMPLE_DILATION = 1
EXAMPLE_DELTA = (
    (1, 0, -1, 2),
    (0, 2, 1, -1),
    (-2, 1, 0, 1),
    (1, -1, 2, 0),
)
