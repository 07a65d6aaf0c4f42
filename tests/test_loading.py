"""``s2fgan_hf.loading``: which checkpoint a tool loads, editors (S2F-DIS / S2F-DEC) by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from s2fgan_hf import loading
from s2fgan_hf.loading import bundled_editors, bundled_model_path, load_model, resolve_model_source
from tests.app_helpers import save_tiny_model


@pytest.fixture
def bundled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    """Tiny S2F-DIS and S2F-DEC checkpoints in place of the bundled ones; no $S2FGAN_MODEL."""
    folders = {"default": save_tiny_model(tmp_path / "default"), "dec": save_tiny_model(tmp_path / "dec", "dec")}
    monkeypatch.setattr(loading, "_bundled", folders.get)
    monkeypatch.delenv(loading.MODEL_ENV, raising=False)
    return folders


def test_editor_picks_the_bundled_checkpoint(bundled: dict[str, Path]) -> None:
    assert bundled_model_path() == bundled["default"] and bundled_model_path("dec") == bundled["dec"]
    assert bundled_editors() == ("dis", "dec")
    assert load_model().config.variant == "dis"
    assert load_model(editor="dis").config.variant == "dis"
    assert load_model(editor="dec").config.variant == "dec"


def test_an_explicit_model_is_checked_against_the_editor(bundled: dict[str, Path]) -> None:
    assert load_model(bundled["dec"], editor="dec").config.variant == "dec"
    assert load_model(bundled["dec"]).config.variant == "dec"  # no editor named: no check
    with pytest.raises(ValueError, match="is an S2F-DIS checkpoint .*; editor 'dec' needs an S2F-DEC one"):
        load_model(bundled["default"], editor="dec")
    with pytest.raises(ValueError, match="is an S2F-DEC checkpoint .*; editor 'dis' needs an S2F-DIS one"):
        load_model(bundled["dec"], editor="dis")


def test_the_environment_variable_is_an_explicit_model(bundled: dict[str, Path], monkeypatch) -> None:
    monkeypatch.setenv(loading.MODEL_ENV, str(bundled["dec"]))
    assert resolve_model_source() == resolve_model_source(editor="dec") == str(bundled["dec"])
    assert load_model().config.variant == "dec"
    with pytest.raises(ValueError, match="S2F-DEC checkpoint"):
        load_model(editor="dis")


def test_unknown_or_missing_editors_are_clear_errors(bundled: dict[str, Path], monkeypatch) -> None:
    with pytest.raises(ValueError, match=r"unknown editor 'abc'; choose one of 'dis' \(S2F-DIS\), 'dec' \(S2F-DEC\)"):
        load_model(editor="abc")
    with pytest.raises(ValueError, match="unknown editor"):
        load_model(bundled["dec"], editor="DEC")
    monkeypatch.setattr(loading, "_bundled", {"default": bundled["default"]}.get)  # a build without S2F-DEC
    assert bundled_editors() == ("dis",)
    with pytest.raises(FileNotFoundError, match=r"no bundled S2F-DEC checkpoint \(s2fgan_hf/pretrained/dec\)"):
        load_model(editor="dec")
