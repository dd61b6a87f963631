"""`python -m derivations COMMAND`: a thin edge that dispatches to derivations/cli/commands/*.

Every command module defines HELP (one line), add_arguments(parser) and run(args) -> int.
Bad input anywhere surfaces as UsageError and becomes one line on stderr with exit code 2;
so does every other failure (a stream, the file system, a bug): main() is the one place
that keeps that contract, whatever the command does.
"""

import argparse
import errno
import importlib
import os
import pkgutil
import sys
import traceback
from pathlib import Path

from derivations.cli import commands
from derivations.cli.messages import one_line, shown
from derivations.errors import UsageError


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; we promise one line and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see --help)")

    def _print_message(self, message, file=None):
        # argparse swallows a failed write of --help; we report it like any other output.
        if message:
            (file or sys.stdout).write(message)


def _command_modules():
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    return {name: importlib.import_module(f"derivations.cli.commands.{name}") for name in names}


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m derivations",
        description="Compute, publish and check the convbackprop book.",
    )
    parser.value_options = {}
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name, module in _command_modules().items():
        command = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            epilog=getattr(module, "EPILOG", None),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(run=module.run)
        parser.value_options[name] = {option for action in command._actions
                                      if action.nargs is None for option in action.option_strings}
    return parser


def attach_dash_values(argv: list[str], value_options: dict[str, set[str]]) -> list[str]:
    """`--kernel -1/2` as `--kernel=-1/2`: a value may start with a minus sign.

    argparse reads a token such as `-1/2` or `-1,2;3,4` after an option as a new option
    (only plain numbers like `-1` pass), and answers "expected one argument".
    """
    options = value_options.get(argv[0], set()) if argv else set()
    out: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            out.append(token)
            out.extend(tokens)
            break
        if token in options:
            value = next(tokens, None)
            if value is not None and value.startswith("-") and not value.startswith("--"):
                out.append(f"{token}={value}")
                continue
            out.append(token)
            if value is not None:
                out.append(value)
            continue
        out.append(token)
    return out


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests)
        pass


class _ClosedOutput:
    """Standard output when the shell closed it (`>&-`): Python then has none at all, and
    print() would drop the text without a word; writing here fails as with any bad stream."""

    def write(self, text: str) -> int:
        if text:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        return 0

    def flush(self) -> None:
        pass


def _report(message: str) -> None:
    """The one stderr line; a stderr that is closed or full cannot be helped (the exit code
    still says what happened)."""
    try:
        print(one_line(message), file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""


def main(argv: list[str] | None = None) -> int:
    """Run one command: exit code 0 (1 for audit problems), or 2 and one line on stderr."""
    stdout_closed = sys.stdout is None
    if stdout_closed:
        sys.stdout = _ClosedOutput()
    try:
        return _run(argv)
    finally:
        if stdout_closed:
            sys.stdout = None


def _run(argv: list[str] | None) -> int:
    # Every failure ends here, whatever raised it: the contract is kept in one place.
    try:
        try:
            parser = build_parser()
            argv = sys.argv[1:] if argv is None else list(argv)
            args = parser.parse_args(attach_dash_values(argv, parser.value_options))
            code = args.run(args)
        except SystemExit:  # --help: its text must reach stdout before we say we are done
            sys.stdout.flush()
            raise
        sys.stdout.flush()  # a full disk shows up here, as one line below, not at exit
        return code
    except UsageError as error:
        _report(str(error))
    except BrokenPipeError:  # `… | head`: the reader has all it wanted
        _drop_stdout()
        return 0
    except OSError as error:
        if error.filename is not None:  # a file error a command did not word itself
            _report(f"{shown(error.filename)}: {error.strerror or error}")
        else:
            _drop_stdout()
            _report(f"standard output: cannot write: {error.strerror}; the output is "
                    "incomplete")
    except (OverflowError, FloatingPointError) as error:
        _report(f"a number is too large to compute with ({error}); use smaller numbers")
    except RecursionError:
        _report("input nested too deeply to read")
    except MemoryError:
        _report("out of memory; give a smaller input")
    except KeyboardInterrupt:
        _report("interrupted")
        return 130
    except Exception as error:  # a bug: still one line, with what a bug report needs
        _report(f"internal error, please report it with the command line: "
                f"{type(error).__name__}{_where(error)}: {error}")  # the cut falls on the last
    return 2
