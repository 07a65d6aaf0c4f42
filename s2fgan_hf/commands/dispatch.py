"""The ``s2fgan`` command line: ``s2fgan generate``, ``s2fgan prepare-data``, ...

Each subcommand lives in its own module that exposes ``register(subparsers)``; the module sets
``func`` on its parser, which receives the parsed ``argparse.Namespace`` and returns an exit code.

Errors are handled here, once for every subcommand: a failure prints one line ``error: ...`` to stderr and exits
with status 2 (130 on Ctrl-C), without a traceback. ``s2fgan --debug ...`` (the flag is also accepted after the
subcommand) or ``S2FGAN_DEBUG=1`` prints the traceback as well.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import NoReturn

from .inputs import InputError, one_line

# Modules that define subcommands, imported lazily so `s2fgan --help` stays fast.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "s2fgan_hf.commands.generate",
    "s2fgan_hf.commands.prepare_data",
    "s2fgan_hf.commands.evaluate",
)
DEBUG_ENV = "S2FGAN_DEBUG"
ERROR_EXIT_CODE = 2


class OneLineErrorParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one ``error: ...`` line pointing at ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(ERROR_EXIT_CODE, f"error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(prog="s2fgan", description="S2FGAN sketch-to-face tools.")
    debug_help = f"show the full traceback of an error (or set {DEBUG_ENV}=1)"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    for subparser in subparsers.choices.values():  # `s2fgan generate ... --debug` works too
        subparser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    return parser


def debug_requested(args: argparse.Namespace | None = None) -> bool:
    """True with ``--debug`` or ``$S2FGAN_DEBUG`` set to anything but empty/0/false/no."""
    env = os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")
    return env or bool(getattr(args, "debug", False))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return ERROR_EXIT_CODE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the one place every subcommand's failure is reported
        if debug_requested(args):
            traceback.print_exc()
        expected = isinstance(error, (InputError, ValueError, OSError)) or debug_requested(args)
        hint = "" if expected else " (--debug shows the traceback)"
        print(f"error: {one_line(error)}{hint}", file=sys.stderr)
        return ERROR_EXIT_CODE


if __name__ == "__main__":
    sys.exit(main())
