"""The inputs of the worked example of general/matrix-view.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# im2col on the general layer's example (4×4 input, 3×3 kernel): X_col is 9 weights × 4 windows,
# not square, so a reader can tell the weight axis from the window axis. (The question's own
# first layer gives a 4×4 X_col that is symmetric, whatever the numbers: both axes run over the
# four offsets of a 2×2 window.) Its ∂C/∂W is the general layer chapter's, a cross-check.
from derivations.examples.general_layer import EXAMPLE_B as IM2COL_B
from derivations.examples.general_layer import EXAMPLE_DELTA as IM2COL_DELTA
from derivations.examples.general_layer import EXAMPLE_W as IM2COL_W
from derivations.examples.general_layer import EXAMPLE_X as IM2COL_X

__all__ = ["IM2COL_B", "IM2COL_DELTA", "IM2COL_W", "IM2COL_X", "STRIDED_DELTA",
           "STRIDED_STRIDE", "STRIDED_W", "STRIDED_X_SHAPE"]

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
