"""Crash-safe writes: write to a hidden temporary file (or folder) next to the target, then ``os.replace`` it.

``os.replace`` within one folder is atomic, so a reader (or a resumed run) sees either the old file or the complete
new one, never a half-written file. Temporary files are named ``.tmp-*`` and removed on error; a hard kill can
leave one behind, which :func:`remove_stale_temporaries` deletes at the start of the next run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image

TEMP_PREFIX = ".tmp-"


def _read_umask() -> int:
    umask = os.umask(0)  # the only way to read it is to set it: do it once, at import, not per write
    os.umask(umask)
    return umask


# Read in the importing thread: toggling the process-wide umask on every write would race with other threads.
_UMASK = _read_umask()


def default_file_mode() -> int:
    """The mode ``open()`` would give a new file (0o666 minus the umask); ``mkstemp`` makes private 0o600 files."""
    return 0o666 & ~_UMASK


def atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Have ``write(temporary_path)`` write the file, then give it the usual permissions and move it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    os.close(descriptor)
    try:
        write(temporary)
        os.chmod(temporary, default_file_mode())
        os.replace(temporary, path)
    except BaseException:  # also on KeyboardInterrupt: never leave the temporary behind
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def atomic_write_folder(path: str | Path, write: Callable[[Path], None]) -> None:
    """Have ``write(temporary_folder)`` fill a folder, then put it in place of ``path`` (an old folder is replaced).

    The temporary folder is a ``.tmp-*`` sibling of ``path``; a reader never sees a half-written folder at ``path``
    (only, for a moment, none: ``os.replace`` cannot replace a non-empty folder, so the old one goes first).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=path.parent))
    try:
        write(temporary)
        os.chmod(temporary, 0o777 & ~_UMASK)  # mkdtemp makes a private 0o700 folder
        if path.exists():
            shutil.rmtree(path)
        os.replace(temporary, path)
    except BaseException:  # also on KeyboardInterrupt: never leave the temporary behind
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def atomic_save_image(image: Image.Image, path: str | Path, **save_options: object) -> None:
    """Save a PIL image to ``path`` atomically; the format follows the extension (``.png``, ``.jpg``)."""
    path = Path(path)
    image_format = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}.get(path.suffix.lower())
    if image_format is None:
        raise ValueError(f"unsupported image extension {path.suffix!r}; accepted: .png, .jpg, .jpeg")
    atomic_write(path, lambda temporary: image.save(temporary, format=image_format, **save_options))


def atomic_write_text(text: str, path: str | Path) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""

    def write(temporary: str) -> None:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)

    atomic_write(Path(path), write)


def remove_stale_temporaries(*folders: str | Path) -> int:
    """Delete ``.tmp-*`` files left in ``folders`` by a killed run; returns how many were removed."""
    removed = 0
    for folder in folders:
        folder = Path(folder)
        if folder.is_dir():
            for stale in folder.glob(f"{TEMP_PREFIX}*"):
                stale.unlink()
                removed += 1
    return removed
