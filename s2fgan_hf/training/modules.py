"""Training-time groupings of the S2FGAN networks: one module per optimizer step, for DDP.

DDP only synchronises gradients of parameters used inside the wrapped module's ``forward``; calling a submodule
of a DDP-wrapped model directly skips the all-reduce and lets ranks drift apart silently. So each step's
trainable networks are gathered into one module whose single ``forward`` computes everything the step needs:

* ``GeneratorSide`` (generator step, generator optimizer): E_s, E_i, the decoder, the attribute editor M, the probe
  C when the editor trains it there (S2F-DIS) and the latent discriminator Q. Q trains in this step as in the
  official code: the gradient-reversal layer in front of it pushes E_s (and M) the opposite way in the same
  backward pass.
* ``DiscriminatorSide`` (discriminator step, discriminator optimizer): the image discriminator F and, when the
  editor does not train C (S2F-DEC), the attribute probe C fitted to detached real latents (the official code
  meant to train it there, but never did: method notes §8.2). The R1 images go through the same forward, in
  float32 with autocast off.

The groupings hold the *same* submodule objects as the ``S2FGAN`` / ``S2FGANDiscriminator`` bundles, so
``save_pretrained`` of the bundles always saves the trained weights. What differs between variants is asked of the
editor (``networks.attribute_editor``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from ..modeling_discriminator import S2FGANDiscriminator
from ..modeling_s2fgan import S2FGAN
from ..networks import AttributeCritic, EditorOutputs


@dataclass
class GeneratorOutputs:
    """What ``GeneratorSide.forward`` computes. Latents are [B, d], images [B, 3, H, W].

    Attributes:
        z_image, z_sketch: E_i(x) and E_s(s).
        domain_image_logits, domain_sketch_logits: Q's logits [B*, 1] of the detached image latents and of the
            sketch latents (behind the gradient-reversal layer); with an editor that edits in training, Q also
            sees M(z_i, a) (detached) and M(z_s, a), so B* = 2B.
        editor: the editor's ``training_outputs``, for its ``loss_terms``.
        reconstruction: D(z_i); ``None`` when the photo branch is frozen and in the editor stage.
        fake: the photo-branch image the image discriminator judges: D(M(z_i, a)) with an editor that edits in
            training, else the reconstruction; ``None`` when the photo branch is frozen.
        sketch_reconstruction: D(z_s), when a sketch-face term needs it (``decode_sketch``), else ``None``.
        z_image_edited, z_sketch_edited: M(z_i, a) and M(z_s, a) with an editor that edits in training, else
            ``None``.
        z_reencoded: E_i(D(M(z_i, a))), the edited face read back by the frozen image encoder (editor stage with
            ``reencode_edits``), else ``None``.
        z_sketch_reencoded: E_i(D(z_s)), the face from the sketch read back by the frozen image encoder (stage 2
            or the decoder stage, with ``reencode_sketch_faces``), else ``None``.
        anchor_faces, anchor_targets: the decoder stage with ``anchor_decoder``: [D(z_i), D(z_s)] and the same
            latents through the decoder as the stage began (no autograd), else ``None``.
        z_sketch_reference: with ``anchor_sketch_encoder``, the sketches through the sketch encoder as the stage
            began (no autograd) [B, d], else ``None``.
    """

    z_image: torch.Tensor
    z_sketch: torch.Tensor
    domain_image_logits: torch.Tensor
    domain_sketch_logits: torch.Tensor
    editor: EditorOutputs
    reconstruction: torch.Tensor | None = None
    fake: torch.Tensor | None = None
    sketch_reconstruction: torch.Tensor | None = None
    z_image_edited: torch.Tensor | None = None
    z_sketch_edited: torch.Tensor | None = None
    z_reencoded: torch.Tensor | None = None
    z_sketch_reencoded: torch.Tensor | None = None
    anchor_faces: torch.Tensor | None = None
    anchor_targets: torch.Tensor | None = None
    z_sketch_reference: torch.Tensor | None = None


class GeneratorSide(nn.Module):
    """Everything the generator optimizer updates. ``forward`` returns ``GeneratorOutputs``.

    Args:
        generator, discriminator: the bundles whose submodules this module holds.
        decode_sketch: also decode z_sketch (for the sketch-branch terms; see ``LossWeights``).
        photo_branch_frozen: stage 2 of the sketch-branch schedule. E_i, the decoder, C and the editor are frozen
            (``requires_grad`` False, set by the trainer); only the sketch faces are decoded and the photo branch's
            outputs are left out. Needs an editor with ``supports_frozen_photo_branch``.
        editor_only: the editor stage (docs/training.md §13): E_s, E_i, the decoder and C are frozen and only the
            editor M (with Q) learns. The latents are encoded without autograd, only the edited photo latents
            D(M(z_i, a)) are decoded (``fake``) and the reconstructions are left out. Needs an editor that
            ``edits_in_training``.
        decoder_only: the decoder stage (docs/training.md §14): E_s, E_i, C and the editor are frozen and only the
            decoder (with Q) learns. The latents are encoded without autograd; the reconstructions D(z_i) and the
            edited faces D(M(z_i, a)) (``fake``) are decoded, for any editor.
        anchor_decoder: in the decoder stage, keep a frozen copy of the decoder as it is now and decode the unedited
            latents z_i and z_s with both (``anchor_faces``, ``anchor_targets``, for the ``decoder_anchor`` term).
            The copy is made here, from the weights the stage starts from; checkpoints do not hold it.
        reencode_edits: in the editor or decoder stage, also read the edited faces back with the frozen E_i
            (``z_reencoded``, for the ``reencoded_edit`` term). Only these stages have it: there E_i cannot learn
            to read edits its own way.
        reencode_sketch_faces: in stage 2 (``photo_branch_frozen``) or the decoder stage, also read the faces from
            sketches back with the frozen E_i (``z_sketch_reencoded``, for the ``sketch_reencoded`` term): the
            gradient reaches E_s in stage 2, the decoder in the decoder stage.
        anchor_sketch_encoder: keep a frozen copy of the sketch encoder as it is now and encode the sketches with it
            too (``z_sketch_reference``, for the ``sketch_anchor`` term). Made here, before a resume loads the
            trained weights, so it is always the stage's starting encoder. Not with a frozen sketch encoder.
    """

    def __init__(
        self,
        generator: S2FGAN,
        discriminator: S2FGANDiscriminator,
        decode_sketch: bool = False,
        photo_branch_frozen: bool = False,
        editor_only: bool = False,
        decoder_only: bool = False,
        reencode_edits: bool = False,
        anchor_decoder: bool = False,
        reencode_sketch_faces: bool = False,
        anchor_sketch_encoder: bool = False,
    ) -> None:
        super().__init__()
        if decoder_only and (editor_only or photo_branch_frozen):
            raise ValueError("the decoder stage is a stage of its own: not with editor_only or photo_branch_frozen")
        editor = generator.attribute_mapping
        if photo_branch_frozen and not editor.supports_frozen_photo_branch:
            raise ValueError(f"the {generator.config.variant!r} editor has no frozen-photo-branch stage")
        if editor_only and (photo_branch_frozen or not editor.edits_in_training):
            raise ValueError(
                f"the editor stage trains an editor that edits in training (dec), alone; got the "
                f"{generator.config.variant!r} editor" + (" with a frozen photo branch" if photo_branch_frozen else "")
            )
        if reencode_edits and not (editor_only or decoder_only):
            raise ValueError("reading edits back (reencode_edits) needs the editor or decoder stage (frozen E_i)")
        if reencode_sketch_faces and not (photo_branch_frozen or decoder_only):
            raise ValueError(
                "reading sketch faces back (reencode_sketch_faces) needs a frozen E_i: stage 2 (photo_branch_frozen) "
                "or the decoder stage (decoder_only)"
            )
        if anchor_decoder and not decoder_only:
            raise ValueError("anchor_decoder belongs to the decoder stage (decoder_only)")
        if anchor_sketch_encoder and (editor_only or decoder_only):
            raise ValueError("anchor_sketch_encoder needs a sketch encoder that learns (not editor_only/decoder_only)")
        self.editor_only = editor_only
        self.decoder_only = decoder_only
        # Not a trained network: a frozen copy of the starting decoder (requires_grad off; the optimizers skip it).
        self.reference_decoder = copy.deepcopy(generator.decoder).requires_grad_(False) if anchor_decoder else None
        self.reference_sketch_encoder = (
            copy.deepcopy(generator.sketch_encoder).requires_grad_(False) if anchor_sketch_encoder else None
        )
        self.reencode_edits = reencode_edits
        self.reencode_sketch_faces = reencode_sketch_faces
        self.decode_sketch = decode_sketch or photo_branch_frozen
        self.photo_branch_frozen = photo_branch_frozen
        self.sketch_encoder = generator.sketch_encoder
        self.image_encoder = generator.image_encoder
        self.decoder = generator.decoder
        self.latent_discriminator = discriminator.latent_discriminator
        # C learns here when it belongs to the editor (DIS); otherwise it is a probe of the discriminator step.
        self.attribute_directions = generator.attribute_directions if editor.probe_in_generator_step else None
        self.attribute_mapping = editor

    def forward(self, image: torch.Tensor, sketch: torch.Tensor, shifts: torch.Tensor) -> GeneratorOutputs:
        """image [B, 3, H, W], sketch [B, 1, H, W], shifts [B, n] -> ``GeneratorOutputs``."""
        if self.editor_only or self.decoder_only:
            return self._forward_frozen_encoders(image, sketch, shifts)
        photo_branch = not self.photo_branch_frozen
        if photo_branch:
            z_image = self.image_encoder(image)
        else:
            with torch.no_grad():
                z_image = self.image_encoder(image)
        z_sketch = self.sketch_encoder(sketch)
        z_sketch_reference = None
        if self.reference_sketch_encoder is not None:
            with torch.no_grad():
                z_sketch_reference = self.reference_sketch_encoder(sketch)
        editor = self.attribute_mapping
        edited = photo_branch and editor.edits_in_training
        z_image_edited = editor(z_image, shifts) if edited else None
        z_sketch_edited = editor(z_sketch, shifts) if edited else None

        # One decoder pass over every latent that is decoded: [z_i, (M(z_i, a)), (z_s)].
        latents = ([z_image] + ([z_image_edited] if edited else [])) if photo_branch else []
        if self.decode_sketch:
            latents.append(z_sketch)
        decoded = self.decoder(torch.cat(latents) if len(latents) > 1 else latents[0])
        images = decoded.chunk(len(latents)) if len(latents) > 1 else (decoded,)
        reconstruction = images[0] if photo_branch else None
        fake = images[1] if edited else reconstruction
        sketch_reconstruction = images[-1] if self.decode_sketch else None
        # Frozen E_i in stage 2: the gradient passes through it to the face and on to E_s.
        z_sketch_reencoded = self.image_encoder(sketch_reconstruction) if self.reencode_sketch_faces else None

        editor_outputs = editor.training_outputs(z_image, z_sketch, shifts, z_image_edited, photo_branch)
        # Q sees detached image latents (E_i is not pushed by Q); the GRL reverses the sketch side's gradient.
        image_latents, sketch_latents = z_image.detach(), z_sketch
        if edited:
            image_latents = torch.cat([image_latents, z_image_edited.detach()])
            sketch_latents = torch.cat([sketch_latents, z_sketch_edited])
        domain_image_logits, domain_sketch_logits = self._domain_logits(image_latents, sketch_latents)
        return GeneratorOutputs(
            z_image=z_image,
            z_sketch=z_sketch,
            domain_image_logits=domain_image_logits,
            domain_sketch_logits=domain_sketch_logits,
            editor=editor_outputs,
            reconstruction=reconstruction,
            fake=fake,
            sketch_reconstruction=sketch_reconstruction,
            z_image_edited=z_image_edited,
            z_sketch_edited=z_sketch_edited,
            z_sketch_reencoded=z_sketch_reencoded,
            z_sketch_reference=z_sketch_reference,
        )

    def _domain_logits(
        self, image_latents: torch.Tensor, sketch_latents: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Q's logits of both sets of latents in one pass: ([N_i, 1], [N_s, 1])."""
        logits = self.latent_discriminator(torch.cat([image_latents, sketch_latents]))
        return logits.split([image_latents.shape[0], sketch_latents.shape[0]])

    def _forward_frozen_encoders(
        self, image: torch.Tensor, sketch: torch.Tensor, shifts: torch.Tensor
    ) -> GeneratorOutputs:
        """The editor and decoder stages: frozen encoders, M on both latents, D(M(z_i, a)) decoded (the editor stage:
        through the frozen decoder; the decoder stage: with D(z_i), in one pass)."""
        with torch.no_grad():
            z_image, z_sketch = self.image_encoder(image), self.sketch_encoder(sketch)
        editor = self.attribute_mapping
        z_image_edited, z_sketch_edited = editor(z_image, shifts), editor(z_sketch, shifts)
        reconstruction = anchor_faces = anchor_targets = None
        sketch_faces = None
        if self.decoder_only:
            anchored = self.reference_decoder is not None
            with_sketch = anchored or self.reencode_sketch_faces  # D(z_s): anchored, read back, or both
            latents = [z_image, z_image_edited] + ([z_sketch] if with_sketch else [])
            faces = self.decoder(torch.cat(latents)).chunk(len(latents))
            reconstruction, fake = faces[0], faces[1]
            sketch_faces = faces[2] if with_sketch else None
            if anchored:
                anchor_faces = torch.cat([faces[0], faces[2]])
                with torch.no_grad():
                    anchor_targets = self.reference_decoder(torch.cat([z_image, z_sketch]))
        else:
            fake = self.decoder(z_image_edited)
        # Frozen E_i (requires_grad False): the gradient passes through it to the face and on to what the stage
        # trains (M in the editor stage, the decoder in the decoder stage).
        z_reencoded = self.image_encoder(fake) if self.reencode_edits else None
        # The decoder stage's read-back of the faces from sketches: the decoder learns to render what z_s says.
        z_sketch_reencoded = self.image_encoder(sketch_faces) if self.reencode_sketch_faces else None
        editor_outputs = editor.training_outputs(z_image, z_sketch, shifts, z_image_edited, True)
        # Q: real latents (and their edits, detached) are 1; sketch latents and their edits 0. Only M(z_s, a) carries
        # a gradient (reversed by the GRL): M learns to keep an edited sketch latent where image latents lie.
        image_latents = torch.cat([z_image, z_image_edited.detach()])
        sketch_latents = torch.cat([z_sketch, z_sketch_edited])
        domain_image_logits, domain_sketch_logits = self._domain_logits(image_latents, sketch_latents)
        return GeneratorOutputs(
            z_image=z_image,
            z_sketch=z_sketch,
            domain_image_logits=domain_image_logits,
            domain_sketch_logits=domain_sketch_logits,
            editor=editor_outputs,
            reconstruction=reconstruction,
            fake=fake,
            z_image_edited=z_image_edited,
            z_sketch_edited=z_sketch_edited,
            z_reencoded=z_reencoded,
            z_sketch_reencoded=z_sketch_reencoded,
            anchor_faces=anchor_faces,
            anchor_targets=anchor_targets,
        )


@dataclass
class DiscriminatorOutputs:
    """What ``DiscriminatorSide.forward`` computes: F's ``logits`` [N, 1], and on request ``r1_logits`` [B, 1] of the
    R1 images, ``probe_scores`` C(sg z_i) [B, n] (when C is the discriminator step's probe), ``features`` (a list
    of F's trunk activations) and the attribute critic's ``attribute_logits`` [K, n] of the ``critic_rows``."""

    logits: torch.Tensor
    r1_logits: torch.Tensor | None = None
    probe_scores: torch.Tensor | None = None
    features: list[torch.Tensor] | None = None
    attribute_logits: torch.Tensor | None = None


class DiscriminatorSide(nn.Module):
    """Everything the discriminator optimizer updates. ``forward`` returns ``DiscriminatorOutputs``.

    ``attribute_critic`` (training only, not in the bundles: the trainer checkpoints it on its own) reads F's 4x4
    features; it learns with F in the discriminator step.
    """

    def __init__(
        self, generator: S2FGAN, discriminator: S2FGANDiscriminator, attribute_critic: AttributeCritic | None = None
    ) -> None:
        super().__init__()
        self.image_discriminator = discriminator.image_discriminator
        probe_here = not generator.attribute_mapping.probe_in_generator_step
        self.attribute_probe = generator.attribute_directions if probe_here else None
        self.attribute_critic = attribute_critic

    def forward(
        self,
        images: torch.Tensor,
        r1_images: torch.Tensor | None = None,
        latents: torch.Tensor | None = None,
        feature_images: torch.Tensor | None = None,
        critic_rows: slice | None = None,
    ) -> DiscriminatorOutputs:
        """images [N, 3, H, W] -> ``logits``; optionally the ``features`` of ``feature_images``, the ``r1_logits``
        of ``r1_images`` (computed in float32 with autocast disabled, for the R1 penalty), the probe's scores of
        the detached real ``latents`` and the critic's ``attribute_logits`` of ``images[critic_rows]`` (from the same
        trunk pass as the logits).
        """
        if critic_rows is not None and self.attribute_critic is not None:
            logits, trunk = self.image_discriminator.logits_and_trunk(images)
            out = DiscriminatorOutputs(logits=logits, attribute_logits=self.attribute_critic(trunk[critic_rows]))
        else:
            out = DiscriminatorOutputs(logits=self.image_discriminator(images))
        if feature_images is not None:
            out.features = self.image_discriminator.features(feature_images)
        if r1_images is not None:
            with torch.autocast(device_type=r1_images.device.type, enabled=False):
                out.r1_logits = self.image_discriminator(r1_images.float())
        if self.attribute_probe is not None and latents is not None:
            out.probe_scores = self.attribute_probe.scores(latents.detach().float())
        return out
