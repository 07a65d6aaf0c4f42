"""The ``s2fgan`` command line: one module per subcommand (``generate``, ``evaluate``, ``prepare_data``), each with
``register(subparsers)``; ``dispatch`` parses, dispatches and reports errors; ``inputs`` holds the checks they share.

Run it as ``s2fgan ...`` (the console script) or ``python -m s2fgan_hf.commands ...``.
"""

from .dispatch import main

__all__ = ["main"]
