"""Read-back correction of a sketch latent at inference (not in the paper; on in the bundled checkpoint).

The face a sketch latent decodes to shows less of the latent's attributes than the latent says. On 1,000 held-out
edge maps the probe's Male score of the sketch latent, C(E_s(sketch)), separates the classes with ROC AUC 0.960; the
face D(z_s), read back by the image encoder, with 0.947, and judged by the attribute classifier, with 0.943. The photo
branch loses much less (0.986 -> 0.980; ``scripts/fidelity_chain.py``). Training E_s or the decoder on the read-back
moved the judged face little (docs/checkpoint/training.md, "Male on the drawn edge maps").

``readback_corrected`` closes the gap at inference instead, with the model's own networks and no labels. Each step
decodes the latent, reads the face back with the image encoder and moves the latent by ``strength`` times the
smallest latent step that would close the gap between the latent's scores and the face's along the probe's
directions W (``dz = W (W^T W)^-1 (C(z_s) - C(E_i(D(z))))``). The target stays the sketch latent's own scores, so the
drawing still sets the attributes; the steps only make the face show them. Reading faces back also pulls the latent
towards where the decoder renders photo-like faces: on the held-out selection half (test photos 500-999), two steps of
0.5 took the Fréchet distance of faces from edge maps from 49.3 to 42.8 and Male AUC from 0.940 to 0.947
(docs/checkpoint/evaluation.md, "Read-back correction"). Cost: ``steps`` decoder + image-encoder passes per sketch,
once per drawing (slider edits reuse the corrected latent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .modeling_s2fgan import S2FGAN


@torch.no_grad()
def readback_corrected(
    model: S2FGAN, latent: torch.Tensor, steps: int | None = None, strength: float | None = None
) -> torch.Tensor:
    """``latent`` [B, d] (sketch latents) after ``steps`` read-back steps of ``strength`` (0 steps: unchanged), fp32;
    ``None``: ``model.config``'s ``sketch_readback_steps`` / ``sketch_readback_strength``.

    Uses ``model``'s public inference API (``decode``, ``encode_image``, ``attribute_scores``), so the passes run
    in the model's inference precision; the scores, the gap and the step are computed in float32.
    """
    latent = latent.float()
    steps = model.config.sketch_readback_steps if steps is None else steps
    strength = model.config.sketch_readback_strength if strength is None else strength
    if steps <= 0:
        return latent
    directions = model.attribute_directions.directions().detach().float()  # W [d, n], unit columns
    step_per_score = directions @ torch.linalg.inv(directions.T @ directions)  # [d, n]: min-norm dz per unit score
    target = model.attribute_scores(latent)  # [B, n]: what the drawing's latent says
    corrected = latent
    for _ in range(steps):
        face = model.decode(corrected).clamp(-1, 1)
        gap = target - model.attribute_scores(model.encode_image(face))
        corrected = corrected + strength * gap @ step_per_score.T
    return corrected
