"""``AttributeDirections``: the linear semantic probe C, and ``DirectionalEditor``, S2F-DIS's editor along its columns.

S2F-DIS (Lemma 3.1): attributes live on mutually orthogonal unit directions w_k of the latent space, so an
edit is additive: M_DIS(z, a) = z + sum_k a_k w_k. The same directions score attributes, C(z) = z^T W_hat,
which the semantic loss regresses to +-1 from the labels. Every variant has C (it scores attributes); for S2F-DIS
it is also the editor, trained by the generator step's semantic and orthogonality losses.

Design choice (official bug, method notes §8.3): the official DIS trainer freezes W, so its orthogonality loss
is a constant. Here W is a trained parameter: the semantic loss and the orthogonality loss both reach it, as the
paper describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .attribute_editor import AttributeEditor, EditorOutputs


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


# The probe's and S2F-DIS's loss terms (pure functions; ``losses.py`` lists them with the others).


def attribute_targets(labels: torch.Tensor) -> torch.Tensor:
    """0/1 attribute labels -> regression targets 2y - 1 in {-1, +1}. Labels already in {-1, +1} are kept."""
    labels = labels.float()
    if (labels < 0).any():
        return labels
    return 2.0 * labels - 1.0


def semantic_loss(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """MSE(C(z), 2y - 1): attribute scores [B, n] regressed to +-1 from 0/1 (or +-1) labels [B, n]."""
    return F.mse_loss(scores.float(), attribute_targets(labels))


def orthogonality_loss(gram: torch.Tensor) -> torch.Tensor:
    """mean |W_hat^T W_hat - I| for the Gram matrix [n, n] of the unit attribute directions."""
    eye = torch.eye(gram.shape[0], device=gram.device, dtype=torch.float32)
    return (gram.float() - eye).abs().mean()


@dataclass
class DirectionalOutputs(EditorOutputs):
    """S2F-DIS training outputs: ``sketch_scores`` C(z_s) with C's directions detached [B, n] (a semantic loss on
    them moves the sketch encoder only); ``scores`` C(z_i) [B, n] and ``gram`` W_hat^T W_hat [n, n] (``None`` when
    the photo branch is frozen)."""

    sketch_scores: torch.Tensor
    scores: torch.Tensor | None = None
    gram: torch.Tensor | None = None


class DirectionalEditor(AttributeEditor):
    """S2F-DIS's editor: M(z, a) = z + a W_hat^T along the probe's unit directions; it has no weights of its own.

    C is trained by the generator step (semantic loss on C(z_i), orthogonality of W_hat); the discriminator judges
    reconstructions, not edits. ``sketch_sem`` (off by default) adds the semantic loss on C(z_s) with C held fixed.
    """

    probe_in_generator_step = True
    supports_frozen_photo_branch = True
    default_loss_weights = {"sem": 0.5, "ortho": 1.0}

    def forward(self, z: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        return self.probe(z, shifts)  # tiny: always computed in the latent's dtype

    def training_outputs(
        self,
        z_image: torch.Tensor,
        z_sketch: torch.Tensor,
        shifts: torch.Tensor,
        z_image_edited: torch.Tensor | None,
        photo_branch: bool,
    ) -> DirectionalOutputs:
        scores = self.probe.scores(z_image) if photo_branch else None
        sketch_scores = z_sketch @ self.probe.directions().detach().to(z_sketch.dtype)
        gram = self.probe.gram() if photo_branch else None
        return DirectionalOutputs(sketch_scores=sketch_scores, scores=scores, gram=gram)

    def loss_terms(
        self,
        outputs: DirectionalOutputs,
        labels: torch.Tensor,
        shifts: torch.Tensor,
        weights: Any,
        photo_branch: bool,
    ) -> dict[str, torch.Tensor]:
        terms = {}
        if photo_branch:
            terms["sem"] = semantic_loss(outputs.scores, labels)
        if weights.sketch_sem > 0:
            terms["sketch_sem"] = semantic_loss(outputs.sketch_scores, labels)
        if photo_branch:
            terms["ortho"] = orthogonality_loss(outputs.gram)
        return terms
