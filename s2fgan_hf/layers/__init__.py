"""Building blocks (no assembled networks): equalized layers, FIR resampling, modulated convs, res blocks."""

from .blocks import ConvLayer, ResBlock
from .equalized import EqualConv2d, EqualLinear, FusedLeakyReLU, PixelNorm, fused_leaky_relu
from .gradient_reversal import GradientReversal
from .modulated import ConstantInput, ModulatedConv2d, StyledConv, ToRGB
from .resample import Blur, Upsample, make_kernel, upfirdn2d

__all__ = [
    "Blur",
    "ConstantInput",
    "ConvLayer",
    "EqualConv2d",
    "EqualLinear",
    "FusedLeakyReLU",
    "GradientReversal",
    "ModulatedConv2d",
    "PixelNorm",
    "ResBlock",
    "StyledConv",
    "ToRGB",
    "Upsample",
    "fused_leaky_relu",
    "make_kernel",
    "upfirdn2d",
]
