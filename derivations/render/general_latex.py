"""LaTeX pieces the general chapters share: sums of products, and sympy sums in reading order.

Every number goes through the recording formatter (derivations/render/printed_numbers.py);
the symbolic sums print indexed symbols only, ordered window by window so that the numeric
sum printed beside them lines up term by term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sympy

from derivations.render.printed_numbers import Fragment, join


def products(pairs: Iterable[tuple[Fragment, Fragment]]) -> Fragment:
    r"""a₁·b₁ + a₂·b₂ + …, each factor a recorded number (negatives in parentheses)."""
    return join((a + r" \cdot " + b for a, b in pairs), " + ")


def subscript(symbol: sympy.Symbol) -> tuple[int, ...]:
    """(0, 1) for the symbol δ_{0,1} or X_{0,1}: the subscript as integers."""
    return tuple(int(k) for k in re.findall(r"\d+", symbol.name))


def _is_delta(symbol: sympy.Symbol) -> bool:
    return symbol.name.startswith("\\delta")


def symbolic_terms(expression: sympy.Expr) -> list[tuple[sympy.Symbol, ...]]:
    """The terms of a sum of products, each as (δ factor, other factors), in the reading
    order of δ (window by window), so that a numeric sum printed in the same order lines up."""
    terms = []
    for term in sympy.Add.make_args(sympy.expand(expression)):
        factors = sympy.Mul.make_args(term)
        if any(f.is_Number for f in factors):  # every coefficient of C = Σ δ Y is one
            raise ValueError(f"unexpected coefficient in {term}")
        factors = sorted(factors, key=lambda s: (not _is_delta(s), subscript(s)))
        terms.append(tuple(factors))
    return sorted(terms, key=lambda t: [subscript(f) for f in t])


def symbolic_latex(expression: sympy.Expr, per_line: int | None = None) -> str:
    r"""A sum of products of indexed symbols (no numbers but indices), δ in reading order.

    With per_line, the sum is broken after every per_line terms with `\\ &\quad +`, for use
    as the right-hand side of an align* row.
    """
    pieces = [" ".join(sympy.latex(f) for f in term) for term in symbolic_terms(expression)]
    if not per_line:
        return " + ".join(pieces)
    lines = [" + ".join(pieces[k : k + per_line]) for k in range(0, len(pieces), per_line)]
    return " \\\\\n&\\quad + ".join(lines)
