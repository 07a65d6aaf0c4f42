"""Turn a user's photo (PIL image, numpy array, tensor, file path) into the image encoder's input tensor."""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .image_io import crop_and_resize, open_image


def _photo_array_to_uint8(arr: np.ndarray) -> np.ndarray:
    """A photo array [H, W], [H, W, 3] or [H, W, 4] -> uint8. Floats are read as [0, 1] (or [-1, 1] when negative)."""
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (1, 3, 4)):
        raise ValueError(f"photo array must be [H, W], [H, W, 3] or [H, W, 4], got shape {arr.shape}")
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.floating):
        a = arr.astype(np.float32)
        if not np.isfinite(a).all():
            raise ValueError("photo array contains NaN or infinite values")
        if a.min() < 0:  # the model's own [-1, 1] range
            a = (a + 1.0) / 2.0
        if a.max() > 1.0 + 1e-6:
            raise ValueError(
                f"float photo arrays must hold values in [0, 1] or [-1, 1]; got {a.min():.3g}..{a.max():.3g} "
                "(pass uint8 for 0..255)"
            )
        return (a.clip(0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.integer):
        if arr.min() < 0 or arr.max() > 255:
            raise ValueError(f"integer photo arrays must hold 0..255, got {arr.min()}..{arr.max()}")
        return arr.astype(np.uint8)
    raise TypeError(f"unsupported photo array dtype {arr.dtype}; pass uint8 0..255 or float 0..1")


def image_to_tensor(image: Image.Image | np.ndarray | torch.Tensor | str | os.PathLike, size: int) -> torch.Tensor:
    """A photo -> [1, 3, size, size] in [-1, 1]: centre-cropped and resized as ``prepare-data`` does
    (``image_io.crop_and_resize``); a tensor [3, H, W] / [B, 3, H, W] in [-1, 1] is only resized (bilinear)."""
    if isinstance(image, torch.Tensor):
        t = image.detach().float()
        if t.ndim == 3:
            t = t[None]
        if t.ndim != 4 or t.shape[1] != 3 or t.numel() == 0:
            raise ValueError(f"image tensor must be [3, H, W] or [B, 3, H, W] in [-1, 1], got {tuple(image.shape)}")
        return F.interpolate(t, size=(size, size), mode="bilinear", antialias=True) if t.shape[-1] != size else t
    if isinstance(image, (str, os.PathLike)):
        image = open_image(image, "photo")
    if isinstance(image, np.ndarray):
        if image.size == 0:
            raise ValueError("image array is empty")
        image = Image.fromarray(_photo_array_to_uint8(image))
    if not isinstance(image, Image.Image):
        raise TypeError(f"cannot use {type(image).__name__} as a photo; pass a PIL image, array, tensor or path")
    if image.width == 0 or image.height == 0:
        raise ValueError("photo has zero size")
    rgb = crop_and_resize(image.convert("RGB"), size)
    arr = torch.from_numpy(np.asarray(rgb, dtype=np.float32)).permute(2, 0, 1)
    return (arr / 127.5 - 1.0)[None]
