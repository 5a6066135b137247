"""Entry point of the ``gradlab`` command: one sub-command per module, a thin shell over the API.

Each sub-command module defines ``add_parser(subparsers)`` (which registers its parser and sets
``func`` to its runner) and a runner ``run(args) -> int``. Bad input raises `UsageError`, which
becomes one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

import gradlab
from gradlab.cli.wall_clock import command_start
from gradlab.tabular.errors import DataError
from gradlab.tabular.spelling import as_command

SUBCOMMANDS = ("train", "predict", "info", "explain", "playground")


class UsageError(DataError):
    """Bad input from the user: printed as one line, exit status 2 (as is any `DataError`)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradlab",
        description="Train, inspect and explain small neural networks.",
    )
    parser.add_argument("--version", action="version", version=f"gradlab {gradlab.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"gradlab.cli.{name}_command")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    started = command_start(whole_process=argv is None)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.started = started
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with as_command():
            return int(args.func(args) or 0)
    except DataError as error:
        print(f"gradlab {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gradlab {args.command}: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as command-line tools do, and
        # point stdout at devnull so that Python's exit-time flush cannot raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    # Under ``python -m gradlab.cli.main`` this file is ``__main__``; run the importable module so
    # that the UsageError the sub-commands raise is the class caught above.
    from gradlab.cli.main import main as _main

    sys.exit(_main())
