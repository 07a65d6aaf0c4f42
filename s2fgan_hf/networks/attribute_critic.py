"""``AttributeCritic``: an attribute classifier on the image discriminator's 4x4 features (training only).

Not in the paper: an auxiliary classifier in the manner of AC-GAN / StarGAN. It learns the training photos' attribute
labels from F's trunk, with F, in the discriminator step; in stage 2 the faces from sketches are then asked to show
their photos' labels to it (``LossWeights.sketch_critic``). Unlike the frozen image encoder's read-back
(``sketch_reencoded``), this judge keeps learning from real photos, so E_s cannot settle on the encoder's quirks.
"""

from __future__ import annotations

import torch
from torch import nn

from ..config import S2FGANConfig


class AttributeCritic(nn.Module):
    """F's trunk output [B, C4, 4, 4] -> attribute logits [B, n] (n = ``len(config.attribute_names)``).

    Plain linear layers, not F's equalized-learning-rate ones: a head added to a trained discriminator must learn
    its labels within the first few hundred steps. On the shipped discriminator's frozen trunk, 300 Adam steps of
    batch 32 at rate 1e-3 reach Male AUC 0.904 on held-out photos with plain layers, 0.703 with equalized ones
    (0.781 at rate 1e-2).
    """

    def __init__(self, config: S2FGANConfig) -> None:
        super().__init__()
        c4 = config.discriminator_channels(4)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c4 * 4 * 4, c4),
            nn.LeakyReLU(0.2),
            nn.Linear(c4, len(config.attribute_names)),
        )

    def forward(self, trunk_features: torch.Tensor) -> torch.Tensor:
        return self.head(trunk_features)
