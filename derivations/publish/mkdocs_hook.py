"""MkDocs glue (mkdocs.yml `hooks:`): add the generated pages to the build, nothing else.

It depends on MkDocs only through `File.generated`, `PluginError` and a few hook names (and
on Jinja's public bytecode-cache API for the theme's templates), so moving to another
mkdocs.yml-compatible builder means re-writing this file alone; the same pages are
available to any builder with `python -m derivations pages --out DIR`.

The pages are generated in a fresh interpreter (derivations/publish/generate_pages.py),
started before MkDocs loads its theme and collected when it asks for the files, and kept in
the build cache with the rendered math (derivations/publish/build_cache.py): a build with
nothing changed imports neither numpy nor sympy.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from jinja2 import BytecodeCache
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from derivations.errors import UsageError
from derivations.publish import build_cache

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # derivations/
MATH_EXTENSION = "derivations.render.latex_math"
GENERATOR = [sys.executable, "-m", "derivations.publish.generate_pages"]
STALE_STANDBY = 75  # generate_pages.STALE_STANDBY (not imported: it would be kept in memory)

log = logging.getLogger("mkdocs.derivations")  # shown by `build -v`

_watched = False  # set once `mkdocs serve` watches derivations/
_standby: subprocess.Popen | None = None  # `serve`: the next rebuild's generator, warming up
_pages: _Pages | None = None  # this build's generated files, being generated or read
_math: _MathMemo | None = None  # kept by the process: `serve` reuses it between rebuilds


def on_config(config):
    # Reproducible builds: MkDocs dates every page (sitemap.xml <lastmod>, the gzip header of
    # sitemap.xml.gz) with SOURCE_DATE_EPOCH, else with today. Default it to the last
    # commit's time, so two builds of one commit are byte-identical on any day; an explicit
    # SOURCE_DATE_EPOCH (a release pipeline's) wins.
    if "SOURCE_DATE_EPOCH" not in os.environ:
        epoch = _last_commit_epoch(Path(config.config_file_path).parent)
        if epoch is not None:
            os.environ["SOURCE_DATE_EPOCH"] = epoch
    return config


def _last_commit_epoch(repo: Path) -> str | None:
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=repo,
                              capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None  # not a git checkout (an sdist, an export): MkDocs uses today's date
    epoch = done.stdout.strip()
    return epoch if epoch.isdigit() else None


class _Pages:
    """The generated files of one build: read from the cache, or being generated."""

    def __init__(self, config_file: Path, cache: Path | None):
        self.config_file = config_file
        self.entry_dir = cache / "pages" if cache is not None else None
        self.key = build_cache.pages_key(PACKAGE_DIR, config_file)
        self.content: dict[str, str] | None = None
        self.process: subprocess.Popen | None = None
        self.scratch: tempfile.TemporaryDirectory | None = None
        if self.entry_dir is not None:
            self.entry = self.entry_dir / f"{self.key}.json"
            self.content = build_cache.read_entry(self.entry, self.key)
            if self.content is not None:
                build_cache.mark_used(self.entry)
                log.debug("generated pages read from %s", self.entry)
                return
        self._start()

    def _start(self) -> None:
        if self.entry_dir is not None:
            try:
                self.entry_dir.mkdir(parents=True, exist_ok=True)
                self.output = self.entry_dir / f".{self.key}.{os.getpid()}.out"
            except OSError:
                self.entry_dir = None  # a read-only checkout builds without a cache
        if self.entry_dir is None:
            self.scratch = tempfile.TemporaryDirectory(prefix="convbackprop-pages-")
            self.output = Path(self.scratch.name) / "pages.json"
        self.process = _take_standby(self.key, self.output)
        log.debug("generating the pages in a %s process",
                  "new" if self.process is None else "warmed-up")
        if self.process is None:
            self.process = _generator(self.key, self.output)

    def files(self) -> dict[str, str]:
        """Wait for the generator if it runs, rendering each page's formulas as it is
        announced; file its output under the key if no input changed while it ran (else this
        build uses it, and no later one)."""
        if self.content is not None:
            return self.content
        assert self.process is not None
        status, errors = _finish(self.process)
        if status == STALE_STANDBY:
            self.process = _generator(self.key, self.output)
            status, errors = _finish(self.process)
        try:
            if status != 0:
                raise PluginError("generating the pages failed "
                                  f"(python -m derivations.publish.generate_pages):\n{errors}")
            if errors:
                sys.stderr.write(errors)  # warnings from the generators, as in-process
            content = build_cache.read_entry(self.output, self.key)
            if content is None:
                raise PluginError(f"the page generator wrote no readable output to {self.output}")
            if (self.entry_dir is not None
                    and build_cache.pages_key(PACKAGE_DIR, self.config_file) == self.key):
                try:
                    os.replace(self.output, self.entry)
                except OSError:
                    pass  # not kept: the next build generates again
                build_cache.prune(self.entry_dir)
            self.content = content
            return content
        finally:
            self.close()

    def close(self) -> None:
        if self.process is not None:
            _end(self.process)
        if self.scratch is not None:
            self.scratch.cleanup()
        elif self.process is not None:
            self.output.unlink(missing_ok=True)


def _popen(arguments: list[str]) -> subprocess.Popen:
    env = dict(os.environ)
    if _watched:
        # Bytecode written under derivations/ would count as an edit: a second rebuild.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    # stderr to a file: a pipe that fills while the hook reads stdout would stall both.
    errors = tempfile.TemporaryFile("w+", encoding="utf-8")
    # cwd: `-m derivations` then imports the package this hook belongs to (and hashed).
    process = subprocess.Popen([*GENERATOR, *arguments], cwd=PACKAGE_DIR.parent, env=env,
                               stdin=subprocess.PIPE if arguments == ["--standby"] else None,
                               stdout=subprocess.PIPE, stderr=errors, encoding="utf-8")
    process.errors = errors
    return process


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    """Render the formulas of each page the generator announces until it ends (the build
    would otherwise wait idle, then render them all); its exit status and stderr."""
    if process.stdin is not None:
        process.stdin.close()
    for line in process.stdout:
        _render_ahead(line)
    process.wait()
    return process.returncode, _end(process)


def _end(process: subprocess.Popen) -> str:
    """Stop the process if it still runs; what it wrote to stderr."""
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass  # unsent bytes for a process that is gone
    errors = getattr(process, "errors", None)
    if errors is None or errors.closed:
        return ""
    errors.seek(0)
    text = errors.read()
    errors.close()
    return text


def _render_ahead(line: str) -> None:
    if _math is None:
        return
    try:
        _, markdown = json.loads(line)
    except ValueError:
        return  # not an announced page: nothing to render ahead
    renderer = importlib.import_module(MATH_EXTENSION)
    for key, mathml in renderer.render_ahead(str(markdown), _math):
        _math.prefill(key, mathml)


def _generator(key: str, output: Path) -> subprocess.Popen:
    return _popen([key, str(output)])


def _start_standby() -> None:
    global _standby
    if _watched and (_standby is None or _standby.poll() is not None):
        _standby = _popen(["--standby"])


def _take_standby(key: str, output: Path) -> subprocess.Popen | None:
    """The warmed-up generator, given this build's request; None if there is none."""
    global _standby
    process, _standby = _standby, None
    if process is None:
        return None
    if process.poll() is not None:  # it ended (killed, or a failed start): reap it
        _end(process)
        return None
    try:
        process.stdin.write(json.dumps([key, str(output)]) + "\n")
        process.stdin.flush()  # (_finish closes it)
    except OSError:  # it died meanwhile
        _end(process)
        return None
    return process


def _stop_standby() -> None:
    global _standby
    if _standby is not None:
        _end(_standby)
        _standby = None


class _MathMemo(dict):
    """Rendered MathML by latex_math.memo_key, for one version of the renderer; remembers
    which entries the current build used, so that the saved file holds the book's formulas
    and not every formula a long `serve` session ever saw."""

    def __init__(self, key: str, path: Path | None):
        super().__init__((build_cache.read_entry(path, key) if path is not None else None) or {})
        self.key, self.path = key, path
        self.begin_build()

    def begin_build(self) -> None:
        self.used: set[str] = set()
        self.saved = set(self)

    def prefill(self, key: str, mathml: str) -> None:
        """Rendered ahead of the page: counts as used only if the page asks for it."""
        super().__setitem__(key, mathml)

    def get(self, key, default=None):
        if key in self:
            self.used.add(key)
        return super().get(key, default)

    def __setitem__(self, key, value):
        self.used.add(key)
        super().__setitem__(key, value)

    def save(self) -> None:
        if self.path is None or self.used == self.saved:
            return
        try:
            build_cache.write_entry(self.path, self.key, {key: self[key] for key in self.used})
        except (OSError, UsageError):
            return  # a read-only checkout: the next build renders again
        self.saved = set(self.used)
        build_cache.prune(self.path.parent)


def _renderer_source() -> bytes:
    """latex_math.py as the process runs it. Under `serve` an edit to it is loaded again."""
    module = importlib.import_module(MATH_EXTENSION)
    source = Path(module.__file__).read_bytes()
    if _math is not None and source != _math.renderer_source:
        module = importlib.reload(module)  # Markdown finds the extension in sys.modules
    return source


def _install_math_memo(config, cache: Path | None) -> None:
    global _math
    if MATH_EXTENSION not in config.markdown_extensions:
        return
    source = _renderer_source()
    if _math is None or _math.renderer_source != source:
        key = build_cache.math_key(source)
        _math = _MathMemo(key, cache / "math" / f"{key}.json" if cache is not None else None)
        _math.renderer_source = source
    else:
        _math.begin_build()
    config.mdx_configs.setdefault(MATH_EXTENSION, {})["rendered"] = _math


def on_pre_build(config):
    global _pages
    config_file = Path(config.config_file_path).resolve()  # (the generator has another cwd)
    cache = build_cache.cache_dir(config_file.parent)
    # The generator starts first: it runs while MkDocs goes on to load the theme.
    _pages = _Pages(config_file, cache.resolve() if cache is not None else None)
    _install_math_memo(config, cache)


def on_files(files, config):
    for path, content in _pages.files().items():
        if files.get_file_from_path(path) is not None:
            raise ValueError(f"docs/{path} exists but is generated by derivations/: remove it")
        files.append(File.generated(config, path, content=content))
    return files


class _CompiledTemplates(BytecodeCache):
    """The theme's templates as compiled Python, kept by the process: a `serve` rebuild then
    renders every page without compiling the templates again. Jinja checks each template's
    source checksum before it uses what is kept, so an edited template is compiled anew."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_templates = _CompiledTemplates()


def on_env(env, config, files):
    env.bytecode_cache = _templates
    return env


def on_page_context(context, page, config, nav):
    # The "edit" button of a generated page opens the script that writes it.
    source = page.meta.get("generated_by")
    if source and config.repo_url:
        page.edit_url = f"{config.repo_url.rstrip('/')}/blob/main/{source}"
    return context


def on_post_build(config):
    if _math is not None:
        _math.save()
    _start_standby()  # warms up while the author reads and edits


def on_build_error(error):
    if _pages is not None:
        _pages.close()
    _start_standby()


def on_serve(server, config, builder):
    global _watched
    _watched = True
    _poll_often(server)
    server.watch(str(PACKAGE_DIR))
    _start_standby()
    return server


WATCH_INTERVAL_S = 0.1  # the builders' watchdog PollingObserver defaults to 0.5 s


def _poll_often(server) -> None:
    """See an edit to derivations/ within a tenth of a second, not half a second (a quarter of a
    second on average, an eighth of the 2 s `serve` aims at from saving an edit to showing
    it). MkDocs 1.6 and ProperDocs watch by polling, each watch at the observer's interval
    when it is added; watchdog keeps the interval in `_timeout`, behind a read-only property.
    A server without it is left alone: the watch then polls at the builder's own pace."""
    observer = getattr(server, "observer", None)
    if isinstance(getattr(observer, "_timeout", None), int | float):
        observer._timeout = WATCH_INTERVAL_S


def on_shutdown():
    _stop_standby()
