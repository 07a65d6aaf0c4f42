"""Find and load the model a tool should use: an explicit path or Hub id, ``$S2FGAN_MODEL``, or the bundled one."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .devices import resolve_device
from .modeling_s2fgan import S2FGAN

MODEL_ENV = "S2FGAN_MODEL"


def _bundled(name: str) -> Path | None:
    """``s2fgan_hf/pretrained/<name>`` if this build ships it (a save_pretrained folder), else ``None``."""
    path = Path(str(resources.files("s2fgan_hf").joinpath("pretrained", name)))
    return path if (path / "config.json").is_file() and (path / "model.safetensors").is_file() else None


def bundled_model_path() -> Path | None:
    """The checkpoint shipped inside the package (``s2fgan_hf/pretrained/default``), if this build has one."""
    return _bundled("default")


def bundled_classifier_path() -> Path | None:
    """The attribute classifier shipped inside the package (``s2fgan_hf/pretrained/attribute-classifier``)."""
    return _bundled("attribute-classifier")


def resolve_model_source(model: str | os.PathLike | None = None) -> str:
    """Which checkpoint to load: ``model`` if given, else ``$S2FGAN_MODEL``, else the bundled checkpoint."""
    if model:
        return os.fspath(model)
    if os.environ.get(MODEL_ENV):
        return os.environ[MODEL_ENV]
    bundled = bundled_model_path()
    if bundled is None:
        raise FileNotFoundError(
            f"no model given, ${MODEL_ENV} is unset and this installation has no bundled checkpoint; "
            "pass a save_pretrained folder or a Hub id (e.g. --model user/s2fgan)"
        )
    return str(bundled)


def load_model(model: str | os.PathLike | None = None, device: str = "cpu") -> S2FGAN:
    """Load an ``S2FGAN`` for inference (eval mode) on ``device``.

    ``device`` is checked first (``devices.resolve_device``): ``"cuda"`` on a machine without CUDA is a
    ``RuntimeError`` saying so, before anything is read.
    """
    target = resolve_device(device)
    source = resolve_model_source(model)
    return S2FGAN.from_pretrained(source, map_location=str(target)).eval()
