"""Find and load the model a tool should use: an explicit path or Hub id, ``$S2FGAN_MODEL``, or a bundled one.

Two checkpoints can ship inside the package, one per attribute editor (``config.variant``; the sketch and image
encoders and the decoder are the same): S2F-DIS (``"dis"``, ``s2fgan_hf/pretrained/default``) and S2F-DEC
(``"dec"``, ``s2fgan_hf/pretrained/dec``). ``load_model(editor=...)`` picks one of them by name, or checks that an
explicit checkpoint has that editor.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .devices import resolve_device
from .modeling_s2fgan import S2FGAN

MODEL_ENV = "S2FGAN_MODEL"
DEFAULT_EDITOR = "dis"
# Editor name (= config.variant of its checkpoint) -> its bundled folder in s2fgan_hf/pretrained/.
BUNDLED_EDITORS: dict[str, str] = {"dis": "default", "dec": "dec"}


def _bundled(name: str) -> Path | None:
    """``s2fgan_hf/pretrained/<name>`` if this build ships it (a save_pretrained folder), else ``None``."""
    path = Path(str(resources.files("s2fgan_hf").joinpath("pretrained", name)))
    return path if (path / "config.json").is_file() and (path / "model.safetensors").is_file() else None


def editor_label(editor: str) -> str:
    """The paper's name of a checkpoint with this editor: ``"dis"`` -> ``"S2F-DIS"``, ``"dec"`` -> ``"S2F-DEC"``."""
    return f"S2F-{editor.upper()}"


def check_editor(editor: str) -> str:
    """``editor`` if it names a bundled editor (``"dis"`` or ``"dec"``); a ``ValueError`` naming the choices if not."""
    if editor not in BUNDLED_EDITORS:
        choices = ", ".join(f"{name!r} ({editor_label(name)})" for name in BUNDLED_EDITORS)
        raise ValueError(f"unknown editor {editor!r}; choose one of {choices}")
    return editor


def bundled_model_path(editor: str = DEFAULT_EDITOR) -> Path | None:
    """The checkpoint of ``editor`` shipped inside the package (S2F-DIS, ``s2fgan_hf/pretrained/default``, unless
    another editor is named), if this build has it."""
    return _bundled(BUNDLED_EDITORS[check_editor(editor)])


def bundled_editors() -> tuple[str, ...]:
    """The editors whose checkpoint this build ships, in ``BUNDLED_EDITORS`` order (S2F-DIS first)."""
    return tuple(editor for editor in BUNDLED_EDITORS if bundled_model_path(editor) is not None)


def bundled_classifier_path() -> Path | None:
    """The attribute classifier shipped inside the package (``s2fgan_hf/pretrained/attribute-classifier``)."""
    return _bundled("attribute-classifier")


def resolve_model_source(model: str | os.PathLike | None = None, editor: str | None = None) -> str:
    """Which checkpoint to load: ``model`` if given, else ``$S2FGAN_MODEL``, else the bundled checkpoint of ``editor``
    (S2F-DIS when ``None``). A missing bundled checkpoint is a ``FileNotFoundError`` saying what to pass instead."""
    if editor is not None:
        check_editor(editor)
    if model:
        return os.fspath(model)
    if os.environ.get(MODEL_ENV):
        return os.environ[MODEL_ENV]
    bundled = bundled_model_path(editor or DEFAULT_EDITOR)
    if bundled is None:
        what = "checkpoint" if editor is None else f"{editor_label(editor)} checkpoint"
        folder = f"s2fgan_hf/pretrained/{BUNDLED_EDITORS[editor or DEFAULT_EDITOR]}"
        raise FileNotFoundError(
            f"no model given, ${MODEL_ENV} is unset and this installation has no bundled {what} ({folder}); "
            "pass a save_pretrained folder or a Hub id (e.g. --model user/s2fgan)"
        )
    return str(bundled)


def load_model(model: str | os.PathLike | None = None, device: str = "cpu", editor: str | None = None) -> S2FGAN:
    """Load an ``S2FGAN`` for inference (eval mode) on ``device``.

    Args:
        model: a ``save_pretrained`` folder or a Hub id; ``None`` means ``$S2FGAN_MODEL``, else the bundled
            checkpoint of ``editor``.
        device: checked first (``devices.resolve_device``): ``"cuda"`` on a machine without CUDA is a
            ``RuntimeError`` saying so, before anything is read.
        editor: ``"dis"`` (S2F-DIS) or ``"dec"`` (S2F-DEC). Without a model it picks the bundled checkpoint; with
            one (or ``$S2FGAN_MODEL``) it is a check: a checkpoint with another editor (``config.variant``) is a
            ``ValueError`` naming both. ``None``: any editor, and the bundled S2F-DIS.
    """
    target = resolve_device(device)
    source = resolve_model_source(model, editor)
    loaded = S2FGAN.from_pretrained(source, map_location=str(target)).eval()
    variant = loaded.config.variant
    if editor is not None and variant != editor:
        raise ValueError(
            f"{source} is an {editor_label(variant)} checkpoint (config variant {variant!r}); "
            f"editor {editor!r} needs an {editor_label(editor)} one"
        )
    return loaded


def refinement_critic_source(source: str | os.PathLike) -> str:
    """Where ``S2FGAN.set_refinement`` should take its discriminator for the checkpoint at ``source`` (a folder or
    Hub id): that checkpoint's own ``discriminator/``, except for the bundled S2F-DEC checkpoint, which takes the
    bundled S2F-DIS one's.

    The refinement needs a discriminator that has judged faces from *sketches*. The S2F-DIS bundle's was trained
    against them in stage 2; the S2F-DEC bundle's was trained in S2F-DEC's editor stage, on the photo branch's edits
    only, and refining with it made the faces worse (Fréchet distance on edge maps 67.5 -> 71.0, against 51.5 with
    the S2F-DIS one: docs/checkpoint/dec/evaluation.md). The two bundles share the sketch encoder and the decoder.
    """
    dec, dis = bundled_model_path("dec"), bundled_model_path("dis")
    local = Path(os.fspath(source)).expanduser()
    if dec is not None and dis is not None and local.is_dir() and local.resolve() == dec.resolve():
        return str(dis)
    return os.fspath(source)


def load_refinement_critic(source: str | os.PathLike):
    """The ``S2FGANDiscriminator`` of :func:`refinement_critic_source` (``OSError`` when that folder has none)."""
    from .modeling_discriminator import S2FGANDiscriminator

    return S2FGANDiscriminator.from_pretrained_subfolder(refinement_critic_source(source))
