"""Independent values for the limits printed on tools/try-your-numbers.md.

The page prints the limits its script (derivations/web/worked.js) enforces; the values
here are the command line tool's own (derivations/mathematics/worked.py, matrix_syntax.py,
worked_format.py). The audit fails when the browser and the command line disagree.
"""

from __future__ import annotations

from derivations.mathematics import worked
from derivations.render import matrix_syntax, worked_format

PREFIX = "worked_limits"


def quantities() -> dict[str, int]:
    return {
        f"{PREFIX}.MAX_KERNELS": worked.MAX_KERNELS,
        f"{PREFIX}.MAX_DIGITS": matrix_syntax.MAX_DIGITS,
        f"{PREFIX}.MAX_INPUT_SIDE": worked.MAX_INPUT_SIDE,
        f"{PREFIX}.MAX_KERNEL_SIDE": worked.MAX_KERNEL_SIDE,
        f"{PREFIX}.SUM_MAX_ENTRIES": worked_format.SUM_MAX_ENTRIES,
        f"{PREFIX}.SUM_MAX_TERMS": worked_format.SUM_MAX_TERMS,
        f"{PREFIX}.SE_MAX_CHARS": worked_format.SE_MAX_CHARS,
    }
