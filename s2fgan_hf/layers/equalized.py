"""Equalized-learning-rate layers (Karras et al.): weights stored at N(0, 1), scaled at run time.

Storing unit-variance weights and multiplying by ``1/sqrt(fan_in)`` in the forward pass makes Adam's
per-parameter step sizes comparable across layers. ``lr_mul`` additionally slows a layer down (the
encoder MLPs use 0.01, like StyleGAN's mapping network).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .weight_cache import derived_weight

SQRT2 = math.sqrt(2.0)


def fused_leaky_relu(x: torch.Tensor, bias: torch.Tensor | None, negative_slope: float = 0.2) -> torch.Tensor:
    """``leaky_relu(x + bias) * sqrt(2)``: StyleGAN2's "fused" activation, here in plain PyTorch.

    ``bias`` has one value per channel (dim 1); the ``sqrt(2)`` gain keeps activations' variance.
    """
    if bias is not None:
        shape = [1, -1] + [1] * (x.ndim - 2)
        x = x + bias.view(shape).to(x.dtype)
        if not torch.is_grad_enabled():  # inference: x is a fresh tensor, finish in place (no extra copies)
            return F.leaky_relu_(x, negative_slope).mul_(SQRT2)
    return F.leaky_relu(x, negative_slope) * SQRT2


class FusedLeakyReLU(nn.Module):
    """Learned per-channel bias, leaky ReLU (slope 0.2), gain sqrt(2)."""

    def __init__(self, channels: int, negative_slope: float = 0.2) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_leaky_relu(x, self.bias, self.negative_slope)


class PixelNorm(nn.Module):
    """Divide each vector by its RMS over the feature dimension (dim 1)."""

    def __init__(self, eps: float = 1e-8) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + self.eps)


class EqualLinear(nn.Module):
    """Linear layer with equalized learning rate and an optional fused leaky-ReLU activation.

    Args:
        in_features / out_features: sizes.
        bias: learn a bias.
        bias_init: initial bias value (1.0 for style modulations, so styles start at identity scale).
        lr_mul: learning-rate multiplier; weights are stored divided by it and multiplied back at run time.
        activation: apply ``fused_leaky_relu`` after the affine map.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        bias_init: float = 0.0,
        lr_mul: float = 1.0,
        activation: bool = False,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features).div_(lr_mul))
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init))) if bias else None
        self.scale = lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = derived_weight(self, "weight", self.weight, x.dtype, lambda: self.weight * self.scale)
        bias = None
        if self.bias is not None:
            bias = derived_weight(self, "bias", self.bias, x.dtype, lambda: self.bias * self.lr_mul)
        if self.activation:
            return fused_leaky_relu(F.linear(x, weight), bias)
        return F.linear(x, weight, bias)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]}, {self.weight.shape[0]}, lr_mul={self.lr_mul}, activation={self.activation}"


class EqualConv2d(nn.Module):
    """2-D convolution with equalized learning rate (He scale ``1/sqrt(in * k * k)``)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.stride = stride
        self.padding = padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = derived_weight(self, "weight", self.weight, x.dtype, lambda: self.weight * self.scale)
        bias = self.bias.to(x.dtype) if self.bias is not None else None
        return F.conv2d(x, weight, bias, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        out_c, in_c, k, _ = self.weight.shape
        return f"{in_c}, {out_c}, kernel_size={k}, stride={self.stride}, padding={self.padding}"
