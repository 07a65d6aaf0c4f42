"""Differentiable discriminator augmentation: DiffAugment or an adaptive (ADA-like) pipeline.

Both are applied to real and fake images in the discriminator step and to fake images in the generator step,
never to the images of the R1 penalty. Every op is differentiable with respect to the image, so the generator
still gets a gradient through an augmented fake.

* ``DiffAugment`` (Zhao et al. 2020): colour (brightness, saturation, contrast), translation (up to 1/8 of the
  size, zero padding) and cutout (a square of half the size), on every image, every time.
* ``AdaptiveAugment`` (after Karras et al. 2020, "ADA"): x-flip, integer translation, isotropic scaling,
  brightness, contrast and saturation, each applied to a sample with probability p. p starts at 0 and moves
  towards the overfitting target r_t = E[sign(D(real))] = 0.6, by (images seen) / (ada_kimg * 1000) per
  adjustment. The statistic is summed over all processes through ``reduce_fn`` so every rank keeps the same p.
  It is a lighter pipeline than StyleGAN2-ADA's "bgc" (no 90-degree rotations, no anisotropic scaling, no hue
  or luma flip), which keeps it leak-free at any p for faces.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

AUGMENT_KINDS = ("none", "diffaug", "ada")


def _rand(n: int, x: torch.Tensor) -> torch.Tensor:
    return torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype)


def _brightness(x: torch.Tensor, amount: torch.Tensor) -> torch.Tensor:
    return x + amount  # amount [B, 1, 1, 1], in image units of [-1, 1]


def _saturation(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * factor + mean


def _contrast(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * factor + mean


def _translate(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Integer translation by ``shift`` [B, 2] pixels (dx, dy), zero padding; differentiable in x."""
    b, _, h, w = x.shape
    ys = torch.arange(h, device=x.device)[None, :, None] - shift[:, 1, None, None]  # [B, H, 1]
    xs = torch.arange(w, device=x.device)[None, None, :] - shift[:, 0, None, None]  # [B, 1, W]
    valid = ((ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)).to(x.dtype)  # [B, H, W]
    idx = ys.clamp(0, h - 1) * w + xs.clamp(0, w - 1)  # [B, H, W]
    flat = x.flatten(2)  # [B, C, H*W]
    out = flat.gather(2, idx.flatten(1)[:, None].expand(-1, x.shape[1], -1)).view_as(x)
    return out * valid[:, None]


def _cutout(x: torch.Tensor, fraction: float = 0.5) -> torch.Tensor:
    b, _, h, w = x.shape
    ch, cw = max(1, int(h * fraction)), max(1, int(w * fraction))
    top = torch.randint(0, h - ch + 1, (b, 1, 1), device=x.device)
    left = torch.randint(0, w - cw + 1, (b, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    inside = (ys >= top) & (ys < top + ch) & (xs >= left) & (xs < left + cw)  # [B, H, W]
    return x * (~inside)[:, None].to(x.dtype)


def _scale(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Isotropic zoom about the centre by ``factor`` [B]; reflection padding keeps borders natural."""
    b = x.shape[0]
    theta = torch.zeros(b, 2, 3, device=x.device, dtype=x.dtype)
    theta[:, 0, 0] = 1.0 / factor
    theta[:, 1, 1] = 1.0 / factor
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


class NoAugment:
    """The identity; keeps the same interface as the real augmenters."""

    kind = "none"
    p = 0.0

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        return images

    def update(self, real_logits: torch.Tensor) -> None:  # noqa: ARG002
        return None

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:  # noqa: ARG002
        return None


class DiffAugment(NoAugment):
    """DiffAugment "color,translation,cutout" on [B, 3, H, W] images in [-1, 1]."""

    kind = "diffaug"
    p = 1.0

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        x = images
        b, _, h, w = x.shape
        x = _brightness(x, _rand(b, x) - 0.5)  # +-0.5 on [-1, 1] images, as in DiffAugment
        x = _saturation(x, _rand(b, x) * 2.0)
        x = _contrast(x, _rand(b, x) + 0.5)
        max_shift = torch.tensor([w, h], device=x.device) // 8
        shift = (torch.rand(b, 2, device=x.device) * (2 * max_shift + 1)).floor().long() - max_shift
        x = _translate(x, shift)
        return _cutout(x, 0.5)


class AdaptiveAugment(NoAugment):
    """ADA-like augmentation whose strength p adapts so that E[sign(D(real))] stays near ``target``.

    Args:
        target: the overfitting heuristic's target r_t (0.6 as in StyleGAN2-ADA and the official S2FGAN).
        ada_kimg: thousands of images for p to move by 1 (500 in the official code).
        interval: number of ``update`` calls (discriminator steps) between adjustments of p.
        reduce_fn: sums a tensor over processes (``accelerator.reduce(t, "sum")``); identity when ``None``.
        initial_p: starting probability.
    """

    kind = "ada"

    def __init__(
        self,
        target: float = 0.6,
        ada_kimg: float = 500.0,
        interval: int = 4,
        reduce_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
        initial_p: float = 0.0,
    ) -> None:
        self.target = target
        self.ada_kimg = ada_kimg
        self.interval = interval
        self.reduce_fn = reduce_fn
        self.p = float(initial_p)
        self._sign_sum = 0.0
        self._count = 0.0
        self._calls = 0
        self.last_rt = float("nan")

    def _apply(self, x: torch.Tensor, op: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        mask = (_rand(x.shape[0], x) < self.p).to(x.dtype)  # [B, 1, 1, 1]
        return mask * op(x) + (1 - mask) * x

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if self.p <= 0:
            return images
        x = images
        b, _, h, w = x.shape
        x = self._apply(x, lambda t: t.flip(-1))
        max_shift = torch.tensor([w, h], device=x.device) // 8
        shift = (torch.rand(b, 2, device=x.device) * (2 * max_shift + 1)).floor().long() - max_shift
        x = self._apply(x, lambda t: _translate(t, shift))
        zoom = torch.exp2(torch.randn(b, device=x.device, dtype=x.dtype) * 0.2)
        x = self._apply(x, lambda t: _scale(t, zoom))
        x = self._apply(x, lambda t: _brightness(t, torch.randn(b, 1, 1, 1, device=x.device, dtype=x.dtype) * 0.4))
        x = self._apply(x, lambda t: _contrast(t, torch.exp2(torch.randn_like(_rand(b, t)) * 0.5)))
        return self._apply(x, lambda t: _saturation(t, torch.exp2(torch.randn_like(_rand(b, t)))))

    @torch.no_grad()
    def update(self, real_logits: torch.Tensor) -> None:
        """Accumulate sign(D(real)); every ``interval`` calls move p towards the target (same on every rank)."""
        count = torch.tensor(float(real_logits.numel()), device=real_logits.device)  # beside the logits (CUDA too)
        stats = torch.stack([real_logits.detach().float().sign().sum(), count])
        if self.reduce_fn is not None:
            stats = self.reduce_fn(stats)
        self._sign_sum += float(stats[0])
        self._count += float(stats[1])
        self._calls += 1
        if self._calls % self.interval == 0 and self._count > 0:
            self.last_rt = self._sign_sum / self._count
            step = math.copysign(self._count / (self.ada_kimg * 1000.0), self.last_rt - self.target)
            self.p = min(1.0, max(0.0, self.p + step))
            self._sign_sum, self._count = 0.0, 0.0

    def state_dict(self) -> dict:
        return {"p": self.p, "sign_sum": self._sign_sum, "count": self._count, "calls": self._calls}

    def load_state_dict(self, state: dict) -> None:
        self.p = float(state["p"])
        self._sign_sum = float(state["sign_sum"])
        self._count = float(state["count"])
        self._calls = int(state["calls"])


def build_augment(
    kind: str,
    target: float = 0.6,
    ada_kimg: float = 500.0,
    reduce_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> NoAugment:
    """``"none"``, ``"diffaug"`` or ``"ada"`` -> an augmenter with ``__call__``, ``update`` and a state dict."""
    if kind == "none":
        return NoAugment()
    if kind == "diffaug":
        return DiffAugment()
    if kind == "ada":
        return AdaptiveAugment(target=target, ada_kimg=ada_kimg, reduce_fn=reduce_fn)
    raise ValueError(f"d_augment must be one of {AUGMENT_KINDS}, got {kind!r}")
