"""Looks: the sketch sets the geometry; a photo or a seed sets hair colour, skin tone and lighting.

A line drawing says nothing about colour, so the sketch branch answers with one plausible look per drawing. A
*look* is a target for the colour statistics of three soft regions of the aligned face frame (hair above the
forehead, the face's centre, the background beside the head): per region the mean and standard deviation of each
RGB channel, 18 numbers (:data:`LOOK_SIZE`). A photo lends its own statistics (:func:`look_statistics`); a seed
draws them from a Gaussian fitted to the training photos' statistics (:class:`LookPrior`).

The face takes a look by a short, deterministic optimisation of its latent (:func:`fit_look`): Adam on an offset
``delta`` of the sketch latent that lowers the L1 gap between the decoded face's statistics and the look, while

* an L1 term on the decoded face's luminance gradients (against the face without a look) keeps its lines, so the
  geometry stays the sketch's, and
* ``delta`` is projected off the span of the attribute directions, so the attribute scores (and the sliders,
  which shift along those directions) are unchanged by the look, and
* a small L2 penalty on ``delta`` keeps the latent near the sketch's, where the decoder renders clean faces.

No network is retrained: the decoder was never trained with style mixing, and mixing its layers with a photo's
latent moved the skin colour at most a third of the way while breaking the lines (docs/looks.md has the figures).
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from .layers.weight_cache import weight_cache_disabled

LOOK_REGIONS = ("hair", "face", "background")
LOOK_SIZE = 6 * len(LOOK_REGIONS)  # per region: RGB means, then RGB standard deviations
DEFAULT_PRIOR_PATH = Path(__file__).with_name("look_prior.json")

# What a caller may pass as a look: None (no look), an int seed, a photo, or looks [18] / [B, 18].
Look = int | torch.Tensor | Image.Image | np.ndarray | str | os.PathLike | None


def _blob(ys: torch.Tensor, xs: torch.Tensor, cy: float, cx: float, sy: float, sx: float) -> torch.Tensor:
    return torch.exp(-(((ys - cy) / sy) ** 2) - ((xs - cx) / sx) ** 2)


def region_weights(size: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Soft masks [3, size, size] of the hair, face and background regions of the aligned frame, each summing to 1.

    Centres and widths in fractions of the side, for CelebA's alignment (eyes at about 0.45 of the height).
    """
    line = torch.linspace(0.0, 1.0, size, device=device)
    ys, xs = torch.meshgrid(line, line, indexing="ij")
    masks = torch.stack(
        [
            _blob(ys, xs, 0.08, 0.5, 0.12, 0.3),  # hair: above the forehead
            _blob(ys, xs, 0.55, 0.5, 0.15, 0.15),  # face: cheeks, nose, mouth
            _blob(ys, xs, 0.2, 0.05, 0.2, 0.08) + _blob(ys, xs, 0.2, 0.95, 0.2, 0.08),  # background beside the head
        ]
    )
    return masks / masks.sum(dim=(1, 2), keepdim=True)


def look_statistics(images: torch.Tensor) -> torch.Tensor:
    """Images [B, 3, H, W] in [-1, 1] (square, aligned faces) -> looks [B, 18]: per region RGB means then stds."""
    if images.ndim != 4 or images.shape[1] != 3 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"look_statistics needs square RGB images [B, 3, H, H], got {tuple(images.shape)}")
    weights = region_weights(images.shape[-1], images.device).to(images.dtype)
    mean = torch.einsum("bchw,rhw->brc", images, weights)
    var = torch.einsum("bchw,rhw->brc", images * images, weights) - mean * mean
    return torch.cat([mean, var.clamp_min(1e-6).sqrt()], dim=-1).flatten(1)


@dataclass(frozen=True)
class LookPrior:
    """A Gaussian over looks: ``mean`` [18] and lower-triangular ``scale_tril`` [18, 18] (covariance = L L^T)."""

    mean: torch.Tensor
    scale_tril: torch.Tensor
    source: str = ""

    def sample(self, seed: int, count: int = 1) -> torch.Tensor:
        """``count`` looks [count, 18] drawn with a generator seeded by ``seed``: the same seed, the same looks."""
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"a look seed must be an int, got {type(seed).__name__}")
        noise = torch.randn(count, LOOK_SIZE, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        looks = self.mean.double() + noise @ self.scale_tril.double().T
        std = looks.view(count, len(LOOK_REGIONS), 2, 3)[:, :, 1]  # keep the spreads positive
        std.clamp_(min=1e-3)
        return looks.float()

    @classmethod
    def fit(cls, looks: torch.Tensor, source: str = "") -> LookPrior:
        """Fit to looks [N, 18] (N > 18) of real photos."""
        if looks.ndim != 2 or looks.shape[1] != LOOK_SIZE or looks.shape[0] <= LOOK_SIZE:
            raise ValueError(f"fit needs looks [N > {LOOK_SIZE}, {LOOK_SIZE}], got {tuple(looks.shape)}")
        data = looks.double()
        cov = torch.cov(data.T) + 1e-6 * torch.eye(LOOK_SIZE, dtype=torch.float64)
        return cls(data.mean(0).float(), torch.linalg.cholesky(cov).float(), source)

    def to_json(self) -> str:
        return json.dumps(
            {"source": self.source, "mean": self.mean.tolist(), "scale_tril": self.scale_tril.tolist()}, indent=1
        )

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PRIOR_PATH) -> LookPrior:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        mean, tril = torch.tensor(data["mean"]), torch.tensor(data["scale_tril"])
        if mean.shape != (LOOK_SIZE,) or tril.shape != (LOOK_SIZE, LOOK_SIZE) or not torch.isfinite(tril).all():
            raise ValueError(f"{path} is not a look prior (mean [{LOOK_SIZE}], scale_tril [{LOOK_SIZE}, {LOOK_SIZE}])")
        return cls(mean, tril, data.get("source", ""))


@functools.lru_cache(maxsize=1)
def default_look_prior() -> LookPrior:
    """The packaged prior (``look_prior.json``), read once per process: ``S2FGAN.look_from_seed`` runs on every
    "New look" click and every seeded API call. ``LookPrior.sample`` never changes it in place."""
    return LookPrior.load()


def _luma_gradients(images: torch.Tensor) -> torch.Tensor:
    """Horizontal and vertical differences of the luminance [B, 2, H-1, W-1]: the lines of a face."""
    luma = images.mean(dim=1, keepdim=True)
    dy = luma[..., 1:, :-1] - luma[..., :-1, :-1]
    dx = luma[..., :-1, 1:] - luma[..., :-1, :-1]
    return torch.cat([dy, dx], dim=1)


@dataclass(frozen=True)
class LookFit:
    """Settings of :func:`fit_look` (the defaults are the measured ones of docs/looks.md)."""

    steps: int = 30
    learning_rate: float = 0.1
    geometry_weight: float = 3.0
    offset_weight: float = 0.5  # L2 on the latent offset (mean square): keeps the face nearer its no-look latent


def fit_look(
    decoder: nn.Module,
    latent: torch.Tensor,
    look: torch.Tensor,
    attribute_directions: torch.Tensor | None = None,
    settings: LookFit | None = None,
) -> torch.Tensor:
    """The latent [B, D] moved so that ``decoder`` renders the look [B or 1, 18], keeping lines and attributes.

    ``attribute_directions`` [D, n]: the offset is kept orthogonal to their span (``None``: no constraint). Runs with
    gradients enabled on the latent only; the decoder's parameters are not changed. Deterministic for a given input.
    """
    settings = settings or LookFit()
    if look.ndim == 1:
        look = look[None]
    if look.ndim != 2 or look.shape[-1] != LOOK_SIZE or look.shape[0] not in (1, latent.shape[0]):
        raise ValueError(
            f"a look is [{LOOK_SIZE}] or [B, {LOOK_SIZE}] for B = {latent.shape[0]}, got {tuple(look.shape)}"
        )
    if not torch.isfinite(look).all():
        raise ValueError("a look must be finite")
    # Callers may hold inference tensors or be inside inference_mode, and the derived-weight cache may hold
    # weights built there: both cannot enter autograd, so the fit runs in normal mode on freshly built weights.
    with torch.inference_mode(False), weight_cache_disabled():
        base = latent.detach().float().clone()
        target = look.to(base.device, torch.float32).clone()
        return _fit(decoder, base, target, attribute_directions, settings)


def _fit(
    decoder: nn.Module,
    base: torch.Tensor,
    target: torch.Tensor,
    attribute_directions: torch.Tensor | None,
    settings: LookFit,
) -> torch.Tensor:
    basis = None
    if attribute_directions is not None:
        basis = torch.linalg.qr(attribute_directions.detach().to(base.device, torch.float32))[0]  # [D, n] orthonormal

    def constrained(offset: torch.Tensor) -> torch.Tensor:
        return offset if basis is None else offset - (offset @ basis) @ basis.T

    with torch.enable_grad():
        with torch.no_grad():
            lines = _luma_gradients(decoder(base).float())
        offset = torch.zeros_like(base, requires_grad=True)
        optimizer = torch.optim.Adam([offset], lr=settings.learning_rate)
        for _ in range(settings.steps):
            face = decoder(base + constrained(offset)).float()
            loss = (look_statistics(face) - target).abs().mean()
            loss = loss + settings.geometry_weight * (_luma_gradients(face) - lines).abs().mean()
            if settings.offset_weight > 0:
                loss = loss + settings.offset_weight * offset.square().mean()
            (offset.grad,) = torch.autograd.grad(loss, offset)  # the decoder's parameters get no gradient
            optimizer.step()
    moved = base + constrained(offset.detach())
    if not torch.isfinite(moved).all() or not math.isfinite(float(moved.abs().max())):
        raise FloatingPointError("fitting the look gave a non-finite latent")
    return moved


# A drawing in colour (a coloured-pencil portrait, a digital avatar) already says what colours the face has.
# A pixel is coloured when its chroma (max - min of R, G, B in [0, 1]) exceeds DRAWING_CHROMA after the drawing is
# white-balanced by its paper (each channel divided by its 95th percentile), so a yellowed or sepia scan of a pencil
# drawing stays grey; a drawing is coloured when more than DRAWING_COLOUR_SHARE of its pixels are. On this
# machine's data: the 200 drawn CelebA-HQ avatars 8-88 % coloured pixels (median 41 %); the freehand sketches, the
# synthetic pencil sketches of CelebA-HQ photos, the HED edge maps and a sepia-tinted freehand sketch 0 %.
DRAWING_CHROMA = 0.1
DRAWING_COLOUR_SHARE = 0.05


def coloured_share(images: torch.Tensor) -> torch.Tensor:
    """Drawings [B, 3, H, W] in [-1, 1] -> [B]: the share of their pixels that carry colour (see above)."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"coloured_share needs RGB images [B, 3, H, W], got {tuple(images.shape)}")
    unit = (images.float() + 1.0) / 2.0
    paper = torch.quantile(unit.flatten(2), 0.95, dim=2).clamp_min(0.05)  # [B, 3]: the page's colour
    balanced = (unit / paper[:, :, None, None]).clamp(0.0, 1.0)
    chroma = balanced.amax(dim=1) - balanced.amin(dim=1)
    return (chroma > DRAWING_CHROMA).float().flatten(1).mean(1)


def is_coloured_drawing(images: torch.Tensor) -> torch.Tensor:
    """Drawings [B, 3, H, W] in [-1, 1] -> [B] bool: drawn in colour, so their colours can be the face's look."""
    return coloured_share(images) > DRAWING_COLOUR_SHARE
