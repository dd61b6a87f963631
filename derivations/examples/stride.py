"""The inputs of the worked example of general/stride.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# A 6×6 input, 3×3 kernel, stride 2: two windows per direction, overlapping in the middle
# row/column, and a last row/column that no window reaches.
EXAMPLE_X = (
    (1, 0, 2, 1, 0, 3),
    (2, 1, 0, 1, 2, 1),
    (0, 3, 1, 2, 1, 0),
    (1, 0, 2, 0, 1, 2),
    (2, 1, 1, 3, 0, 1),
    (0, 2, 1, 0, 1, 1),
)
EXAMPLE_W = ((1, -1, 0), (0, 2, 1), (-1, 0, 1))
EXAMPLE_B = 0
EXAMPLE_STRIDE = 2
EXAMPLE_DELTA = ((1, -2), (3, 1))
