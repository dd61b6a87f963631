"""The inputs of the worked example of general/bias-relu-pooling.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# Worked examples: small integers so every step can be checked by hand.
# A batch of two examples, one output channel, δ of size 2×3 each.
BIAS_DELTA = (
    ((1, -2, 3), (0, 2, -1)),
    ((2, 1, -1), (-3, 0, 4)),
)

# Pre-activation Z (the output of a convolution) with two entries exactly at zero.
RELU_Z = ((3, -1, 0), (-2, 5, 1), (0, 2, -4))
RELU_UPSTREAM = ((1, 2, -3), (4, -1, 2), (5, -2, 3))

# The zero entry of Z whose one-sided derivatives the page compares.
RELU_KINK = (0, 2)
RELU_STEP = 1e-3

# Pooling input: the bottom-right window holds a two-way tie for its maximum.
POOL_X = ((1, 3, 2, 0), (4, 2, 1, 5), (0, 6, 3, 3), (2, 1, 1, 2))
POOL_SIZE = 2
POOL_STRIDE = 2
MAX_UPSTREAM = ((2, -1), (3, 4))
AVG_UPSTREAM = ((4, -8), (12, 4))

# Overlapping max pooling (3×3 windows, stride 2, as in AlexNet): the centre entry lies in
# all four windows and is the maximum of three of them; the top-right window has its own.
OVERLAP_X = (
    (1, 0, 2, 1, 8),
    (3, 1, 0, 2, 1),
    (0, 2, 7, 1, 3),
    (1, 4, 0, 5, 2),
    (2, 1, 3, 0, 1),
)
OVERLAP_SIZE = 3
OVERLAP_STRIDE = 2
OVERLAP_UPSTREAM = ((2, -1), (3, 1))
OVERLAP_AVG_UPSTREAM = ((9, -9), (18, 9))  # multiples of 3×3: whole-number shares

# Global average pooling of one example with two channels, 2×3 each.
GAP_X = (((1, 4, 2), (0, 3, 2)), ((5, -1, 0), (2, 2, 4)))
GAP_UPSTREAM = (6, -3)

# The step of the directional check at the tie of POOL_X: both tied entries moved together.
TIE_STEP = 1e-3
