"""``AttributeMappingNetwork`` (M): S2F-DEC's semantic-decomposition editor (Lemma 3.2), and its training terms.

The input is a sequence of (num_attributes + 1) rows of length latent_dim: the per-attribute embeddings b_k
scaled by their shifts a_k, and the latent z itself. Blocks mix the rows with 1-D convolutions along the
latent axis and with a channel Gram matrix ("self-correlation" c c^T), so correlated attributes can move
together. The head gives an offset delta and M(z, a) = z + delta.

Choices made here (method notes §1.6, §8):
* The gate that feeds z in is ``any(a != 0)`` per sample. The official code tests ``sum(a) != 0``, which also
  zeroes z for shifts like (+1, -1, 0, ...).
* Every layer has no bias and LeakyReLU(0) = 0, so a = 0 gives an all-zero input, delta = 0 and
  M(z, 0) = z exactly.
* The Gram matrix is averaged (not summed) over the latent positions and the 1-D convs use the He constant
  1/sqrt(in * k); the official sum with a 2/sqrt(in * out * k) scale reaches the same balance with a less
  readable constant.

Training (an ``AttributeEditor`` that edits in training): the discriminator judges D(M(z_i, a)); the edit loss pulls
the probe's scores of M(z_i, a) to those of z_i plus a, with C held fixed (C itself is a probe fitted to detached
real latents in the discriminator step), and the cycle loss asks M(M(z, a), -a) = z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from .attribute_editor import AttributeEditor, EditorOutputs

if TYPE_CHECKING:
    from ..config import S2FGANConfig
    from .attribute_directions import AttributeDirections


class EqualConv1d(nn.Module):
    """Bias-free 1-D conv with equalized learning rate, 'same' padding."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size))
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size)
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv1d(x, self.weight.to(x.dtype) * self.scale, padding=self.padding)


class SemanticDecompositionBlock(nn.Module):
    """One block f of M: out = f_out(A . f_value(h)) + f_skip(x), with A = Norm(f_key(h)) Norm(f_key(h))^T.

    Shapes: x [B, C_in, L] -> [B, hidden, L], L = latent_dim.
    """

    def __init__(self, in_channels: int, hidden: int) -> None:
        super().__init__()
        self.conv_in = EqualConv1d(in_channels, hidden, 3)
        self.conv_mid = EqualConv1d(hidden, hidden, 3)
        self.conv_key = EqualConv1d(hidden, hidden, 3)
        self.conv_value = EqualConv1d(hidden, hidden, 3)
        self.conv_out = EqualConv1d(hidden, hidden, 3)
        self.skip = EqualConv1d(in_channels, hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.conv_mid(F.leaky_relu(self.conv_in(x), 0.2)), 0.2)  # [B, H, L]
        key = self.conv_key(h)
        key = key / (key.norm(dim=1, keepdim=True) + 1e-8)  # unit vector over channels at each position
        gram = key @ key.transpose(1, 2) / key.shape[-1]  # [B, H, H], averaged over positions
        return self.conv_out(gram @ self.conv_value(h)) + self.skip(x)


# S2F-DEC's loss terms (pure functions; ``losses.py`` lists them with the others).


def decomposition_edit_loss(
    scores_edited: torch.Tensor, scores_original: torch.Tensor, shifts: torch.Tensor
) -> torch.Tensor:
    """S2F-DEC edit loss: MSE(C(M(z, a)), stopgrad(C(z)) + a). All [B, n]."""
    target = scores_original.detach().float() + shifts.float()
    return F.mse_loss(scores_edited.float(), target)


def latent_cycle_loss(z_cycled: torch.Tensor, z_original: torch.Tensor) -> torch.Tensor:
    """S2F-DEC cycle loss: mean |M(M(sg z, a), -a) - sg z|. [B, d] x 2 -> []."""
    return (z_cycled.float() - z_original.detach().float()).abs().mean()


def edit_offset_loss(z_edited: torch.Tensor, z_original: torch.Tensor) -> torch.Tensor:
    """S2F-DEC offset ("reg") term: mean |M(z, a) - sg z| over the batch (0 for samples with a = 0). [B, d] x 2."""
    return (z_edited.float() - z_original.detach().float()).abs().mean()


@dataclass
class MappingOutputs(EditorOutputs):
    """S2F-DEC training outputs [B, latent_dim]: z_i, M(z_i, a) and the cycle M(M(sg z_i, a), -a)."""

    z_image: torch.Tensor
    z_image_edited: torch.Tensor
    z_cycled: torch.Tensor


class AttributeMappingNetwork(AttributeEditor):
    """M(z, a) = z + delta(z, a) for S2F-DEC.

    Args:
        latent_dim: size of z.
        num_attributes: number of editable attributes.
        hidden: channels of the blocks (official 64).
        num_blocks: number of blocks (official 4).
        probe: the bundle's semantic probe C, used by the edit loss (``None``: editing only).
    """

    edits_in_training = True
    default_loss_weights = {"domain": 0.05, "l1": 1.0, "edit": 1.0, "cycle": 1.0, "probe": 1.0}

    def __init__(
        self,
        latent_dim: int,
        num_attributes: int,
        hidden: int = 64,
        num_blocks: int = 4,
        probe: AttributeDirections | None = None,
    ) -> None:
        super().__init__(probe)
        # b_k, initialised to zero as in the official code: before training, edits move nothing.
        self.embeddings = nn.Parameter(torch.zeros(num_attributes, latent_dim))
        blocks = [SemanticDecompositionBlock(num_attributes + 1, hidden)]
        blocks += [SemanticDecompositionBlock(hidden, hidden) for _ in range(num_blocks - 1)]
        self.blocks = nn.ModuleList(blocks)
        self.head = EqualConv1d(hidden, 1, 1)

    @classmethod
    def from_config(cls, config: S2FGANConfig, probe: AttributeDirections) -> AttributeMappingNetwork:
        return cls(config.latent_dim, config.num_attributes, config.mapping_hidden, config.mapping_blocks, probe)

    def reset_to_identity(self) -> None:
        """Zero the head: delta = 0 for every (z, a) until training moves it. (A new M is not the identity: b_k start
        at zero, but the gated z row alone gives a random delta.)"""
        with torch.no_grad():
            self.head.weight.zero_()

    def offset(self, z: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        """delta(z, a) [B, latent_dim]; exactly zero for samples whose shifts are all zero."""
        shifts = shifts.to(z.dtype)
        rows = self.embeddings.to(z.dtype)[None] * shifts[:, :, None]  # [B, n, L]
        gate = (shifts != 0).any(dim=1).to(z.dtype)  # [B]
        x = torch.cat([rows, (z * gate[:, None])[:, None]], dim=1)  # [B, n + 1, L]
        for block in self.blocks:
            x = block(x)
        return self.head(x)[:, 0]

    def forward(self, z: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        return z + self.offset(z, shifts)

    def training_outputs(
        self,
        z_image: torch.Tensor,
        z_sketch: torch.Tensor,
        shifts: torch.Tensor,
        z_image_edited: torch.Tensor | None,
        photo_branch: bool,
    ) -> MappingOutputs:
        if z_image_edited is None:
            raise ValueError("S2F-DEC trains on edited photo latents: it has no frozen-photo-branch stage")
        z_cycled = self(self(z_image.detach(), shifts), -shifts)
        return MappingOutputs(z_image=z_image, z_image_edited=z_image_edited, z_cycled=z_cycled)

    def loss_terms(
        self,
        outputs: MappingOutputs,
        labels: torch.Tensor,
        shifts: torch.Tensor,
        weights: Any,
        photo_branch: bool,
    ) -> dict[str, torch.Tensor]:
        directions = self.probe.directions().detach().float()  # C's current directions; the edit loss moves M only
        scores_edited = outputs.z_image_edited.float() @ directions
        scores_original = outputs.z_image.detach().float() @ directions
        terms = {
            "edit": decomposition_edit_loss(scores_edited, scores_original, shifts),
            "cycle": latent_cycle_loss(outputs.z_cycled, outputs.z_image),
        }
        if weights.offset > 0:
            terms["offset"] = edit_offset_loss(outputs.z_image_edited, outputs.z_image)
        return terms
