"""How the book's MathML is shaped for browsers (derivations/render/latex_math.py)."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from derivations.render.latex_math import render_latex


def test_a_prime_sits_next_to_its_letter_not_in_a_superscript():
    """m' is m then ′ (MathML Core), never <msup> of a prime: browsers would raise it twice."""
    root = etree.fromstring(render_latex(r"m' = m, n'' \ne W'_{a}", False, {}))
    primes = [e for e in root.iter() if (e.text or "") in {"\u2032", "\u2033"}]
    assert [p.text for p in primes] == ["\u2032", "\u2033", "\u2032"]
    assert not [e for e in root.iter() if e.tag in {"msup", "msubsup"}]
    subscripted = [e for e in root.iter("msub")]
    assert len(subscripted) == 1
    base, script = subscripted[0]
    assert [c.text for c in base] == ["W", "\u2032"] and "".join(script.itertext()) == "a"


def test_math_without_primes_and_real_superscripts_are_untouched():
    squared = render_latex(r"(o^2_1 - y_1)^2 + \num{3}", False, {})
    assert squared.count("<msup>") == 1 and squared.count("<msubsup>") == 1
    assert '<mn class="num">3</mn>' in squared
