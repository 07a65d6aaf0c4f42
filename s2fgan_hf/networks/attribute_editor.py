"""``AttributeEditor``: the attribute mapping M(z, a) of one S2FGAN variant, and what training needs to learn it.

``S2FGANConfig.variant`` names an editor class in ``networks.editors.EDITORS`` (``"dis"``: ``DirectionalEditor``,
``"dec"``: ``AttributeMappingNetwork``). The bundle stores the editor as ``S2FGAN.attribute_mapping``, next to the
semantic probe C (``S2FGAN.attribute_directions``) that every variant has: C scores attributes
(``S2FGAN.attribute_scores``). The editor keeps a *reference* to C, not a submodule, so C's weights stay under
``attribute_directions.*`` in the state dict and the editor's own (if any) under ``attribute_mapping.*``.

What the bundle, the training steps and the losses ask an editor (nothing else tests the variant):

* ``forward(z, shifts)``: the edit M(z, a) [B, latent_dim]; M(z, 0) must be z exactly.
* ``edits_in_training``: whether the generator step edits the photo latent, so that the image discriminator judges
  D(M(z_i, a)) and the latent discriminator also sees M(z_i, a) and M(z_s, a); if not, the discriminator judges the
  reconstruction D(z_i) and the editor learns from its own loss terms alone.
* ``probe_in_generator_step``: C belongs to the editor and learns from the generator-step losses; if not, C is a
  probe fitted to detached real latents in the discriminator step (``LossWeights.probe``).
* ``training_outputs``: the tensors its loss terms need, computed inside the generator side's forward (so DDP
  synchronises every parameter they use); ``loss_terms``: named loss terms, each weighted by the ``LossWeights``
  field of the same name.
* ``default_loss_weights``: the variant's official weights, over the ``LossWeights`` defaults;
  ``supports_frozen_photo_branch``: whether stage 2 of the sketch-branch schedule (docs/training.md §12) applies.

A new editor is one file with an ``AttributeEditor`` subclass plus its line in ``EDITORS`` (or a
``register_editor`` call).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

if TYPE_CHECKING:
    from ..config import S2FGANConfig
    from .attribute_directions import AttributeDirections


@dataclass
class EditorOutputs:
    """Tensors an editor computes in the generator step for its ``loss_terms``; editors with terms subclass it."""


class AttributeEditor(nn.Module, ABC):
    """Base class of the attribute editors (see the module docstring for what each member is for).

    Args:
        probe: the semantic probe C of the bundle (``AttributeDirections``), kept as a reference. ``None`` builds
            an editor on its own (tests, analysis); members that need C then raise ``ValueError``.
    """

    edits_in_training: ClassVar[bool] = False
    probe_in_generator_step: ClassVar[bool] = False
    supports_frozen_photo_branch: ClassVar[bool] = False
    default_loss_weights: ClassVar[Mapping[str, float]] = MappingProxyType({})

    def __init__(self, probe: AttributeDirections | None = None) -> None:
        super().__init__()
        self.__dict__["_probe"] = probe  # not nn.Module.__setattr__: that would register C a second time

    @property
    def probe(self) -> AttributeDirections:
        """The semantic probe C this editor was built with."""
        if self._probe is None:
            raise ValueError(f"{type(self).__name__} was built without the probe C (probe=None); pass the bundle's")
        return self._probe

    @classmethod
    def from_config(cls, config: S2FGANConfig, probe: AttributeDirections) -> AttributeEditor:
        """The editor of a model with architecture ``config``; editors with settings read them from ``config``."""
        return cls(probe)

    def reset_to_identity(self) -> None:
        """Make the editor move nothing yet (M(z, a) = z for every a), the start of a new editor on trained networks
        (``S2FGAN.with_editor``). Editors without weights of their own have nothing to reset."""

    @abstractmethod
    def forward(self, z: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        """M(z, a): latents [B, latent_dim] moved by attribute shifts [B, num_attributes]; M(z, 0) == z exactly."""

    def training_outputs(
        self,
        z_image: torch.Tensor,
        z_sketch: torch.Tensor,
        shifts: torch.Tensor,
        z_image_edited: torch.Tensor | None,
        photo_branch: bool,
    ) -> EditorOutputs:
        """What ``loss_terms`` needs, computed after the generator side has decoded its images.

        Args:
            z_image, z_sketch: E_i(x) and E_s(s) [B, latent_dim] (z_image is detached when the photo branch is frozen).
            shifts: the step's attribute shifts [B, num_attributes].
            z_image_edited: M(z_i, a) when ``edits_in_training`` (and the photo branch trains), else ``None``.
            photo_branch: ``False`` in stage 2 of the sketch-branch schedule (E_i, the decoder and C frozen).
        """
        return EditorOutputs()

    def loss_terms(
        self,
        outputs: EditorOutputs,
        labels: torch.Tensor,
        shifts: torch.Tensor,
        weights: Any,
        photo_branch: bool,
    ) -> dict[str, torch.Tensor]:
        """The editor's generator-step loss terms {LossWeights field name: scalar}, from its ``training_outputs``.

        ``labels`` are the batch's 0/1 attribute labels [B, n]; ``weights`` (the run's ``LossWeights``) lets an
        editor skip a term whose weight is 0. The step multiplies each term by its weight and adds it to the
        generator loss. Editors define their loss functions next to them (the networks may not import
        ``losses.py``, which lists them).
        """
        return {}
