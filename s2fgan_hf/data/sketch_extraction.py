"""Photo → sketch extraction in pure PyTorch (no pretrained weights), batched, CPU or GPU.

S2FGAN trains on HED edge maps post-processed by pix2pix's ``PostprocessHED.m`` (NMS, threshold, thinning, removal
of tiny components, inverted): one-pixel black strokes on white paper, about 3-6 % dark pixels at 256 px. HED needs
a pretrained network, so this module builds the same *look* from classical steps:

1. luminance, Gaussian smoothing at a face-contour scale (``sigma``, in pixels of a 256 px image);
2. Sobel gradient magnitude and orientation;
3. non-maximum suppression along the gradient direction (4 orientation bins);
4. hysteresis with per-image thresholds taken as quantiles of the suppressed magnitudes, so contrast differences
   between photos do not change the stroke density much;
5. Zhang-Suen thinning to about 1 px strokes;
6. removal of connected components smaller than ``min_component_size`` pixels;
7. inversion: strokes 0 (black), paper 1 (white).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from s2fgan_hf.image_processing.morphology import hysteresis, remove_small_components, thin

_LUMA = (0.299, 0.587, 0.114)


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``[B, 1, H, W]`` with reflect padding (weighted sums of shifted slices, which are
    faster than a single-channel ``conv2d`` on CPU)."""
    radius = max(1, int(math.ceil(3.0 * sigma)))
    radius = min(radius, min(x.shape[-2:]) - 1)  # reflect padding needs radius < size
    weights = [math.exp(-(k**2) / (2.0 * sigma**2)) for k in range(-radius, radius + 1)]
    total = sum(weights)
    height, width = x.shape[-2:]
    padded = F.pad(x, (radius, radius, 0, 0), mode="reflect")
    x = sum(w / total * padded[..., :, k : k + width] for k, w in enumerate(weights))
    padded = F.pad(x, (0, 0, radius, radius), mode="reflect")
    return sum(w / total * padded[..., k : k + height, :] for k, w in enumerate(weights))


def _sobel(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Horizontal and vertical derivatives of ``[B, 1, H, W]`` (Sobel, normalised by 8)."""
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=x.device, dtype=x.dtype) / 8.0
    padded = F.pad(x, (1, 1, 1, 1), mode="replicate")
    gx = F.conv2d(padded, kx.view(1, 1, 3, 3))
    gy = F.conv2d(padded, kx.t().contiguous().view(1, 1, 3, 3))
    return gx, gy


def _shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``out[..., i, j] = x[..., i + dy, j + dx]`` with zero outside the image."""
    padded = F.pad(x, (1, 1, 1, 1))
    height, width = x.shape[-2:]
    return padded[..., 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]


def non_maximum_suppression(magnitude: torch.Tensor, gx: torch.Tensor, gy: torch.Tensor) -> torch.Tensor:
    """Zero every pixel whose magnitude is below either neighbour along its (4-bin quantised) gradient direction."""
    angle = torch.remainder(torch.rad2deg(torch.atan2(gy, gx)), 180.0)  # [B, 1, H, W] in [0, 180)
    bins = (torch.floor((angle + 22.5) / 45.0).long()) % 4  # 0: horizontal gradient, 1: 45°, 2: vertical, 3: 135°
    keep = torch.zeros_like(magnitude, dtype=torch.bool)
    for bin_index, (dy, dx) in enumerate(((0, 1), (1, 1), (1, 0), (1, -1))):
        is_max = (magnitude >= _shift(magnitude, dy, dx)) & (magnitude >= _shift(magnitude, -dy, -dx))
        keep |= (bins == bin_index) & is_max
    return magnitude * keep


@dataclass(frozen=True)
class SketchExtractor:
    """Turn face photos into HED-like sketches: black ~1 px strokes on white paper.

    Args:
        sigma: Gaussian smoothing in pixels *of a 256 px image*; scaled with the input size so a 128 px or 512 px
            photo gives the same strokes at its own resolution (never below ``min_sigma``).
        min_sigma: lower bound on the effective sigma for small inputs.
        high_quantile: the high hysteresis threshold is this quantile of the non-maximum-suppressed magnitudes
            (over the pixels that survived suppression), per image.
        low_ratio: low threshold = ``low_ratio * high``.
        min_contrast: absolute floor of the high threshold (luminance in [0, 1] per pixel, Sobel/8), so a flat
            image gives a blank sketch instead of amplified noise.
        min_component_size: connected stroke pieces with fewer pixels than this are removed (scaled with size).
        reference_size: the resolution at which ``sigma`` and ``min_component_size`` are expressed.
    """

    sigma: float = 2.0
    min_sigma: float = 0.8
    high_quantile: float = 0.8
    low_ratio: float = 0.5
    min_contrast: float = 0.01
    min_component_size: int = 10
    reference_size: int = 256

    def __post_init__(self) -> None:
        if not self.sigma > 0 or not self.min_sigma > 0:
            raise ValueError(f"sigma and min_sigma must be positive, got {self.sigma}, {self.min_sigma}")
        if not 0.0 < self.high_quantile < 1.0:
            raise ValueError(f"high_quantile must be in (0, 1), got {self.high_quantile}")
        if not 0.0 < self.low_ratio <= 1.0:
            raise ValueError(f"low_ratio must be in (0, 1], got {self.low_ratio}")

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Extract sketches.

        Args:
            images: ``[B, 3, H, W]`` RGB or ``[B, 1, H, W]`` grey float tensor in [0, 1] (any device), or a single
                image without the batch dimension.

        Returns:
            ``[B, 1, H, W]`` float tensor (same device) with 0 = stroke (black) and 1 = paper (white); no batch
            dimension if the input had none. Each image is processed independently, so batching does not change
            the result.
        """
        unbatched = images.dim() == 3
        if unbatched:
            images = images.unsqueeze(0)
        if images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected images of shape [B, 3|1, H, W] or [3|1, H, W], got {tuple(images.shape)}")
        if not images.is_floating_point():
            raise ValueError(f"expected a float tensor in [0, 1], got dtype {images.dtype} (divide uint8 by 255)")
        images = images.float()
        if images.shape[1] == 3:
            weights = torch.tensor(_LUMA, device=images.device).view(1, 3, 1, 1)
            luminance = (images * weights).sum(dim=1, keepdim=True)  # [B, 1, H, W]
        else:
            luminance = images
        scale = min(images.shape[-2:]) / self.reference_size
        sigma = max(self.min_sigma, self.sigma * scale)
        smoothed = _gaussian_blur(luminance, sigma)
        gx, gy = _sobel(smoothed)
        magnitude = torch.sqrt(gx**2 + gy**2)
        suppressed = non_maximum_suppression(magnitude, gx, gy)
        high = self._high_thresholds(suppressed)  # [B, 1, 1, 1]
        edges = hysteresis(strong=suppressed >= high, weak=suppressed >= self.low_ratio * high)
        edges = thin(edges)
        min_size = max(2, round(self.min_component_size * scale))
        edges = remove_small_components(edges, min_size)
        sketch = (~edges).float()
        return sketch[0] if unbatched else sketch

    def _high_thresholds(self, suppressed: torch.Tensor) -> torch.Tensor:
        """Per-image high threshold: a quantile of the positive suppressed magnitudes, floored at ``min_contrast``."""
        thresholds = []
        for values in suppressed.flatten(1):
            candidates = values[values > 0]
            if candidates.numel() == 0:
                thresholds.append(values.new_tensor(float("inf")))
                continue
            # torch.quantile has an input-size limit; a strided subsample keeps the estimate deterministic.
            if candidates.numel() > 1_000_000:
                candidates = candidates[:: candidates.numel() // 1_000_000 + 1]
            thresholds.append(torch.quantile(candidates, self.high_quantile).clamp_min(self.min_contrast))
        return torch.stack(thresholds).view(-1, 1, 1, 1)


def extract_sketch(images: torch.Tensor, extractor: SketchExtractor | None = None) -> torch.Tensor:
    """Functional form: ``extract_sketch(images)`` with the default (HED-tuned) :class:`SketchExtractor`.

    ``images`` is ``[B, 3, H, W]`` (or ``[B, 1, H, W]``) float in [0, 1]; returns ``[B, 1, H, W]`` with
    0 = stroke, 1 = paper.
    """
    return (extractor or SketchExtractor())(images)


def stroke_density(sketches: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Fraction of dark (stroke) pixels per image of a ``[B, 1, H, W]`` sketch batch in [0, 1] → ``[B]``."""
    return (sketches < threshold).float().flatten(1).mean(dim=1)
