"""The layering of docs/architecture.md, checked on the source: what each folder of ``s2fgan_hf`` may import,
that nothing outside tests/ imports tests/, and the house limit of about 400 lines per file."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "s2fgan_hf"

# Root modules that are not part of the inference core, by group; every other root module is "core".
ROOT_GROUPS = {
    "config": "config",
    "losses": "losses",
    "progress": "progress",
    "cli": "compat",  # compatibility aliases of moved modules: they may import anything
    "interactive": "compat",
}
SUBPACKAGES = ("layers", "networks", "image_processing", "data", "training", "evaluation", "app", "commands")
INFERENCE = {"config", "layers", "networks", "image_processing", "core"}
# Which groups a module of each group may import (lazy imports inside functions count too).
ALLOWED: dict[str, set[str]] = {
    "config": {"config"},
    "layers": {"layers"},
    "networks": {"networks", "layers", "config"},
    "image_processing": {"image_processing", "config"},
    "core": INFERENCE,
    "progress": {"progress"},
    "losses": {"losses"} | INFERENCE,
    "data": {"data", "progress"} | INFERENCE,
    "evaluation": {"evaluation", "data", "progress"} | INFERENCE,
    "training": {"training", "losses", "data", "evaluation", "progress"} | INFERENCE,
    "app": {"app", "data"} | INFERENCE,  # data: the photo -> sketch extractor of the photo tab, imported lazily
}
MAX_LINES = 400
LONGER_ALLOWED = {"train_accelerate.py"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _group(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"  # the package root
    if parts[1] in SUBPACKAGES:
        return parts[1]
    return ROOT_GROUPS.get(parts[1], "core")


def _imports(path: Path) -> set[str]:
    """The ``s2fgan_hf`` modules ``path`` imports (relative imports resolved; ``from pkg import sub`` -> sub)."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "s2fgan_hf"}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            if module.split(".")[0] != "s2fgan_hf":
                continue
            for alias in node.names:  # a submodule imported by name counts as that submodule
                candidate = f"{module}.{alias.name}"
                is_module = (ROOT / candidate.replace(".", "/")).with_suffix(".py").is_file()
                found.add(candidate if is_module or (ROOT / candidate.replace(".", "/")).is_dir() else module)
    return found


def test_each_folder_imports_only_what_docs_architecture_allows():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _module_name(path)
        group = _group(source)
        if group not in ALLOWED:  # commands/ and the compatibility aliases may import anything
            continue
        for target in sorted(_imports(path)):
            if _group(target) not in ALLOWED[group]:
                problems.append(f"{source} ({group}) imports {target} ({_group(target)})")
    assert problems == []


def test_the_import_check_sees_relative_and_lazy_imports():
    groups = {_group(m) for m in _imports(PACKAGE / "app" / "editor.py")}
    assert {"core", "config", "image_processing", "app", "data"} <= groups  # data: a lazy import in a function
    assert "losses" in {_group(m) for m in _imports(PACKAGE / "training" / "steps.py")}  # from .. import losses


def test_nothing_outside_tests_imports_tests():
    offenders = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "scripts").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            if any(n == "tests" or n.startswith("tests.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_file_is_over_about_400_lines():
    folders = [PACKAGE, ROOT / "scripts", ROOT / "bench", ROOT / "tests"]
    files = [*ROOT.glob("*.py"), *(p for folder in folders for p in folder.rglob("*.py"))]
    long = {
        str(p.relative_to(ROOT)): n
        for p in files
        if p.name not in LONGER_ALLOWED and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_old_import_paths_are_aliases_not_copies():
    import s2fgan_hf.atomic_io as atomic_io
    import s2fgan_hf.cli as cli
    import s2fgan_hf.data.atomic_io as old_atomic_io
    import s2fgan_hf.interactive as interactive
    from s2fgan_hf.app import editor
    from s2fgan_hf.commands import dispatch

    assert cli.main is dispatch.main
    assert interactive.FaceEditor is editor.FaceEditor and interactive.load_app_model is editor.load_app_model
    assert old_atomic_io.atomic_write is atomic_io.atomic_write
