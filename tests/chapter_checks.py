"""Checks that several general chapters share (imported by their test modules)."""

from __future__ import annotations

import functools

import numpy as np

from derivations.mathematics.general_layer import symbolic_layer


def assert_symbolic_layer_gives_the_worked_numbers(example, **hyper) -> None:
    """sympy's derivatives of C = Σ δ·Y, evaluated at a chapter's example, equal the
    gradients the chapter prints (every entry, exactly)."""
    e = example
    symbolic = symbolic_layer(e.x.shape, e.w.shape, **hyper)
    values = {symbolic.x[r, c]: int(e.x[r, c]) for r, c in np.ndindex(e.x.shape)}
    values.update({symbolic.w[r, c]: int(e.w[r, c]) for r, c in np.ndindex(e.w.shape)})
    values.update({symbolic.delta[r, c]: int(e.delta[r, c]) for r, c in np.ndindex(e.delta.shape)})
    grad_input, grad_weight = symbolic.grad_input, symbolic.grad_weight
    assert grad_input.shape == e.grad_input.shape
    assert grad_weight.shape == e.grad_weight.shape
    assert [[int(v) for v in row] for row in grad_input.subs(values).tolist()] == \
        e.grad_input.tolist()
    assert [[int(v) for v in row] for row in grad_weight.subs(values).tolist()] == \
        e.grad_weight.tolist()


def only_page(page_module):
    """The one Page a chapter's generator writes (figures are Assets beside it)."""
    from derivations.render.page import pages_only

    (page,) = pages_only(page_module.build())
    return page


@functools.cache
def quantities_of(oracle) -> dict:
    """An oracle module's values, computed once per process: both checks below read them
    (batch norm's take seconds of sympy), and neither changes them."""
    return oracle.quantities()


def assert_every_record_is_the_oracles(page, oracle, at_least: int) -> None:
    """Every number the page records prints the oracle's independent value."""
    from derivations.render.printed_numbers import format_number

    values = quantities_of(oracle)
    assert len(page.records) > at_least
    for record in page.records:
        assert record.key in values, record.key
        assert record.printed == format_number(values[record.key]), record.key


def assert_built_page_passes_the_audit(built_site, path: str, page, oracle, anchors) -> None:
    """The built page's numbers are the records and the oracle's; its stable ids are there."""
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers

    text = (built_site / path).read_text(encoding="utf-8")
    assert audit_page(path, page.records, extract_numbers(text), quantities_of(oracle)) == []
    for anchor in anchors:
        assert f'id="{anchor}"' in text, f"{path} lost #{anchor}"


def oracles_of(records) -> dict:
    """The independent values of the oracle modules that the records' keys name (a page's
    own oracles): what the audit would compare the page with, without every other chapter's
    sympy. A key no named oracle computes still fails the audit ("no independent check")."""
    import importlib

    from derivations.oracles import oracle_modules
    from derivations.render.printed_numbers import UNKEYED

    prefixes = {record.key.split(".", 1)[0] for record in records
                if not record.key.startswith(UNKEYED)}
    values: dict = {}
    for name in oracle_modules():
        module = importlib.import_module(name)
        if module.PREFIX in prefixes:
            values.update(quantities_of(module))
    return values

