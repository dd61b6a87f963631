"""The "Try your own numbers" page in headless Chromium: the command's derivation, to the byte.

The page computes in the browser (derivations/web/worked.js, in a Web Worker). For every
network typed into its form, the Stack Exchange text it offers must be exactly what
`worked --network` writes (render/network_format.py on render/network_form.py's reading
of the same fields), every number it shows must be the Python derivation's, in the same
order, and a bad network must get the command's message, beside the field at fault.
"""

from __future__ import annotations

import random
import re
from urllib.parse import urlparse

import pytest
from conftest import example_count
from network_forms import random_form, worst_form

from derivations.errors import UsageError
from derivations.mathematics.network import gradient_step, work_network
from derivations.render.network_form import network_from_form
from derivations.render.network_format import markdown, stackexchange
from derivations.render.printed_numbers import parse_printed

pytestmark = pytest.mark.browser
PAGE = "tools/try-your-numbers/"

# Sets the form to `fields` the way a reader could (adding or removing layers with the
# buttons, choosing types), then sends one input event; returns the job it started.
SET_FORM = """(fields) => {
  const form = document.getElementById('worked-form');
  const want = Object.keys(fields).filter(k => /^layer\\d+-type$/.test(k)).length;
  let layers = form.querySelectorAll('.worked-layer');
  while (layers.length < want) {
    document.getElementById('worked-add').click();
    layers = form.querySelectorAll('.worked-layer');
  }
  while (layers.length > want) {
    layers[layers.length - 1].querySelector('.worked-remove').click();
    layers = form.querySelectorAll('.worked-layer');
  }
  for (const control of form.elements)
    if (control.name) control.value = fields[control.name] ?? '';
  for (const select of form.querySelectorAll('select'))
    select.dispatchEvent(new Event('change', {bubbles: true}));
  form.dispatchEvent(new Event('input', {bubbles: true}));
  return document.getElementById('worked-output').getAttribute('data-job');
}"""
DONE = """(job) => {
  const out = document.getElementById('worked-output');
  return out.getAttribute('data-job') === job && out.getAttribute('data-state') !== 'busy';
}"""
FIELDS = """() => {
  const fields = {};
  for (const control of document.getElementById('worked-form').elements)
    if (control.name) fields[control.name] = control.value;
  return fields;
}"""


def python(fields):
    """What the command says for these fields: (stackexchange text, printed numbers) or the
    error message."""
    try:
        network, rate = network_from_form(fields)
    except UsageError as error:
        return f"error: {error}"
    work = work_network(network)
    step = None if rate is None else gradient_step(work, rate)
    return stackexchange(work, step), [r.printed for r in markdown(work, step).records]


def expected_field(message: str) -> str | None:
    """The field a message names: `layers[1] (conv) stride[0]: …` is layer1-stride."""
    found = re.match(r"error: layers\[(\d+)\] \((\w+)\) (\w+)", message)
    if found:
        return f"layer{found.group(1)}-{found.group(3)}"
    found = re.match(r"error: layers\[(\d+)\]", message)
    if found:
        return f"layer{found.group(1)}-type"
    found = re.match(r"error: (input|target|loss|learning rate)\b", message)
    if found:
        return "rate" if found.group(1) == "learning rate" else found.group(1)
    return None


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
    tab.wait_for_selector("#worked-output[data-state=ok]")
    yield tab
    context.close()


def set_form(tab, fields, timeout=30_000):
    job = tab.evaluate(SET_FORM, fields)
    tab.wait_for_function(DONE, arg=job, timeout=timeout)


def shown(tab):
    """(Stack Exchange text, every printed number in order) or the error line shown."""
    if tab.get_attribute("#worked-output", "data-state") == "error":
        return tab.inner_text("#worked-error")
    numbers = tab.eval_on_selector_all("#worked-output .num", "els => els.map(e => e.textContent)")
    return tab.input_value("#worked-stackexchange"), [parse_printed(n) for n in numbers]


def test_the_page_starts_with_the_seed_example_as_the_command_works_it(page):
    page.reload()
    page.wait_for_selector("#worked-output[data-state=ok]")
    fields = page.evaluate(FIELDS)
    assert fields["layer0-weight"] == "-1 2; -1 1" and fields["target"] == "2"
    assert shown(page) == python(fields)
    assert page.foreign == [] and page.errors == []


def test_random_networks_give_the_commands_text_and_numbers_character_for_character(page):
    rng = random.Random(20261130)
    for _ in range(example_count(12)):
        fields = random_form(rng)
        set_form(page, fields)
        assert shown(page) == python(fields), fields
    assert page.foreign == [] and page.errors == []


def test_ties_round_half_to_even_like_the_book(page):
    """Thirty-seconds land exactly halfway at four decimals: the page must round as Python."""
    fields = {"input": "1/32 3/32; 5/32 -1/32", "layer0-type": "conv", "layer0-weight": "1",
              "target": "1/32", "loss": "sse"}
    set_form(page, fields)
    assert shown(page) == python(fields)


@pytest.mark.parametrize("token", ["a\U0001f600" * 30, "1\u200b" * 30])
def test_a_long_token_is_cut_in_the_message_as_the_command_cuts_it(page, token):
    """Code points, not UTF-16 units, and an escape is never split (matrix_syntax.quote)."""
    fields = {"input": "1 2; 3 4", "layer0-type": "conv", "layer0-weight": token,
              "target": "0", "loss": "sse"}
    expected = python(fields)
    assert isinstance(expected, str) and "\u2026'" in expected
    set_form(page, fields)
    assert shown(page) == expected


def test_bad_networks_get_the_commands_message_beside_the_field_at_fault(page):
    rng = random.Random(81232)
    checked = 0
    while checked < example_count(12):
        fields = random_form(rng, bad=True)
        expected = python(fields)
        if not isinstance(expected, str):
            continue  # the change happened to leave a valid network
        set_form(page, fields)
        assert shown(page) == expected, fields
        assert page.eval_on_selector_all("#worked-output .num", "els => els.length") == 0
        field = expected_field(expected)
        marked = page.eval_on_selector_all(
            "#worked-form [aria-invalid='true']", "els => els.map(e => e.name)")
        assert marked == ([field] if field else [])
        if field:  # the message sits right after the field's paragraph, and describes it
            assert page.evaluate(
                "name => document.querySelector(`[name='${name}']`).closest('.worked-field')"
                ".nextElementSibling.id", field) == "worked-error"
            assert page.get_attribute(f"[name='{field}']", "aria-describedby").startswith(
                "worked-error")
        assert page.input_value("#worked-stackexchange") == ""
        assert page.is_disabled("#worked-copy")
        checked += 1
    assert page.foreign == [] and page.errors == []


def test_layers_are_added_removed_and_renumbered_with_the_options_of_their_type(page):
    set_form(page, {"input": "1 2 3; 4 5 6; 7 8 9", "layer0-type": "conv",
                    "layer0-weight": "1 0; 0 -1", "target": "0", "loss": "sse"})
    page.click("#worked-add")
    legends = page.eval_on_selector_all(".worked-layer legend",
                                        "els => els.map(e => e.textContent)")
    assert legends == ["layers[0]", "layers[1]"]
    page.select_option("#worked-layer1-type", "maxpool")
    assert page.is_visible("#worked-layer1-kernel") and not page.is_visible("#worked-layer1-weight")
    page.fill("#worked-layer1-kernel", "2")
    page.wait_for_function(DONE, arg=page.get_attribute("#worked-output", "data-job"))
    assert shown(page) == python(page.evaluate(FIELDS))
    assert "Max pooling over" in page.inner_text("#worked-output")
    page.click(".worked-layer >> nth=0 >> .worked-remove")
    page.wait_for_function(DONE, arg=page.get_attribute("#worked-output", "data-job"))
    assert page.eval_on_selector_all("[name^='layer']", "els => [...new Set(els.map(e => "
                                     "e.name.split('-')[0]))]") == ["layer0"]
    assert shown(page) == python(page.evaluate(FIELDS))  # a pool alone: "no conv layer"
    assert page.is_disabled(".worked-remove")  # the last layer stays


def test_a_stale_computation_never_replaces_the_newer_one(page):
    small = {"input": "1 2; 3 4", "layer0-type": "conv", "layer0-weight": "1", "target": "0",
             "loss": "sse"}
    page.evaluate(SET_FORM, worst_form())
    set_form(page, small)
    assert shown(page) == python(small)
    page.wait_for_timeout(3000)  # long enough for the heavy one to have finished, had it run on
    assert shown(page) == python(small)


def test_the_page_answers_while_the_heaviest_legal_network_is_computed(page):
    """The arithmetic runs in a worker: a timer set right after the input fires at once."""
    latency = page.evaluate("""async (args) => {
      const [setForm, fields] = args;
      const job = (0, eval)(setForm)(fields);
      const start = performance.now();
      await new Promise(resolve => setTimeout(resolve, 0));
      const out = document.getElementById('worked-output');
      return [performance.now() - start, out.getAttribute('data-state'), job];
    }""", [SET_FORM, worst_form()])
    assert latency[1] == "busy"
    assert latency[0] < 250, latency  # a blocked main thread would take the whole computation
    page.wait_for_function(DONE, arg=latency[2], timeout=60_000)
    assert shown(page) == python(worst_form())


def test_markup_typed_into_a_field_is_shown_as_text_and_never_run(page):
    attack = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>"
    set_form(page, {"input": attack, "layer0-type": "conv", "layer0-weight": "1",
                    "target": "0", "loss": "sse"})
    assert page.inner_text("#worked-error").startswith("error: input row 1 entry 1: '<img")
    assert page.evaluate("() => window.pwned") is None
    assert page.eval_on_selector_all("#worked-error *, #worked-output img", "els => els.length") \
        == 0
    assert page.foreign == []


def test_a_text_too_long_for_stack_exchange_gets_a_note(page):
    from derivations.worked_limits import SE_MAX_CHARS

    def matrix(side, denominator):
        return "; ".join(" ".join(f"-{(r * side + c) % 6 + 1}/{denominator}" for c in range(side))
                         for r in range(side))

    # Every step small enough to be written out, and every number a fraction: a long text.
    fields = {"input": " | ".join([matrix(5, 7)] * 2), "layer0-type": "conv",
              "layer0-weight": " | ".join([matrix(2, 3)] * 2), "layer0-bias": "1/2",
              "target": "1/3", "loss": "mse", "rate": "1/3"}
    for k in (1, 2, 3):
        fields.update({f"layer{k}-type": "conv", f"layer{k}-weight": matrix(2, 3 + k),
                       f"layer{k}-bias": f"1/{k + 2}"})
    set_form(page, fields)
    text, _ = python(fields)
    assert len(text) > SE_MAX_CHARS
    assert page.inner_text("#worked-length") == (
        f"This text is {len(text)} characters long; Stack Exchange accepts at most "
        f"{SE_MAX_CHARS} in a post, so use a smaller network, or split it over two posts.")


def test_each_column_of_sums_lines_up_on_the_equals_sign(page):
    """Chromium ignores columnalign: the right-hand sides start at one x, not centred."""
    set_form(page, {"input": "1 2 3; 4 5 6; 7 8 9", "layer0-type": "conv",
                    "layer0-weight": "1 0; 0 -1", "target": "0", "loss": "sse"})
    lefts = page.eval_on_selector_all(
        "#worked-output mtable", "tables => tables.filter(t => t.querySelector("
        "'mtd[columnalign]')).map(t => [...t.children].map(r => "
        "Math.round(r.children[1].getBoundingClientRect().left)))")
    assert lefts and all(len(set(column)) == 1 for column in lefts), lefts
