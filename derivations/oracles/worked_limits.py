"""Independent values for the limits printed on tools/try-your-numbers.md.

The page prints the limits its script (derivations/web/worked.js) enforces; the values
here are the command line tool's own (derivations/worked_limits.py). The audit fails when
the browser and the command line disagree.
"""

from __future__ import annotations

from derivations import worked_limits as limits

PREFIX = "worked_limits"
NAMES = ("MAX_KERNELS", "MAX_DIGITS", "MAX_INPUT_SIDE", "MAX_KERNEL_SIDE", "SUM_MAX_ENTRIES",
         "SUM_MAX_TERMS", "SE_MAX_CHARS", "MAX_LAYERS", "MAX_CHANNELS", "MAX_STRIDE",
         "MAX_PADDING", "MAX_DILATION", "MAX_PRODUCTS")


def quantities() -> dict[str, int]:
    return {f"{PREFIX}.{name}": getattr(limits, name) for name in NAMES}
