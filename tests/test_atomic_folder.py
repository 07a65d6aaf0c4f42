"""``atomic_write_folder``: a folder appears complete or not at all, and an old one is replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from s2fgan_hf.atomic_io import atomic_write_folder, default_file_mode


def test_folder_is_written_then_replaced(tmp_path):
    target = tmp_path / "final"

    def write(version: str):
        def fill(folder: Path) -> None:
            (folder / "sub").mkdir()
            (folder / "sub" / "a.txt").write_text(version)

        return fill

    atomic_write_folder(target, write("one"))
    assert (target / "sub" / "a.txt").read_text() == "one"
    mode = target.stat().st_mode
    assert mode & 0o666 == default_file_mode() and mode & 0o700 == 0o700  # not mkdtemp's private 0o700
    (target / "old-only.txt").write_text("gone after the rewrite")
    atomic_write_folder(target, write("two"))
    assert sorted(p.name for p in target.iterdir()) == ["sub"]
    assert (target / "sub" / "a.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["final"]  # no temporary left


def test_failed_write_leaves_the_old_folder_and_no_temporary(tmp_path):
    target = tmp_path / "final"
    atomic_write_folder(target, lambda folder: (folder / "model.txt").write_text("good"))

    def dying(folder: Path) -> None:
        (folder / "model.txt").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_folder(target, dying)
    assert (target / "model.txt").read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["final"]
