"""The inputs of the batch example on seed/conventions.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that checks
it. The rest of that page uses the seed's own example (derivations/examples/seed.py).
"""

# Two examples stacked along a third axis, as MATLAB toolboxes store a batch (H × W × N):
# the seed's input and a second input, with an upstream gradient per example, chosen so
# that pairing example n with gradient N − 1 − n gives a visibly different sum.
BATCH_INPUTS = (
    ((3, 2, 2), (1, 3, 3), (1, 2, 3)),
    ((0, 1, -1), (2, 0, 1), (1, -2, 0)),
)
BATCH_DELTAS = (
    ((1, -1), (2, 0)),
    ((0, 2), (-1, 1)),
)
