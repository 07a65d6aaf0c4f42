"""Drawing styles made from a training photo and its edge map: the ways people draw a face.

A user's drawing rarely looks like the thin extracted edge maps S2FGAN was trained on. The trainer therefore
renders each photo in one of these styles (all grey images in [0, 1], 1 = paper, at the resolution of the inputs,
which is twice the model's size in training):

* ``edges``  - the thin extracted edge map, lightly deformed (the official S2FGAN input);
* ``clean``  - the thin extracted edge map as it is: a careful line drawing (and the held-out ``stored`` set);
* ``marker`` - strokes thickened to 3-5 px, like a felt pen or a thick brush in the app;
* ``pencil`` - an XDoG portrait of the photo's luminance (Winnemöller et al. 2012): soft outlines plus tonal
  shading, with diagonal hatching in the dark regions (hair, shadows), as in a pencil portrait;
* ``sparse`` - a few outlines only: strokes dropped in large blobs and whole parts erased;
* ``shaded`` - a digitally painted grey portrait, like the drawn avatars: the photo's luminance smoothed, softly
  posterised into a few tones and lightened, with dark outlines from the edge map on top.

Every style then gets random stroke-width changes, jitter and a small elastic deformation
(:class:`~s2fgan_hf.data.augmentation.SketchAugmentation` for the line styles, a grey-preserving warp for pencil).
``normalize_grey_sketch`` (shared with inference) brings the result to the model's size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from s2fgan_hf.data.augmentation import SketchAugmentation
from s2fgan_hf.image_processing.sketch_normalization import normalize_grey_sketch

STYLES = ("edges", "marker", "pencil", "sparse", "shaded", "clean")
MAX_FRAMING_JITTER = 0.3  # the largest ``jitter_framing`` amount accepted anywhere (a fraction of the frame)
_LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of [B, 1, H, W] with replicate padding."""
    radius = max(1, int(math.ceil(3.0 * sigma)))
    taps = torch.arange(-radius, radius + 1, dtype=torch.float32, device=x.device)
    kernel = torch.exp(-(taps**2) / (2.0 * sigma**2))
    kernel = (kernel / kernel.sum()).to(x.dtype)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), kernel.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), kernel.view(1, 1, -1, 1))


def xdog(luma: torch.Tensor, sigma: float, k: float = 1.6, p: float = 20.0, eps: float = 0.7, phi: float = 8.0):
    """Extended difference of Gaussians of [B, 1, H, W] luminance in [0, 1] -> grey [B, 1, H, W] in [0, 1].

    ``u = (1 + p) G_sigma - p G_{k sigma}`` sharpens edges; the soft threshold ``1 + tanh(phi (u - eps))`` below
    ``eps`` turns dark regions into graded tone and edges into dark lines.
    """
    u = (1.0 + p) * _blur(luma, sigma) - p * _blur(luma, k * sigma)
    return torch.where(u >= eps, torch.ones_like(u), 1.0 + torch.tanh(phi * (u - eps))).clamp(0.0, 1.0)


def hatching(tone: torch.Tensor, angle: float, period: float, phase: float) -> torch.Tensor:
    """Diagonal pencil hatching whose line width follows darkness: [B, 1, H, W] tone in [0, 1] -> same, 1 = paper."""
    height, width = tone.shape[-2:]
    ys = torch.arange(height, dtype=tone.dtype, device=tone.device).view(-1, 1)
    xs = torch.arange(width, dtype=tone.dtype, device=tone.device).view(1, -1)
    coordinate = (xs * math.cos(angle) + ys * math.sin(angle) + phase) / period
    wave = 0.5 + 0.5 * torch.cos(2.0 * math.pi * coordinate)  # [H, W] in [0, 1], 1 on a hatch line
    darkness = (1.0 - tone).clamp(0.0, 1.0)
    line = (wave - (1.0 - darkness)).clamp(min=0.0) / darkness.clamp(min=1e-3)  # wider lines where darker
    return 1.0 - (line * darkness).clamp(0.0, 1.0)


def grey_warp(gray: torch.Tensor, magnitude: float, generator: torch.Generator | None) -> torch.Tensor:
    """A smooth random elastic warp of [B, 1, H, W] grey images (largest shift ``magnitude`` of the side)."""
    batch, _, height, width = gray.shape
    coarse = torch.rand(batch, 2, 6, 6, generator=generator).to(gray.device)
    field = F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=False)
    displacement = field.permute(0, 2, 3, 1).sub(0.5).mul(4.0 * magnitude)
    identity = torch.eye(2, 3, device=gray.device).unsqueeze(0).expand(batch, 2, 3)
    grid = F.affine_grid(identity, list(gray.shape), align_corners=False) + displacement
    return F.grid_sample(gray, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _uniform(low: float, high: float, generator: torch.Generator | None) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))


def jitter_framing(gray: torch.Tensor, amount: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Move each drawing within its frame, as a person places a face on the page: [B, 1, H, W] grey in [0, 1]
    (1 = paper) -> the same shape, scaled by a random factor in [1 - amount, 1 + amount] about the centre, shifted
    by up to ``amount / 2`` of the side in x and y and turned by up to ``amount / 2`` radians. Uncovered border is
    paper. The photo is left where it is, so an encoder trained on these learns to place the face itself: a sketch
    encoder trained on aligned drawings alone changes its faces a lot when a drawing is 10 % larger or smaller
    (docs/checkpoint/training.md, "Framing")."""
    if amount <= 0:
        return gray
    thetas = []
    for _ in range(gray.shape[0]):
        scale = _uniform(1.0 - amount, 1.0 + amount, generator)
        turn = _uniform(-amount / 2, amount / 2, generator)
        # affine_grid maps output to input coordinates in [-1, 1]: the inverse of the move (a shift of t of the
        # side is 2t in those units).
        shift_x, shift_y = (_uniform(-amount, amount, generator) for _ in range(2))
        cos, sin = math.cos(turn) / scale, math.sin(turn) / scale
        thetas.append([[cos, -sin, -shift_x], [sin, cos, -shift_y]])
    theta = torch.tensor(thetas, dtype=gray.dtype, device=gray.device)
    grid = F.affine_grid(theta, list(gray.shape), align_corners=False)
    ink = F.grid_sample(1.0 - gray, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return (1.0 - ink).clamp(0.0, 1.0)


def render_style(
    style: str, photo: torch.Tensor, edges: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Draw one photo in ``style``: photo [B, 3, H, W] and edge map [B, 1, H, W] in [0, 1] (1 = paper) ->
    grey sketch [B, 1, H, W] in [0, 1] (1 = paper), at the inputs' resolution. Randomness from ``generator``.
    """
    if style not in STYLES:
        raise ValueError(f"unknown drawing style {style!r}; accepted: {', '.join(STYLES)}")
    side = photo.shape[-1]
    scale = side / 128.0  # parameters below are in pixels of a 128 px render
    if style == "pencil":
        luma = (photo * _LUMA.to(photo.device, photo.dtype)).sum(1, keepdim=True)
        lines = xdog(
            luma,
            sigma=_uniform(0.7, 1.2, generator) * scale,
            eps=_uniform(0.3, 0.5, generator),
            phi=_uniform(4.0, 8.0, generator),
        )
        threshold = _uniform(0.3, 0.5, generator)  # hatch where the blurred luminance is darker than this
        darkness = ((threshold - _blur(luma, 2.0 * scale)) / threshold).clamp(0.0, 1.0)
        hatched = hatching(
            1.0 - darkness,
            angle=_uniform(0.6, 1.1, generator) * (1 if float(torch.rand((), generator=generator)) < 0.5 else -1),
            period=_uniform(2.5, 4.0, generator) * scale,
            phase=_uniform(0.0, 4.0, generator),
        )
        sketch = torch.minimum(lines, 1.0 - _uniform(0.5, 0.9, generator) * (1.0 - hatched))
        return grey_warp(sketch, 0.008, generator).clamp(0.0, 1.0)
    binary = (edges > 0.5).float()
    if style == "shaded":
        return _shaded(photo, scale, generator)
    if style == "clean":
        return binary
    if style == "edges":
        augment = SketchAugmentation(warp_magnitude=0.01, dropout_fraction=(0.0, 0.15), erase_probability=0.15)
    elif style == "marker":
        radius = max(1, round((2 if float(torch.rand((), generator=generator)) < 0.3 else 1) * scale))
        ink = F.max_pool2d(1.0 - binary, 2 * radius + 1, stride=1, padding=radius)
        binary = 1.0 - ink
        augment = SketchAugmentation(warp_magnitude=0.012, width_probability=0.0, erase_probability=0.15)
    else:  # sparse
        augment = SketchAugmentation(
            dropout_probability=1.0,
            dropout_fraction=(0.3, 0.6),
            erase_probability=0.8,
            max_erase_boxes=3,
            erase_size=(0.15, 0.35),
        )
    return augment(binary, generator=generator)


def _shaded(photo: torch.Tensor, scale: float, generator: torch.Generator | None) -> torch.Tensor:
    """A painted grey portrait: smoothed luminance in 4-8 soft tone levels, lightened, under thin XDoG outlines."""
    luma = (photo * _LUMA.to(photo.device, photo.dtype)).sum(1, keepdim=True)
    smooth = _blur(luma, _uniform(0.8, 2.0, generator) * scale)
    levels = float(torch.randint(4, 9, (), generator=generator))
    stepped = torch.round(smooth * levels) / levels
    softness = _uniform(0.5, 0.9, generator)  # 0: hard posterisation, 1: the smooth luminance
    tone = (softness * smooth + (1.0 - softness) * stepped).clamp(0.0, 1.0)
    floor = _uniform(0.05, 0.3, generator)  # the darkest paint is dark grey, not black
    tone = floor + (1.0 - floor) * tone.pow(_uniform(0.5, 0.9, generator))  # lightened mid-tones (skin)
    # Outlines: the dark side of a difference of Gaussians (a band-pass of the luminance), softly thresholded.
    sigma = _uniform(0.6, 1.0, generator) * scale
    dog = _blur(luma, sigma) - _blur(luma, 1.6 * sigma)
    threshold = _uniform(0.008, 0.02, generator)
    ink = ((-dog - threshold) / 0.02).clamp(0.0, 1.0) * _uniform(0.6, 1.0, generator)
    return grey_warp(torch.minimum(tone, 1.0 - ink), 0.008, generator).clamp(0.0, 1.0)


@dataclass(frozen=True)
class SketchStyleSampler:
    """Draw a photo in a random (or fixed) style and normalise it to the model's size.

    Args:
        size: the model's image size; the inputs should be ``2 * size`` (they are resized otherwise).
        styles: styles to draw from.
        weights: relative frequency of each style (default: equal).
        framing_jitter: move each drawing within its frame by up to this much (``jitter_framing``; 0: the
            photo's own framing, as every held-out set is drawn).
    """

    size: int
    styles: Sequence[str] = STYLES
    weights: Sequence[float] | None = None
    framing_jitter: float = 0.0

    def __post_init__(self) -> None:
        unknown = [s for s in self.styles if s not in STYLES]
        if unknown or not self.styles:
            raise ValueError(f"unknown or no drawing styles {unknown or list(self.styles)}; accepted: {STYLES}")
        if self.weights is not None and (len(self.weights) != len(self.styles) or min(self.weights) < 0):
            raise ValueError("weights must give one non-negative weight per style")
        if not 0.0 <= self.framing_jitter <= MAX_FRAMING_JITTER:  # also refuses nan
            raise ValueError(
                f"framing_jitter must be in [0, {MAX_FRAMING_JITTER}] (a fraction of the frame), "
                f"got {self.framing_jitter}"
            )

    def pick(self, generator: torch.Generator | None = None) -> str:
        weights = torch.tensor(self.weights if self.weights is not None else [1.0] * len(self.styles))
        return self.styles[int(torch.multinomial(weights, 1, generator=generator))]

    def __call__(
        self,
        photo: torch.Tensor,
        edges: torch.Tensor,
        generator: torch.Generator | None = None,
        style: str | None = None,
    ) -> torch.Tensor:
        """photo [3, H, W], edges [1, H, W] in [0, 1] -> sketch [1, size, size] in [-1, 1] (-1 = ink)."""
        double = 2 * self.size
        photo, edges = photo[None].float(), edges[None].float()
        if photo.shape[-1] != double:
            photo = F.interpolate(photo, size=(double, double), mode="bilinear", antialias=True, align_corners=False)
            edges = F.interpolate(edges, size=(double, double), mode="nearest")
        drawn = render_style(style or self.pick(generator), photo, edges, generator)  # pick() as the 1st draw
        drawn = jitter_framing(drawn, self.framing_jitter, generator)  # after the style's draws: same drawings
        return normalize_grey_sketch(drawn, self.size, strict=False)[0]
