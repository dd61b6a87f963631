"""The build cache never serves a stale page: every input of a key changes it, a hit starts
no generator, a miss files what was generated, and a broken entry is a miss, not a crash."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import markdown
import pytest
from mkdocs.exceptions import PluginError

from derivations.errors import UsageError
from derivations.publish import build_cache, mkdocs_hook
from derivations.publish.book import build_book
from derivations.render import latex_math

REPO = Path(__file__).resolve().parents[1]
VERSIONS = [("python", "3.11.7"), ("numpy", "2.4.6"), ("sympy", "1.14.0"), ("mpmath", "1.3.0")]


def make_project(root: Path) -> Path:
    """A stand-in repository holding one file of each kind a page key reads."""
    files = {
        "derivations/pages/question.py": "TEMPLATE = 'a'\n",
        "derivations/web/worked.js": "const a = 1;\n",
        "derivations/theme/main.html": "{% extends 'base.html' %}\n",
        "benchmarks/results/build_speed.json": "{}\n",
        "mkdocs.yml": "site_name: x\n",
        "docs/index.md": "# Home\n",
        "README.md": "# readme\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def key_of(root: Path, versions=VERSIONS) -> str:
    return build_cache.pages_key(root / "derivations", root / "mkdocs.yml", versions)


# --- the page key --------------------------------------------------------------------------

def write(name: str, text: str):
    return lambda root: (root / name).write_text(text, encoding="utf-8")


EDITS = {
    "a generator": write("derivations/pages/question.py", "TEMPLATE = 'b'\n"),
    "the browser script": write("derivations/web/worked.js", "const a = 2;\n"),
    "the theme": write("derivations/theme/main.html", "<p>\n"),
    "a new module": write("derivations/pages/new.py", ""),
    "a benchmark record": write("benchmarks/results/build_speed.json", '{"a": 1}\n'),
    "a removed record": lambda root: (root / "benchmarks/results/build_speed.json").unlink(),
    "a new record": write("benchmarks/results/site_speed.json", "{}\n"),
    "mkdocs.yml": write("mkdocs.yml", "site_name: y\n"),
}


@pytest.mark.parametrize("what", sorted(EDITS))
def test_an_edit_to_any_input_changes_the_page_key(tmp_path, what):
    root = make_project(tmp_path)
    before = key_of(root)
    EDITS[what](root)
    assert key_of(root) != before


@pytest.mark.parametrize("index", range(len(VERSIONS)))
def test_another_python_numpy_or_sympy_version_changes_the_page_key(tmp_path, index):
    root = make_project(tmp_path)
    versions = list(VERSIONS)
    versions[index] = (versions[index][0], versions[index][1] + ".post1")
    assert key_of(root, versions) != key_of(root)


def test_the_built_config_file_is_an_input_too(tmp_path):
    root = make_project(tmp_path)
    other = root / "other.yml"
    other.write_text("site_name: a\n")
    before = build_cache.pages_key(root / "derivations", other, VERSIONS)
    other.write_text("site_name: b\n")
    assert build_cache.pages_key(root / "derivations", other, VERSIONS) != before


def test_bytecode_and_files_outside_the_inputs_leave_the_page_key_alone(tmp_path):
    """What a build writes itself (bytecode) must not make every build a miss."""
    root = make_project(tmp_path)
    before = key_of(root)
    (root / "derivations/pages/__pycache__").mkdir()
    (root / "derivations/pages/__pycache__/question.cpython-311.pyc").write_bytes(b"\0")
    (root / "docs/index.md").write_text("# Changed\n")  # hand-written: MkDocs reads it itself
    (root / "README.md").write_text("# changed\n")
    assert key_of(root) == before


def test_the_versions_are_the_installed_ones():
    import mpmath
    import numpy
    import sympy

    versions = dict(build_cache.page_versions())
    assert versions == {"python": sys.version, "numpy": numpy.__version__,
                        "sympy": sympy.__version__, "mpmath": mpmath.__version__}


@pytest.fixture(scope="module")
def generation_seen() -> dict:
    """What generating the book in a fresh interpreter opens (an audit hook sees every file
    opened) and which installed libraries it imports."""
    script = textwrap.dedent("""
        import json, os, sys, sysconfig
        opened = set()
        def audit(event, args):
            if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
                opened.add(os.path.abspath(os.fsdecode(args[0])))
        sys.addaudithook(audit)
        started = set(sys.modules)  # (the interpreter's start-up imports are not ours)
        from derivations.publish.book import build_book
        build_book()
        installed = sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]
        libraries = {name.split(".")[0] for name, module in list(sys.modules.items())
                     if name not in started
                     and (getattr(module, "__file__", None) or "").startswith(installed)}
        print(json.dumps({"opened": sorted(opened), "libraries": sorted(libraries)}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, check=True, timeout=300)
    return json.loads(done.stdout)


def test_the_key_names_every_library_the_generators_import(generation_seen):
    assert "sympy" in generation_seen["libraries"]  # the check sees imports
    assert sorted(generation_seen["libraries"]) == sorted(build_cache.LIBRARIES)


def test_the_generators_open_no_file_outside_the_page_key(generation_seen):
    """Every file that generating the book reads is among the inputs of the page key."""
    opened = {Path(name).resolve() for name in generation_seen["opened"]}
    ours = {path for path in opened
            if path.is_relative_to(REPO) and not path.is_relative_to(Path(sys.prefix).resolve())
            and "__pycache__" not in path.parts and path.is_file()}
    assert any(path.name == "build_speed.json" for path in ours)  # the audit hook sees reads
    inputs = {path.resolve() for path in build_cache.page_inputs(REPO / "derivations",
                                                                 REPO / "mkdocs.yml")}
    assert sorted(ours - inputs) == []


# --- the math key and memo ------------------------------------------------------------------

def test_the_math_key_changes_with_the_renderer_latex2mathml_and_python():
    source = Path(latex_math.__file__).read_bytes()
    versions = [("python", "3.11.7"), ("latex2mathml", "3.81.1")]
    key = build_cache.math_key(source, versions)
    assert build_cache.math_key(source + b"\n", versions) != key
    assert build_cache.math_key(source, [versions[0], ("latex2mathml", "3.82")]) != key
    assert build_cache.math_key(source, [("python", "3.12.0"), versions[1]]) != key
    assert build_cache.math_key(source, versions) == key


def test_latex_math_imports_nothing_else_of_ours():
    """The math key hashes latex_math.py alone as the renderer: that is complete only while
    it imports nothing from derivations (latex2mathml is hashed on its own)."""
    tree = ast.parse(Path(latex_math.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert sorted(name for name in imported if name.split(".")[0] == "derivations") == []


def convert(source: str, rendered: dict | None) -> str:
    configs = {} if rendered is None else {"derivations.render.latex_math": {"rendered": rendered}}
    md = markdown.Markdown(extensions=["derivations.render.latex_math"],
                           extension_configs=configs)
    return md.convert(source)


PAGE = ("$w_1$ and $w_1$ again.\n\n$$\na = b \\label{eq-a}\n$$\n\n"
        "See $\\eqref{eq-a} = w_1$ and \\eqref{eq-a}.\n")


def test_a_shared_memo_changes_no_byte_and_converts_each_formula_once():
    memo: dict[str, str] = {}
    assert convert(PAGE, memo) == convert(PAGE, None)
    assert len(memo) == 3  # w_1 (twice), the display equation, the citing formula
    again = dict(memo)
    assert convert(PAGE, memo) == convert(PAGE, None) and memo == again


def test_the_memo_is_consulted_before_converting():
    """A remembered answer is used as is (so the key must name every input, tested below)."""
    memo: dict[str, str] = {}
    convert("$w_1$", memo)
    (key,) = memo
    memo[key] = "<math>remembered</math>"
    assert "<math>remembered</math>" in convert("$w_1$", memo)


def test_the_memo_key_names_what_the_rendering_depends_on():
    key = latex_math.memo_key(r"a \eqref{eq-b}", True, {"eq-b": 2, "eq-c": 1})
    assert latex_math.memo_key(r"a \eqref{eq-b}", True, {"eq-b": 2}) == key  # eq-c: not cited
    assert latex_math.memo_key(r"a \eqref{eq-b}", True, {"eq-b": 3}) != key
    assert latex_math.memo_key(r"a \eqref{eq-b}", False, {"eq-b": 2}) != key
    assert latex_math.memo_key(r"a \eqref{eq-c}", True, {"eq-b": 2, "eq-c": 1}) != key


def test_a_formula_that_fails_is_not_remembered():
    memo: dict[str, str] = {}
    with pytest.raises(latex_math.MathSyntaxError):
        latex_math.render_memoized(memo, r"\eqref{eq-nowhere}", False, {})
    assert memo == {}


# --- entries on disk ------------------------------------------------------------------------

def test_an_entry_reads_back_exactly(tmp_path):
    content = {"a.md": "# A\n\nπ ≈ 3\n", "fig.svg": "<svg/>"}
    build_cache.write_entry(tmp_path / "k.json", "k", content)
    assert build_cache.read_entry(tmp_path / "k.json", "k") == content
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]  # no temporary file left


CORRUPTIONS = {
    "empty": lambda text: "",
    "truncated": lambda text: text[: len(text) // 2],
    "not JSON": lambda text: "\x00\x01garbage",
    "not an object": lambda text: "[1, 2]",
    "edited content": lambda text: text.replace("# A", "# B"),
    "another key": lambda text: json.dumps({**json.loads(text), "key": "other"}),
    "another format": lambda text: json.dumps({**json.loads(text), "format": 99}),
    "content not text": lambda text: json.dumps({**json.loads(text), "content": {"a.md": 1}}),
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_a_broken_entry_reads_as_a_miss(tmp_path, how):
    build_cache.write_entry(tmp_path / "k.json", "k", {"a.md": "# A\n"})
    text = (tmp_path / "k.json").read_text(encoding="utf-8")
    (tmp_path / "k.json").write_text(CORRUPTIONS[how](text), encoding="utf-8")
    assert build_cache.read_entry(tmp_path / "k.json", "k") is None


def test_a_write_that_fails_leaves_the_old_entry_whole(tmp_path, monkeypatch):
    build_cache.write_entry(tmp_path / "k.json", "k", {"a.md": "old"})

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UsageError, match="No space left on device"):
        build_cache.write_entry(tmp_path / "k.json", "k", {"a.md": "new"})
    assert build_cache.read_entry(tmp_path / "k.json", "k") == {"a.md": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]


def test_pruning_keeps_the_most_recent_entries_and_drops_old_leftovers(tmp_path):
    for age, name in enumerate(["e.json", "d.json", "c.json", "b.json", "a.json"]):
        (tmp_path / name).write_text("{}")
        os.utime(tmp_path / name, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / ".a.json.x.tmp").write_text("")  # a write in progress: young, kept
    (tmp_path / ".b.json.y.tmp").write_text("")
    os.utime(tmp_path / ".b.json.y.tmp", (0, 0))  # a write that died long ago
    build_cache.prune(tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.json.x.tmp", "c.json", "d.json",
                                                          "e.json"]


# --- the hook's use of the cache ---------------------------------------------------------------

def generator(body: str) -> list[str]:
    """A stand-in for derivations.publish.generate_pages: `python -c`, given KEY OUT."""
    script = f"import sys\nsys.path.insert(0, {str(REPO)!r})\n" + textwrap.dedent(body)
    return [sys.executable, "-c", script]


WRITES_A_PAGE = generator("""
    from pathlib import Path
    from derivations.publish.build_cache import write_entry
    key, out = sys.argv[1:]
    write_entry(Path(out), key, {"fake.md": "# generated"})
""")
MUST_NOT_RUN = generator("raise SystemExit('the generator ran')")


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project")
    monkeypatch.setattr(mkdocs_hook, "PACKAGE_DIR", root / "derivations")
    monkeypatch.setattr(mkdocs_hook, "GENERATOR", WRITES_A_PAGE)
    monkeypatch.delenv(build_cache.NO_CACHE_ENV, raising=False)
    monkeypatch.delenv(build_cache.CACHE_DIR_ENV, raising=False)
    return root


def pages(root: Path) -> mkdocs_hook._Pages:
    return mkdocs_hook._Pages(root / "mkdocs.yml", build_cache.cache_dir(root))


def cache_files(root: Path) -> list[str]:
    folder = root / ".cache"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_miss_generates_and_files_the_output_under_the_key(project):
    built = pages(project)
    assert built.process is not None
    assert built.files() == {"fake.md": "# generated"}
    assert cache_files(project) == [f"pages/{built.key}.json"]


def test_a_hit_serves_the_entry_and_starts_no_generator(project, monkeypatch):
    pages(project).files()
    monkeypatch.setattr(mkdocs_hook, "GENERATOR", MUST_NOT_RUN)
    again = pages(project)
    assert again.process is None and again.files() == {"fake.md": "# generated"}


@pytest.mark.parametrize("what", ["a generator", "a benchmark record", "mkdocs.yml"])
def test_after_an_edit_to_an_input_the_hook_generates_again(project, monkeypatch, what):
    """(Every input's effect on the key is tested above; this is the hook acting on it.)"""
    first = pages(project)
    first.files()
    EDITS[what](project)
    monkeypatch.setattr(mkdocs_hook, "GENERATOR", MUST_NOT_RUN)
    with pytest.raises(PluginError, match="the generator ran"):
        pages(project).files()


@pytest.mark.parametrize("how", ["truncated", "edited content"])
def test_a_broken_entry_is_generated_again_and_replaced(project, how):
    content = {"fake.md": "# A\n"}
    key = key_of(project, build_cache.page_versions())
    entry = project / ".cache" / "pages" / f"{key}.json"
    build_cache.write_entry(entry, key, content)
    entry.write_text(CORRUPTIONS[how](entry.read_text(encoding="utf-8")), encoding="utf-8")
    built = pages(project)
    assert built.process is not None and built.files() == {"fake.md": "# generated"}
    assert build_cache.read_entry(entry, key) == {"fake.md": "# generated"}


def test_output_generated_while_an_input_changed_is_used_but_not_filed(project, monkeypatch):
    monkeypatch.setattr(mkdocs_hook, "GENERATOR", generator(f"""
        from pathlib import Path
        from derivations.publish.build_cache import write_entry
        key, out = sys.argv[1:]
        Path({str(project / "mkdocs.yml")!r}).write_text("site_name: edited meanwhile\\n")
        write_entry(Path(out), key, {{"fake.md": "# generated"}})
    """))
    assert pages(project).files() == {"fake.md": "# generated"}
    assert cache_files(project) == []  # neither under the old key nor the new one


def test_a_failing_generator_fails_the_build_with_its_message(project, monkeypatch):
    monkeypatch.setattr(mkdocs_hook, "GENERATOR",
                        generator("sys.exit('ValueError: two generators wrote a.md')"))
    with pytest.raises(PluginError, match=r"two generators wrote a\.md"):
        pages(project).files()
    assert cache_files(project) == []


def test_no_cache_reads_and_writes_nothing(project, monkeypatch):
    pages(project).files()  # an entry that a cached build would serve
    before = cache_files(project)
    monkeypatch.setenv(build_cache.NO_CACHE_ENV, "1")
    assert build_cache.cache_dir(project) is None
    built = pages(project)
    assert built.process is not None and built.files() == {"fake.md": "# generated"}
    assert cache_files(project) == before


def test_the_cache_folder_can_be_moved(project, monkeypatch, tmp_path):
    monkeypatch.setenv(build_cache.CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    built = pages(project)
    built.files()
    assert (tmp_path / "elsewhere" / "pages" / f"{built.key}.json").is_file()
    assert not (project / ".cache").exists()


def test_the_math_memo_files_the_formulas_a_build_used(project, monkeypatch):
    monkeypatch.setattr(mkdocs_hook, "_math", None)
    config = SimpleNamespace(markdown_extensions=[mkdocs_hook.MATH_EXTENSION], mdx_configs={})
    mkdocs_hook._install_math_memo(config, project / ".cache")
    memo = config.mdx_configs[mkdocs_hook.MATH_EXTENSION]["rendered"]
    html = convert("$w_1$ and $x^2$", memo)
    mkdocs_hook.on_post_build(config)
    (entry,) = (project / ".cache" / "math").iterdir()
    assert sorted(build_cache.read_entry(entry, entry.stem)) == sorted(memo)
    # The next build (a new process) renders nothing and writes the same bytes.
    monkeypatch.setattr(mkdocs_hook, "_math", None)
    mkdocs_hook._install_math_memo(config, project / ".cache")
    again = config.mdx_configs[mkdocs_hook.MATH_EXTENSION]["rendered"]
    assert dict(again) == dict(memo)
    assert convert("$w_1$ and $x^2$", again) == html
    # A next build in the same process (`serve`) that no longer shows x^2 files only w_1.
    mkdocs_hook._install_math_memo(config, project / ".cache")
    assert config.mdx_configs[mkdocs_hook.MATH_EXTENSION]["rendered"] is again
    convert("$w_1$", again)
    mkdocs_hook.on_post_build(config)
    assert len(build_cache.read_entry(entry, entry.stem)) == 1


def test_formulas_of_announced_pages_are_rendered_while_the_generator_runs(project,
                                                                         monkeypatch):
    """The generator announces each page on stdout as it is built; the hook renders its
    formulas meanwhile, into the memo, but files only those a page then asks for."""
    monkeypatch.setattr(mkdocs_hook, "_math", None)
    monkeypatch.setattr(mkdocs_hook, "GENERATOR", generator("""
        import json
        from pathlib import Path
        from derivations.publish.build_cache import write_entry
        key, out = sys.argv[1:]
        print("a stray line is not a page")
        print(json.dumps(["fake.md", "$w_1$ and $x^2$"]), flush=True)
        write_entry(Path(out), key, {"fake.md": "$w_1$ and $x^2$"})
    """))
    config = SimpleNamespace(markdown_extensions=[mkdocs_hook.MATH_EXTENSION], mdx_configs={})
    mkdocs_hook._install_math_memo(config, project / ".cache")
    memo = config.mdx_configs[mkdocs_hook.MATH_EXTENSION]["rendered"]
    assert pages(project).files() == {"fake.md": "$w_1$ and $x^2$"}
    ahead = {latex_math.memo_key(latex, False, {}): latex_math.render_latex(latex, False, {})
             for latex in ("w_1", "x^2")}
    assert dict(memo) == ahead
    assert convert("$w_1$", memo) == convert("$w_1$", None)
    mkdocs_hook.on_post_build(config)
    (entry,) = (project / ".cache" / "math").iterdir()
    assert list(build_cache.read_entry(entry, entry.stem)) == [latex_math.memo_key("w_1", False,
                                                                                   {})]


def test_the_hook_serves_what_a_fresh_interpreter_generates():
    """The real generator, in its own process, writes exactly the book built in memory."""
    generated = mkdocs_hook._Pages(REPO / "mkdocs.yml", None).files()
    assert generated == {item.path: item.content for item in build_book().files()}


def test_the_serve_standby_writes_what_a_fresh_generator_writes(monkeypatch):
    """`serve` keeps a generator warmed up (numpy and sympy imported) for the next rebuild;
    it imports every module of ours only when asked, so it writes the book as it is then."""
    monkeypatch.setattr(mkdocs_hook, "_watched", True)
    monkeypatch.setattr(mkdocs_hook, "_standby", None)
    mkdocs_hook._start_standby()
    try:
        built = mkdocs_hook._Pages(REPO / "mkdocs.yml", None)
        assert mkdocs_hook._standby is None  # taken by this build
        generated = built.files()
    finally:
        mkdocs_hook._stop_standby()
    assert generated == {item.path: item.content for item in build_book().files()}


def test_a_standby_that_finds_other_libraries_installed_gives_way(project, monkeypatch):
    monkeypatch.setattr(mkdocs_hook, "GENERATOR", generator("""
        from pathlib import Path
        from derivations.publish.build_cache import write_entry
        if sys.argv[1:] == ["--standby"]:
            sys.stdin.readline()
            sys.exit(75)  # generate_pages.STALE_STANDBY
        key, out = sys.argv[1:]
        write_entry(Path(out), key, {"fake.md": "# fresh"})
    """))
    monkeypatch.setattr(mkdocs_hook, "_watched", True)
    monkeypatch.setattr(mkdocs_hook, "_standby", None)
    mkdocs_hook._start_standby()
    try:
        assert pages(project).files() == {"fake.md": "# fresh"}
    finally:
        mkdocs_hook._stop_standby()


def test_the_hook_and_the_generator_agree_on_status_and_libraries():
    from derivations.publish import generate_pages

    assert mkdocs_hook.STALE_STANDBY == generate_pages.STALE_STANDBY
    assert generate_pages.LIBRARIES == build_cache.LIBRARIES


def test_kept_templates_render_the_same_and_an_edited_template_anew():
    """`serve` keeps compiled theme templates between rebuilds; an edit is not masked."""
    import jinja2

    kept = mkdocs_hook._CompiledTemplates()
    sources = {"page.html": "<p>{{ title }}</p>"}

    def render() -> str:
        env = jinja2.Environment(loader=jinja2.DictLoader(sources), bytecode_cache=kept)
        return env.get_template("page.html").render(title="A")

    assert render() == "<p>A</p>" and len(kept.compiled) == 1
    assert render() == "<p>A</p>"
    sources["page.html"] = "<h1>{{ title }}</h1>"
    assert render() == "<h1>A</h1>"


@pytest.mark.parametrize("builder", ["properdocs", "mkdocs"])
def test_serve_polls_the_generators_every_tenth_of_a_second(builder, tmp_path, monkeypatch):
    """The builders' watcher polls every 0.5 s; the hook's own watch of derivations/ polls at
    WATCH_INTERVAL_S, so an edited generator starts its rebuild sooner (the builders' other
    watches keep their pace). Fails if a builder release stops honouring the setting."""
    import importlib

    livereload = importlib.import_module(f"{builder}.livereload")
    monkeypatch.setattr(mkdocs_hook, "_start_standby", lambda: None)
    monkeypatch.setattr(mkdocs_hook, "_watched", False)
    server = livereload.LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0,
                                         root=str(tmp_path))
    server.watch(str(tmp_path))  # as the builder watches docs/ before calling the hook
    mkdocs_hook.on_serve(server, config=None, builder=None)
    try:
        emitters = {watch.path: server.observer._emitter_for_watch[watch].timeout
                    for watch in server._watch_refs.values()}
        assert emitters == {str(tmp_path): 0.5,
                            str(mkdocs_hook.PACKAGE_DIR): mkdocs_hook.WATCH_INTERVAL_S}
    finally:
        server.server_close()
