"""Image files and pixel conversions: the one place the package opens, crops, resizes and converts images.

The value range is in each conversion's name: a ``unit`` tensor holds [0, 1] (data preparation, datasets), a
``signed`` tensor holds [-1, 1] (the model's inputs and outputs).

* ``open_image`` / ``load_rgb`` / ``load_grey``: read a file fully; a missing file is ``FileNotFoundError``, a file
  that is no readable image (broken, truncated, a decompression bomb) is ``ValueError``.
* ``crop_and_resize``: the centre square crop and resize of every photo, for prepared data and inference alike.
* ``pil_to_unit_tensor`` / ``unit_tensor_to_pil``: one image <-> [C, H, W] in [0, 1].
* ``signed_batch_to_pils``: a batch [B, C, H, W] in [-1, 1] (the decoder's output) -> a list of images.

Crop rule (docs/data.md): a centred square of side ``min(width, height)``. For CelebA aligned photos (178 x 218,
or 89 x 109 in the half-size copy) that keeps rows 20-197 (10-98), the face centred with the eyes a little above
the middle; square photos (CelebA-HQ) are left as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError


def open_image(path: str | os.PathLike, what: str = "image") -> Image.Image:
    """Open an image file and read it fully (so a truncated file fails here, not later); any mode.

    Raises ``FileNotFoundError`` ("``what`` file not found: ...") or ``ValueError`` ("could not read ... as an
    image (reason)", with the reader's error as ``__cause__``).
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{what} file not found: {p}")
    try:
        with Image.open(p) as image:
            image.load()
            return image.copy()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(f"could not read {p} as an image ({error})") from error


def load_rgb(path: str | os.PathLike) -> Image.Image:
    """``open_image`` as RGB."""
    return open_image(path).convert("RGB")


def load_grey(path: str | os.PathLike) -> Image.Image:
    """``open_image`` as 8-bit greyscale (mode L)."""
    return open_image(path).convert("L")


def center_square_crop(image: Image.Image) -> Image.Image:
    """Centred square crop of side ``min(width, height)``; square images are returned unchanged."""
    width, height = image.size
    side = min(width, height)
    if width == height:
        return image
    left, top = (width - side) // 2, (height - side) // 2
    return image.crop((left, top, left + side, top + side))


def crop_and_resize(image: Image.Image, size: int) -> Image.Image:
    """Centre square crop, then resize to ``size x size`` (bicubic up; area-weighted ``reduce`` + bicubic down).

    The resize of ``prepare-data``, which made the bundled checkpoint's training data; inference photos
    (``S2FGAN.encode_image``, the app's photo tab) go through it too, so the model sees photos as it was trained.
    """
    image = center_square_crop(image)
    if image.size[0] == size:
        return image
    return image.resize((size, size), Image.BICUBIC, reducing_gap=2.0 if image.size[0] > size else None)


def pil_to_unit_tensor(image: Image.Image) -> torch.Tensor:
    """An RGB or L image -> float tensor [C, H, W] in [0, 1] (C = 3 or 1)."""
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float() / 255.0


def unit_tensor_to_pil(tensor: torch.Tensor) -> Image.Image:
    """Float tensor [C, H, W] in [0, 1] (C = 1 or 3; values clamped) -> an L or RGB image."""
    array = (tensor.detach().clamp(0, 1) * 255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)


def signed_batch_to_pils(images: torch.Tensor) -> list[Image.Image]:
    """[B, 3, H, W] (or [B, 1, H, W]) in [-1, 1] (values clamped) -> a list of B RGB (or L) images."""
    x = ((images.detach().float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8).cpu()
    out = []
    for img in x:
        arr = img.permute(1, 2, 0).numpy()
        out.append(Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr))
    return out
