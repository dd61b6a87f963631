"""Build-time math: MathML output, AMS numbering, stable ids, marked numbers, errors."""

import re

import markdown
import pytest

from derivations.render.latex_math import MathSyntaxError, render_latex


def convert(source: str) -> str:
    md = markdown.Markdown(extensions=[
        "derivations.render.latex_math", "pymdownx.superfences", "admonition", "tables",
        "attr_list",
    ])
    return md.convert(source)


def test_inline_math_becomes_mathml_and_underscores_are_not_emphasis():
    html = convert("Let $w_1 x_1$ be $a_b$.")
    assert html.count("<math display=\"inline\">") == 2
    assert "<em>" not in html and "$" not in html


def test_labelled_display_equations_are_numbered_in_order_with_static_ids():
    html = convert(
        "$$\na = b \\label{eq-first}\n$$\n\ntext \\eqref{eq-second}\n\n"
        "$$\nc = d\n$$\n\n$$\ne = f \\label{eq-second}\n$$\n"
    )
    ids = re.findall(r'<div class="equation" id="(eq-[a-z-]+)">', html)
    assert ids == ["eq-first", "eq-second"]
    assert '<a class="eq-num" href="#eq-first" title="Link to equation (1)">(1)</a>' in html
    assert '<a class="eq-num" href="#eq-second" title="Link to equation (2)">(2)</a>' in html
    assert '<a class="eqref" href="#eq-second">(2)</a>' in html
    assert html.count('<div class="equation">') == 1  # the unlabelled one: no number, no id


def test_display_math_inside_an_admonition_keeps_its_id():
    html = convert('!!! note "Result"\n    $$\n    y = 1 \\label{eq-inside}\n    $$\n')
    assert '<div class="admonition note">' in html
    assert '<div class="equation" id="eq-inside">' in html


def test_code_is_left_alone():
    html = convert("`$x$`\n\n```\n$$\nnot math\n$$\n```\n")
    assert "<math" not in html
    assert "$$" in html and "$x$" in html


def test_marked_numbers_carry_their_class_and_a_typographic_minus():
    mathml = render_latex(r"\num{-3.5} + \lit{2} + w^1_1", False, {})
    assert '<mn class="num">−3.5</mn>' in mathml
    assert '<mn class="lit">2</mn>' in mathml


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("$$\na \\label{eq-x}\n$$\n\n$$\nb \\label{eq-x}\n$$\n", "used twice"),
        ("See \\eqref{eq-nowhere}.", "names no"),
        ("$$\na \\label{eq-Bad_Label}\n$$\n", "not of the form"),
        ("$$\na = b\n", "never closed"),
        (r"$\num{x+1}$", "plain number"),
    ],
)
def test_mistakes_in_math_fail_the_build_with_a_clear_message(source, message):
    with pytest.raises(MathSyntaxError, match=message):
        convert(source)
