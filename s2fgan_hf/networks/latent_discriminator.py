"""``LatentDiscriminator`` (Q): tells image latents (label 1) from sketch latents (label 0) behind a GRL."""

from __future__ import annotations

import torch
from torch import nn

from ..layers import GradientReversal


class LatentDiscriminator(nn.Module):
    """GRL -> Linear -> ReLU -> Linear: [B, latent_dim] -> [B, 1] logits.

    Q's own weights learn to discriminate; the gradient reaching the latent is reversed (times -beta), so the
    sketch encoder learns to make its latents indistinguishable from image latents in the same step.
    """

    def __init__(self, latent_dim: int, hidden: int = 512, grl_beta: float = 1.0) -> None:
        super().__init__()
        self.reverse = GradientReversal(grl_beta)
        self.net = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.reverse(z))
