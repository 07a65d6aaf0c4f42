"""Sketch augmentation that makes clean synthetic sketches look hand-drawn (robustness to poorly drawn input).

Operates on batches ``[B, 1, H, W]`` in [0, 1] with 1 = white paper and 0 = stroke (the extractor's convention) on
any device. All randomness comes from a ``torch.Generator`` (drawn on the CPU, then moved to the sketches' device),
so a seed reproduces the result exactly. Steps, each applied per sample with its own probability:

1. **elastic warp**: a smooth random displacement field (bicubic-upsampled coarse noise), a few pixels at most;
2. **doubled / jittered lines**: in a random smooth region, a second copy of the strokes shifted by 1-3 px and
   warped differently is drawn over the first, like a re-traced pencil line;
3. **stroke-width jitter**: in a random smooth region the strokes are thickened by one pixel (3×3 min filter);
4. **stroke dropout**: strokes vanish inside random blobs covering a fraction of the image (broken lines);
5. **partial erasing**: up to ``max_erase_boxes`` white rectangles (missing parts of the drawing).

The output is binary again (threshold 0.8 after the bilinear resampling of the warps).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def _uniform(shape: tuple[int, ...], low: float, high: float, generator: torch.Generator | None) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator)


def _smooth_noise(
    batch: int, size: tuple[int, int], grid: int, generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """``[B, 1, H, W]`` smooth random field in about [0, 1]: coarse uniform noise upsampled bicubically."""
    coarse = torch.rand(batch, 1, grid, grid, generator=generator).to(device)
    return F.interpolate(coarse, size=size, mode="bicubic", align_corners=False)


def _region(noise: torch.Tensor, fraction: torch.Tensor) -> torch.Tensor:
    """Boolean mask covering about ``fraction[b]`` of each image: the top-``fraction`` values of a smooth field."""
    flat = noise.flatten(1)
    thresholds = torch.stack([torch.quantile(row, 1.0 - f.item()) for row, f in zip(flat, fraction)])
    return noise > thresholds.view(-1, 1, 1, 1)


def _warp(sketches: torch.Tensor, displacement: torch.Tensor) -> torch.Tensor:
    """Resample ``[B, 1, H, W]`` at identity + ``displacement`` ``[B, H, W, 2]`` (normalised coordinates)."""
    batch = sketches.shape[0]
    identity = torch.eye(2, 3, device=sketches.device).unsqueeze(0).expand(batch, 2, 3)
    grid = F.affine_grid(identity, list(sketches.shape), align_corners=False) + displacement
    return F.grid_sample(sketches, grid, mode="bilinear", padding_mode="border", align_corners=False)


@dataclass(frozen=True)
class SketchAugmentation:
    """Randomly degrade clean sketches so they look hand-drawn. Call with ``(sketches, generator)``.

    Args:
        warp_probability: chance per sample of an elastic warp.
        warp_magnitude: largest displacement, as a fraction of the image side (0.012 ≈ 3 px at 256 px).
        warp_grid: coarse noise grid of the warp (larger = wigglier).
        double_probability: chance per sample of doubled lines.
        double_offset: largest offset of the second line, as a fraction of the side (0.01 ≈ 2.5 px at 256 px).
        double_fraction: range of the image fraction whose strokes get doubled.
        width_probability: chance per sample of thicker strokes in a region.
        width_fraction: range of the image fraction where strokes get thicker.
        dropout_probability: chance per sample of stroke dropout.
        dropout_fraction: range of the image fraction where strokes are removed.
        erase_probability: chance per sample of partial erasing.
        max_erase_boxes: most rectangles erased per sample.
        erase_size: range of a rectangle's side, as a fraction of the image side.
    """

    warp_probability: float = 0.8
    warp_magnitude: float = 0.012
    warp_grid: int = 6
    double_probability: float = 0.4
    double_offset: float = 0.01
    double_fraction: tuple[float, float] = (0.2, 0.6)
    width_probability: float = 0.5
    width_fraction: tuple[float, float] = (0.2, 0.7)
    dropout_probability: float = 0.7
    dropout_fraction: tuple[float, float] = (0.05, 0.25)
    erase_probability: float = 0.3
    max_erase_boxes: int = 2
    erase_size: tuple[float, float] = (0.1, 0.3)

    def __post_init__(self) -> None:
        for name in ("warp", "double", "width", "dropout", "erase"):
            value = getattr(self, f"{name}_probability")
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}_probability must be in [0, 1], got {value}")
        for name in ("double_fraction", "width_fraction", "dropout_fraction", "erase_size"):
            low, high = getattr(self, name)
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError(f"{name} must be (low, high) with 0 <= low <= high <= 1, got {(low, high)}")

    @torch.no_grad()
    def __call__(self, sketches: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Augment ``[B, 1, H, W]`` sketches in [0, 1] (1 = paper); returns a new tensor of the same shape in {0, 1}.

        ``generator`` must be a CPU generator (``torch.Generator().manual_seed(seed)``); ``None`` uses the global RNG.
        """
        if sketches.dim() != 4 or sketches.shape[1] != 1:
            raise ValueError(f"expected sketches of shape [B, 1, H, W], got {tuple(sketches.shape)}")
        batch, _, height, width = sketches.shape
        device = sketches.device
        out = sketches.float()

        def chosen(probability: float) -> torch.Tensor:  # [B, 1, 1, 1] bool: which samples get this step
            return (torch.rand(batch, generator=generator) < probability).view(-1, 1, 1, 1).to(device)

        def displacement(magnitude: float) -> torch.Tensor:  # [B, H, W, 2] smooth field, normalised units
            fields = [_smooth_noise(batch, (height, width), self.warp_grid, generator, device) for _ in range(2)]
            return torch.cat(fields, dim=1).permute(0, 2, 3, 1).sub(0.5).mul(4.0 * magnitude)

        # 1. elastic warp
        use = chosen(self.warp_probability)
        out = torch.where(use, _warp(out, displacement(self.warp_magnitude)), out)
        out = (out >= 0.8).float()

        # 2. doubled lines: a shifted, differently warped copy, drawn (min) inside a region
        use = chosen(self.double_probability)
        shift = _uniform((batch, 1, 1, 2), -2.0 * self.double_offset, 2.0 * self.double_offset, generator).to(device)
        copy = _warp(out, displacement(self.warp_magnitude * 0.5) + shift)
        copy = (copy >= 0.8).float()
        fraction = _uniform((batch,), *self.double_fraction, generator)
        region = _region(_smooth_noise(batch, (height, width), 4, generator, device), fraction)
        out = torch.where(use & region, torch.minimum(out, copy), out)

        # 3. stroke-width jitter: thicken (3×3 min filter on paper = dilation of strokes) inside a region
        use = chosen(self.width_probability)
        thick = -F.max_pool2d(-out, kernel_size=3, stride=1, padding=1)
        fraction = _uniform((batch,), *self.width_fraction, generator)
        region = _region(_smooth_noise(batch, (height, width), 4, generator, device), fraction)
        out = torch.where(use & region, thick, out)

        # 4. stroke dropout: paper inside random blobs
        use = chosen(self.dropout_probability)
        fraction = _uniform((batch,), *self.dropout_fraction, generator)
        region = _region(_smooth_noise(batch, (height, width), 12, generator, device), fraction)
        out = torch.where(use & region, torch.ones_like(out), out)

        # 5. partial erasing: white rectangles
        rows = torch.arange(height, device=device).view(1, 1, -1, 1)
        cols = torch.arange(width, device=device).view(1, 1, 1, -1)
        for _ in range(self.max_erase_boxes):
            use = chosen(self.erase_probability)
            sides = _uniform((batch, 2), *self.erase_size, generator) * torch.tensor([height, width])
            corners = torch.rand(batch, 2, generator=generator) * (torch.tensor([height, width]) - sides)
            top, left = corners[:, 0].view(-1, 1, 1, 1).to(device), corners[:, 1].view(-1, 1, 1, 1).to(device)
            bottom = top + sides[:, 0].view(-1, 1, 1, 1).to(device)
            right = left + sides[:, 1].view(-1, 1, 1, 1).to(device)
            box = (rows >= top) & (rows < bottom) & (cols >= left) & (cols < right)
            out = torch.where(use & box, torch.ones_like(out), out)
        return out
