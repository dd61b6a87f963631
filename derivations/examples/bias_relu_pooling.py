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
