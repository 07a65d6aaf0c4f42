"""FIR filtering with up/down-sampling (StyleGAN2's ``upfirdn2d``), in plain PyTorch.

The official code compiles a CUDA kernel for this at import time; here it is a zero-insertion, a pad
and a depthwise convolution, which runs anywhere and is differentiable by autograd.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .weight_cache import derived_weight


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
    x = _zero_insert_and_pad(x, up, pad)  # [B, C, H*up + pads, W*up + pads]
    return _filter(x, depthwise_kernel(kernel.to(x.device), x.shape[1], x.dtype), down)


def depthwise_kernel(kernel: torch.Tensor, channels: int, dtype: torch.dtype) -> torch.Tensor:
    """The FIR kernel flipped (true convolution) as a [C, 1, kh, kw] depthwise ``F.conv2d`` weight."""
    return torch.flip(kernel, (0, 1)).to(dtype)[None, None].expand(channels, 1, *kernel.shape).contiguous()


def _filter(x: torch.Tensor, weight: torch.Tensor, down: int) -> torch.Tensor:
    return F.conv2d(x, weight, stride=down, groups=x.shape[1])


def _zero_insert_and_pad(x: torch.Tensor, up: int, pad: tuple[int, int]) -> torch.Tensor:
    b, c, h, w = x.shape
    if up > 1:
        x = F.pad(x.reshape(b, c, h, 1, w, 1), (0, up - 1, 0, 0, 0, up - 1)).reshape(b, c, h * up, w * up)
    if pad[0] or pad[1]:
        x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    return x


class Blur(nn.Module):
    """Low-pass FIR filter with padding, after an optional zero-insertion upsample by ``up``.

    ``upsample_factor`` rescales the kernel (by its square) to keep the signal level after zero insertion; the
    depthwise weight is built once per channel count and dtype, not per call.
    """

    def __init__(self, taps: Sequence[int], pad: tuple[int, int], upsample_factor: int = 1, up: int = 1) -> None:
        super().__init__()
        # A buffer (not a parameter): moves with .to(), never trained, not saved in checkpoints.
        self.register_buffer("kernel", make_kernel(taps) * (upsample_factor**2), persistent=False)
        self.pad = pad
        self.up = up

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        build = lambda: depthwise_kernel(self.kernel, c, x.dtype)  # noqa: E731
        weight = derived_weight(self, f"depthwise{c}", self.kernel, x.dtype, build)
        pad0, pad1 = self.pad
        kh = self.kernel.shape[0]
        if self.up == 1 and pad0 == pad1:
            # Symmetric padding: let the convolution pad (no separate padded copy of x).
            return F.conv2d(x, weight, padding=pad0, groups=c)
        if self.up > 1 and pad0 + pad1 == kh - 1 and 2 * pad0 == kh + self.up - 2:
            # Zero insertion + pad + filter == a strided transposed depthwise conv (no 4x-size zero-filled copy).
            # Derivation: out[i] = sum_j x[j] K[i + kh - 1 - pad0 - up*j], which is conv_transpose2d's indexing
            # with padding kh - 1 - pad0; the output is exactly up * H when the pads are as tested (kernel symmetric).
            return F.conv_transpose2d(x, weight, stride=self.up, padding=kh - 1 - pad0, groups=c)
        return _filter(_zero_insert_and_pad(x, self.up, self.pad), weight, 1)


class Upsample(Blur):
    """2x upsampling: zero insertion then the FIR filter (used on the decoder's RGB skip path)."""

    def __init__(self, taps: Sequence[int], factor: int = 2) -> None:
        p = len(taps) - factor
        super().__init__(taps, pad=((p + 1) // 2 + factor - 1, p // 2), upsample_factor=factor, up=factor)
