"""The limits of a worked derivation, one place for all who enforce or print them.

The `worked` command (mathematics/worked.py, render/matrix_syntax.py, render/worked_format.py)
enforces them; the browser page's script (web/worked.js) repeats them, and the audit checks
the page's printed limits against these (oracles/worked_limits.py), so the two cannot drift.
"""

# Sizes beyond these make a derivation nobody reads (and a page that stalls): refused.
MAX_INPUT_SIDE = 12
MAX_KERNELS = 4
MAX_KERNEL_SIDE = 5
# At most this many digits in one entry (numerator and denominator together): longer numbers
# make sums nobody can check by hand, which is the point of the derivation.
MAX_DIGITS = 6
# A step's sums are written out one by one when its result has at most this many entries
# and every sum at most this many products; beyond that a page of sums hides the idea, so
# the step shows its matrices instead.
SUM_MAX_ENTRIES = 16
SUM_MAX_TERMS = 25
# Stack Exchange refuses a post body longer than this many characters: the command and the
# page say so when the text for an answer is longer.
SE_MAX_CHARS = 30000

# A whole network (`worked --network`, mathematics/network.py): every map, the input's and
# each layer's output, stays within MAX_INPUT_SIDE per side; at most MAX_KERNELS of its
# layers are convolutions.
MAX_LAYERS = 8
MAX_CHANNELS = 4
MAX_STRIDE = 4
MAX_PADDING = 4
MAX_DILATION = 4
# The exact arithmetic's cost grows with the number of products and with the digits the
# fractions gather on the way, so the forward pass's products are bounded as a whole.
MAX_PRODUCTS = 6000
# A description of the largest network the limits allow is well under this many characters
# (`worked --network FILE` reads at most this much; more is a mistake).
MAX_DESCRIPTION_CHARS = 100_000
