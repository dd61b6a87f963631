"""Build-time math: MathML output, AMS numbering, stable ids, marked numbers, errors."""

import re

import markdown
import pytest

from derivations.render.latex_math import (
    LatexMathExtension,
    MathSyntaxError,
    memo_key,
    page_formulas,
    render_ahead,
    render_latex,
)


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



def test_an_eqref_inside_inline_math_is_the_number_inside_the_formula():
    """Inline math renders its own \\eqref; the prose pattern must not take it first (it
    used to, and the formula showed a stash placeholder's letters)."""
    html = convert("$$\na = b \\label{eq-a}\n$$\n\nAnd $\\eqref{eq-a} + d$, \\eqref{eq-a}.")
    inline = re.search(r'<math display="inline">.*?</math>', html).group(0)
    assert '<mn class="eq-num">1</mn>' in inline and "klzzwxh" not in html
    assert inline.count("<mi>") == 1  # d alone: no letters of a placeholder
    assert '<a class="eqref" href="#eq-a">(1)</a>' in html

# --- formulas rendered ahead of the page (the build hook, while pages are generated) -----------

class RecordingMemo(dict):
    """A `rendered` memo that remembers every key the conversion looked up."""

    def __init__(self):
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


def keys_the_conversion_asks_for(source: str) -> set[str]:
    memo = RecordingMemo()
    markdown.Markdown(extensions=[
        LatexMathExtension(rendered=memo), "pymdownx.superfences", "pymdownx.details",
        "admonition", "tables", "attr_list", "md_in_html", "footnotes",
    ]).convert(source)
    return memo.asked


def keys_read_ahead(source: str) -> set[str]:
    return {memo_key(*formula) for formula in page_formulas(source)}


def test_every_formula_of_every_generated_page_is_found_ahead_and_nothing_else():
    from derivations.publish.book import build_book

    for page in build_book().pages:
        assert keys_read_ahead(page.content) == keys_the_conversion_asks_for(page.content), \
            page.path


@pytest.mark.parametrize("source", [
    "Code `$a$` and $b$.",
    "```python\nx = '$a$'\n```\n\nThen $c_1$.",
    "$$\na = b \\label{eq-a}\n$$\n\n$$\nc = \\eqref{eq-a}\n$$\n\nAnd $d$, \\eqref{eq-a}.",
    "$$\na = b \\label{eq-a}\n$$\n\nAnd $\\eqref{eq-a} + d$.",
    "Two $x$ and $$y$$ and \\$5 and $z$.",
])
def test_the_close_reading_agrees_with_the_parser_on_code_and_display_math(source):
    assert keys_read_ahead(source) == keys_the_conversion_asks_for(source)


def test_render_ahead_skips_what_is_known_and_what_does_not_convert():
    known = {memo_key("a", False, {})}
    ahead = dict(render_ahead("$a$ and $b^2$ and $\\frac{$", known))
    assert list(ahead) == [memo_key("b^2", False, {})]
    assert ahead[memo_key("b^2", False, {})] == render_latex("b^2", False, {})
