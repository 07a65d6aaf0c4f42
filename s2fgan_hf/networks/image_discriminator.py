"""``ImageDiscriminator`` (F): ResNet critic on images, one realness logit per image.

As in the official S2FGAN there is no minibatch-stddev layer and no final 3x3 conv: the 4x4 features are
flattened into two linear layers. The official DEC attribute head is trained with weight 0 (dead code), so it
is left out.
"""

from __future__ import annotations

import torch
from torch import nn

from ..config import S2FGANConfig
from ..layers import ConvLayer, EqualLinear, ResBlock


class ImageDiscriminator(nn.Module):
    """[B, 3, size, size] in [-1, 1] -> [B, 1] logits."""

    def __init__(self, config: S2FGANConfig) -> None:
        super().__init__()
        blur = config.blur_kernel
        size = config.image_size
        layers: list[nn.Module] = [ConvLayer(3, config.discriminator_channels(size), 1, blur_kernel=blur)]
        res = size
        while res > 4:
            layers.append(
                ResBlock(config.discriminator_channels(res), config.discriminator_channels(res // 2), blur_kernel=blur)
            )
            res //= 2
        self.trunk = nn.Sequential(*layers)
        c4 = config.discriminator_channels(4)
        self.head = nn.Sequential(
            nn.Flatten(),
            EqualLinear(c4 * 4 * 4, c4, activation=True),
            EqualLinear(c4, 1),
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(image))

    def logits_and_trunk(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The logits [B, 1] and the trunk's 4x4 output [B, C4, 4, 4] they come from (for ``AttributeCritic``)."""
        trunk = self.trunk(image)
        return self.head(trunk), trunk

    def features(self, image: torch.Tensor) -> list[torch.Tensor]:
        """The trunk's activations after each resolution step, [B, C_r, r, r] from size/2 down to 4 (for the
        feature-matching loss of the sketch branch)."""
        out = []
        x = image
        for index, layer in enumerate(self.trunk):
            x = layer(x)
            if index > 0:  # skip the 1x1 RGB stem: its output is a linear map of the pixels
                out.append(x)
        return out
