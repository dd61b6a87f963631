"""`python -m derivations seed [--json]`: the seed example and everything computed from it."""

import json

HELP = "print the seed example (the question's network) and every gradient computed from it"
DESCRIPTION = """\
Print the book's worked example of the question's network (a 3×3 input i, a 2×2 filter w1
giving the 2×2 map o1, a 2×2 filter w2 giving the single output o2, cost C = (o2 − y)²)
and everything the seed chapters compute from it.

Without --json: a short human-readable summary. With --json: one JSON object with exactly
the keys input, w1, w2, y, o1, o2, cost, grad_o2, grad_w2, grad_o1, grad_w1, grad_input,
question_grad_w1 (matrices as nested lists, row by row; question_grad_w1 is the question's
product-of-sums formula applied to each of the four weights of w1)."""
EPILOG = "The example's values are defined once, in derivations/examples/seed.py."

KEYS = ("input", "w1", "w2", "y", "o1", "o2", "cost", "grad_o2", "grad_w2", "grad_o1",
        "grad_w1", "grad_input", "question_grad_w1")


def add_arguments(parser):
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (keys listed above) instead of a summary")


def _plain(value):
    """Numbers as JSON: integers when exact (the example is all integers), else floats."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    value = float(value)
    return int(value) if value.is_integer() else value


def results() -> dict:
    from derivations.mathematics.seed import example_numbers

    n = example_numbers()
    return {name: _plain(getattr(n, name)) for name in KEYS}


def _rows(matrix) -> str:
    return " / ".join(" ".join(f"{v:>4}" for v in row) for row in matrix)


def run(args) -> int:
    data = results()
    if args.json:
        print(json.dumps(data))
        return 0
    print(f"input i  : {_rows(data['input'])}")
    print(f"w1       : {_rows(data['w1'])}")
    print(f"w2       : {_rows(data['w2'])}      y = {data['y']}")
    print(f"o1       : {_rows(data['o1'])}      o2 = {data['o2']}, C = {data['cost']}")
    print(f"dC/do2   : {data['grad_o2']}")
    print(f"dC/dw2   : {_rows(data['grad_w2'])}")
    print(f"dC/do1   : {_rows(data['grad_o1'])}")
    print(f"dC/dw1   : {_rows(data['grad_w1'])}   (chain rule: sum of products)")
    print(f"question : {_rows(data['question_grad_w1'])}   (product of sums: wrong)")
    print(f"dC/di    : {_rows(data['grad_input'])}")
    return 0
