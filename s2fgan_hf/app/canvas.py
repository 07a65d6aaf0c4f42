"""User sketches for the app: strokes from a Gradio Sketchpad or an image file, sanity checks, and re-framing.

Everything here works on an *ink map*: a float ``[H, W]`` numpy array in [0, 1], 1 where the ink is black, 0 on
the paper, and the grey levels of a shaded or coloured drawing in between (the bundled models read grey levels, so
an uploaded pencil portrait keeps its shading). A boolean stroke mask is an ink map too (``True`` = 1). Where a
yes/no is needed (is there ink, where is the drawing's box), ink of at least 0.5 counts.

* ``strokes_from_editor`` reads only the drawn layers of a Sketchpad value, never its background or composite,
  so the faint guide drawn behind the canvas can never reach the model.
* ``strokes_from_image`` reads a plain image (black strokes on white, or light strokes on black).
* ``strokes_on_canvas`` puts an uploaded drawing of any size on the square canvas.
* ``check_strokes`` turns an empty or all-black canvas into a ``SketchError`` with a message meant for the user.
* ``reframe`` scales and centres the strokes so that their box matches where strokes sit in training sketches
  (``Framing``, measured by ``scripts/make_app_assets.py``). The box is a quantile box (by default the 5th to 95th
  percentile of stroke coordinates), the same statistic on both sides, so a few stray strokes barely move it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..image_processing import light_strokes_on_dark, load_grey, open_image, to_grayscale

EMPTY_MESSAGE = (
    "The canvas is empty: draw a face (outline, eyes, nose, mouth) over the grey guide, or pick an example."
)
ALL_BLACK_MESSAGE = (
    "The sketch is almost entirely black: draw dark lines on the white canvas (thin strokes, like a pencil drawing)."
)
UNREADABLE_MESSAGE = "This file could not be read as an image. Upload a PNG or JPEG"

MIN_STROKE_PIXELS = 12  # at a 256 px canvas; scaled with the canvas area
# Line sketches have about 3-8 % ink, but a shaded or coloured drawing can be dark over half its page (dark hair,
# skin, clothes: the 200 drawn avatars reach 89 %); a page darker than this is no drawing.
MAX_INK_FRACTION = 0.9
PAPER_INK = 0.1  # fainter ink in an uploaded image is paper grain or JPEG noise: dropped


class SketchError(ValueError):
    """A sketch the app cannot use; ``str(error)`` is a message written for the person drawing."""


# ---------------------------------------------------------------------------------------------------------------
# Reading strokes
def _as_array(image: Any) -> np.ndarray | None:
    """A layer as given by Gradio (numpy array, PIL image or file path) -> numpy array, or ``None``."""
    if image is None:
        return None
    if isinstance(image, (str, os.PathLike)):
        image = open_upload(image)
    if isinstance(image, Image.Image):
        if image.mode not in ("L", "LA", "RGB", "RGBA"):
            image = image.convert("RGBA")
        return np.asarray(image)
    return np.asarray(image)


def _layer_ink(layer: np.ndarray) -> np.ndarray:
    """Ink map of one drawing layer: its darkness (1 - luminance) where it is opaque (alpha >= 128), else 0.

    The brush draws opaque black (ink 1); an uploaded drawing's grey levels are opaque grey (``mask_to_layer``).
    """
    if layer.ndim == 2:  # no alpha: every pixel is opaque
        return 1.0 - layer.astype(np.float32) / 255.0
    if layer.ndim != 3 or layer.shape[-1] not in (2, 3, 4):
        raise SketchError(f"unexpected layer shape {layer.shape}")
    channels = layer.shape[-1]
    if channels in (1, 2):
        luminance = layer[..., 0].astype(np.float32)
    else:
        luminance = layer[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    ink = 1.0 - luminance / 255.0
    if channels in (2, 4):
        ink = np.where(layer[..., -1] >= 128, ink, 0.0).astype(np.float32)
    return ink


def strokes_from_editor(value: Mapping[str, Any] | None, default_size: int = 256) -> np.ndarray:
    """Ink map from a Sketchpad value ``{"background", "layers", "composite"}``: the darkest of the layers.

    The background (where the app puts its guide) and the composite (which includes it) are ignored, except to
    learn the canvas size when there is no layer yet.
    """
    if value is None:
        return np.zeros((default_size, default_size), dtype=bool)
    if not isinstance(value, Mapping):
        raise SketchError(f"expected a Sketchpad value (a dict with 'layers'), got {type(value).__name__}")
    layers = [a for a in (_as_array(layer) for layer in value.get("layers") or []) if a is not None]
    if not layers:
        for key in ("background", "composite"):
            reference = _as_array(value.get(key))
            if reference is not None:
                return np.zeros(reference.shape[:2], dtype=np.float32)
        return np.zeros((default_size, default_size), dtype=np.float32)
    mask = np.zeros(layers[0].shape[:2], dtype=np.float32)
    for layer in layers:
        ink = _layer_ink(layer)
        if ink.shape != mask.shape:
            raise SketchError(f"layer size {ink.shape[::-1]} differs from the canvas size {mask.shape[::-1]}")
        mask = np.maximum(mask, ink)
    return mask


def open_upload(path: str | os.PathLike) -> Image.Image:
    """Open an uploaded image file fully, or raise ``SketchError`` with a message for the user (missing, broken,
    not an image); ``image_processing.open_image`` does the reading."""
    try:
        return open_image(path)
    except FileNotFoundError as error:
        raise SketchError(f"{UNREADABLE_MESSAGE} (file not found).") from error
    except ValueError as error:  # the reader's own error is the cause
        reason = error.__cause__ or error
        raise SketchError(f"{UNREADABLE_MESSAGE} ({Path(path).suffix or 'no extension'} file, {reason}).") from error


def strokes_from_image(image: Image.Image | np.ndarray | str | os.PathLike) -> np.ndarray:
    """Ink map from a plain sketch image: dark lines on light paper, or light lines on a dark background.

    The ink is the darkness of each pixel (its brightness for light lines on a dark page), so shading and the tones
    of a coloured drawing are kept; ink below ``PAPER_INK`` (paper grain, JPEG noise) is dropped. Transparent pixels
    count as white paper. An image that is nearly all black gives ``SketchError``.
    """
    if isinstance(image, (str, os.PathLike)):
        image = open_upload(image)
    try:
        gray = to_grayscale(image)
    except (TypeError, ValueError) as error:
        raise SketchError(f"{UNREADABLE_MESSAGE} ({error}).") from error
    ink = 1.0 - gray.astype(np.float32)
    if light_strokes_on_dark(gray):  # like an edge map: the rule the model itself uses (a dark page, thin light lines)
        if (gray >= 0.5).sum() < _min_pixels(gray.shape):
            raise SketchError(ALL_BLACK_MESSAGE)
        ink = 1.0 - ink
    return np.where(ink < PAPER_INK, 0.0, ink).astype(np.float32)


def strokes_on_canvas(image: Image.Image | np.ndarray | str | os.PathLike, size: int) -> np.ndarray:
    """A drawing of any size -> its stroke mask on a square ``size`` canvas.

    The ink is read by ``strokes_from_image`` at the drawing's own resolution, the page is padded to a square with
    the drawing centred, then shrunk with max-pooling (a thin line of a large scan stays a line) or enlarged by
    nearest neighbour.
    """
    ink = strokes_from_image(image)
    height, width = ink.shape
    side = max(height, width)
    left, top = (side - width) // 2, (side - height) // 2
    page = F.pad(
        torch.from_numpy(ink.astype(np.float32))[None, None], (left, side - width - left, top, side - height - top)
    )
    return _square_ink(page, size)


def _square_ink(ink: torch.Tensor, size: int) -> np.ndarray:
    """Square ink [1, 1, S, S] -> a ``size`` ink map: shrunk with max-pooling (thin strokes are never lost) or
    enlarged by nearest neighbour."""
    if ink.shape[-1] > size:
        ink = F.adaptive_max_pool2d(ink, size)
    elif ink.shape[-1] < size:
        ink = F.interpolate(ink, size=(size, size), mode="nearest")
    return ink[0, 0].numpy().astype(np.float32)


def guide_layer(path: str | os.PathLike, size: int) -> Image.Image:
    """The guide image at ``path`` as an opaque ``LA`` canvas background (plain white if the file is missing)."""
    path = Path(path)
    gray = load_grey(path).resize((size, size)) if path.is_file() else Image.new("L", (size, size), 255)
    return Image.merge("LA", (gray, Image.new("L", gray.size, 255)))


def canvas_value(guide: Image.Image, strokes: np.ndarray | None = None) -> dict[str, Any]:
    """A Sketchpad value: the guide behind, the strokes (if any) as the one drawing layer."""
    layers = [mask_to_layer(strokes)] if strokes is not None else []
    return {"background": guide, "layers": layers, "composite": None}


def example_values(guide: Image.Image, folder: str | os.PathLike) -> tuple[list[list[Any]], list[str]]:
    """The example sketches ``folder/*.png`` as Sketchpad values (at the guide's size), plus their labels."""
    values, labels = [], []
    for path in sorted(Path(folder).glob("*.png")):
        strokes = strokes_from_image(open_image(path).resize(guide.size, Image.NEAREST))
        values.append([canvas_value(guide, strokes)])
        labels.append(path.stem.replace("_", " "))
    return values, labels


def _min_pixels(shape: Sequence[int]) -> float:
    return MIN_STROKE_PIXELS * (shape[0] * shape[1]) / (256 * 256)


def check_strokes(mask: np.ndarray) -> None:
    """Raise ``SketchError`` if the ink map has (almost) no ink or is (almost) all ink (ink >= 0.5 counts)."""
    if mask.ndim != 2 or mask.size == 0:
        raise SketchError(f"the sketch has no usable size ({mask.shape})")
    count = int((np.asarray(mask) >= 0.5).sum())
    if count < _min_pixels(mask.shape):
        raise SketchError(EMPTY_MESSAGE)
    if count / mask.size > MAX_INK_FRACTION:
        raise SketchError(ALL_BLACK_MESSAGE)


def _grey(mask: np.ndarray) -> np.ndarray:
    """Ink map -> uint8 grey levels: ink 1 is black (0), paper white (255)."""
    return np.round(255.0 * (1.0 - np.clip(np.asarray(mask, dtype=np.float32), 0.0, 1.0))).astype(np.uint8)


def mask_to_image(mask: np.ndarray) -> Image.Image:
    """Ink map -> grayscale PIL image: the ink's grey levels (black strokes, 0) on white paper (255)."""
    return Image.fromarray(_grey(mask), mode="L")


def mask_to_layer(mask: np.ndarray) -> Image.Image:
    """Ink map -> a transparent ``LA`` Sketchpad layer: the ink opaque in its grey level, transparent elsewhere."""
    alpha = np.where(np.asarray(mask) > 0, 255, 0).astype(np.uint8)
    return Image.fromarray(np.stack([_grey(mask), alpha], axis=-1), mode="LA")


# ---------------------------------------------------------------------------------------------------------------
# Framing
@dataclass(frozen=True)
class Framing:
    """Where strokes sit in training sketches, as fractions of the (square) canvas.

    Args:
        center_x, center_y: centre of the stroke quantile box (0 = left/top edge, 1 = right/bottom edge).
        width, height: size of the quantile box.
        low_quantile, high_quantile: the box spans these quantiles of stroke x and y coordinates.
        spread_center_x, spread_center_y, spread_width, spread_height: how much the training sketches' boxes vary
            about that mean (standard deviations); 0: every drawing is moved onto the mean box exactly.
        tolerance: ``reframe`` leaves a box that lies within ``tolerance`` spreads of the mean as it is and moves
            one beyond only to that edge. The training sketches' own boxes vary (width +-0.10), and each goes with
            its photo's alignment: moving an already well-framed drawing onto the mean box changes the face (on
            500 held-out edge maps, Smiling AUC 0.920 -> 0.804, Male 0.955 -> 0.931).
    """

    center_x: float = 0.5
    center_y: float = 0.55
    width: float = 0.6
    height: float = 0.7
    low_quantile: float = 0.05
    high_quantile: float = 0.95
    spread_center_x: float = 0.0
    spread_center_y: float = 0.0
    spread_width: float = 0.0
    spread_height: float = 0.0
    tolerance: float = 1.5

    def __post_init__(self) -> None:
        if not (0 < self.width <= 2 and 0 < self.height <= 2):
            raise ValueError(f"framing width/height must be in (0, 2], got {self.width}, {self.height}")
        if not 0 <= self.low_quantile < self.high_quantile <= 1:
            raise ValueError(
                f"need 0 <= low_quantile < high_quantile <= 1, got {self.low_quantile}, {self.high_quantile}"
            )
        spreads = (self.spread_center_x, self.spread_center_y, self.spread_width, self.spread_height, self.tolerance)
        if not all(0 <= v < 10 for v in spreads):  # also refuses nan
            raise ValueError(f"framing spreads and tolerance must be in [0, 10), got {spreads}")

    def target(self, center_x: float, center_y: float, width: float, height: float) -> tuple[float, ...]:
        """The box a drawing's box (fractions of the canvas) is moved to: each quantity kept within ``tolerance``
        spreads of the mean, and brought to that edge when beyond it."""
        out = []
        for value, mean, spread in (
            (center_x, self.center_x, self.spread_center_x),
            (center_y, self.center_y, self.spread_center_y),
            (width, self.width, self.spread_width),
            (height, self.height, self.spread_height),
        ):
            reach = self.tolerance * spread
            out.append(min(max(value, mean - reach), mean + reach))
        return tuple(out)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Framing:
        """Read the ``framing`` object of a JSON file written by ``scripts/make_app_assets.py``, and its
        ``spread_std`` object (the training boxes' standard deviations) when there is one."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        fields = dict(data.get("framing", data))
        fields.update({f"spread_{k}": v for k, v in data.get("spread_std", {}).items()})
        return cls(**{k: float(fields[k]) for k in asdict(cls()) if k in fields})


def stroke_box(mask: np.ndarray, low: float = 0.05, high: float = 0.95) -> tuple[float, float, float, float]:
    """Quantile box of the ink, in pixels: ``(center_x, center_y, width, height)``.

    The box spans the ``low`` to ``high`` quantiles of the ink's x and y coordinates (pixel centres); it is at
    least one pixel wide and high.
    """
    ys, xs = np.nonzero(np.asarray(mask) >= 0.5)
    if xs.size == 0:
        raise SketchError(EMPTY_MESSAGE)
    x0, x1 = np.quantile(xs + 0.5, [low, high])
    y0, y1 = np.quantile(ys + 0.5, [low, high])
    return float((x0 + x1) / 2), float((y0 + y1) / 2), float(max(x1 - x0, 1.0)), float(max(y1 - y0, 1.0))


def reframe(mask: np.ndarray, framing: Framing, out_size: int | None = None, max_zoom: float = 4.0) -> np.ndarray:
    """Scale and centre the ink so its quantile box matches ``framing``; returns a square ``out_size`` ink map
    (a boolean mask for a boolean mask).

    The target box is ``framing.target`` of the drawing's own box (as fractions of the canvas, a non-square canvas
    taken as the square around it): the mean training box when the framing has no spreads, else the drawing's box
    held within the training boxes' range, so that a well-framed drawing stays as drawn. One uniform scale (no
    stretching) makes the box fit inside the target box; its centre goes to the target centre. The zoom is limited
    to ``[1 / max_zoom, max_zoom]`` of the input canvas, so a dot is not blown up to fill the canvas. Shrinking uses
    max-pooling of the ink, so thin strokes are never lost.
    """
    check_strokes(mask)
    height, width = mask.shape
    out_size = out_size or max(height, width)
    cx, cy, bw, bh = stroke_box(mask, framing.low_quantile, framing.high_quantile)
    reference = max(height, width)
    pad_x, pad_y = (reference - width) / 2, (reference - height) / 2  # the square canvas around a non-square one
    target_cx, target_cy, target_w, target_h = framing.target(
        (cx + pad_x) / reference, (cy + pad_y) / reference, bw / reference, bh / reference
    )
    # Side of the square input window that maps onto the output canvas.
    side = max(bw / target_w, bh / target_h)
    side = float(np.clip(side, reference / max_zoom, reference * max_zoom))
    left = round(cx - target_cx * side)
    top = round(cy - target_cy * side)
    size = max(1, round(side))
    ink = torch.from_numpy(mask.astype(np.float32))[None, None]
    pad = (max(0, -left), max(0, left + size - width), max(0, -top), max(0, top + size - height))
    ink = F.pad(ink, pad)
    left, top = left + pad[0], top + pad[2]
    out = _square_ink(ink[..., top : top + size, left : left + size], out_size)
    return out >= 0.5 if mask.dtype == bool else out  # a stroke mask in, a stroke mask out
