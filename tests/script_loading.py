"""Run a script of scripts/ from a test: scripts/ is not a package, and sys.path stays as it is."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module (its functions, without running ``main``)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(name: str, argv: list[str]) -> None:
    """Call ``scripts/<name>.py``'s ``main(argv)``."""
    load_script(name).main(argv)
