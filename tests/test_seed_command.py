"""`python -m derivations seed`: the exact keys, and values from an independent computation."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from itertools import product

import pytest

from derivations.cli.main import main
from derivations.examples import seed as seed_example

KEYS = {"input", "w1", "w2", "y", "o1", "o2", "cost", "grad_o2", "grad_w2", "grad_o1",
        "grad_w1", "grad_input", "question_grad_w1"}


def independent() -> dict:
    """Every key recomputed in exact Fractions: sums by definition, derivatives by hand-rolled
    exact central differences (exact for a cost quadratic in the nudged variable)."""
    i = [[Fraction(v) for v in row] for row in seed_example.I]
    w1 = [[Fraction(v) for v in row] for row in seed_example.W1]
    w2 = [[Fraction(v) for v in row] for row in seed_example.W2]
    y = Fraction(seed_example.TARGET)
    h = Fraction(1, 7)

    def o1_of(i, w1):
        return [[sum(w1[m][n] * i[p + m][q + n] for m in range(2) for n in range(2))
                 for q in range(2)] for p in range(2)]

    def cost(i=i, w1=w1, w2=w2, o1=None):
        o1 = o1 if o1 is not None else o1_of(i, w1)
        return (sum(w2[p][q] * o1[p][q] for p in range(2) for q in range(2)) - y) ** 2

    def grad(matrix, name):
        out = []
        for r in range(len(matrix)):
            row = []
            for c in range(len(matrix[0])):
                up = [list(x) for x in matrix]
                down = [list(x) for x in matrix]
                up[r][c] += h
                down[r][c] -= h
                row.append((cost(**{name: up}) - cost(**{name: down})) / (2 * h))
            out.append(row)
        return out

    o1 = o1_of(i, w1)
    o2 = sum(w2[p][q] * o1[p][q] for p in range(2) for q in range(2))
    factor = sum(w2[p][q] for p in range(2) for q in range(2)) * 2 * (o2 - y)
    return {
        "input": i, "w1": w1, "w2": w2, "y": y, "o1": o1, "o2": o2, "cost": (o2 - y) ** 2,
        "grad_o2": 2 * (o2 - y), "grad_w2": grad(w2, "w2"), "grad_o1": grad(o1, "o1"),
        "grad_w1": grad(w1, "w1"), "grad_input": grad(i, "i"),
        "question_grad_w1": [[sum(i[r + p][c + q] for p, q in product(range(2), range(2)))
                              * factor for c in range(2)] for r in range(2)],
    }


@pytest.fixture(scope="module")
def printed():
    result = subprocess.run([sys.executable, "-m", "derivations", "seed", "--json"],
                            capture_output=True, text=True, check=True)
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_json_has_exactly_the_documented_keys(printed):
    assert set(printed) == KEYS


@pytest.mark.parametrize("key", sorted(KEYS))
def test_json_value_equals_independent_exact_value(printed, key):
    want = independent()[key]
    got = printed[key]
    if isinstance(want, list):
        assert [len(row) for row in got] == [len(row) for row in want]  # shape first
        assert [[Fraction(v) for v in row] for row in got] == want
    else:
        assert Fraction(got) == want


def test_question_formula_differs_from_the_gradient_for_every_weight(printed):
    for r, c in product(range(2), range(2)):
        assert printed["question_grad_w1"][r][c] != printed["grad_w1"][r][c]


def test_summary_without_json_names_the_wrong_formula(capsys):
    assert main(["seed"]) == 0
    out = capsys.readouterr().out
    assert "product of sums" in out and "dC/dw1" in out


def test_help_documents_every_key(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["seed", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for key in KEYS:
        assert key in text


def test_unknown_option_is_one_line_and_exit_two(capsys):
    assert main(["seed", "--yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--yaml" in err
