"""Training-time groupings of the S2FGAN networks: one module per optimizer step, for DDP.

DDP only synchronises gradients of parameters used inside the wrapped module's ``forward``; calling a submodule
of a DDP-wrapped model directly skips the all-reduce and lets ranks drift apart silently. So each step's
trainable networks are gathered into one module whose single ``forward`` computes everything the step needs:

* ``GeneratorSide`` (generator step, generator optimizer): E_s, E_i, the decoder, M (DEC), the attribute
  directions C (DIS) and the latent discriminator Q. Q trains in this step as in the official code: the
  gradient-reversal layer in front of it pushes E_s (and M) the opposite way in the same backward pass.
* ``DiscriminatorSide`` (discriminator step, discriminator optimizer): the image discriminator F and, for DEC,
  the attribute probe C trained on detached real latents (the official code meant to train it there, but never
  did: method notes §8.2). The R1 images go through the same forward, in float32 with autocast off.

The groupings hold the *same* submodule objects as the ``S2FGAN`` / ``S2FGANDiscriminator`` bundles, so
``save_pretrained`` of the bundles always saves the trained weights.
"""

from __future__ import annotations

import torch
from torch import nn

from ..modeling_discriminator import S2FGANDiscriminator
from ..modeling_s2fgan import S2FGAN


class GeneratorSide(nn.Module):
    """Everything the generator optimizer updates. ``forward`` returns a dict of tensors (see below)."""

    def __init__(
        self,
        generator: S2FGAN,
        discriminator: S2FGANDiscriminator,
        decode_sketch: bool = False,
        photo_branch_frozen: bool = False,
    ) -> None:
        super().__init__()
        self.variant = generator.config.variant
        self.decode_sketch = decode_sketch  # also decode z_sketch (for the sketch-branch terms; see LossWeights)
        # Stage 2 of the sketch-branch schedule: E_i, the decoder and C are frozen (requires_grad False, set by the
        # trainer); only the sketch faces are decoded, and the photo branch's outputs are left out.
        self.photo_branch_frozen = photo_branch_frozen
        self.sketch_encoder = generator.sketch_encoder
        self.image_encoder = generator.image_encoder
        self.decoder = generator.decoder
        self.latent_discriminator = discriminator.latent_discriminator
        # DIS: C is trained by the generator losses. DEC: C is a probe trained in the discriminator step.
        self.attribute_directions = generator.attribute_directions if self.variant == "dis" else None
        self.attribute_mapping = generator.attribute_mapping if self.variant == "dec" else None

    def forward(self, image: torch.Tensor, sketch: torch.Tensor, shifts: torch.Tensor) -> dict[str, torch.Tensor]:
        """image [B, 3, H, W], sketch [B, 1, H, W], shifts [B, n] -> dict with

        ``z_image``, ``z_sketch`` [B, d]; ``reconstruction`` D(z_i) [B, 3, H, W]; ``fake`` (the image judged by F:
        the reconstruction for DIS, D(M(z_i, a)) for DEC); ``domain_image_logits`` / ``domain_sketch_logits``
        [B*, 1] from Q; DIS also ``scores`` C(z_i) [B, n], ``sketch_scores`` C(z_s) with C detached [B, n] and
        ``gram`` [n, n]; DEC also ``z_image_edited``,
        ``z_sketch_edited`` and ``z_cycled`` = M(M(sg z_i, a), -a) [B, d].
        """
        if self.photo_branch_frozen:
            with torch.no_grad():
                z_image = self.image_encoder(image)
        else:
            z_image = self.image_encoder(image)
        z_sketch = self.sketch_encoder(sketch)
        out = {"z_image": z_image, "z_sketch": z_sketch}
        if self.photo_branch_frozen:
            if self.attribute_mapping is not None:
                raise ValueError("a frozen photo branch is implemented for S2F-DIS only")
            out["sketch_reconstruction"] = self.decoder(z_sketch)
            directions = self.attribute_directions.directions().detach().to(z_sketch.dtype)
            out["sketch_scores"] = z_sketch @ directions
            image_latents, sketch_latents = z_image.detach(), z_sketch
        elif self.attribute_mapping is None:
            if self.decode_sketch:  # one decoder pass over both latents: [2B, 3, H, W]
                out["reconstruction"], out["sketch_reconstruction"] = self.decoder(
                    torch.cat([z_image, z_sketch])
                ).chunk(2)
            else:
                out["reconstruction"] = self.decoder(z_image)
            out["fake"] = out["reconstruction"]
            out["scores"] = self.attribute_directions.scores(z_image)
            # C(z_s) with C's directions detached: a semantic loss on it moves the sketch encoder only.
            out["sketch_scores"] = z_sketch @ self.attribute_directions.directions().detach().to(z_sketch.dtype)
            out["gram"] = self.attribute_directions.gram()
            image_latents, sketch_latents = z_image.detach(), z_sketch
        else:
            z_image_edited = self.attribute_mapping(z_image, shifts)
            z_sketch_edited = self.attribute_mapping(z_sketch, shifts)
            latents = [z_image, z_image_edited] + ([z_sketch] if self.decode_sketch else [])
            images = self.decoder(torch.cat(latents)).chunk(len(latents))  # one decoder pass
            out["reconstruction"], out["fake"] = images[0], images[1]
            if self.decode_sketch:
                out["sketch_reconstruction"] = images[2]
            out["z_image_edited"], out["z_sketch_edited"] = z_image_edited, z_sketch_edited
            z_detached = z_image.detach()
            out["z_cycled"] = self.attribute_mapping(self.attribute_mapping(z_detached, shifts), -shifts)
            image_latents = torch.cat([z_detached, z_image_edited.detach()])
            sketch_latents = torch.cat([z_sketch, z_sketch_edited])
        # Q sees detached image latents (E_i is not pushed by Q); the GRL reverses the sketch side's gradient.
        logits = self.latent_discriminator(torch.cat([image_latents, sketch_latents]))
        out["domain_image_logits"], out["domain_sketch_logits"] = logits.split(
            [image_latents.shape[0], sketch_latents.shape[0]]
        )
        return out


class DiscriminatorSide(nn.Module):
    """Everything the discriminator optimizer updates. ``forward`` returns a dict of tensors (see below)."""

    def __init__(self, generator: S2FGAN, discriminator: S2FGANDiscriminator) -> None:
        super().__init__()
        self.image_discriminator = discriminator.image_discriminator
        self.attribute_probe = generator.attribute_directions if generator.config.variant == "dec" else None

    def forward(
        self,
        images: torch.Tensor,
        r1_images: torch.Tensor | None = None,
        latents: torch.Tensor | None = None,
        feature_images: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """images [N, 3, H, W] -> ``logits`` [N, 1]; optionally ``r1_logits`` of ``r1_images`` (computed in
        float32 with autocast disabled, for the R1 penalty), for DEC ``probe_scores`` C(latents) [B, n] of
        detached real latents, and ``features`` (a list of F's trunk activations) of ``feature_images``.
        """
        out = {"logits": self.image_discriminator(images)}
        if feature_images is not None:
            out["features"] = self.image_discriminator.features(feature_images)
        if r1_images is not None:
            with torch.autocast(device_type=r1_images.device.type, enabled=False):
                out["r1_logits"] = self.image_discriminator(r1_images.float())
        if self.attribute_probe is not None and latents is not None:
            out["probe_scores"] = self.attribute_probe.scores(latents.detach().float())
        return out
