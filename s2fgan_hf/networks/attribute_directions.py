"""``AttributeDirections``: the linear semantic probe C, whose unit columns are also S2F-DIS's edit directions.

S2F-DIS (Lemma 3.1): attributes live on mutually orthogonal unit directions w_k of the latent space, so an
edit is additive: M_DIS(z, a) = z + sum_k a_k w_k. The same directions score attributes, C(z) = z^T W_hat,
which the semantic loss regresses to +-1 from the labels.

Design choice (official bug, method notes §8.3): the official DIS trainer freezes W, so its orthogonality loss
is a constant. Here W is a trained parameter: the semantic loss and the orthogonality loss both reach it, as the
paper describes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class AttributeDirections(nn.Module):
    """Learned attribute directions W [latent_dim, num_attributes], used unit-normalised.

    Args:
        latent_dim: size of z.
        num_attributes: number of attributes (columns).
    """

    def __init__(self, latent_dim: int, num_attributes: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(latent_dim, num_attributes))
        nn.init.xavier_uniform_(self.weight)

    def directions(self) -> torch.Tensor:
        """Unit directions W_hat [latent_dim, num_attributes] (each column has L2 norm 1)."""
        return F.normalize(self.weight, dim=0)

    def scores(self, z: torch.Tensor) -> torch.Tensor:
        """Attribute scores C(z) = z W_hat: [B, latent_dim] -> [B, num_attributes]."""
        return z @ self.directions().to(z.dtype)

    def gram(self) -> torch.Tensor:
        """W_hat^T W_hat [num_attributes, num_attributes]; the identity when directions are orthonormal."""
        w = self.directions()
        return w.t() @ w

    def forward(self, z: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        """S2F-DIS edit: z + shifts @ W_hat^T. ``shifts`` is [B, num_attributes]; zero shifts return z exactly."""
        return z + shifts.to(z.dtype) @ self.directions().t().to(z.dtype)
