"""Independent recomputations of every quantity the book prints, keyed like the records.

Each module here defines PREFIX (e.g. "seed") and `quantities() -> dict[key, value]`, whose
keys start with PREFIX + "." and match the `key` the page generators record. A module must
reach its values by a route that shares no code with the route that printed them: the
loop-by-definition convolution on exact Fractions, sympy, or the definition itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from fractions import Fraction

Value = Fraction | int | float


def oracle_modules() -> list[str]:
    return sorted(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__))


def independent_values() -> dict[str, Value]:
    """Every key of every oracle module; a key claimed twice or off-prefix is an error."""
    values: dict[str, Value] = {}
    for name in oracle_modules():
        module = importlib.import_module(name)
        for key, value in module.quantities().items():
            if not key.startswith(module.PREFIX + "."):
                raise ValueError(f"{name} returns key {key!r} outside its prefix {module.PREFIX!r}")
            if key in values:
                raise ValueError(f"oracle key {key!r} is defined twice")
            values[key] = value
    return values


def array_quantities(prefix: str, array) -> dict[str, Value]:
    """Name every entry of a nested list / array as prefix[i,j,...] (the formatter's keys)."""
    out: dict[str, Value] = {}

    def walk(node, index):
        if isinstance(node, list | tuple) or (hasattr(node, "ndim") and node.ndim > 0):
            for position, child in enumerate(node):
                walk(child, (*index, position))
        else:
            value = node.item() if hasattr(node, "item") else node
            out[f"{prefix}[{','.join(map(str, index))}]"] = value

    walk(array, ())
    return out
