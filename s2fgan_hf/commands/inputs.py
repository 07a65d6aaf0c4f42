"""Checks the ``s2fgan`` subcommands run on their inputs before any slow work (loading a model, a dataset).

Each check raises :class:`InputError` with a one-line message that names the bad value and the flag it came
from; the dispatcher in :mod:`s2fgan_hf.commands.dispatch` prints it as ``error: ...`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..modeling_s2fgan import S2FGAN


class InputError(Exception):
    """A problem with what the user asked for (a path, a flag value); its message is the whole explanation."""


def check_device(name: str, flag: str = "--device") -> str:
    """``name`` if it is a torch device this machine has (``cpu``, ``cuda``, ``cuda:1``, ``mps``...)."""
    import torch

    try:
        device = torch.device(name)
    except (RuntimeError, ValueError, TypeError):
        raise InputError(f"{flag} {name!r} is not a torch device; use e.g. cpu, cuda, cuda:0 or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(f"{flag} {name!r}: CUDA is not available on this machine (use {flag} cpu)")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise InputError(f"{flag} {name!r}: this machine has {count} CUDA device(s) (cuda:0..cuda:{count - 1})")
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise InputError(f"{flag} {name!r}: MPS is not available on this machine (use {flag} cpu)")
    return name


def add_model_arguments(parser: argparse.ArgumentParser, what: str = "S2FGAN folder or Hub id") -> None:
    """``--model``, ``--editor`` and ``--device``: the options of every subcommand that loads an ``S2FGAN`` (read
    them with :func:`load_model_checked`)."""
    from ..loading import BUNDLED_EDITORS, DEFAULT_EDITOR, MODEL_ENV, editor_label

    parser.add_argument("--model", default=None, help=f"{what} (default: ${MODEL_ENV} or bundled)")
    names = ", ".join(f"{name} ({editor_label(name)})" for name in BUNDLED_EDITORS)
    parser.add_argument(
        "--editor",
        choices=tuple(BUNDLED_EDITORS),
        default=None,
        help=f"attribute editor: {names}; picks the bundled checkpoint, or checks that --model / ${MODEL_ENV} has "
        f"that editor (default: any; the bundled {editor_label(DEFAULT_EDITOR)})",
    )
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")


def load_model_checked(model: str | None, device: str, flag: str = "--model", editor: str | None = None) -> S2FGAN:
    """:func:`s2fgan_hf.loading.load_model`, with a missing or unloadable model, or one whose editor is not
    ``editor``, turned into an :class:`InputError`."""
    from ..hub import CheckpointError
    from ..loading import MODEL_ENV, editor_label, load_model

    if model:
        source, hint = f"{flag} {model!r}", f"; leave {flag} out to use the bundled model"
    elif os.environ.get(MODEL_ENV):
        source, hint = f"${MODEL_ENV}={os.environ[MODEL_ENV]!r}", f"; unset {MODEL_ENV} to use the bundled model"
    else:
        source, hint = "bundled model" if editor is None else f"bundled {editor_label(editor)} model", ""
    try:
        return load_model(model, device=device, editor=editor)
    except FileNotFoundError as error:
        raise InputError(f"{source}: {one_line(error)}{hint}") from error
    except (OSError, ValueError, CheckpointError) as error:
        raise InputError(f"{source}: {one_line(error)}") from error


def add_refinement_argument(parser: argparse.ArgumentParser) -> None:
    """``--refine-steps``: the opt-in discriminator-guided refinement of sketch latents (``latent_refinement``)."""
    parser.add_argument(
        "--refine-steps",
        type=int,
        default=0,
        metavar="N",
        help="refine each sketch latent with N steps guided by the checkpoint's image discriminator (its "
        "discriminator/ folder; the bundled S2F-DEC takes the bundled S2F-DIS one's): crisper faces with the same "
        "attributes; 10 is the measured setting (default 0: off)",
    )
    parser.add_argument(
        "--readback-steps",
        type=int,
        default=None,
        metavar="N",
        help="read-back correction steps for each sketch latent (s2fgan_hf/readback_correction.py: the face is made "
        "to show the attributes the drawing's latent says); 0 turns it off (default: the checkpoint's setting, 2 "
        "in the bundled ones)",
    )
    parser.add_argument(
        "--drawing-colours",
        choices=("on", "off"),
        default=None,
        help="whether a drawing in colour lends its colours to its face as a look when no --look is given "
        "(docs/looks.md; default: the checkpoint's setting, on in the bundled ones); grey drawings are unaffected",
    )


def with_drawing_colours(model: S2FGAN, choice: str | None) -> S2FGAN:
    """``model``, or a copy with drawing colours turned ``"on"`` / ``"off"`` (``None``: the checkpoint's setting)."""
    if choice is None or (choice == "on") == model.config.sketch_drawing_colours:
        return model
    return model.with_sketch_encoder(sketch_drawing_colours=choice == "on")


def with_readback_checked(model: S2FGAN, steps: int | None) -> S2FGAN:
    """``model``, or a copy with ``steps`` read-back correction steps (``None``: the checkpoint's setting)."""
    from ..config import MAX_READBACK_STEPS

    if steps is None or steps == model.config.sketch_readback_steps:
        return model
    try:  # the config validates the setting; the message names the flag
        return model.with_sketch_encoder(sketch_readback_steps=steps)
    except ValueError as error:
        raise InputError(f"--readback-steps must be in [0, {MAX_READBACK_STEPS}] (0: off), got {steps}") from error


def check_refine_steps(steps: int) -> None:
    """``--refine-steps`` is at least 0 (checked before the model is loaded)."""
    if steps < 0:
        raise InputError(f"--refine-steps must be at least 0, got {steps}")


def enable_refinement_checked(model: S2FGAN, source: str | None, steps: int, editor: str | None = None) -> None:
    """Turn on ``steps`` refinement steps for ``model`` with the discriminator of the checkpoint it came from
    (``source`` as given to :func:`load_model_checked`); a missing discriminator becomes an :class:`InputError`."""
    from ..latent_refinement import RefinementSettings
    from ..loading import load_refinement_critic, refinement_critic_source, resolve_model_source

    check_refine_steps(steps)
    if steps == 0:
        return
    checkpoint = resolve_model_source(source, editor)
    try:
        critic = load_refinement_critic(checkpoint)
    except (OSError, ValueError) as error:
        folder = refinement_critic_source(checkpoint)
        raise InputError(
            f"--refine-steps needs the image discriminator of the checkpoint ({folder}/discriminator): "
            f"{one_line(error)}"
        ) from error
    model.set_refinement(critic, RefinementSettings(steps=steps))


def one_line(error: BaseException) -> str:
    """The message of ``error`` on one line (``strerror: filename`` for OS errors, the type name if empty)."""
    if isinstance(error, OSError) and error.strerror and error.filename:
        text = f"{error.strerror}: {error.filename}"
    elif isinstance(error, KeyError) and len(error.args) == 1:
        text = str(error.args[0])
    else:
        text = str(error)
    text = " ".join(text.split())
    return text or type(error).__name__


def check_input_files(paths: Iterable[Path], what: str) -> None:
    """Every path is an existing file (not a folder); the error lists the ones that are not."""
    paths = list(paths)
    folders = [str(p) for p in paths if p.is_dir()]
    if folders:
        raise InputError(f"{what} must be files, not folders: {', '.join(folders)}")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"{what} not found: {', '.join(missing)}")


def check_input_folder(path: Path, what: str) -> None:
    """``path`` is an existing folder."""
    if not path.exists():
        raise InputError(f"{what} {str(path)!r} does not exist")
    if not path.is_dir():
        raise InputError(f"{what} {str(path)!r} is not a folder")


def writable_folder(path: Path, flag: str) -> Path:
    """Check ``path`` is, or can be created as, a folder a file can be written in; returns ``path``.

    Nothing is created: the check writes and removes a hidden temporary file in ``path`` or, if it does not exist
    yet, in its nearest existing parent. That also catches read-only mounts and ACLs that permission bits do not
    show (and works when running as root).
    """
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "exists and is not a folder" if existing == path else f"cannot be created: {str(existing)!r} is a file"
        raise InputError(f"{flag} {str(path)!r} {what}")
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".tmp-write-check-", dir=existing)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"{flag} {str(path)!r}: cannot write in {str(existing)!r} ({reason})") from None
    return path
