"""Checks that several general chapters share (imported by their test modules)."""

from __future__ import annotations

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
