"""Writes that leave either the previous content or the complete new one, never half of one.

A file is written to a temporary sibling and renamed over its target; a folder is built
in a temporary sibling folder and swapped in. Targets that are not a regular file (or, for
folders, a folder) are refused before anything is written: replacing a symlink, a FIFO or
a device node such as /dev/null with a regular file is never what the user meant.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from derivations.cli.messages import shown
from derivations.errors import UsageError


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def _lstat(path: str, label: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:  # a name too long, a NUL byte, a file as folder
        raise UsageError(f"{label}: cannot write: {_reason(error)}") from None


def _special(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symlink (not followed, not replaced)"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"


def _check_parent(path: str, label: str) -> None:
    parent = os.path.dirname(os.path.normpath(path)) or "."
    try:
        is_folder = stat.S_ISDIR(os.stat(parent).st_mode)
    except FileNotFoundError:
        is_folder = False
    except (OSError, ValueError) as error:
        raise UsageError(f"{label}: cannot write: {_reason(error)}") from None
    if not is_folder:
        raise UsageError(f"{label}: folder {shown(parent)} does not exist; create it first")


def check_output_file(path: str | os.PathLike, option: str) -> None:
    """path may receive a file: a regular file or a new name in an existing folder."""
    path = os.fspath(path)
    if not path:
        raise UsageError(f"{option}: empty path; give a file name")
    label = f"{option} {shown(path)}"
    status = _lstat(path, label)
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{label}: is a folder; give a file path")
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise UsageError(f"{label}: is {_special(status.st_mode)}; give a regular file path")
    _check_parent(path, label)


def check_output_folder(path: str | os.PathLike, option: str) -> None:
    """path may receive a folder: an existing folder (not a symlink) or a new name."""
    path = os.fspath(path)
    if not path:
        raise UsageError(f"{option}: empty path; give a folder name")
    label = f"{option} {shown(path)}"
    status = _lstat(path, label)
    if status is not None and stat.S_ISREG(status.st_mode):
        raise UsageError(f"{label}: exists and is not a folder; give a folder path")
    if status is not None and not stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{label}: is {_special(status.st_mode)}; give a folder path")
    if os.path.basename(os.path.normpath(path)) in (".", ".."):
        raise UsageError(f"{label}: give the folder by its name, not as . or ..")
    _check_parent(path, label)


def _new_file_mode(path: str) -> int:
    """The mode a plain `open(path, "w")` would give (mkstemp's is 0600)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)  # replacing: keep the file's mode
    except OSError:
        return 0o666 & ~_umask()


def write_text_atomic(path: str | os.PathLike, text: str, option: str) -> None:
    """Write text to path via a temporary sibling file and os.replace, or UsageError.

    option names the path in messages (`--out`)."""
    path = os.fspath(path)
    check_output_file(path, option)
    label = f"{option} {shown(path)}"
    folder, name = os.path.split(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name[:100]}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before it takes the name
        os.chmod(tmp, _new_file_mode(path))
        check_output_file(path, option)  # still a regular file (or nothing) just before
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        raise UsageError(f"{label}: cannot write: {_reason(error)}; nothing was changed") \
            from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def replace_folder(path: str | os.PathLike, fill: Callable[[Path], None], option: str) -> None:
    """Build a folder with fill(staging) in a temporary sibling, then swap it in for path.

    Any failure (a UsageError from fill, a full disk) removes the staging folder and leaves
    path as it was. The swap is two renames (the old folder aside, the new one in) with
    nothing between them; if the second fails the first is undone."""
    path = os.fspath(path)
    check_output_folder(path, option)
    label = f"{option} {shown(path)}"
    folder, name = os.path.split(os.path.normpath(path))
    staging = aside = None
    try:
        staging = tempfile.mkdtemp(dir=folder or ".", prefix=f".{name[:100]}.", suffix=".new")
        os.chmod(staging, 0o777 & ~_umask())
        fill(Path(staging))
        check_output_folder(path, option)
        if os.path.lexists(path):
            aside = tempfile.mkdtemp(dir=folder or ".", prefix=f".{name[:100]}.", suffix=".old")
            os.replace(path, aside)  # an empty folder is replaced by the old one
            try:
                os.replace(staging, path)
            except OSError:
                os.replace(aside, path)
                aside = None
                raise
        else:
            os.replace(staging, path)
        staging = None
    except OSError as error:
        raise UsageError(f"{label}: cannot write: {_reason(error)}; nothing was changed") \
            from None
    finally:
        for leftover in (staging, aside):
            if leftover is not None:
                shutil.rmtree(leftover, ignore_errors=True)


def _umask() -> int:
    umask = os.umask(0o022)  # the only way to read it is to set it
    os.umask(umask)
    return umask
