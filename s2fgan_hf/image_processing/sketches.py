"""Turn a user's sketch (PIL image, numpy array, tensor, file path) into the model's sketch tensor.

The training format of a sketch is a single channel at the model's ``image_size`` with values in {-1, +1}:
+1 is white paper, -1 is a black stroke. Anything a user may hand us is normalised to that here.
"""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..config import SKETCH_NORMALIZATIONS
from .image_io import open_image
from .morphology import thin
from .sketch_normalization import MIN_CONTRAST, normalize_grey_sketch, sketch_contrast

SketchInput = Image.Image | np.ndarray | torch.Tensor | str | os.PathLike
ACCEPTED_KINDS = "a PIL image (any mode), a numpy array (H x W, H x W x 1/3/4), a torch tensor, or an image file path"
MIN_SKETCH_SIDE = 16  # smaller inputs carry no drawing the model could read


def _pil_to_gray(image: Image.Image) -> np.ndarray:
    """Any PIL mode -> float32 [H, W] in [0, 1], transparent pixels composited over white."""
    if image.width == 0 or image.height == 0:
        raise ValueError(f"sketch image has zero size ({image.width} x {image.height})")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode == "F":  # float images (e.g. float TIFF): the same value rules as float arrays
        return _array_to_gray(np.asarray(image, dtype=np.float32))
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        arr = np.asarray(image, dtype=np.float32)
        high = 65535.0 if arr.max() > 255 else 255.0
        return np.clip(arr / high, 0.0, 1.0)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _array_to_gray(arr: np.ndarray) -> np.ndarray:
    """numpy array -> float32 [H, W] in [0, 1]."""
    if arr.size == 0:
        raise ValueError(f"sketch array is empty (shape {arr.shape}); accepted: {ACCEPTED_KINDS}")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"sketch array has dtype {arr.dtype}; expected a numeric or bool image array")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(
            f"sketch array has complex dtype {arr.dtype}; accepted: uint8/uint16 0..255(65535), bool, float"
        )
    if np.issubdtype(arr.dtype, np.signedinteger) and arr.size and int(arr.min()) < 0:
        raise ValueError(
            f"sketch array of dtype {arr.dtype} has negative values (min {int(arr.min())}); integer sketches must "
            "hold 0..255 (or 0..65535)"
        )
    if arr.dtype == np.int8:
        raise TypeError("sketch array has dtype int8, which cannot hold 0..255; pass uint8")
    a = arr
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] not in (3, 4)):
        raise ValueError(
            f"sketch array has shape {arr.shape}; accepted: H x W, H x W x 1, H x W x 3 or H x W x 4 (channels last)"
        )
    if a.dtype == bool:
        a = a.astype(np.float32)
    elif np.issubdtype(a.dtype, np.integer):
        high = 65535.0 if a.dtype in (np.uint16, np.int32, np.int64) and a.max() > 255 else 255.0
        a = a.astype(np.float32) / high
    else:
        a = a.astype(np.float32)
        if not np.isfinite(a).all():
            raise ValueError("sketch array contains NaN or infinite values")
        if a.min() < 0.0:  # the model's own [-1, 1] format
            a = (a + 1.0) / 2.0
        elif a.max() > 1.0:  # 0..255 floats
            a = a / 255.0
    a = np.clip(a, 0.0, 1.0)
    if a.ndim == 3:
        rgb, alpha = a[..., :3], (a[..., 3:4] if a.shape[-1] == 4 else None)
        gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        if alpha is not None:  # composite over white
            gray = gray * alpha[..., 0] + (1.0 - alpha[..., 0])
        a = gray
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"sketch image has zero size ({a.shape[1]} x {a.shape[0]})")
    return a


def to_grayscale(sketch: SketchInput) -> np.ndarray:
    """One sketch of any accepted kind -> float32 [H, W] in [0, 1] (1 = white)."""
    if isinstance(sketch, (str, os.PathLike)):
        sketch = open_image(sketch, "sketch")
    if isinstance(sketch, Image.Image):
        return _pil_to_gray(sketch)
    if isinstance(sketch, torch.Tensor):
        t = sketch.detach().to("cpu")
        if t.is_floating_point():
            t = t.float()
        while t.ndim > 3 and t.shape[0] == 1:
            t = t[0]
        if t.ndim == 3 and t.shape[0] in (1, 3, 4):
            t = t.permute(1, 2, 0)
        return _array_to_gray(t.numpy())
    if isinstance(sketch, np.ndarray):
        return _array_to_gray(sketch)
    raise TypeError(f"cannot use an object of type {type(sketch).__name__} as a sketch; accepted: {ACCEPTED_KINDS}")


# Polarity check for grey models: the light pixels are brought to this side (area averaging) and opened with a 3 x 3
# window; light strokes up to ~2 px wide there vanish, light regions (a face, a lit cheek) stay.
POLARITY_SIDE = 64
STROKE_SHARE = 0.5  # light-on-dark only if less than this share of the light pixels survives the opening


def _light_share_kept_by_opening(gray: torch.Tensor) -> torch.Tensor:
    """Share of the light pixels (> 0.5) of [B, 1, H, W] grey images that a 3 x 3 opening keeps at
    ``POLARITY_SIDE``: [B]. Near 0 for light strokes on a dark page, near 1 for light areas."""
    small = (
        F.adaptive_avg_pool2d(gray.float(), POLARITY_SIDE) if min(gray.shape[-2:]) > POLARITY_SIDE else gray.float()
    )
    light = (small > 0.5).float()
    eroded = -F.max_pool2d(-light, 3, stride=1, padding=1)
    opened = F.max_pool2d(eroded, 3, stride=1, padding=1) * light
    return opened.flatten(1).sum(1) / light.flatten(1).sum(1).clamp_min(1.0)


def _light_on_dark(gray: torch.Tensor, normalization: str) -> torch.Tensor:
    """Which of [B, 1, H, W] grey sketches in [0, 1] are light strokes on a dark page: [B] bool.

    Edge-map models (``"binary"``) keep the original rule, a mostly dark image (mean < 0.5). A shaded drawing can
    be mostly dark on white paper, and a drawn portrait cropped to the face can have dark hair all round its border
    (73 of the 200 drawn avatars cropped to their central 75 %), so grey models invert only when both the page is
    dark (the median of the one-pixel border, where strokes rarely reach) and the light pixels are strokes, not
    areas (a 3 x 3 opening at 64 px removes most of them).
    """
    if normalization != "grey":
        return gray.flatten(1).mean(dim=1) < 0.5
    border = torch.cat([gray[..., 0, :], gray[..., -1, :], gray[..., 1:-1, 0], gray[..., 1:-1, -1]], dim=-1).flatten(1)
    dark_page = border.median(dim=1).values < 0.5
    return dark_page & (_light_share_kept_by_opening(gray) < STROKE_SHARE)


def light_strokes_on_dark(gray: np.ndarray) -> bool:
    """Whether a grey drawing [H, W] in [0, 1] is light strokes on a dark page, by the rule grey models use: a dark
    page (the border's median) whose light pixels are strokes, not areas (``_light_on_dark``)."""
    return bool(_light_on_dark(torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32))[None, None], "grey")[0])


def _either_way_contrast(gray: torch.Tensor) -> torch.Tensor:
    """Stroke contrast of [B, 1, H, W] sketches read as dark-on-light or as light-on-dark, whichever is larger: [B]."""
    return torch.maximum(sketch_contrast(gray), sketch_contrast(1.0 - gray))


def _check_drawing(gray: np.ndarray) -> None:
    """Reject inputs that cannot be a sketch: too small, or with no contrast (blank, black, one flat tone)."""
    h, w = gray.shape
    if min(h, w) < MIN_SKETCH_SIDE:
        raise ValueError(f"sketch is {w} x {h} px; a sketch must be at least {MIN_SKETCH_SIDE} x {MIN_SKETCH_SIDE} px")
    contrast = float(_either_way_contrast(torch.from_numpy(np.ascontiguousarray(gray))[None, None])[0])
    if contrast < MIN_CONTRAST:
        raise ValueError(
            f"the sketch has no strokes to encode (values span only {contrast:.3f} between paper and ink: a blank, "
            "black or single-tone image); draw dark strokes on a light background (or light on dark)"
        )


def sketch_to_tensor(
    sketch: SketchInput,
    size: int,
    auto_invert: bool = True,
    thin_strokes: bool | None = None,
    normalization: str = "binary",
) -> torch.Tensor:
    """Normalise one sketch to the model's format: [1, 1, size, size] float in [-1, 1], +1 paper / -1 stroke.

    Common steps: grayscale (alpha over white); if ``auto_invert`` and the image is light-on-dark it is
    taken as light strokes on a dark background and inverted; padded to a square with white, centred. Inputs
    smaller than 16 px or without contrast (blank, black, one grey) are a ``ValueError``.

    ``normalization="grey"`` (models trained on drawing styles, see ``sketch_normalization.py``): area-reduced,
    contrast-stretched and halved with a min/average pool, keeping grey shading and stroke widths. A tensor already
    at ``size`` is taken to be in this format (black on white, e.g. a dataset's normalised sketch) and only
    range-mapped, never inverted.

    ``normalization="binary"`` (legacy checkpoints trained on 1 px edge maps): brought to ``size`` (min-pooling when
    shrinking, so thin strokes survive; bilinear when enlarging), binarised at 0.5, and thinned to 1 px
    (Zhang-Suen) if ``thin_strokes``. By default (``None``) images, arrays and paths are thinned and tensors are
    not: a tensor is taken to be in the model's format already.
    """
    if normalization not in SKETCH_NORMALIZATIONS:
        raise ValueError(f"sketch normalization must be one of {SKETCH_NORMALIZATIONS}, got {normalization!r}")
    is_tensor = isinstance(sketch, torch.Tensor)
    if thin_strokes is None:
        thin_strokes = not is_tensor
    gray = to_grayscale(sketch)
    _check_drawing(gray)
    normalized_tensor = normalization == "grey" and is_tensor and gray.shape == (size, size)
    if normalized_tensor:  # already in the grey model format (black on white): only range-mapped
        return torch.from_numpy(np.ascontiguousarray(gray))[None, None] * 2.0 - 1.0
    if auto_invert and _light_on_dark(torch.from_numpy(np.ascontiguousarray(gray))[None, None], normalization)[0]:
        gray = 1.0 - gray
    h, w = gray.shape
    side = max(h, w)
    canvas = np.ones((side, side), dtype=np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    canvas[top : top + h, left : left + w] = gray
    x = torch.from_numpy(canvas)[None, None]
    if normalization == "grey":
        return normalize_grey_sketch(x, size)
    if side > size:
        x = -F.adaptive_max_pool2d(-x, size)  # min-pool: a window with any stroke pixel stays a stroke
    elif side < size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    ink = x < 0.5
    if thin_strokes:
        ink = thin(ink)
    return torch.where(ink, -1.0, 1.0)


def sketch_batch_to_tensor(
    batch: torch.Tensor, auto_invert: bool = True, normalization: str = "binary"
) -> torch.Tensor:
    """A float [B, 1, H, W] sketch batch already at the model's size -> the model's format, on its own device.

    Gives what ``sketch_to_tensor`` gives for each item (a tensor at the model's size is not thinned, resized or
    re-normalised), without a round trip through the CPU per sketch: each item is read as [-1, 1] if it has
    negative values, as 0..255 if it exceeds 1, else as [0, 1]; for ``normalization="binary"`` inverted if mostly
    dark (``auto_invert``) and binarised at mid-grey; for ``"grey"`` taken as normalised (never inverted).
    """
    if not batch.is_floating_point() or batch.ndim != 4 or batch.shape[1] != 1 or batch.numel() == 0:
        raise ValueError(
            f"expected a non-empty float sketch batch [B, 1, H, W], got {batch.dtype} {tuple(batch.shape)}"
        )
    x = batch.detach().float()
    if not bool(torch.isfinite(x).all()):
        raise ValueError("sketch array contains NaN or infinite values")
    flat = x.flatten(1)
    per_item = (-1, 1, 1, 1)
    signed = (flat.min(dim=1).values < 0).view(per_item)  # the model's own [-1, 1] format
    bytes_scale = (flat.max(dim=1).values > 1).view(per_item)  # 0..255 floats
    x = torch.where(signed, (x + 1.0) / 2.0, torch.where(bytes_scale, x / 255.0, x)).clamp(0.0, 1.0)
    contrast = _either_way_contrast(x)
    if bool((contrast < MIN_CONTRAST).any()):
        index = int(torch.argmin(contrast))
        raise ValueError(
            f"sketch {index} of the batch has no strokes to encode (blank, black or single-tone); draw dark strokes "
            "on a light background"
        )
    if normalization == "grey":  # already normalised (black on white): only range-mapped, never inverted
        return x * 2.0 - 1.0
    if auto_invert:
        x = torch.where(_light_on_dark(x, normalization).view(per_item), 1.0 - x, x)
    return torch.where(x < 0.5, -1.0, 1.0)
