"""`python -m derivations pages`: export the generated pages, or a whole hook-free project."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

from derivations.cli.atomic import check_output_folder, replace_folder
from derivations.cli.input_files import decode_utf8, read_regular_file, size_text
from derivations.cli.messages import shown
from derivations.errors import UsageError

MAX_CONFIG_BYTES = 256 * 2**10  # the book's mkdocs.yml is 3 KB
MAX_CONFIG_DEPTH = 32  # nesting of YAML mappings and lists
MAX_DOCS_FILES = 10_000  # files and folders copied from docs_dir
MAX_DOCS_BYTES = 256 * 2**20

HELP = "write every generated page and figure into DIR (a docs folder for any builder)"
DESCRIPTION = f"""\
--out DIR writes every generated page (Markdown) and asset (SVG figures, scripts) of the
book into DIR, at the paths they have under docs/; the MkDocs hook does the same thing in
memory. DIR must be new, empty, or hold a previous export (files at the paths the export
writes, nothing else): it is replaced as a whole.

--project DIR writes a complete project that needs no hook: DIR/docs holds docs/ and every
generated file, DIR/mkdocs.yml is the book's configuration without `hooks:`. Any
mkdocs.yml-compatible builder can build it, including ones that run no MkDocs hooks. DIR
must be new or empty.

Either folder is built in a hidden sibling folder and renamed into place: on any failure
DIR keeps what it held before. A DIR that is a symlink or a special file is refused.
--config must be a regular UTF-8 file of at most {size_text(MAX_CONFIG_BYTES)} in plain YAML
(no tags, no aliases, nesting at most {MAX_CONFIG_DEPTH} deep); docs_dir may hold only
folders and regular files (at most {MAX_DOCS_FILES:,} entries, {size_text(MAX_DOCS_BYTES)}
in all)."""
EPILOG = """\
examples:
  python -m derivations pages --out /tmp/generated
  python -m derivations pages --project /tmp/book && cd /tmp/book && zensical build"""


def add_arguments(parser):
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="DIR",
                        help="folder to write the generated files into (created if missing)")
    target.add_argument("--project", metavar="DIR",
                        help="new or empty folder for a complete hook-free project")
    parser.add_argument("--config", metavar="FILE", default="mkdocs.yml",
                        help="with --project: the book's mkdocs.yml (default: ./mkdocs.yml)")


def run(args) -> int:
    if args.project is not None:
        return write_project(args.project, args.config)
    return write_generated(args.out)


def _check_previous_export(out: str, paths: set[str]) -> None:
    """out may be replaced whole only if it holds nothing but what the export writes."""
    folders = {"/".join(path.split("/")[:i]) for path in paths
               for i in range(1, path.count("/") + 1)}
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(os.path.join(out, folder)) as listing:
                entries = list(listing)
        except OSError as error:
            raise UsageError(f"--out {shown(out)}: cannot read: {error.strerror}") from None
        for entry in entries:
            name = f"{folder}/{entry.name}" if folder else entry.name
            if name in folders and entry.is_dir(follow_symlinks=False):
                pending.append(name)
            elif name not in paths or not entry.is_file(follow_symlinks=False):
                raise UsageError(f"--out {shown(out)}: holds {shown(name)}, which the export "
                                 "does not write; give a new or empty folder, or a previous "
                                 "export")


def write_generated(out: str) -> int:
    check_output_folder(out, "--out")
    from derivations.publish.book import build_book

    book = build_book()  # everything is computed before the first byte is written
    files = book.files()
    if os.path.isdir(out):
        _check_previous_export(out, {item.path for item in files})

    def fill(staging: Path) -> None:
        for item in files:
            target = staging / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(item.content, encoding="utf-8", newline="\n")

    replace_folder(out, fill, "--out")
    print(f"wrote {len(book.pages)} pages and {len(book.assets)} assets to {shown(out, 1000)}")
    return 0


def _yaml_refusal(text: str) -> str | None:
    """Why the YAML text is not plain enough to carry over, or None; linear, bounded."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            return "uses a YAML alias (*name)"
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_CONFIG_DEPTH:
                return f"nests deeper than {MAX_CONFIG_DEPTH} levels"
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def read_config(path: str) -> dict:
    import yaml

    label = f"--config {shown(path)}"
    hint = "give the book's mkdocs.yml"
    text = decode_utf8(read_regular_file(path, MAX_CONFIG_BYTES, label, hint), label, hint)
    try:
        refusal = _yaml_refusal(text)
        if refusal:
            raise UsageError(f"{label}: {refusal}; only plain YAML is supported")
        config = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as error:
        tag = re.search(r"'([^']*)'", error.problem or "")
        raise UsageError(f"{label}: uses the YAML tag {shown(tag[1] if tag else '?', 60)}, "
                         "which the export cannot carry over; only plain YAML is "
                         "supported") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "malformed"
        raise UsageError(f"{label}: not readable as YAML{where}: {shown(problem, 60)}") \
            from None
    if not isinstance(config, dict):
        raise UsageError(f"{label}: not a mkdocs.yml (no mapping at the top level)")
    return config


def _copy_docs(source: Path, destination: Path, label: str) -> None:
    """docs_dir's folders and regular files (symlinks to regular files as files); anything
    else is refused: copying a FIFO or /dev/zero never ends."""
    pending = [Path()]
    entries_seen, total = 0, 0
    while pending:
        relative = pending.pop()
        (destination / relative).mkdir(exist_ok=True)
        try:
            with os.scandir(source / relative) as listing:
                entries = list(listing)
        except OSError as error:
            raise UsageError(f"{label}: cannot read docs_dir folder {shown(relative)}: "
                             f"{error.strerror}") from None
        entries_seen += len(entries)
        if entries_seen > MAX_DOCS_FILES:
            raise UsageError(f"{label}: docs_dir holds more than {MAX_DOCS_FILES} entries")
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            where = f"{label}: docs_dir entry {shown(relative / entry.name)}"
            if entry.is_dir(follow_symlinks=False):
                pending.append(relative / entry.name)
                continue
            try:
                status = os.stat(entry.path)
            except OSError as error:
                raise UsageError(f"{where}: cannot read: {error.strerror}") from None
            if not stat.S_ISREG(status.st_mode):
                raise UsageError(f"{where}: not a regular file; docs_dir may hold only "
                                 "folders and regular files")
            total += status.st_size
            if total > MAX_DOCS_BYTES:
                raise UsageError(f"{label}: docs_dir holds more than "
                                 f"{size_text(MAX_DOCS_BYTES)}")
            shutil.copyfile(entry.path, destination / relative / entry.name)


def write_project(destination: str, config_path: str) -> int:
    import yaml

    from derivations.publish.book import build_book
    from derivations.publish.export_project import docs_dir_of, hook_free_config

    check_output_folder(destination, "--project")
    label = f"--project {shown(destination)}"
    if os.path.isdir(destination) and any(os.scandir(destination)):
        raise UsageError(f"{label}: exists and is not an empty folder; give a new or empty "
                         "folder")
    if not config_path:
        raise UsageError("--config: empty path; give the book's mkdocs.yml")
    config = read_config(config_path)
    config_label = f"--config {shown(config_path)}"
    config_dir = Path(os.path.realpath(config_path)).parent
    try:
        docs = config_dir / docs_dir_of(config)
        exported = hook_free_config(config, config_dir)
        exported_text = yaml.safe_dump(exported, sort_keys=False, allow_unicode=True)
    except UsageError as error:
        raise UsageError(f"{config_label}: {error}") from None
    if not os.path.isdir(docs):  # False, never an error, for a name too long
        raise UsageError(f"{config_label}: its docs_dir {shown(docs, 60)} is not a folder")
    book = build_book()  # everything is computed before the first byte is written

    def fill(staging: Path) -> None:
        _copy_docs(docs, staging / "docs", config_label)
        for item in book.files():
            target = staging / "docs" / item.path
            if target.exists():
                raise UsageError(f"docs/{item.path} exists but is generated by derivations/: "
                                 "remove it")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(item.content, encoding="utf-8", newline="\n")
        (staging / "mkdocs.yml").write_text(exported_text, encoding="utf-8")

    replace_folder(destination, fill, "--project")
    print(f"wrote a hook-free project to {shown(destination, 1000)}: {len(book.pages)} generated "
          f"pages and {len(book.assets)} assets in docs/, and mkdocs.yml")
    return 0
