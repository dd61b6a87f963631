"""The inputs of the worked example of general/gradient-checking.md, as plain data.

Imported by the mathematics that works it out and, separately, by the oracle that
checks it.
"""

STEP = 1e-3  # h for both the central and the one-sided estimate
TOLERANCE = 1e-6  # the snippet's default pass mark, shown on the page
