"""Which folders count as checkpoints, ``latest``, pruning."""

from __future__ import annotations

import pytest

from s2fgan_hf.training.checkpointing import list_checkpoints, prune_checkpoints, resolve_resume_checkpoint


def _fake_checkpoint(root, name, complete=True):
    for sub in ("generator", "discriminator", "generator_ema"):
        (root / name / sub).mkdir(parents=True)
        if complete or sub != "generator_ema":
            (root / name / sub / "model.safetensors").write_bytes(b"x")
    return root / name


def test_latest_ignores_temporary_and_incomplete_folders(tmp_path):
    assert resolve_resume_checkpoint("latest", tmp_path / "missing") is None
    assert resolve_resume_checkpoint(None, tmp_path) is None
    _fake_checkpoint(tmp_path, "checkpoint-5")
    _fake_checkpoint(tmp_path, "checkpoint-40")
    _fake_checkpoint(tmp_path, ".tmp-checkpoint-90")  # a save that was killed
    _fake_checkpoint(tmp_path, "checkpoint-80", complete=False)
    _fake_checkpoint(tmp_path, "checkpoint-x")
    assert [s for s, _ in list_checkpoints(tmp_path)] == [5, 40]
    assert resolve_resume_checkpoint("latest", tmp_path) == (40, tmp_path / "checkpoint-40")
    assert resolve_resume_checkpoint(str(tmp_path / "checkpoint-5"), tmp_path)[0] == 5
    with pytest.raises(FileNotFoundError, match="incomplete"):
        resolve_resume_checkpoint(str(tmp_path / "checkpoint-80"), tmp_path)
    with pytest.raises(FileNotFoundError, match="expected 'latest'"):
        resolve_resume_checkpoint(str(tmp_path / "nope"), tmp_path)


def test_prune_keeps_the_newest(tmp_path):
    for step in (1, 2, 10):
        _fake_checkpoint(tmp_path, f"checkpoint-{step}")
    removed = prune_checkpoints(tmp_path, 2)
    assert [p.name for p in removed] == ["checkpoint-1"]
    assert [s for s, _ in list_checkpoints(tmp_path)] == [2, 10]
    assert prune_checkpoints(tmp_path, None) == []
    with pytest.raises(ValueError):
        prune_checkpoints(tmp_path, 0)
