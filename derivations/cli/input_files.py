"""Reading what a user points a command at, with bounded work whatever is there.

A name can stand for a FIFO (reading it waits forever), a device (/dev/zero never ends), a
folder, a broken symlink or a file of gigabytes. Every input is therefore checked before a
byte is read: only a regular file under a stated size limit is read, and anything else is
refused at once as a UsageError. A site folder is walked without following symlinks out
of it, with limits on its pages, their sizes and its depth.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from derivations.cli.messages import shown
from derivations.errors import UsageError

# The built book: 22 pages, 1.1 MiB of HTML, the largest page 87 KB, 124 files, 5 levels.
# The limits leave it room to grow twentyfold, and keep `audit` of a hostile folder within
# a few seconds (~0.5 s of CPU per MiB of HTML at worst, measured).
MAX_PAGE_BYTES = 2 * 2**20
MAX_SITE_HTML_BYTES = 16 * 2**20
MAX_SITE_FILES = 10_000
MAX_SITE_DEPTH = 32


def size_text(limit: int, space: str = " ") -> str:
    return f"{limit // 2**20}{space}MiB" if limit >= 2**20 else f"{limit // 2**10}{space}KiB"


def site_limits_text() -> str:
    """The limits above, as --help states them (wrapped like the rest of the help)."""
    import textwrap

    NBSP = "\u00a0"  # keeps "2 MiB" on one line: textwrap breaks at ASCII spaces only
    page, site = size_text(MAX_PAGE_BYTES, NBSP), size_text(MAX_SITE_HTML_BYTES, NBSP)
    text = textwrap.fill(
        f"Limits: pages are read only if they are regular UTF-8 files of at most {page} "
        f"each ({site} in all, at most {MAX_SITE_FILES:,} files in at most {MAX_SITE_DEPTH} "
        "levels of folders). A page that "
        "is a FIFO, a device, a folder or a symlink leading out of SITE_DIR is refused "
        "(exit 2); symlinked folders are not entered.", 88)
    return text.replace("\u00a0", " ")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def read_regular_file(path: str | Path, limit: int, label: str, hint: str) -> bytes:
    """The bytes of the regular file at path, at most limit of them, or UsageError.

    label names the input in messages (`FILE x.json`); hint says what to give instead."""
    try:
        # stat before open: opening a FIFO blocks and opening some devices acts on them.
        before = os.stat(path)
    except FileNotFoundError:
        broken = os.path.islink(path)
        raise UsageError(f"{label}: {'a broken symlink' if broken else 'no such file'}; "
                         f"{hint}") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the name
        raise UsageError(f"{label}: cannot read: {_reason(error)}; {hint}") from None
    _check_regular(before, limit, label, hint)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise UsageError(f"{label}: cannot read: {_reason(error)}; {hint}") from None
    try:
        _check_regular(os.fstat(fd), limit, label, hint)  # the same file we checked
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise UsageError(f"{label}: cannot read: {_reason(error)}; {hint}") from None
    finally:
        os.close(fd)
    if total > limit:  # it grew while we read it
        raise UsageError(f"{label}: larger than {size_text(limit)}; {hint}")
    return b"".join(chunks)


def _check_regular(status: os.stat_result, limit: int, label: str, hint: str) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise UsageError(f"{label}: is {_kind(status.st_mode)}, not a regular file; {hint}")
    if status.st_size > limit:
        raise UsageError(f"{label}: {status.st_size} bytes, larger than {size_text(limit)}; "
                         f"{hint}")


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def decode_utf8(data: bytes, label: str, hint: str) -> str:
    """data as text (a byte order mark dropped), or UsageError naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{label}: not UTF-8 text (byte {error.start}); {hint}") from None


def site_folder(site: Path, label: str) -> Path:
    """site resolved, after checking it is a folder holding index.html (a built site)."""
    hint = "give the folder `mkdocs build` wrote"
    try:
        real = Path(os.path.realpath(site))
        status = os.stat(real)
    except FileNotFoundError:
        raise UsageError(f"{label}: no such folder; {hint}") from None
    except (OSError, ValueError) as error:
        raise UsageError(f"{label}: cannot read: {_reason(error)}; {hint}") from None
    if not stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{label}: is {_kind(status.st_mode)}, not a folder; {hint}")
    try:
        has_index = stat.S_ISREG(os.stat(real / "index.html").st_mode)
    except OSError:
        has_index = False
    if not has_index:
        raise UsageError(f"{label}: has no index.html, so it is not a built site; build one "
                         "with `python -m mkdocs build --strict -d DIR`")
    return real


def site_pages(site: Path, label: str) -> dict[str, str]:
    """Every *.html page of the built site at site, by its path inside it, as text.

    Folders are walked without following symlinks; a page that is a symlink is read only
    if it resolves to a regular file inside the site. Anything else is refused."""
    root = site_folder(site, label)
    names = _page_names(root, label)
    pages: dict[str, str] = {}
    total = 0
    hint = "a built site holds regular UTF-8 pages only"
    for name in names:
        where = f"{label}: {shown(name)}"
        path = root / name
        real = Path(os.path.realpath(path))
        if real != root and root not in real.parents:
            raise UsageError(f"{where}: a symlink to outside the site folder; {hint}")
        data = read_regular_file(path, MAX_PAGE_BYTES, where, hint)
        total += len(data)
        if total > MAX_SITE_HTML_BYTES:
            raise UsageError(f"{label}: more than {size_text(MAX_SITE_HTML_BYTES)} of pages; "
                             "not a site of this book")
        pages[name] = decode_utf8(data, where, hint)
    return pages


def _page_names(root: Path, label: str) -> list[str]:
    """Paths (relative, `/`-separated) of the *.html entries under root, sorted."""
    names: list[str] = []
    folders = [("", 0)]
    seen = 0
    while folders:
        folder, depth = folders.pop()
        try:
            with os.scandir(root / folder) as listing:
                entries = list(listing)
        except OSError as error:
            raise UsageError(f"{label}: cannot read {shown(folder or '.')}: "
                             f"{_reason(error)}") from None
        seen += len(entries)
        if seen > MAX_SITE_FILES:
            raise UsageError(f"{label}: more than {MAX_SITE_FILES} files; not a site of this "
                             "book")
        for entry in entries:
            name = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                if depth + 1 > MAX_SITE_DEPTH:
                    raise UsageError(f"{label}: folders nested deeper than {MAX_SITE_DEPTH} "
                                     "levels; not a site of this book")
                folders.append((name, depth + 1))
            elif entry.name.endswith(".html"):
                names.append(name)
    return sorted(names)
