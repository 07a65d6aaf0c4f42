"""Moved to :mod:`s2fgan_hf.commands`; kept so ``s2fgan_hf.cli:main`` (older installs' ``s2fgan`` script) and
``python -m s2fgan_hf.cli`` keep working."""

import sys

from .commands.dispatch import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
