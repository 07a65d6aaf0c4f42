"""Run a script of scripts/ from a test: scripts/ is not a package, and sys.path stays as it is."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def run_script(name: str, argv: list[str]) -> None:
    """Call ``scripts/<name>.py``'s ``main(argv)``."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(argv)
