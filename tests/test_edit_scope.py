"""`serve`'s standby recomputes only the pages an edit reaches, and writes what a fresh
generator writes (derivations/publish/edit_scope.py, generate_pages.PreparedBook)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from derivations.publish import build_cache
from derivations.publish.edit_scope import imported_modules, module_name, stale_modules

REPO = Path(__file__).resolve().parents[1]


def package(tmp_path: Path, modules: dict[str, str]) -> Path:
    """A stand-in package derivations/ holding modules given by dotted name (below it)."""
    root = tmp_path / "derivations"
    for name, source in modules.items():
        path = root.joinpath(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def files_of(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


CHAIN = {
    "examples.data": "X = 1\n",
    "mathematics.rule": "from derivations.examples.data import X\n",
    "render.text": "import re\n",
    "pages.alpha": """\
        from derivations.mathematics import rule
        def build():
            from derivations.render.text import re  # a function-level import counts too
    """,
    "pages.beta": "from derivations.render import text\n",
    "pages.gamma": "import json\n",
}


def stale_after(tmp_path, edits: dict[str, str]) -> set[str] | None:
    root = package(tmp_path, CHAIN)
    loaded = files_of(root)
    for name, source in edits.items():
        root.joinpath(*name.split(".")).with_suffix(".py").write_text(source, encoding="utf-8")
    return stale_modules(loaded, files_of(root), root)


def test_an_edit_reaches_the_module_and_every_module_importing_it_transitively(tmp_path):
    assert stale_after(tmp_path, {"examples.data": "X = 2\n"}) == {
        "derivations.examples.data", "derivations.mathematics.rule", "derivations.pages.alpha"}


def test_a_function_level_import_and_a_from_package_import_both_count(tmp_path):
    assert stale_after(tmp_path, {"render.text": "import re  # edited\n"}) == {
        "derivations.render.text", "derivations.pages.alpha", "derivations.pages.beta"}


def test_an_edit_to_a_page_reaches_that_page_alone(tmp_path):
    assert stale_after(tmp_path, {"pages.gamma": "import json  # edited\n"}) == {
        "derivations.pages.gamma"}


def test_no_edit_reaches_nothing(tmp_path):
    assert stale_after(tmp_path, {}) == set()


@pytest.mark.parametrize("edit", [
    "a new module", "a removed module", "a package __init__", "the generator machinery",
    "a script that is not Python",
])
def test_edits_that_cannot_be_scoped_ask_for_a_fresh_start(tmp_path, edit):
    root = package(tmp_path, {**CHAIN, "publish.book": "X = 1\n"})
    (root / "web").mkdir()
    (root / "web" / "worked.js").write_text("const a = 1;\n")
    (root / "pages" / "__init__.py").write_text("")
    loaded = files_of(root)
    {
        "a new module": lambda: (root / "pages" / "delta.py").write_text("X = 1\n"),
        "a removed module": lambda: (root / "pages" / "gamma.py").unlink(),
        "a package __init__": lambda: (root / "pages" / "__init__.py").write_text("X = 1\n"),
        "the generator machinery": lambda: (root / "publish" / "book.py").write_text("X = 2\n"),
        "a script that is not Python": lambda: (root / "web" / "worked.js").write_text("2;\n"),
    }[edit]()
    assert stale_modules(loaded, files_of(root), root) is None


def test_a_relative_import_anywhere_asks_for_a_fresh_start(tmp_path):
    """Its target is not followed, so an edit there could leave a stale importer."""
    root = package(tmp_path, {**CHAIN, "pages.gamma": "from . import alpha\n"})
    loaded = files_of(root)
    (root / "pages" / "alpha.py").write_text("X = 3\n")
    assert stale_modules(loaded, files_of(root), root) is None


def test_module_names_and_imports_are_read_from_the_source():
    root = Path("/x/derivations")
    assert module_name(root / "pages" / "stride.py", root) == "derivations.pages.stride"
    assert module_name(root / "pages" / "__init__.py", root) is None
    assert module_name(root / "web" / "worked.js", root) is None
    assert module_name(Path("/elsewhere/a.py"), root) is None
    assert imported_modules(b"import numpy\nfrom derivations.render import page as p\n") == {
        "derivations.render", "derivations.render.page"}


# --- the standby, end to end, on a copy of the real package ------------------------------------

PREPARE_EDIT_GENERATE = """\
import json, sys
from pathlib import Path
copy, edits, key, out, report = sys.argv[1:]
sys.path.insert(0, copy)
from derivations.publish import generate_pages
prepared = generate_pages.PreparedBook()
for name, (old, new) in json.loads(edits).items():
    path = Path(copy, name)
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
built = prepared.still_valid()
Path(report).write_text(json.dumps(None if built is None
                                   else sorted(set(prepared.built) - set(built))))
generate_pages.main([key, out], built)
"""


def copy_of_the_repository(destination: Path) -> Path:
    for name in ("derivations", "benchmarks/results"):
        shutil.copytree(REPO / name, destination / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "mkdocs.yml", destination / "mkdocs.yml")
    return destination


def generated(copy: Path, out: Path) -> dict[str, str]:
    content = build_cache.read_entry(out, "k")
    assert content is not None, f"no entry written for {copy}"
    return content


@pytest.mark.parametrize("edits, recomputed, shows", [
    ({"derivations/pages/question.py": ('TEMPLATE = r"""\n', 'TEMPLATE = r"""\nEdited\n')},
     ["derivations.pages.question"], ("question.md", "\nEdited\n")),
    ({"derivations/examples/stride.py": ("(1, 0, 2, 1, 0, 3),", "(3, 0, 2, 1, 0, 3),")},
     ["derivations.pages.stride"], ("general/stride.md", r"\num{3} & \num{0} & \num{2}")),
], ids=["a page", "an example's numbers"])
def test_the_standby_writes_after_an_edit_what_a_fresh_generator_writes(tmp_path, edits,
                                                                        recomputed, shows):
    copy = copy_of_the_repository(tmp_path / "copy")
    report = tmp_path / "recomputed.json"
    # As under `serve` (mkdocs_hook._popen): no bytecode, else an edit of the same size in the
    # same second as the import would be read back from the old .pyc by the fresh generator.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-c", PREPARE_EDIT_GENERATE, str(copy), json.dumps(edits),
                    "k", str(tmp_path / "standby.json"), str(report)],
                   cwd=copy, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "derivations.publish.generate_pages", "k",
                    str(tmp_path / "fresh.json")], cwd=copy, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    assert json.loads(report.read_text()) == recomputed
    standby, fresh = generated(copy, tmp_path / "standby.json"), generated(
        copy, tmp_path / "fresh.json")
    assert standby == fresh
    page, text = shows
    assert text in standby[page]  # the edit shows: the pages were not merely reused
