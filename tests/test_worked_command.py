"""`python -m derivations worked`: each format's structure, and every class of bad input.

Bad input must give exit code 2, exactly one stderr line `error: …`, nothing on stdout and
no file. Most cases run in-process through derivations.cli.main.main (fast); a few run as a real
subprocess to prove no traceback reaches the terminal.
"""

import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from derivations.cli.main import main
from derivations.mathematics.worked import work_chain
from derivations.render.matrix_syntax import parse_matrix
from derivations.render.worked_format import LINKS, SUM_MAX_ENTRIES

REPO = Path(__file__).resolve().parents[1]
SMALL = ["--input", "1 2 0; -1 3 1; 2 0 1", "--kernel", "1 -1; 1/2 2", "--kernel", "1; -1",
         "--target", "1 0"]
# A 12×12 input and a 3×3 kernel: 100 outputs, beyond SUM_MAX_ENTRIES, so matrices only.
LARGE_INPUT = "; ".join(" ".join(str((r * 7 + c * 3) % 5 - 2) for c in range(12))
                        for r in range(12))
LARGE = ["--input", LARGE_INPUT, "--kernel", "1 0 -1; 2 1 0; 0 1 1", "--target", "0"]


def run(argv, capsys):
    code = main(["worked", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def small_chain():
    return work_chain(parse_matrix(SMALL[1], "i"),
                      (parse_matrix(SMALL[3], "k"), parse_matrix(SMALL[5], "k")),
                      parse_matrix(SMALL[7], "t"))


def test_no_arguments_works_the_seed_example(capsys):
    from derivations.examples import seed as seed

    code, out, err = run(["--format", "json"], capsys)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["input"] == [list(row) for row in seed.I]
    assert data["kernels"] == [[list(r) for r in seed.W1], [list(r) for r in seed.W2]]
    # o² by the definition of the two valid correlations, written out here
    o1 = [[sum(seed.W1[m][n] * seed.I[r + m][c + n] for m in range(2) for n in range(2))
           for c in range(2)] for r in range(2)]
    o2 = sum(seed.W2[m][n] * o1[m][n] for m in range(2) for n in range(2))
    assert data["output"] == [[o2]]
    assert data["cost"] == (o2 - seed.TARGET) ** 2


def test_json_has_every_quantity_with_the_right_shapes_and_exact_twins(capsys):
    code, out, _ = run([*SMALL, "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    for key in ("input", "kernels", "target", "output", "cost", "maps", "grad_maps",
                "grad_kernels", "grad_input", "exact"):
        assert key in data
    assert [len(data["input"]), len(data["input"][0])] == [3, 3]
    assert [[len(g), len(g[0])] for g in data["grad_kernels"]] == [[2, 2], [2, 1]]
    assert [[len(m), len(m[0])] for m in data["maps"]] == [[2, 2], [1, 2]]
    assert [[len(m), len(m[0])] for m in data["grad_maps"]] == [[2, 2], [1, 2]]
    assert data["output"] == data["maps"][-1]
    chain = small_chain()
    exact = data["exact"]
    assert [[Fraction(v) for v in row] for row in exact["grad_input"]] == \
        [list(row) for row in chain.grad_input]
    assert Fraction(exact["cost"]) == chain.cost
    for plain, twin in zip(data["grad_kernels"], exact["grad_kernels"], strict=True):
        for prow, trow in zip(plain, twin, strict=True):
            for p, t in zip(prow, trow, strict=True):
                assert p == pytest.approx(float(Fraction(t)), rel=1e-15, abs=1e-15)


def test_stackexchange_has_only_dollar_math_no_html_no_book_marks_and_links_each_step(capsys):
    code, out, _ = run([*SMALL, "--format", "stackexchange"], capsys)
    assert code == 0
    assert not re.search(r"<[A-Za-z/!]", out), "HTML tag in Stack Exchange output"
    for forbidden in ("\\num{", "\\lit{", "\\(", "\\)", "\\[", "\\]", "{#"):
        assert forbidden not in out
    assert out.count("$$") % 2 == 0
    without_display = re.sub(r"\$\$.*?\$\$", "", out, flags=re.S)
    assert without_display.count("$") % 2 == 0
    assert "\\begin{pmatrix}" in out
    for step in ("forward", "last_weights", "earlier_weights", "map_gradient",
                 "input_gradient", "general_weights", "general_input"):
        assert LINKS[step] in out
    # the sums are there, with the numbers bare: the first forward entry of the small chain
    first = small_chain().layers[0].forward_sums[0]
    assert f"O^{{1}}_{{0,0}} &= {first.terms[0][0]} \\cdot {first.terms[0][1]}" in out


def test_markdown_writes_every_sum_out_for_small_sizes(capsys):
    code, out, _ = run(SMALL, capsys)
    assert code == 0
    chain = small_chain()
    rows = [line for line in out.splitlines() if "&=" in line]
    sums = sum(len(layer.forward_sums) + len(layer.grad_kernel_sums) + len(layer.grad_input_sums)
               for layer in chain.layers) + len(chain.output) * len(chain.output[0])
    assert len(rows) == sums
    assert "\\num{" in out and "{#forward-pass}" in out
    assert "too large" not in out


def test_markdown_shows_matrices_instead_of_sums_for_large_sizes(capsys):
    code, out, _ = run(LARGE, capsys)
    assert code == 0
    assert 10 * 10 > SUM_MAX_ENTRIES
    assert "too large to write every sum out" in out
    assert not [line for line in out.splitlines() if line.startswith("O^{1}_{0,0}")]
    assert "\\begin{pmatrix}" in out


def test_out_writes_the_same_text_as_stdout(tmp_path, capsys):
    target = tmp_path / "answer.md"
    code, out, err = run([*SMALL, "--format", "stackexchange", "--out", str(target)], capsys)
    assert (code, out, err) == (0, "", "")
    _, printed, _ = run([*SMALL, "--format", "stackexchange"], capsys)
    assert target.read_text(encoding="utf-8") == printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.md"]  # no temp file left


BAD = [
    (["--input", "1 2; 3", "--kernel", "1", "--target", "1"],
     "row 2 has 1 entry but row 1 has 2 entries"),
    (["--input", "1 two", "--kernel", "1", "--target", "1"], "'two' is not a number"),
    (["--input", "", "--kernel", "1", "--target", "1"], "--input: empty"),
    (["--input", "1 2", "--kernel", " ; ", "--target", "1"], "--kernel 1: row 1 is empty"),
    (["--input", "1 2; 3 4", "--kernel", "1 1 1", "--target", "1"], "kernel 1 is 1×3"),
    (["--input", "1 2; 3 4", "--kernel", "1", "--target", "1 2 3"], "target is 1×3"),
    (["--input", "1/0", "--kernel", "1", "--target", "1"], "divides by zero"),
    (["--input", "1", "--kernel", "1", "--target", "nan"], "not a finite number"),
    (["--input", "inf", "--kernel", "1", "--target", "0"], "not a finite number"),
    (["--input", "1", "--kernel", "1", "--target", "1234567"], "digits"),
    (["--input", "1", "--kernel", "1", "--target", "0", "--format", "html"], "invalid choice"),
    (["--input", "1 2"], "--kernel, --target missing"),
    (["--kernel", "1", "--kernel", "1", "--kernel", "1", "--kernel", "1", "--kernel", "1",
      "--input", "1", "--target", "0"], "at most 4"),
    (["--input", "; ".join(["1 " * 13] * 13), "--kernel", "1", "--target", "0"], "at most 12"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(argv, fragment, tmp_path, capsys):
    target = tmp_path / "out.md"
    code, out, err = run([*argv, "--out", str(target)], capsys)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["missing folder", "a folder"])
def test_unwritable_out_is_refused_before_anything_is_written(kind, tmp_path, capsys):
    out_path = tmp_path / "no-such-dir" / "a.md" if kind == "missing folder" else tmp_path
    code, out, err = run(["--out", str(out_path)], capsys)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: --out")
    assert list(tmp_path.iterdir()) == []


def test_a_real_process_prints_one_line_and_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "derivations", "worked", "--input", "1 2; 3 4", "--kernel",
         "1 2 3", "--target", "0"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_help_states_the_limits_and_the_threshold():
    result = subprocess.run([sys.executable, "-m", "derivations", "worked", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for phrase in ("at most 12x12", "1 to 4 kernels", "at most 5x5", "at most 6 digits",
                   "at most 16 entries", "25 products", "stackexchange", "json"):
        assert phrase in text


def test_help_limits_are_the_enforced_limits():
    from derivations import worked_limits as limits

    assert (limits.MAX_INPUT_SIDE, limits.MAX_KERNELS, limits.MAX_KERNEL_SIDE,
            limits.MAX_DIGITS, limits.SUM_MAX_ENTRIES,
            limits.SUM_MAX_TERMS) == (12, 4, 5, 6, 16, 25)


@pytest.mark.parametrize("fmt", ["markdown", "stackexchange"])
@pytest.mark.parametrize("argv", [[], SMALL, LARGE], ids=["seed", "small", "large"])
def test_every_formula_is_latex_a_renderer_accepts(fmt, argv, capsys):
    """Each $…$ and $$…$$ goes through the book's LaTeX→MathML renderer without error."""
    from derivations.render.latex_math import render_latex

    code, out, _ = run([*argv, "--format", fmt], capsys)
    assert code == 0
    displays = re.findall(r"^\$\$\n(.*?)\n\$\$$", out, flags=re.S | re.M)
    inline = re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", re.sub(r"\$\$.*?\$\$", "", out, flags=re.S))
    assert displays and inline
    for latex in displays:
        assert "<math" in render_latex(latex, True, {})
    for latex in inline:
        assert "<math" in render_latex(latex, False, {})


@pytest.mark.parametrize("argv", [[], SMALL, LARGE], ids=["seed", "small", "large"])
def test_markdown_prose_has_no_digits_outside_math_code_and_links(argv, capsys):
    """The book's rule: every number is a formatted one inside math, never typed into prose."""
    code, out, _ = run(argv, capsys)
    assert code == 0
    prose = re.sub(r"\$\$.*?\$\$", "", out, flags=re.S)
    prose = re.sub(r"\$[^$\n]+\$|`[^`]*`|\]\([^)]*\)", "", prose)
    assert re.findall(r"[0-9]", prose) == []


def test_values_may_start_with_a_minus_sign(capsys):
    """`--kernel -1/2` is a value, not an unknown option (argparse alone refuses it)."""
    code, out, err = run(["--input", "-1,2;3,4", "--kernel", "-1/2", "--target", "-1/3",
                          "--format", "json"], capsys)
    assert (code, err) == (0, "")
    exact = json.loads(out)["exact"]
    # X·(−1/2) entry by entry, written out by hand
    assert [[Fraction(v) for v in row] for row in exact["output"]] == \
        [[Fraction(1, 2), Fraction(-1)], [Fraction(-3, 2), Fraction(-2)]]
    assert [[Fraction(v) for v in row] for row in exact["target"]] == [[Fraction(-1, 3)] * 2] * 2


def test_a_missing_value_is_still_refused_rather_than_taking_the_next_option(capsys):
    code, out, err = run(["--input", "1", "--kernel", "--target", "0"], capsys)
    assert (code, out) == (2, "")
    assert "--kernel: expected one argument" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("option", ["--input", "--target", "--out"])
def test_an_option_given_twice_is_refused_instead_of_silently_taking_the_last(
        option, tmp_path, capsys):
    argv = ["--input", "1 2", "--kernel", "1", "--target", "0", "--out", str(tmp_path / "a")]
    code, out, err = run([*argv, option, argv[argv.index(option) + 1]], capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {option} given twice; give it once (only --kernel repeats, " \
                  "once per layer)\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("kernels", "phrase"), [
    (["1"], "goes through one kernel, a valid cross-correlation"),
    (["1", "1"], "goes through two kernels in turn, each a valid cross-correlation"),
])
def test_the_opening_sentence_reads_right_for_one_kernel_and_for_several(kernels, phrase, capsys):
    argv = ["--input", "1 2", *(a for k in kernels for a in ("--kernel", k)), "--target", "0"]
    code, out, _ = run([*argv, "--format", "stackexchange"], capsys)
    assert code == 0 and phrase in out


def test_an_answer_too_long_for_stack_exchange_is_written_with_a_note(capsys):
    from derivations.worked_limits import SE_MAX_CHARS

    # 12×12 input, four kernels: a 4×4 map whose sums of 25 products are all written out
    fraction = "; ".join(" ".join(f"-{(r * c) % 6 + 1}/7" for c in range(12)) for r in range(12))
    argv = ["--input", fraction, "--kernel", "1/7 2/7; -3/7 1", "--kernel",
            "; ".join(["1/7 -2/7 3/7 1/7 -1/7"] * 5), "--kernel", "1/3 -1/3 1/7 1; " * 3
            + "1 2 3 4", "--kernel", "1/3 2/3 -1/3; 1 1 1; -1/7 2/7 1", "--target", "1/3",
            "--format", "stackexchange"]
    code, out, err = run(argv, capsys)
    assert code == 0
    assert len(out) > SE_MAX_CHARS
    assert err == (f"note: the answer is {len(out)} characters; Stack Exchange accepts at most "
                   f"{SE_MAX_CHARS} in a post, so use a smaller input or fewer kernels, or "
                   "split it over two posts\n")
    code, out, err = run([*SMALL, "--format", "stackexchange"], capsys)
    assert code == 0 and err == "" and len(out) < SE_MAX_CHARS
