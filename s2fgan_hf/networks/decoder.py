"""``Decoder`` (D): StyleGAN2's synthesis network driven by one latent vector.

No mapping network (the encoders' MLPs play that role), no noise inputs, no style mixing: the same z
modulates all 2 * log2(size/4) + 1 convolutions and every ToRGB.
"""

from __future__ import annotations

import torch
from torch import nn

from ..config import S2FGANConfig
from ..layers import ConstantInput, StyledConv, ToRGB


class Decoder(nn.Module):
    """Latent z [B, latent_dim] -> image [B, 3, size, size], roughly in [-1, 1] (no tanh, as in the official model)."""

    def __init__(self, config: S2FGANConfig) -> None:
        super().__init__()
        blur, style_dim = config.blur_kernel, config.latent_dim
        c4 = config.decoder_channels(4)
        self.input = ConstantInput(c4)
        self.conv1 = StyledConv(c4, c4, style_dim, blur_kernel=blur)
        self.to_rgb1 = ToRGB(c4, style_dim, upsample=False, blur_kernel=blur)
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        in_channels = c4
        for log_res in range(3, config.log_size + 1):
            out_channels = config.decoder_channels(2**log_res)
            self.convs.append(StyledConv(in_channels, out_channels, style_dim, upsample=True, blur_kernel=blur))
            self.convs.append(StyledConv(out_channels, out_channels, style_dim, blur_kernel=blur))
            self.to_rgbs.append(ToRGB(out_channels, style_dim, blur_kernel=blur))
            in_channels = out_channels

    def forward(self, z: torch.Tensor, channels_last: bool = False) -> torch.Tensor:
        x = self.input(z.shape[0]).to(z.dtype)
        if channels_last:  # NHWC activations: convolutions keep the layout from here on
            x = x.contiguous(memory_format=torch.channels_last)
        x = self.conv1(x, z)
        rgb = self.to_rgb1(x, z)
        for i, to_rgb in enumerate(self.to_rgbs):
            x = self.convs[2 * i](x, z)  # upsample 2x
            x = self.convs[2 * i + 1](x, z)
            rgb = to_rgb(x, z, rgb)
        return rgb
