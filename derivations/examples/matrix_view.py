"""The inputs of the worked example of general/matrix-view.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# A strided transposed convolution: stamps two apart, overlapping on the middle row/column.
STRIDED_DELTA = ((1, -1), (2, 1))
STRIDED_W = ((1, 0, -1), (2, 1, 0), (0, -1, 1))
STRIDED_X_SHAPE = (5, 5)
STRIDED_STRIDE = 2
