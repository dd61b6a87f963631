"""The inputs of the worked example of general/batch-norm.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

# The convolution's output Z: a batch of 2 examples, 2 channels, 2×2 positions, so each
# channel's statistics run over M = 8 numbers. Chosen so that each channel's variance is a
# perfect square (4 and 1): with ε = 0 every number below is an exact fraction.
EXAMPLE_Z = (
    (((5, 5), (-1, 1)), ((3, 0), (0, 2))),
    (((1, 1), (1, 3)), ((0, 1), (1, 1))),
)
EXAMPLE_GAMMA = (2, -1)
EXAMPLE_BETA = (1, 0)
EXAMPLE_DELTA = (
    (((1, -2), (0, 3)), ((2, 1), (-1, 0))),
    (((2, 0), (-1, 1)), ((0, -2), (1, 3))),
)
# ε = 0 keeps the example exact; PyTorch's default is 1e-5 (the tests use both).
EXAMPLE_EPS = 0
DEFAULT_EPS = 1e-5
