"""The settings a ``prepare-data`` output folder was made with, recorded in ``DST/prepare_settings.json``.

A rerun into the same folder resumes only when it asks for the same output: size, dataset format, photo file
format, where the sketches come from and the extractor's parameters. Anything else would leave photos of two
sizes, or stale ``.jpg`` files beside new ``.png`` ones, under one ``metadata.jsonl``, so it is refused with the
differing settings named, unless ``overwrite`` asks to delete the old outputs and rebuild.

Folders prepared before this file existed have no settings file: their photo size and file format are read from
the files, and the rest is assumed to match (with a warning).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image

from s2fgan_hf.atomic_io import TEMP_PREFIX, atomic_write_text

SETTINGS_FILE = "prepare_settings.json"
OUTPUT_FOLDERS = ("images", "sketches")
OUTPUT_FILES = ("metadata.jsonl", "prepare_report.json", SETTINGS_FILE)


class SettingsMismatchError(ValueError):
    """The output folder holds a dataset prepared with other settings."""


def _flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def differences(recorded: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """``["size=64 (asked: 128)", ...]`` for every setting of ``wanted`` that ``recorded`` has with another value."""
    old, new = _flatten(recorded), _flatten(wanted)
    return [f"{key}={old[key]!r} (asked: {new[key]!r})" for key in new if key in old and old[key] != new[key]]


def output_files(dst: Path) -> list[Path]:
    """Photos and sketches a previous run left in ``dst`` (not temporaries)."""
    files: list[Path] = []
    for folder in OUTPUT_FOLDERS:
        if (dst / folder).is_dir():
            found = sorted((dst / folder).iterdir())
            files += [p for p in found if p.is_file() and not p.name.startswith(TEMP_PREFIX)]
    return files


def infer_settings(dst: Path) -> dict[str, Any]:
    """Size and photo file format of a folder prepared without a settings file, read from its photos."""
    photos = [p for p in output_files(dst) if p.parent.name == "images"]
    if not photos:
        return {}
    formats = sorted({p.suffix.lower().lstrip(".") for p in photos})
    inferred: dict[str, Any] = {"image_format": "+".join(formats)}
    with Image.open(photos[0]) as image:
        inferred["size"] = image.width
    return inferred


def _clear_outputs(dst: Path) -> int:
    removed = output_files(dst) + [dst / name for name in OUTPUT_FILES if (dst / name).is_file()]
    for path in removed:
        path.unlink()
    return len(removed)


def reconcile_settings(dst: Path, wanted: dict[str, Any], overwrite: bool = False) -> list[str]:
    """Check ``dst`` may take outputs made with ``wanted``, record ``wanted`` there; returns warnings to show.

    Args:
        dst: the output folder (it need not exist yet).
        wanted: the settings of this run; ``"source"`` is informative only (a moved dataset may be resumed).
        overwrite: delete every output of an earlier run first (photos, sketches, metadata, report, settings).

    Raises:
        SettingsMismatchError: ``dst`` holds outputs made with other settings and ``overwrite`` is false.
    """
    warnings: list[str] = []
    if overwrite:
        removed = _clear_outputs(dst)
        if removed:
            warnings.append(f"--overwrite: removed {removed} file(s) of an earlier run from {dst}")
    settings_path = dst / SETTINGS_FILE
    compared = {key: value for key, value in wanted.items() if key != "source"}
    if settings_path.is_file():
        recorded = json.loads(settings_path.read_text(encoding="utf-8"))
        if recorded.get("source") not in (None, wanted.get("source")):
            warnings.append(f"{dst} was prepared from {recorded['source']}, this run reads {wanted.get('source')}")
        changed = differences(recorded, compared)
    elif output_files(dst):
        inferred = infer_settings(dst)
        changed = differences(inferred, compared)
        if not changed:
            found = ", ".join(f"{key} {value}" for key, value in inferred.items()) or "no photos yet"
            warnings.append(
                f"{dst} has no {SETTINGS_FILE} (made by an older version); checked from its files: {found}; "
                "the other settings are assumed to match and are recorded now"
            )
    else:
        changed = []
    if changed:
        raise SettingsMismatchError(
            f"{dst} was prepared with other settings: {'; '.join(changed)}. Write to a new output folder, or "
            "pass --overwrite to delete its photos, sketches and metadata and rebuild it"
        )
    text = json.dumps(wanted, indent=2) + "\n"
    if not settings_path.is_file() or settings_path.read_text(encoding="utf-8") != text:  # a resume rewrites nothing
        atomic_write_text(text, settings_path)
    return warnings
