"""The "Try your own numbers" page in headless Chromium: every number it shows is Python's.

The page computes in the browser (derivations/web/worked.js). Each number it shows is an
<mn class="num" data-key="…"> naming the quantity; this test recomputes every quantity with
the Python chain (derivations/mathematics/worked.py, itself checked against the definition and exact
differences in tests/test_worked.py) and compares the printed text with format_number.
"""

import random
from fractions import Fraction
from urllib.parse import urlparse

import pytest

from derivations.errors import UsageError
from derivations.mathematics.worked import work_chain
from derivations.render.matrix_syntax import format_matrix, parse_matrix
from derivations.render.printed_numbers import format_number, parse_printed

pytestmark = pytest.mark.browser
PAGE = "tools/try-your-numbers/"
FIELDS = ("input", "kernel1", "kernel2", "kernel3", "kernel4", "target")


def named_values(chain) -> dict[str, Fraction]:
    """Every quantity the page may show, under the page's data-key names."""
    out: dict[str, Fraction] = {"cost": chain.cost}

    def put(prefix, matrix):
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                out[f"{prefix}[{i},{j}]"] = value

    put("input", chain.input)
    put("target", chain.target)
    put("residual", chain.residual)
    put("grad_input", chain.grad_input)
    for k, layer in enumerate(chain.layers, start=1):
        put(f"kernel{k}", layer.kernel)
        put(f"map{k}", layer.output_map)
        put(f"delta{k}", layer.delta)
        put(f"grad_kernel{k}", layer.grad_kernel)
    return out


def random_fields(rng) -> dict[str, str]:
    def value():
        if rng.random() < 0.25:
            return rng.choice(["1/2", "-3/4", "0.25", "2/3", "-1.5", "5/7"])
        return str(rng.randint(-5, 5))

    def matrix(rows, cols):
        return "; ".join(" ".join(value() for _ in range(cols)) for _ in range(rows))

    h, w = rng.randint(2, 7), rng.randint(2, 7)
    fields = {"input": matrix(h, w)}
    for k in range(1, rng.randint(1, 3) + 1):
        kh, kw = rng.randint(1, min(3, h)), rng.randint(1, min(3, w))
        fields[f"kernel{k}"] = matrix(kh, kw)
        h, w = h - kh + 1, w - kw + 1
    fields["target"] = matrix(1, 1) if rng.random() < 0.5 else matrix(h, w)
    return fields


def python_chain(fields):
    kernels = tuple(parse_matrix(fields[f"kernel{k}"], f"kernel {k}") for k in range(1, 5)
                    if fields.get(f"kernel{k}"))
    return work_chain(parse_matrix(fields["input"], "input"), kernels,
                      parse_matrix(fields["target"], "target"))


@pytest.fixture(scope="module")
def page(browser, site_url):
    """One tab for the module: loading the page costs seconds, typing into it does not."""
    context = browser.new_context()
    tab = context.new_page()
    host = urlparse(site_url).netloc
    tab.foreign = []
    tab.errors = []
    tab.on("request", lambda r: r.url.startswith("data:") or urlparse(r.url).netloc == host
           or tab.foreign.append(r.url))
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.goto(site_url + PAGE)
    tab.wait_for_selector("#worked-output[data-state]")
    yield tab
    context.close()


def type_into(tab, fields):
    """Type each field as a reader would (the page recomputes after every one)."""
    for name in FIELDS:
        tab.fill(f"#worked-{name}", fields.get(name, ""))


def fill(tab, fields):
    """Set every field, then send the form one input event: the page recomputes from all six
    fields on each event, so it shows what typing them would, computed once instead of six
    times (test_random_networks_typed_into_the_form_match_the_python_chain types them)."""
    tab.eval_on_selector("#worked-form", """(form, values) => {
        for (const [name, value] of Object.entries(values)) form.elements[name].value = value;
        form.elements.target.dispatchEvent(new Event("input", {bubbles: true}));
    }""", {name: fields.get(name, "") for name in FIELDS})


def shown(tab) -> list[tuple[str, str]]:
    return tab.eval_on_selector_all(
        "#worked-output mn", "els => els.map(e => [e.getAttribute('class') || '', "
        "e.getAttribute('data-key') || '', e.textContent])")


def check_every_number(tab, chain):
    expected = named_values(chain)
    numbers = shown(tab)
    assert numbers, "the page shows no derivation"
    seen = set()
    for cls, key, text in numbers:
        if cls == "lit":
            continue  # indices and the 2 of 2(O − y): notation, not results
        assert cls == "num", f"an unmarked number {text!r} in the derivation"
        assert key in expected, f"the page shows {key}, which the chain does not have"
        assert parse_printed(text) == format_number(expected[key]), key
        seen.add(key)
    # complete: the cost, every map, every weight gradient and the whole input gradient
    must = {"cost"} | {k for k in expected
                       if k.startswith(("grad_kernel", "grad_input", "map", "delta"))}
    assert must <= seen, sorted(must - seen)[:5]


def test_the_page_starts_with_the_seed_example_and_shows_python_numbers(page):
    from derivations.examples import seed as seed

    page.reload()
    page.wait_for_selector("#worked-output[data-state]")
    values = {name: page.input_value(f"#worked-{name}") for name in FIELDS}
    assert parse_matrix(values["input"], "i") == tuple(tuple(Fraction(v) for v in row)
                                                       for row in seed.I)
    assert page.get_attribute("#worked-output", "data-state") == "ok"
    check_every_number(page, python_chain(values))
    assert page.foreign == [] and page.errors == []


def test_random_networks_typed_into_the_form_match_the_python_chain(page):
    rng = random.Random(20261128)
    for _ in range(6):
        fields = random_fields(rng)
        type_into(page, fields)
        assert page.get_attribute("#worked-output", "data-state") == "ok", \
            page.inner_text("#worked-error")
        check_every_number(page, python_chain(fields))
    assert page.foreign == [] and page.errors == []


def test_ties_round_half_to_even_like_the_book(page):
    """Thirty-seconds land exactly halfway at four decimals: the page must round as Python."""
    fields = {"input": "1/32 3/32; 5/32 -1/32", "kernel1": "1", "target": "1/32"}
    fill(page, fields)
    check_every_number(page, python_chain(fields))


def test_large_steps_show_matrices_not_sums(page):
    rng = random.Random(7)
    big = [[Fraction(rng.randint(-3, 3)) for _ in range(12)] for _ in range(12)]
    fields = {"input": format_matrix(big), "kernel1": "1 0 -1; 2 1 0; 0 1 1", "target": "0"}
    fill(page, fields)
    check_every_number(page, python_chain(fields))
    assert "too large to write every sum out" in page.inner_text("#worked-output")


BAD = [
    {"input": "1 2; 3", "kernel1": "1", "target": "0"},
    {"input": "1 2; 3 4", "kernel1": "1 x", "target": "0"},
    {"input": "1 2; 3 4", "kernel1": "1/0", "target": "0"},
    {"input": "1 2; 3 4", "kernel1": "1 1 1", "target": "0"},
    {"input": "1 2; 3 4", "kernel1": "1", "target": "1 2 3"},
    {"input": "nan", "kernel1": "1", "target": "0"},
    {"input": "1234567", "kernel1": "1", "target": "0"},
    {"input": "1,,2", "kernel1": "1", "target": "0"},
    {"input": "", "kernel1": "1", "target": "0"},
    {"input": "[1 2; 3 4]", "kernel1": "1", "target": "0"},
    {"input": "1 2; 3 4;", "kernel1": "1", "target": "0"},
    {"input": "1 2\u200b; 3 4", "kernel1": "1", "target": "0"},
    {"input": "1 2; 3 4", "kernel1": "it's", "target": "0"},
    {"input": "1 2 3; 4 5 6", "kernel1": "1", "kernel2": "1 2; 3", "target": "0"},
    {"input": "1 2; 3 4", "kernel1": "1", "target": "1\x1c2"},
    # a long token is cut the same way in both (code points, escapes whole)
    {"input": "1 2; 3 4", "kernel1": "a\U0001f600" * 30, "target": "0"},
    {"input": "1 2; 3 4", "kernel1": "1\u200b" * 30, "target": "0"},
]


def test_bad_input_shows_the_command_line_message_and_no_derivation(page):
    for fields in BAD:
        fill(page, fields)
        assert page.get_attribute("#worked-output", "data-state") == "error", fields
        try:
            python_chain(fields)
        except UsageError as error:
            expected = f"error: {error}"
        else:
            pytest.fail(f"Python accepted {fields}")
        assert page.inner_text("#worked-error") == expected
        assert page.eval_on_selector_all("#worked-output mn", "els => els.length") == 0
    assert page.foreign == [] and page.errors == []


def test_the_stack_exchange_text_in_the_page_is_the_commands_text(page):
    """The copy box holds exactly what `worked --format stackexchange` writes."""
    from derivations.render.worked_format import stackexchange

    rng = random.Random(81232)
    cases = [random_fields(rng) for _ in range(4)]
    cases.append({"input": "; ".join(["1 -2 3 0 1/2 2 1 0 1 2 -1 1"] * 12),
                  "kernel1": "1 0 -1; 2 1 0; 0 1 1", "target": "0"})
    for fields in cases:
        fill(page, fields)
        assert page.input_value("#worked-stackexchange") == stackexchange(python_chain(fields))
    fill(page, {"input": "1 2; 3", "kernel1": "1", "target": "0"})
    assert page.input_value("#worked-stackexchange") == ""


def test_pasted_no_break_spaces_and_byte_order_marks_parse_as_in_python(page):
    fields = {"input": "\ufeff1\u00a02;\u30003 4", "kernel1": "1/2", "target": "0"}
    fill(page, fields)
    assert page.get_attribute("#worked-output", "data-state") == "ok"
    check_every_number(page, python_chain(fields))


INVALID = [
    ({"input": "1 x", "kernel1": "1", "target": "0"}, "input"),
    ({"input": "1 2", "kernel1": "1", "kernel2": "1 1 1", "target": "0"}, "kernel2"),
    ({"input": "1 2", "kernel1": "", "kernel2": "1", "target": "0"}, "kernel1"),
    ({"input": "1 2", "target": "0"}, "kernel1"),
    ({"input": "1 2", "kernel1": "1", "target": "1 2 3"}, "target"),
]


@pytest.mark.parametrize(("fields", "bad"), INVALID)
def test_the_field_at_fault_is_marked_invalid_and_described_by_the_message(page, fields, bad):
    """A screen reader on the field hears the message; the others are not marked."""
    fill(page, fields)
    marked = page.eval_on_selector_all(
        "#worked-form input", "els => els.filter(e => e.getAttribute('aria-invalid') === 'true')"
        ".map(e => [e.name, e.getAttribute('aria-describedby')])")
    assert marked == [[bad, "worked-error worked-syntax"]]
    assert page.is_disabled("#worked-copy")
    fill(page, {"input": "1 2", "kernel1": "1", "target": "0"})
    assert page.eval_on_selector_all("#worked-form [aria-invalid]", "els => els.length") == 0
    assert page.get_attribute(f"#worked-{bad}", "aria-describedby") == "worked-syntax"
    assert not page.is_disabled("#worked-copy")


def test_each_column_of_sums_lines_up_on_the_equals_sign(page):
    """Chromium ignores columnalign: the right-hand sides start at one x, not centred."""
    fill(page, {"input": "1 2 3; 4 5 6; 7 8 9", "kernel1": "1 0; 0 -1", "target": "0"})
    lefts = page.eval_on_selector_all(
        "#worked-output mtable[columnalign]",
        "tables => tables.map(t => [...t.children].map(r => "
        "Math.round(r.children[1].firstElementChild.getBoundingClientRect().left)))")
    assert lefts and all(len(set(column)) == 1 for column in lefts), lefts
    widths = page.eval_on_selector_all(
        "#worked-output mtable[columnalign]",
        "tables => tables.map(t => new Set([...t.children].map(r => "
        "Math.round(r.children[1].firstElementChild.getBoundingClientRect().width))).size)")
    assert max(widths) > 1  # rows of different lengths: alignment is really being tested


def test_a_text_too_long_for_stack_exchange_gets_a_note(page):
    from derivations.render.worked_format import stackexchange
    from derivations.worked_limits import SE_MAX_CHARS

    fill(page, {"input": "1 2; 3 4", "kernel1": "1", "target": "0"})
    assert page.inner_text("#worked-length") == ""
    fraction = "; ".join(" ".join(f"-{(r * c) % 6 + 1}/7" for c in range(12)) for r in range(12))
    fields = {"input": fraction, "kernel1": "1/7 2/7; -3/7 1",
              "kernel2": "; ".join(["1/7 -2/7 3/7 1/7 -1/7"] * 5),
              "kernel3": "1/3 -1/3 1/7 1; " * 3 + "1 2 3 4",
              "kernel4": "1/3 2/3 -1/3; 1 1 1; -1/7 2/7 1", "target": "1/3"}
    fill(page, fields)
    length = len(stackexchange(python_chain(fields)))
    assert length > SE_MAX_CHARS
    assert page.inner_text("#worked-length") == (
        f"This text is {length} characters long; Stack Exchange accepts at most {SE_MAX_CHARS} "
        "in a post, so use a smaller input or fewer kernels, or split it over two posts.")
