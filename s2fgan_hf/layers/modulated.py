"""Style-modulated convolutions of the StyleGAN2 decoder.

Weight modulation/demodulation is applied to the *activations* instead of building one weight per
sample (StyleGAN2's "non-fused" form): ``conv(x * s, W) * d`` with ``d = rsqrt(sum (W s)^2 + eps)``.
It is mathematically identical to the grouped per-sample-weight form, needs one ordinary convolution
for the whole batch, and is the faster path on CPUs and for batch 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .equalized import EqualLinear, FusedLeakyReLU
from .resample import Blur, Upsample
from .weight_cache import derived_weight


class ModulatedConv2d(nn.Module):
    """k x k convolution whose input channels are scaled by a style vector, optionally demodulated.

    Args:
        in_channels / out_channels / kernel_size: conv shape.
        style_dim: size of the style (latent) vector.
        demodulate: normalise each output channel to unit expected variance (off for ToRGB).
        upsample: 2x transposed conv followed by a blur (as in StyleGAN2).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        style_dim: int,
        demodulate: bool = True,
        upsample: bool = False,
        blur_kernel: Sequence[int] = (1, 3, 3, 1),
        eps: float = 1e-8,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.modulation = EqualLinear(style_dim, in_channels, bias_init=1.0)
        self.demodulate = demodulate
        self.upsample = upsample
        self.eps = eps
        if upsample:
            factor = 2
            p = (len(blur_kernel) - factor) - (kernel_size - 1)
            self.blur = Blur(blur_kernel, pad=((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        # x: [B, Cin, H, W]; style: [B, style_dim]
        # The style affine is a tiny [B, D] x [D, Cin] product: keep it fp32 (bf16 GEMV is slow on CPUs).
        s = self.modulation(style.float())  # [B, Cin]
        x = x * s[:, :, None, None].to(x.dtype)
        if self.upsample:
            # conv_transpose2d wants [Cin, Cout, k, k]; stride 2 doubles H, W (+ k-1), the blur trims it back.
            weight = derived_weight(
                self, "weight_t", self.weight, x.dtype, lambda: (self.weight * self.scale).transpose(0, 1)
            )
            x = self.blur(F.conv_transpose2d(x, weight, stride=2))
        else:
            weight = derived_weight(self, "weight", self.weight, x.dtype, lambda: self.weight * self.scale)
            x = F.conv2d(x, weight, padding=self.kernel_size // 2)
        if self.demodulate:
            # d[b, o] = rsqrt(sum_{i,kh,kw} (W[o,i,kh,kw] * s[b,i])^2 + eps), computed in fp32: [B, Cout]
            w2 = derived_weight(
                self, "w2", self.weight, torch.float32, lambda: (self.weight * self.scale).pow(2).sum(dim=(2, 3)).t()
            )  # [Cin, Cout]
            d = torch.rsqrt(s.float().pow(2) @ w2 + self.eps)
            x = x * d[:, :, None, None].to(x.dtype)
        return x

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"demodulate={self.demodulate}, upsample={self.upsample}"
        )


class StyledConv(nn.Module):
    """Modulated 3x3 conv followed by a fused leaky ReLU (no noise injection: S2FGAN uses none)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        style_dim: int,
        upsample: bool = False,
        blur_kernel: Sequence[int] = (1, 3, 3, 1),
    ) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(
            in_channels, out_channels, 3, style_dim, upsample=upsample, blur_kernel=blur_kernel
        )
        self.activate = FusedLeakyReLU(out_channels)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.activate(self.conv(x, style))


class ToRGB(nn.Module):
    """1x1 modulated conv (no demodulation) to RGB plus bias; adds the upsampled RGB of the previous scale."""

    def __init__(
        self, in_channels: int, style_dim: int, upsample: bool = True, blur_kernel: Sequence[int] = (1, 3, 3, 1)
    ) -> None:
        super().__init__()
        self.upsample = Upsample(blur_kernel) if upsample else None
        self.conv = ModulatedConv2d(in_channels, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, style) + self.bias.to(x.dtype)
        if skip is not None:
            if self.upsample is not None:
                skip = self.upsample(skip)
            out = out + skip
        return out


class ConstantInput(nn.Module):
    """The decoder's learned 4x4 starting tensor, repeated over the batch."""

    def __init__(self, channels: int, size: int = 4) -> None:
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, batch_size: int) -> torch.Tensor:
        return self.input.repeat(batch_size, 1, 1, 1)  # a copy, not a view of the parameter
