"""Image transforms shared by data preparation and the datasets: square crop, resize, tensor conversion, and the
joint (photo + sketch) training augmentation of the official code (random resized crop, horizontal flip).

Crop rule (documented in docs/data.md): a centred square of side ``min(width, height)``. For CelebA aligned photos
(178 × 218, or 89 × 109 in the half-size copy) that keeps rows 20-197 (10-98), the face centred with the eyes a
little above the middle; square photos (CelebA-HQ) are left as they are.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def center_square_crop(image: Image.Image) -> Image.Image:
    """Centred square crop of side ``min(width, height)``; square images are returned unchanged."""
    width, height = image.size
    side = min(width, height)
    if width == height:
        return image
    left, top = (width - side) // 2, (height - side) // 2
    return image.crop((left, top, left + side, top + side))


def crop_and_resize(image: Image.Image, size: int) -> Image.Image:
    """Centre square crop, then resize to ``size × size`` (bicubic up, area-weighted ``reduce`` + bicubic down)."""
    image = center_square_crop(image)
    if image.size[0] == size:
        return image
    return image.resize((size, size), Image.BICUBIC, reducing_gap=2.0 if image.size[0] > size else None)


def pil_to_tensor(image: Image.Image) -> torch.Tensor:
    """PIL image → float tensor ``[C, H, W]`` in [0, 1] (C = 3 for RGB, 1 for L)."""
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float() / 255.0


def tensor_to_pil(tensor: torch.Tensor) -> Image.Image:
    """Float tensor ``[C, H, W]`` in [0, 1] (C = 1 or 3) → PIL L or RGB image."""
    array = (tensor.detach().clamp(0, 1) * 255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)


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
