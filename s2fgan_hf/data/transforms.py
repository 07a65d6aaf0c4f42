"""The joint (photo + sketch) training augmentation of the official code: random resized crop, horizontal flip.

The square crop, resize and tensor conversions of data preparation live in ``s2fgan_hf.image_processing.image_io``
(shared with inference).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def joint_random_resized_crop_flip(
    image: torch.Tensor,
    sketch: torch.Tensor,
    generator: torch.Generator | None = None,
    scale: tuple[float, float] = (0.8, 1.0),
    crop_probability: float = 0.5,
    flip_probability: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The official train-time augmentation, applied identically to a photo and its sketch.

    With ``crop_probability``, a square crop with side ``s * H`` (``s`` uniform in ``scale``) at a random position is
    resized back to ``H``: bilinear for the photo, nearest for the sketch (strokes stay binary). Then, with
    ``flip_probability``, both are flipped left-right.

    Args:
        image: ``[3, H, W]`` float tensor. sketch: ``[1, H, W]`` float tensor of the same size.
        generator: source of randomness (CPU generator; ``None`` uses the global RNG).
    """
    if image.shape[-2:] != sketch.shape[-2:]:
        raise ValueError(f"image {tuple(image.shape)} and sketch {tuple(sketch.shape)} differ in size")
    height, width = image.shape[-2:]
    draws = torch.rand(5, generator=generator).tolist()
    if draws[0] < crop_probability:
        side_scale = scale[0] + (scale[1] - scale[0]) * draws[1]
        crop_h, crop_w = max(1, round(height * side_scale)), max(1, round(width * side_scale))
        top, left = int(draws[2] * (height - crop_h + 1)), int(draws[3] * (width - crop_w + 1))
        image = image[:, top : top + crop_h, left : left + crop_w]
        sketch = sketch[:, top : top + crop_h, left : left + crop_w]
        image = F.interpolate(image[None], size=(height, width), mode="bilinear", align_corners=False)[0]
        sketch = F.interpolate(sketch[None], size=(height, width), mode="nearest")[0]
    if draws[4] < flip_probability:
        image, sketch = image.flip(-1), sketch.flip(-1)
    return image, sketch
