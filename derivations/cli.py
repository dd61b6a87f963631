"""`python -m derivations COMMAND`: a thin edge that dispatches to derivations/commands/*.

Every command module defines HELP (one line), add_arguments(parser) and run(args) -> int.
Bad input anywhere surfaces as UsageError and becomes one line on stderr with exit code 2.
"""

import argparse
import importlib
import pkgutil
import sys

from derivations import commands
from derivations.errors import UsageError


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; we promise one line and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _command_modules():
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    return {name: importlib.import_module(f"derivations.commands.{name}") for name in names}


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m derivations",
        description="Compute, publish and check the convbackprop book.",
    )
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
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
