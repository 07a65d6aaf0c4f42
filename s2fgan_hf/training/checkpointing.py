"""Training checkpoints: ``save_pretrained`` subfolders, atomic writes, ``latest`` resolution, pruning.

A checkpoint folder ``OUTPUT_DIR/checkpoint-<step>`` holds

* ``generator/``, ``discriminator/``, ``generator_ema/``: ``save_pretrained`` folders (config.json +
  model.safetensors + README.md), loadable on their own with ``S2FGAN.from_pretrained``;
* ``training_args.json``: the run's settings (``train_config.run_record``);
* ``style_moments.pt`` and ``attribute_critic.safetensors``, when the run has them (training-only state);
* ``optimizer.bin``, ``optimizer_1.bin``, ``random_states_<rank>.pkl``, ``custom_checkpoint_<i>.pkl`` (EMA counter,
  ADA state) and ``sampler.bin``: written by ``accelerator.save_state``.

It is written to ``OUTPUT_DIR/.tmp-checkpoint-<step>`` and renamed once complete, so a run killed mid-save never
leaves a folder that ``latest`` would pick. Only names matching ``checkpoint-<digits>`` count as checkpoints.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import safetensors.torch
import torch
from torch import nn

from ..atomic_io import atomic_write, atomic_write_text
from ..config import INFERENCE_SETTINGS, PRESETS, S2FGANConfig
from ..hub import check_state_dict

logger = logging.getLogger(__name__)

CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")
TMP_PREFIX = ".tmp-checkpoint-"
GENERATOR_DIR, DISCRIMINATOR_DIR, EMA_DIR = "generator", "discriminator", "generator_ema"
TRAINING_ARGS_FILE = "training_args.json"
STYLE_MOMENTS_FILE = "style_moments.pt"  # losses.RunningMoments of --lambda_style_moments
CRITIC_FILE = "attribute_critic.safetensors"  # networks.AttributeCritic of --lambda_critic (training only)
_REQUIRED = (GENERATOR_DIR, DISCRIMINATOR_DIR, EMA_DIR)


def list_checkpoints(output_dir: str | Path) -> list[tuple[int, Path]]:
    """Complete checkpoints in ``output_dir`` as ``(step, path)``, oldest first."""
    root = Path(output_dir)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        match = CHECKPOINT_PATTERN.match(child.name)
        if match and child.is_dir() and all((child / d / "model.safetensors").is_file() for d in _REQUIRED):
            found.append((int(match.group(1)), child))
    return sorted(found)


def resolve_resume_checkpoint(resume: str | None, output_dir: str | Path) -> tuple[int, Path] | None:
    """``"latest"`` -> the newest complete checkpoint in ``output_dir`` (or ``None``: start a new run);
    a path -> that checkpoint (its step is read from the ``checkpoint-<step>`` name)."""
    if not resume:
        return None
    if resume == "latest":
        found = list_checkpoints(output_dir)
        return found[-1] if found else None
    path = Path(resume).expanduser()
    match = CHECKPOINT_PATTERN.match(path.name)
    if not path.is_dir() or not match:
        raise FileNotFoundError(
            f"resume_from_checkpoint {resume!r}: expected 'latest' or an existing checkpoint-<step> folder"
        )
    missing = [d for d in _REQUIRED if not (path / d / "model.safetensors").is_file()]
    if missing:
        raise FileNotFoundError(f"checkpoint {path} is incomplete: missing {', '.join(missing)}/model.safetensors")
    return int(match.group(1)), path


def prune_checkpoints(output_dir: str | Path, keep: int | None) -> list[Path]:
    """Delete the oldest checkpoints so at most ``keep`` remain (``None``: keep all). Returns what was removed."""
    if keep is None:
        return []
    if keep < 1:
        raise ValueError(f"checkpoints_total_limit must be >= 1, got {keep}")
    found = list_checkpoints(output_dir)
    removed = [path for _, path in found[: max(0, len(found) - keep)]]
    for path in removed:
        logger.info("removing old checkpoint %s (checkpoints_total_limit=%d)", path, keep)
        shutil.rmtree(path)
    return removed


def save_checkpoint(accelerator, output_dir: str | Path, step: int, total_limit: int | None = None) -> Path:
    """Write ``checkpoint-<step>`` atomically with ``accelerator.save_state`` (all ranks must call this)."""
    root = Path(output_dir)
    tmp = root / f"{TMP_PREFIX}{step}"
    final = root / f"checkpoint-{step}"
    if accelerator.is_main_process:
        root.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            shutil.rmtree(tmp)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if final.exists():  # re-running the same step: replace the old folder
            shutil.rmtree(final)
        os.replace(tmp, final)
        if total_limit is not None:
            prune_checkpoints(root, total_limit)
        logger.info("saved checkpoint %s", final)
    accelerator.wait_for_everyone()
    return final


def learning_rates(optimizers: Sequence[torch.optim.Optimizer]) -> list[list[float]]:
    """The learning rate of every parameter group of each optimizer, as built from this run's arguments."""
    return [[float(group["lr"]) for group in optimizer.param_groups] for optimizer in optimizers]


def restore_learning_rates(optimizers: Sequence[torch.optim.Optimizer], rates: list[list[float]]) -> bool:
    """Put back the learning rates of ``learning_rates`` after ``accelerator.load_state``.

    Loading an optimizer's state dict also loads the learning rate it was saved with, so without this a run resumed
    with a new ``--learning_rate`` (to anneal, or after a non-finite loss) would silently go on at the old one.
    Returns whether any rate differed from the checkpoint's (the caller logs it).
    """
    changed = False
    for optimizer, group_rates in zip(optimizers, rates, strict=True):
        for group, rate in zip(optimizer.param_groups, group_rates, strict=True):
            changed |= float(group["lr"]) != rate
            group["lr"] = rate
    return changed


def warm_up_learning_rates(
    optimizers: Sequence[torch.optim.Optimizer], rates: list[list[float]], step: int, warmup_steps: int
) -> None:
    """Set every group's rate to its ``rates`` entry times min(1, (step + 1) / warmup_steps) (no-op at 0 steps).

    Stateless (a function of the run's step), so a run resumed inside the warm-up goes on with the ramp and
    checkpoints need nothing more.
    """
    factor = 1.0 if warmup_steps <= 0 else min(1.0, (step + 1) / warmup_steps)
    for optimizer, group_rates in zip(optimizers, rates, strict=True):
        for group, rate in zip(optimizer.param_groups, group_rates, strict=True):
            group["lr"] = rate * factor


def load_folder_weights(model: nn.Module, folder: str | Path) -> None:
    """Load ``folder/model.safetensors`` (a ``save_pretrained`` folder) into ``model`` strictly, in place."""
    file = Path(folder) / "model.safetensors"
    state = safetensors.torch.load_file(str(file))
    check_state_dict(model, state, source=str(file))
    model.load_state_dict(state, strict=True)


def _run_origin(run_args: dict[str, Any], config: dict[str, Any]) -> str:
    """How a run built its model, in words: a fine-tune of X, or a new model of preset P."""
    if run_args.get("pretrained_model_name_or_path"):
        return f"a fine-tune of {run_args['pretrained_model_name_or_path']}"
    return f"a new {config.get('preset') or 'custom'} {config.get('variant', '')} model".replace("  ", " ")


class ResumeMismatchError(ValueError):
    """A checkpoint made for another model than this run's. ``reason`` says how they differ; ``arguments`` are the
    model settings (``TrainConfig`` field: value) that rebuild the checkpoint's model."""

    def __init__(self, reason: str, arguments: dict[str, Any]) -> None:
        self.reason, self.arguments = reason, arguments
        settings = ", ".join(f"{k}={v}" for k, v in arguments.items())
        super().__init__(f"{reason}. Resume with the same model settings as the run that made it: {settings}")


def _run_settings(checkpoint: Path) -> dict[str, Any]:
    """The settings of the run that wrote ``checkpoint``: its ``training_args.json``, or for older checkpoints the
    run's ``config.json`` next to it (written by the tracker); ``{}`` when neither exists."""
    for file in (checkpoint / TRAINING_ARGS_FILE, checkpoint.parent / "config.json"):
        if file.is_file():
            return json.loads(file.read_text(encoding="utf-8"))
    return {}


def check_resume_compatible(checkpoint: str | Path, config: S2FGANConfig) -> None:
    """Raise ``ResumeMismatchError`` if ``checkpoint``'s generator was made for another architecture than ``config``
    (the model this run built).

    Compares ``checkpoint/generator/config.json`` with ``config``. The error names the checkpoint's preset and the
    settings to build its model again: the ``pretrained_model_name_or_path`` its run started from (read from the
    run's settings), or its preset, variant and (if not the preset's) resolution.
    """
    path = Path(checkpoint)
    saved = json.loads((path / GENERATOR_DIR / "config.json").read_text(encoding="utf-8"))
    theirs = S2FGANConfig.from_dict(saved)
    if dataclasses.replace(theirs, **{k: getattr(config, k) for k in INFERENCE_SETTINGS}) == config:
        return  # inference-only settings may differ
    saved = json.loads(json.dumps(theirs.to_dict()))  # lists, not tuples, on both sides
    mine = json.loads(json.dumps(config.to_dict()))
    fields = [
        f"{k}: checkpoint {saved[k]} vs this run {mine[k]}"
        for k in mine
        if k != "preset" and k not in INFERENCE_SETTINGS and saved[k] != mine[k]
    ]
    run_args = _run_settings(path)
    if run_args.get("pretrained_model_name_or_path"):
        arguments = {"pretrained_model_name_or_path": run_args["pretrained_model_name_or_path"]}
    else:
        arguments = {"preset": saved.get("preset") or "<its preset>", "variant": saved["variant"]}
        if saved.get("preset") not in PRESETS or PRESETS[saved["preset"]].get("image_size") != saved["image_size"]:
            arguments["resolution"] = saved["image_size"]
    raise ResumeMismatchError(
        f"cannot resume from {path}: it was made for {_run_origin(run_args, saved)} (preset "
        f"{saved.get('preset') or 'custom'}, {saved['image_size']} px), but this run built "
        f"a {config.preset or 'custom'} {config.variant} model at {config.image_size} px "
        f"({'; '.join(fields[:6])})",
        arguments,
    )


def register_checkpoint_hooks(
    accelerator,
    generator: nn.Module,
    discriminator: nn.Module,
    ema,
    run_settings: dict[str, Any] | None = None,
    style_moments=None,
    attribute_critic: nn.Module | None = None,
) -> None:
    """Make ``save_state``/``load_state`` write/read ``save_pretrained`` subfolders instead of ``model_N.safetensors``.

    ``generator`` / ``discriminator`` are the unwrapped ``S2FGAN`` / ``S2FGANDiscriminator`` bundles (their
    submodules are the ones inside the prepared training modules); ``ema`` is a ``GeneratorEMA``;
    ``run_settings`` (``train_config.run_record``), if given, is saved as each checkpoint's ``training_args.json``;
    ``style_moments`` (a ``losses.RunningMoments``), if given, as ``style_moments.pt``. A checkpoint without that
    file (a run that turned ``--lambda_style_moments`` on at a resume) starts the running statistics afresh.
    ``attribute_critic``, if given, is saved as ``attribute_critic.safetensors``; a checkpoint without it (or the
    shipped folder) starts a new critic.
    """

    def save_hook(models, weights, output_dir):
        if accelerator.is_main_process:
            generator.save_pretrained(Path(output_dir) / GENERATOR_DIR)
            discriminator.save_pretrained(Path(output_dir) / DISCRIMINATOR_DIR)
            ema.model.save_pretrained(Path(output_dir) / EMA_DIR)
            if run_settings is not None:
                atomic_write_text(json.dumps(run_settings, indent=2), Path(output_dir) / TRAINING_ARGS_FILE)
            if style_moments is not None:
                atomic_write(
                    Path(output_dir) / STYLE_MOMENTS_FILE, lambda tmp: torch.save(style_moments.state_dict(), tmp)
                )
            if attribute_critic is not None:
                state = {k: v.detach().contiguous() for k, v in attribute_critic.state_dict().items()}
                atomic_write(Path(output_dir) / CRITIC_FILE, lambda tmp: safetensors.torch.save_file(state, tmp))
        weights.clear()  # on every rank: accelerate must not write model.safetensors / model_1.safetensors

    def load_hook(models, input_dir):
        check_resume_compatible(input_dir, generator.config)
        load_folder_weights(generator, Path(input_dir) / GENERATOR_DIR)
        load_folder_weights(discriminator, Path(input_dir) / DISCRIMINATOR_DIR)
        load_folder_weights(ema.model, Path(input_dir) / EMA_DIR)
        moments_file = Path(input_dir) / STYLE_MOMENTS_FILE
        if style_moments is not None and moments_file.is_file():
            style_moments.load_state_dict(torch.load(moments_file, weights_only=True))
        critic_file = Path(input_dir) / CRITIC_FILE
        if attribute_critic is not None and critic_file.is_file():
            attribute_critic.load_state_dict(safetensors.torch.load_file(critic_file))
        models.clear()  # accelerate must not look for model.safetensors

    accelerator.register_save_state_pre_hook(save_hook)
    accelerator.register_load_state_pre_hook(load_hook)
