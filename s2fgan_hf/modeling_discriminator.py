"""``S2FGANDiscriminator``: the training-only networks (image discriminator F, latent discriminator Q).

Saved with ``save_pretrained`` into the ``discriminator/`` subfolder of a checkpoint or Hub repo, next to the
``S2FGAN`` inference bundle; inference never loads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huggingface_hub import snapshot_download
from torch import nn

from .config import S2FGANConfig
from .hub import HUB_METADATA, StrictHubMixin, coerce_config
from .networks import ImageDiscriminator, LatentDiscriminator

DISCRIMINATOR_SUBFOLDER = "discriminator"


class S2FGANDiscriminator(
    nn.Module,
    StrictHubMixin,
    **HUB_METADATA,
    tags=["gan", "discriminator", "s2fgan"],
):
    """Image discriminator F ([B, 3, H, W] -> [B, 1]) and latent discriminator Q with its gradient-reversal layer.

    Args:
        config: the same architecture config as the ``S2FGAN`` it trains.
    """

    config_class = S2FGANConfig  # from_pretrained validates config.json as one, naming the file

    def __init__(self, config: S2FGANConfig | dict[str, Any] | None = None) -> None:
        super().__init__()
        self.config = coerce_config(config)
        self._hub_mixin_config = self.config.to_dict()
        self.image_discriminator = ImageDiscriminator(self.config)
        self.latent_discriminator = LatentDiscriminator(
            self.config.latent_dim, self.config.latent_discriminator_hidden, self.config.grl_beta
        )

    @classmethod
    def from_pretrained_subfolder(cls, repo_or_path: str | Path, **kwargs: Any) -> S2FGANDiscriminator:
        """Load the ``discriminator/`` subfolder of a local folder or a Hub repo (``user/name``)."""
        local = Path(repo_or_path).expanduser()
        if local.is_dir():
            return cls.from_pretrained(local / DISCRIMINATOR_SUBFOLDER, **kwargs)
        hub_kwargs = {k: kwargs.pop(k) for k in ("revision", "cache_dir", "token", "local_files_only") if k in kwargs}
        root = snapshot_download(str(repo_or_path), allow_patterns=[f"{DISCRIMINATOR_SUBFOLDER}/*"], **hub_kwargs)
        return cls.from_pretrained(Path(root) / DISCRIMINATOR_SUBFOLDER, **kwargs)

    def with_config(self, config: S2FGANConfig) -> S2FGANDiscriminator:
        """A copy of these weights under ``config``: the config of the same networks with another editor (F and Q
        do not depend on the editor; ``load_state_dict`` refuses any other architecture change)."""
        copy = type(self)(config)
        copy.load_state_dict(self.state_dict())
        return copy

    def forward(self, image):  # type: ignore[override]
        """Realness logits of images: [B, 3, H, W] -> [B, 1]."""
        return self.image_discriminator(image)
