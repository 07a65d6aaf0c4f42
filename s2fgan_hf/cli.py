"""The ``s2fgan`` command line: ``s2fgan generate``, ``s2fgan prepare-data``, ...

Each subcommand lives in its own module that exposes ``register(subparsers)``; the module sets
``func`` on its parser, which receives the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that define subcommands, imported lazily so `s2fgan --help` stays fast.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "s2fgan_hf.generate_cli",
    "s2fgan_hf.data.prepare",
    "s2fgan_hf.evaluate_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="s2fgan", description="S2FGAN sketch-to-face tools.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
