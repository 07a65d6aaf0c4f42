"""Hub plumbing shared by ``S2FGAN`` and ``S2FGANDiscriminator``: strict loading, atomic saving, the model card.

``PyTorchModelHubMixin`` loads with ``strict=False`` by default, which silently leaves a missing layer at its
random initialisation. Here every load is strict, and a missing, unexpected, mis-shaped or wrongly typed tensor,
a NaN/inf weight, a truncated file or a config.json that is no valid config is an error that names it. The
weights file's header is checked against the config before the model is allocated (``checkpoint_checks``).
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import safetensors.torch
import torch
from huggingface_hub import PyTorchModelHubMixin, constants, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError
from torch import nn

from .atomic_io import atomic_write
from .checkpoint_checks import (
    CheckpointError,
    check_finite,
    check_specs,
    expected_specs,
    read_safetensors_header,
    tensor_specs,
)
from .config import S2FGANConfig
from .devices import resolve_device

__all__ = ["CheckpointError", "StrictHubMixin", "check_state_dict", "read_config_json"]

MAX_CONFIG_BYTES = 1024 * 1024

# Metadata both Hub classes put on their model cards.
HUB_METADATA: dict[str, Any] = {
    "library_name": "s2fgan-hf",
    "repo_url": "https://github.com/s2fgan-hf/s2fgan-hf",
    "paper_url": "https://arxiv.org/abs/2011.14785",
    "license": "mit",
}


def model_card_template() -> str:
    """The Jinja template of the Hub model card (package data ``s2fgan_hf/model_card.md``)."""
    return resources.files("s2fgan_hf").joinpath("model_card.md").read_text(encoding="utf-8")


def check_state_dict(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Raise ``CheckpointError`` listing missing, unexpected and mis-shaped tensors of ``state`` for ``model``."""
    check_specs(
        tensor_specs(model.state_dict()), tensor_specs(state), source, type(model).__name__, check_dtypes=False
    )


def read_config_json(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON object in a checkpoint's config.json; ``ValueError`` naming the file when it is anything else."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    if size > MAX_CONFIG_BYTES:
        raise ValueError(f"{path} is {size} bytes; a config.json is a small JSON object (at most {MAX_CONFIG_BYTES})")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e}); save the model again or fix the file") from None
    if not isinstance(data, dict):
        raise ValueError(
            f'{path} must hold a JSON object of config fields ({{"image_size": 256, ...}}), '
            f"got {type(data).__name__} {json.dumps(data)[:80]}"
        )
    return data


def coerce_config(config: S2FGANConfig | dict[str, Any] | None) -> S2FGANConfig:
    if config is None:
        return S2FGANConfig()
    if isinstance(config, S2FGANConfig):
        return config
    if isinstance(config, dict):
        return S2FGANConfig.from_dict(config)
    raise TypeError(f"config must be an S2FGANConfig, a dict or None, got {type(config).__name__}")


class StrictHubMixin(PyTorchModelHubMixin):
    """``PyTorchModelHubMixin`` with strict, explained loading and atomic weight files.

    ``from_pretrained`` checks, in this order and before any large allocation: the ``map_location`` device exists
    here; config.json is a JSON object (and, for classes with a ``config_class``, a valid config); the weights
    file's header lists exactly the tensors, shapes and dtypes the config implies (the model is first built on
    the ``meta`` device). Only then is the model built and the file read, and NaN/inf weights are an error.
    """

    config_class: ClassVar[type | None] = None  # set to S2FGANConfig by classes whose config.json is one

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | Path, **kwargs: Any):  # type: ignore[override]
        """Load from a local ``save_pretrained`` folder or a Hub repo id (``user/name``).

        A path that looks local (absolute, ``./``, ``~``, or an existing file) but is no folder is an error here
        instead of a network lookup. Keyword arguments are those of ``huggingface_hub``'s ``from_pretrained``
        (``revision``, ``cache_dir``, ``token``, ``local_files_only``, ``map_location``, ...).
        """
        name = os.fspath(pretrained_model_name_or_path)
        if "map_location" in kwargs:
            kwargs["map_location"] = str(resolve_device(kwargs["map_location"], "map_location"))
        looks_local = os.path.isabs(name) or name.startswith((".", "~")) or os.path.exists(name) or name.count("/") > 1
        if looks_local:
            path = Path(name).expanduser()
            if not path.is_dir():
                raise FileNotFoundError(f"no model folder at {path} (expected a save_pretrained folder)")
            config_file: str | None = str(path / constants.CONFIG_NAME)
            if not os.path.isfile(config_file):
                raise FileNotFoundError(f"{path} has no {constants.CONFIG_NAME}; is it a save_pretrained folder?")
            name = str(path)
        else:
            config_file = cls._download_config(name, kwargs)
        if config_file is not None:
            data = read_config_json(config_file)
            if cls.config_class is not None and "config" not in kwargs:
                try:
                    cls.config_class.from_dict(data)  # type: ignore[attr-defined]
                except ValueError as e:
                    raise ValueError(f"{config_file}: {e}") from None
        return super().from_pretrained(name, **kwargs)

    @staticmethod
    def _download_config(repo_id: str, kwargs: dict[str, Any]) -> str | None:
        """config.json of a Hub repo (downloaded or cached), or ``None`` when the Hub has none for it."""
        hub_keys = ("revision", "cache_dir", "force_download", "token", "local_files_only")
        try:
            return hf_hub_download(repo_id, constants.CONFIG_NAME, **{k: kwargs[k] for k in hub_keys if k in kwargs})
        except HfHubHTTPError:  # as the mixin does: no config.json on the Hub, load with the defaults
            return None

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
        return cls._load_checked(model_kwargs, model_file, resolve_device(map_location, "map_location"))

    @classmethod
    def _load_checked(cls, model_kwargs: dict[str, Any], model_file: str, device: torch.device):
        """Header check against a ``meta`` build, then the real build, the read, the finiteness check, the load."""
        if not os.path.isfile(model_file):
            raise CheckpointError(f"weights file not found: {model_file}")
        found = read_safetensors_header(model_file)
        expected = expected_specs(lambda: cls(**model_kwargs))
        check_specs(expected, found, source=model_file, model_name=cls.__name__)
        model = cls(**model_kwargs)
        try:
            state = safetensors.torch.load_file(model_file, device="cpu")
        except Exception as e:  # safetensors raises its own error type for a bad header / short file
            raise CheckpointError(
                f"could not read {model_file}: {e}. The file is truncated or corrupt; save or download it again."
            ) from e
        check_finite(state, source=model_file)
        model.load_state_dict(state, strict=True)
        if device.type != "cpu":
            model.to(device)
        model.eval()
        return model

    def _save_pretrained(self, save_directory: Path) -> None:
        # Write next to the target and rename: a killed save never leaves a half-written model.safetensors.
        atomic_write(
            Path(save_directory) / constants.SAFETENSORS_SINGLE_FILE,
            lambda temporary: safetensors.torch.save_model(self, temporary, metadata={"format": "pt"}),
        )
