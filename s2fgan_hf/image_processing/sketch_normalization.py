"""The grey-level sketch normalisation shared by training and inference (``config.sketch_normalization="grey"``).

Every drawing style people use (thin pen lines, thick marker strokes, shaded pencil portraits, sparse outlines)
must reach the sketch encoder in one format that keeps what the style carries. The legacy format (binarise, thin
to 1 px) turned shading, hatching and thick strokes into loops; this one keeps grey levels:

1. a square grey image in [0, 1] (1 = paper) is brought to twice the model's size ``2 * size`` with area
   averaging (antialiased; enlarged bilinearly if smaller);
2. its contrast is stretched per image: the paper level (the 95th percentile) goes to 1, the darkest ink (the
   0.5th percentile, or the darkest pixel of a very sparse drawing) to 0, so a light pencil drawing and a black
   pen drawing look alike;
3. it is halved to ``size`` with the mean of a 2x2 min-pool and a 2x2 average: a 1 px line at ``2 * size`` stays
   a visible grey line at ``size`` (the min-pool half) while shading keeps its tone (the average half).

The trainer renders its drawing styles at ``2 * size`` and calls the same function, so the encoder sees at
inference exactly the distribution it was trained on. Output: [B, 1, size, size] in [-1, 1], -1 = ink.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

PAPER_QUANTILE = 0.95
INK_QUANTILE = 0.005
# A drawing whose ink is less than this much darker than its paper is blank (or one flat tone).
MIN_CONTRAST = 0.08


def _quantile(flat: torch.Tensor, q: float) -> torch.Tensor:
    """Per-row ``q`` quantile of [B, N] (nearest rank): unlike ``torch.quantile`` it takes any N, so a full-size
    photo of a drawing (tens of megapixels) is checked without a size error."""
    k = min(flat.shape[1], max(1, round(q * (flat.shape[1] - 1)) + 1))
    return flat.kthvalue(k, dim=1).values


def paper_and_ink(gray: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image paper and ink levels of [B, 1, H, W] grey sketches in [0, 1]: two [B] tensors.

    Paper is the 95th percentile. Ink is the 0.5th percentile, or the darkest pixel for a drawing so sparse that
    fewer than 0.5 % of its pixels are ink (a single line on a large page).
    """
    flat = gray.flatten(1).float()
    paper, ink = _quantile(flat, PAPER_QUANTILE), _quantile(flat, INK_QUANTILE)
    ink = torch.where(paper - ink < MIN_CONTRAST, flat.amin(dim=1), ink)
    return paper, ink


def sketch_contrast(gray: torch.Tensor) -> torch.Tensor:
    """Per-image (paper level - ink level) of [B, 1, H, W] grey sketches in [0, 1]: [B]."""
    paper, ink = paper_and_ink(gray)
    return paper - ink


def normalize_grey_sketch(gray: torch.Tensor, size: int, strict: bool = True) -> torch.Tensor:
    """Square grey sketches [B, 1, S, S] in [0, 1] (1 = paper) -> [B, 1, size, size] in [-1, 1] (-1 = ink).

    With ``strict`` a drawing with no contrast (blank, or one flat tone) is a ``ValueError``: there is nothing to
    encode. The trainer passes ``strict=False`` (its rendered styles always carry strokes).
    """
    if gray.ndim != 4 or gray.shape[1] != 1 or gray.shape[-1] != gray.shape[-2]:
        raise ValueError(f"expected square grey sketches [B, 1, S, S], got {tuple(gray.shape)}")
    x = gray.float().clamp(0.0, 1.0)
    double = 2 * size
    if x.shape[-1] > double:
        x = F.interpolate(x, size=(double, double), mode="area")
    elif x.shape[-1] < double:
        x = F.interpolate(x, size=(double, double), mode="bilinear", align_corners=False)
    paper, ink = paper_and_ink(x)
    paper, ink = paper.view(-1, 1, 1, 1), ink.view(-1, 1, 1, 1)
    contrast = paper - ink
    if strict and bool((contrast < MIN_CONTRAST).any()):
        worst = float(contrast.min())
        raise ValueError(
            f"the sketch has no strokes to encode (ink is only {worst:.3f} darker than the paper; a blank, "
            f"single-tone or almost empty image); draw dark strokes on a light background (or light on dark)"
        )
    x = ((x - ink) / contrast.clamp_min(MIN_CONTRAST)).clamp(0.0, 1.0)
    x = 0.5 * (-F.max_pool2d(-x, 2) + F.avg_pool2d(x, 2))
    return x * 2.0 - 1.0
