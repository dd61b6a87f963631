"""The inputs of the worked example of general/dilation.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# A 5×5 input and a 2×2 kernel with dilation 2: the kernel spans 3×3, three windows a side,
# so the middle input entry is reached by four (window, tap) pairs.
EXAMPLE_X = (
    (1, 2, 0, 1, 2),
    (0, 1, 3, 2, 0),
    (2, 0, 1, 1, 3),
    (1, 3, 0, 2, 1),
    (0, 1, 2, 0, 1),
)
EXAMPLE_W = ((2, -1), (1, 3))
EXAMPLE_B = 0
EXAMPLE_DILATION = 2
EXAMPLE_DELTA = ((1, -1, 0), (2, 1, -1), (0, 1, 2))
