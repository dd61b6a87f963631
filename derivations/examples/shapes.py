"""The inputs of general/shapes.md, as plain data.

Imported by the mathematics that works them out and, separately, by the oracle that
checks them.
"""

# The worked example: stride 3, padding 1 and dilation 2 at once, on a 6×5 input. The rows
# leave two padded rows after the last window (one of them a real row of X, so one row of
# leftover in the weight gradient's correlation); the columns leave one, which is padding.
EXAMPLE_X = (
    (2, 1, 0, 3, 1),
    (1, -1, 2, 0, 2),
    (0, 3, 1, 1, -2),
    (2, 0, -1, 2, 1),
    (1, 2, 3, 0, 1),
    (-1, 1, 0, 2, 3),
)
EXAMPLE_W = ((1, -2), (3, 1))
EXAMPLE_STRIDE = 3
EXAMPLE_PADDING = 1
EXAMPLE_DILATION = 2
EXAMPLE_DELTA = ((2, -1), (1, 3))

# One axis, many settings: (H, k, s, p, d) chosen so that each way of missing a row shows up
# (after the last window, between windows, between taps) next to settings that miss none.
AXIS_CASES = (
    (8, 3, 1, 1, 1),
    (8, 3, 2, 0, 1),
    (8, 3, 2, 1, 1),
    (8, 1, 2, 0, 1),
    (8, 2, 3, 0, 1),
    (8, 3, 1, 0, 3),
    (8, 3, 2, 1, 2),
    (6, 2, 3, 1, 2),
)
