r"""sympy expressions of the seed chapters as LaTeX in the question's notation.

Symbols print as i_{1}, w^{1}_{1}, o^{1}_{1}, o^{2}; every numeric coefficient is notation
here (a 2 from differentiating a square), so it is declared with \lit{} for the audit.
"""

from __future__ import annotations

import sympy

# Factor order inside a product: the input, then the first filter, then the second, then the rest.
_ORDER = ("i_", "w^1", "w^2", "o^1", "o^2", "y")


def _factor_rank(symbol: sympy.Symbol) -> tuple[int, str]:
    name = symbol.name
    for rank, prefix in enumerate(_ORDER):
        if name.startswith(prefix):
            return rank, name
    return len(_ORDER), name


def symbol_latex(symbol: sympy.Symbol) -> str:
    return sympy.latex(symbol)


def monomial_latex(term: sympy.Expr) -> tuple[bool, str]:
    """(negative?, LaTeX) of c·x·y·… with c an integer; c = ±1 is not written."""
    coefficient, rest = term.as_coeff_Mul()
    if not coefficient.is_Integer:
        raise ValueError(f"non-integer coefficient in {term}")
    factors = []
    for factor in sympy.Mul.make_args(rest):
        if factor == 1:
            continue
        base, exponent = factor.as_base_exp()
        if not base.is_Symbol:
            raise ValueError(f"unexpected factor {factor} in {term}")
        factors.append((base, int(exponent)))
    factors.sort(key=lambda be: _factor_rank(be[0]))
    pieces = [symbol_latex(b) + (rf"^{{\lit{{{e}}}}}" if e != 1 else "") for b, e in factors]
    magnitude = abs(int(coefficient))
    if magnitude != 1 or not pieces:
        pieces.insert(0, rf"\lit{{{magnitude}}}")
    return coefficient < 0, " ".join(pieces)


def sum_latex(expression: sympy.Expr, order=None) -> str:
    """A polynomial with integer coefficients, one term after another, in a stable order."""
    terms = list(sympy.Add.make_args(sympy.expand(expression)))
    terms.sort(key=order or _term_key)
    out = ""
    for index, term in enumerate(terms):
        negative, body = monomial_latex(term)
        if index == 0:
            out = ("-" if negative else "") + body
        else:
            out += (" - " if negative else " + ") + body
    return out


def _term_key(term: sympy.Expr):
    symbols = sorted(term.free_symbols, key=_factor_rank)
    return [_symbol_key(s) for s in symbols]


def _symbol_key(symbol: sympy.Symbol):
    rank, name = _factor_rank(symbol)
    digits = "".join(ch for ch in name.split("_")[-1] if ch.isdigit())
    return rank, int(digits) if digits else 0, name


def terms_latex(terms) -> str:
    """Several monomials joined with + (each already a term of a sum)."""
    return sum_latex(sympy.Add(*terms, evaluate=False)) if terms else r"\lit{0}"


# ------------------------------------------------- numbers of the example, recorded by key

def key(name: str, *index: int) -> str:
    """The audit key of a seed quantity: seed.name or seed.name[r,c]."""
    return f"seed.{name}" + (f"[{','.join(map(str, index))}]" if index else "")


def entry(values, name: str, *index: int, signed: bool = True):
    """One recorded number of the example, in parentheses when negative (after + or ·)."""
    from derivations.render.printed_numbers import num, num_signed

    value = values[index] if index else values
    return (num_signed if signed else num)(value, key(name, *index))


def products(pairs) -> object:
    r"""a₁·b₁ + a₂·b₂ + …, every factor a recorded number."""
    from derivations.render.printed_numbers import join

    return join((a + r" \cdot " + b for a, b in pairs), " + ")


def sum_of(fragments):
    """a + b + …; the first term needs no parentheses even when negative."""
    from derivations.render.printed_numbers import Fragment, join

    pieces = list(fragments)
    first = pieces[0]
    if first.text.startswith("(") and first.text.endswith(")"):
        pieces[0] = Fragment(first.text[1:-1], first.records)
    return join(pieces, " + ")


def subscript(k: int) -> str:
    """Unicode subscript digits for headings and figure text (w¹₁ …): notation, not numbers."""
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in str(k))
