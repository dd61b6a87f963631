"""`python -m derivations COMMAND`: a thin edge that dispatches to derivations/cli/commands/*.

Every command module defines HELP (one line), add_arguments(parser) and run(args) -> int.
Bad input anywhere surfaces as UsageError and becomes one line on stderr with exit code 2.
"""

import argparse
import importlib
import os
import pkgutil
import sys

from derivations.cli import commands
from derivations.errors import UsageError


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; we promise one line and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see --help)")


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


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        argv = sys.argv[1:] if argv is None else list(argv)
        args = parser.parse_args(attach_dash_values(argv, parser.value_options))
        code = args.run(args)
        sys.stdout.flush()  # a full disk shows up here, as one line below, not at exit
        return code
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `… | head`: the reader has all it wanted
        _drop_stdout()
        return 0
    except OSError as error:
        if error.filename is not None:  # a file a command opened itself: not ours to word
            raise
        _drop_stdout()
        print(f"error: standard output: cannot write: {error.strerror}; the output is "
              "incomplete", file=sys.stderr)
        return 2
