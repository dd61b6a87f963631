"""The inputs of the worked example of general/matrix-view.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# A strided transposed convolution: stamps two apart, overlapping on the middle row/column.
STRIDED_DELTA = ((1, -1), (2, 1))
STRIDED_W = ((1, 0, -1), (2, 1, 0), (0, -1, 1))
STRIDED_X_SHAPE = (5, 5)
STRIDED_STRIDE = 2

# col2im with a batch and channels: 2 examples, 1 input channel of 2×2, 2 output channels,
# a 2×2 kernel, stride 1, padding 1 (so 3×3 outputs, windows that overlap, and a border that
# col2im must crop). The input's values do not enter the input gradient; they give X_col.
COL2IM_X = (
    (((1, 2), (3, -1)),),
    (((0, 1), (2, 1)),),
)
COL2IM_W = (
    (((1, -1), (2, 0)),),
    (((0, 1), (1, -2)),),
)
COL2IM_DELTA = (
    (((1, 0, -1), (2, 1, 0), (0, -1, 1)), ((0, 2, 1), (-1, 0, 1), (1, 1, 0))),
    (((2, -1, 0), (0, 1, 1), (1, 0, -2)), ((1, 0, 0), (0, -1, 2), (0, 1, 1))),
)
COL2IM_PADDING = 1
COL2IM_STRIDE = 1
