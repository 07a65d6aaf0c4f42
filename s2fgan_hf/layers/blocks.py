"""Convolution blocks shared by the encoders and the image discriminator."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from .equalized import EqualConv2d, FusedLeakyReLU
from .resample import Blur


class ConvLayer(nn.Sequential):
    """[optional blur] -> equalized conv -> [optional fused leaky ReLU].

    With ``downsample`` the input is blurred (anti-aliasing) and the conv has stride 2 and no padding, as in
    StyleGAN2. A conv followed by an activation carries its bias in the activation.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        downsample: bool = False,
        blur_kernel: Sequence[int] = (1, 3, 3, 1),
        bias: bool = True,
        activate: bool = True,
    ) -> None:
        layers: list[nn.Module] = []
        if downsample:
            factor = 2
            p = (len(blur_kernel) - factor) + (kernel_size - 1)
            layers.append(Blur(blur_kernel, pad=((p + 1) // 2, p // 2)))
            stride, padding = 2, 0
        else:
            stride, padding = 1, kernel_size // 2
        layers.append(
            EqualConv2d(
                in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias and not activate
            )
        )
        if activate:
            layers.append(FusedLeakyReLU(out_channels))
        super().__init__(*layers)


class ResBlock(nn.Module):
    """Residual block: two 3x3 convs (the second may downsample) plus a learned 1x1 skip; output / sqrt(2).

    The skip is a learned 1x1 conv even when ``in_channels == out_channels`` and nothing is downsampled,
    as in the official encoders.
    """

    def __init__(
        self, in_channels: int, out_channels: int, downsample: bool = True, blur_kernel: Sequence[int] = (1, 3, 3, 1)
    ) -> None:
        super().__init__()
        self.conv1 = ConvLayer(in_channels, in_channels, 3, blur_kernel=blur_kernel)
        self.conv2 = ConvLayer(in_channels, out_channels, 3, downsample=downsample, blur_kernel=blur_kernel)
        self.skip = ConvLayer(
            in_channels, out_channels, 1, downsample=downsample, blur_kernel=blur_kernel, bias=False, activate=False
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.conv2(self.conv1(x)) + self.skip(x)) / math.sqrt(2.0)
