"""The repo root is a valid Hugging Face Space: README.md front matter parsed with huggingface_hub's SpaceCard."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import SpaceCard

ROOT = Path(__file__).resolve().parents[1]


def test_readme_front_matter_is_a_gradio_space() -> None:
    card = SpaceCard((ROOT / "README.md").read_text(encoding="utf-8"))
    data = card.data
    assert data.sdk == "gradio"
    assert data.app_file == "app.py" and (ROOT / data.app_file).is_file()
    assert data.models, "the Space should link its model repo(s) with `models:`"
    if data.sdk_version is not None:
        import gradio

        assert str(data.sdk_version).split(".")[0] == gradio.__version__.split(".")[0]
