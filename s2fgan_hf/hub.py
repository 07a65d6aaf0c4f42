"""Hub plumbing shared by ``S2FGAN`` and ``S2FGANDiscriminator``: strict loading, atomic saving, the model card.

``PyTorchModelHubMixin`` loads with ``strict=False`` by default, which silently leaves a missing layer at its
random initialisation. Here every load is strict, and a missing, unexpected or mis-shaped tensor, or a
truncated file, is an error that names it.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import safetensors.torch
import torch
from huggingface_hub import PyTorchModelHubMixin, constants, hf_hub_download
from torch import nn

from .config import S2FGANConfig
from .data.atomic_io import atomic_write

# Metadata both Hub classes put on their model cards.
HUB_METADATA: dict[str, Any] = {
    "library_name": "s2fgan-hf",
    "repo_url": "https://github.com/s2fgan-hf/s2fgan-hf",
    "paper_url": "https://arxiv.org/abs/2011.14785",
    "license": "mit",
}


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be loaded into the model as it is configured."""


def model_card_template() -> str:
    """The Jinja template of the Hub model card (package data ``s2fgan_hf/model_card.md``)."""
    return resources.files("s2fgan_hf").joinpath("model_card.md").read_text(encoding="utf-8")


def check_state_dict(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Raise ``CheckpointError`` listing missing, unexpected and mis-shaped tensors of ``state`` for ``model``."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    mismatched = sorted(
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in set(expected) & set(state)
        if tuple(state[k].shape) != tuple(expected[k].shape)
    )
    problems = []
    if missing:
        problems.append(f"missing tensors ({len(missing)}): {', '.join(missing[:20])}")
    if unexpected:
        problems.append(f"unexpected tensors ({len(unexpected)}): {', '.join(unexpected[:20])}")
    if mismatched:
        problems.append(f"shape mismatches ({len(mismatched)}): {'; '.join(mismatched[:20])}")
    if problems:
        raise CheckpointError(
            f"weights in {source} do not fit {type(model).__name__} as configured by its config.json: "
            + " | ".join(problems)
        )


def coerce_config(config: S2FGANConfig | dict[str, Any] | None) -> S2FGANConfig:
    if config is None:
        return S2FGANConfig()
    if isinstance(config, S2FGANConfig):
        return config
    if isinstance(config, dict):
        return S2FGANConfig.from_dict(config)
    raise TypeError(f"config must be an S2FGANConfig, a dict or None, got {type(config).__name__}")


class StrictHubMixin(PyTorchModelHubMixin):
    """``PyTorchModelHubMixin`` with strict, explained loading and atomic weight files."""

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | Path, **kwargs: Any):  # type: ignore[override]
        """Load from a local ``save_pretrained`` folder or a Hub repo id (``user/name``).

        A path that looks local (absolute, ``./``, ``~``, or an existing file) but is no folder is an error here
        instead of a network lookup. Keyword arguments are those of ``huggingface_hub``'s ``from_pretrained``
        (``revision``, ``cache_dir``, ``token``, ``local_files_only``, ``map_location``, ...).
        """
        name = os.fspath(pretrained_model_name_or_path)
        looks_local = os.path.isabs(name) or name.startswith((".", "~")) or os.path.exists(name) or name.count("/") > 1
        if looks_local:
            path = Path(name).expanduser()
            if not path.is_dir():
                raise FileNotFoundError(f"no model folder at {path} (expected a save_pretrained folder)")
            if not (path / constants.CONFIG_NAME).is_file():
                raise FileNotFoundError(f"{path} has no {constants.CONFIG_NAME}; is it a save_pretrained folder?")
            name = str(path)
        return super().from_pretrained(name, **kwargs)

    @classmethod
    def _from_pretrained(
        cls,
        *,
        model_id: str,
        revision: str | None,
        cache_dir: str | Path | None,
        force_download: bool,
        local_files_only: bool,
        token: str | bool | None,
        map_location: str = "cpu",
        strict: bool = True,  # noqa: ARG003 - loading is always strict
        **model_kwargs: Any,
    ):
        model = cls(**model_kwargs)
        if os.path.isdir(model_id):
            model_file = os.path.join(model_id, constants.SAFETENSORS_SINGLE_FILE)
        else:
            model_file = hf_hub_download(
                repo_id=model_id,
                filename=constants.SAFETENSORS_SINGLE_FILE,
                revision=revision,
                cache_dir=cache_dir,
                force_download=force_download,
                token=token,
                local_files_only=local_files_only,
            )
        return cls._load_as_safetensor(model, model_file, map_location, True)

    @classmethod
    def _load_as_safetensor(cls, model, model_file: str, map_location: str, strict: bool):  # noqa: ARG003
        if not os.path.isfile(model_file):
            raise CheckpointError(f"weights file not found: {model_file}")
        try:
            state = safetensors.torch.load_file(model_file, device=map_location)
        except Exception as e:  # safetensors raises its own error type for a bad header / short file
            raise CheckpointError(
                f"could not read {model_file}: {e}. The file is truncated or corrupt; save or download it again."
            ) from e
        check_state_dict(model, state, source=model_file)
        model.load_state_dict(state, strict=True)
        model.eval()
        return model

    def _save_pretrained(self, save_directory: Path) -> None:
        # Write next to the target and rename: a killed save never leaves a half-written model.safetensors.
        atomic_write(
            Path(save_directory) / constants.SAFETENSORS_SINGLE_FILE,
            lambda temporary: safetensors.torch.save_model(self, temporary, metadata={"format": "pt"}),
        )
