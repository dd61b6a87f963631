"""The folders of derivations/ are its layers; imports may only point down the data flow.

mathematics → render, figures → pages → the edges (cli, publish, audit), with examples/
(inputs as data), errors.py, worked_limits.py and notation.py (the symbol table) as leaves
anyone may import. Oracles stand apart: they may read the inputs, never the code whose
results they check.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "derivations"
LEAVES = {"derivations.errors", "derivations.worked_limits", "derivations.examples",
          "derivations.notation"}
# What each layer may import of ours, besides itself and the leaves.
ALLOWED: dict[str, set[str]] = {
    "examples": set(),
    "mathematics": set(),
    "render": {"derivations.mathematics"},
    "figures": {"derivations.mathematics", "derivations.render"},
    "pages": {"derivations.mathematics", "derivations.render", "derivations.figures"},
    # The loop-by-definition convolution is a route of its own, shared by no computation
    # an oracle checks; everything else in mathematics/ is what the oracles check.
    "oracles": {"derivations.mathematics.conv2d_reference"},
    "cli": {"derivations"},
    "publish": {"derivations"},
    "audit": {"derivations"},
}
# Modules that may reach one layer higher, and why.
EXCEPTIONS = {
    # The page about the command prints the command's own --help, built by its parser.
    ("derivations.pages.worked_cli", "derivations.cli"),
}
# The mathematics depends on numpy and sympy only (plus the standard library).
MATHEMATICS_THIRD_PARTY = {"numpy", "sympy"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement names (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module != "derivations":  # its __init__ is a docstring; the names count
                found.append((node.lineno, node.module))
            # `from derivations.render import page` imports derivations.render.page
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names
                         if node.module.startswith("derivations"))
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else None


def within(module: str, prefixes: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


MODULES = sorted(PACKAGE.rglob("*.py"))


def violations(source: str, imported: list[tuple[int, str]]) -> list[str]:
    layer = layer_of(source)
    if layer is None or layer not in ALLOWED:  # top-level modules: leaves and entry points
        return []
    own = {f"derivations.{layer}"}
    allowed = own | LEAVES | ALLOWED[layer]
    found = []
    for line, target in imported:
        if not target.startswith("derivations"):
            continue
        if within(target, allowed) or any(source == s and within(target, {t})
                                          for s, t in EXCEPTIONS):
            continue
        found.append(f"{source}:{line} imports {target}")
    return found


def test_every_layer_folder_is_known():
    """A new folder under derivations/ must be given its place in the layering here."""
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_down_the_layers(path):
    assert violations(module_name(path), imports_of(path)) == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "mathematics").rglob("*.py")),
                         ids=lambda p: p.stem)
def test_mathematics_uses_numpy_sympy_and_the_standard_library_only(path):
    third_party = {name.split(".")[0] for _, name in imports_of(path)} - {"derivations"}
    assert third_party - MATHEMATICS_THIRD_PARTY - set(sys.stdlib_module_names) == set()


def test_pages_never_import_one_another():
    """A page that lends helpers to other pages is a library in disguise: helpers live in
    render/ or figures/."""
    found = [f"{module_name(path)}:{line} imports {target}"
             for path in sorted((PACKAGE / "pages").glob("*.py"))
             for line, target in imports_of(path)
             if target.startswith("derivations.pages.")]
    assert found == []


def test_the_layer_rule_catches_an_upward_import():
    """The checks above can fail: an oracle importing the computation it checks, a page
    importing an oracle and the mathematics importing a formatter are all reported."""
    assert violations("derivations.oracles.stride", [(3, "derivations.mathematics.stride")])
    assert violations("derivations.pages.stride", [(5, "derivations.oracles.stride")])
    assert violations("derivations.mathematics.seed", [(7, "derivations.render.page")])
    assert violations("derivations.render.page", [(9, "derivations.figures.grid")])
    assert not violations("derivations.pages.stride", [(5, "derivations.examples.stride")])
