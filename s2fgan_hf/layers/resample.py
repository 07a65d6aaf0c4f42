"""FIR filtering with up/down-sampling (StyleGAN2's ``upfirdn2d``), in plain PyTorch.

The official code compiles a CUDA kernel for this at import time; here it is a zero-insertion, a pad
and a depthwise convolution, which runs anywhere and is differentiable by autograd.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def make_kernel(taps: Sequence[int]) -> torch.Tensor:
    """Separable 2-D FIR kernel from 1-D taps (outer product), normalised to sum 1."""
    k = torch.tensor(list(taps), dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k / k.sum()


def upfirdn2d(
    x: torch.Tensor, kernel: torch.Tensor, up: int = 1, down: int = 1, pad: tuple[int, int] = (0, 0)
) -> torch.Tensor:
    """Upsample by zero insertion, pad, filter with ``kernel`` (true convolution), then keep every ``down``-th pixel.

    Args:
        x: [B, C, H, W].
        kernel: [kh, kw] FIR filter (applied as a convolution, i.e. flipped for ``F.conv2d``).
        up / down: integer factors.
        pad: (before, after) padding applied to both spatial axes after upsampling.
    """
    b, c, h, w = x.shape
    if up > 1:
        # [B, C, H, 1, W, 1] -> insert up-1 zeros after each pixel on both axes.
        x = x.reshape(b, c, h, 1, w, 1)
        x = F.pad(x, (0, up - 1, 0, 0, 0, up - 1))
        x = x.reshape(b, c, h * up, w * up)
    pad0, pad1 = pad
    if pad0 or pad1:
        x = F.pad(x, (pad0, pad1, pad0, pad1))
    weight = torch.flip(kernel, (0, 1)).to(dtype=x.dtype, device=x.device)
    weight = weight[None, None].expand(c, 1, *kernel.shape)
    return F.conv2d(x, weight, stride=down, groups=c)


class Blur(nn.Module):
    """Low-pass FIR filter with padding; ``upsample_factor`` rescales the kernel after a zero-insert upsample."""

    def __init__(self, taps: Sequence[int], pad: tuple[int, int], upsample_factor: int = 1) -> None:
        super().__init__()
        kernel = make_kernel(taps) * (upsample_factor**2)
        # A buffer (not a parameter): moves with .to(), never trained, never rebuilt per call.
        self.register_buffer("kernel", kernel, persistent=False)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    """2x upsampling: zero insertion then the FIR filter (used on the decoder's RGB skip path)."""

    def __init__(self, taps: Sequence[int], factor: int = 2) -> None:
        super().__init__()
        self.register_buffer("kernel", make_kernel(taps) * (factor**2), persistent=False)
        self.factor = factor
        p = len(taps) - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)
