"""``SketchEncoder`` (E_s) and ``ImageEncoder`` (E_i): a ResNet pyramid read out at every scale.

Both map their input to one latent z. After each ResNet stage the feature map is average-pooled to a
small grid and projected by an MLP head; the heads are averaged, pixel-normalised and refined by a
last MLP. Early (high-resolution) stages thus speak directly into z, which helps attributes such as
skin tone that are visible in fine features.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..config import S2FGANConfig
from ..layers import ConvLayer, EqualLinear, PixelNorm, ResBlock
from ..layers.weight_cache import derived_weight
from .sketch_reader import SketchReader


def head_pool_size(channels: int) -> int:
    """Pooled grid side of a multi-scale head, by stage width (official table: 128/256 -> 2, 512 -> 1)."""
    if channels >= 512:
        return 1
    if channels >= 128:
        return 2
    if channels >= 64:
        return 3
    return 4


class _MultiScaleHead(nn.Sequential):
    """AdaptiveAvgPool(p) -> flatten -> MLP (``layers`` EqualLinear with fused leaky ReLU)."""

    def __init__(self, channels: int, latent_dim: int, layers: int, lr_mul: float) -> None:
        p = head_pool_size(channels)
        mlp: list[nn.Module] = [nn.AdaptiveAvgPool2d(p), nn.Flatten()]
        mlp.append(EqualLinear(channels * p * p, latent_dim, lr_mul=lr_mul, activation=True))
        for _ in range(layers - 1):
            mlp.append(EqualLinear(latent_dim, latent_dim, lr_mul=lr_mul, activation=True))
        super().__init__(*mlp)


class LatentEncoder(nn.Module):
    """Shared design of both encoders.

    Args:
        in_channels: 1 for sketches, 3 for photos.
        input_size: spatial size the network sees; stages halve it down to 4x4.
        base_channels: stem width; each stage doubles it up to ``max_channels``.
        config: supplies latent size, MLP depths, lr multiplier and blur kernel.
    """

    def __init__(self, in_channels: int, input_size: int, base_channels: int, config: S2FGANConfig) -> None:
        super().__init__()
        num_stages = input_size.bit_length() - 3  # input_size / 2**num_stages == 4
        blur = config.blur_kernel
        self.stem = ConvLayer(in_channels, base_channels, 1, blur_kernel=blur)
        stages, heads, widths = [], [], []
        channels = base_channels
        for _ in range(num_stages):
            out_channels = min(channels * 2, config.encoder_max_channels)
            widths.append(out_channels)
            stages.append(
                nn.Sequential(
                    ResBlock(channels, out_channels, downsample=True, blur_kernel=blur),
                    ResBlock(out_channels, out_channels, downsample=False, blur_kernel=blur),
                )
            )
            heads.append(_MultiScaleHead(out_channels, config.latent_dim, config.head_mlp_layers, config.mlp_lr_mul))
            channels = out_channels
        self.stages = nn.ModuleList(stages)
        self.heads = nn.ModuleList(heads)
        self.stage_channels: tuple[int, ...] = tuple(widths)  # channels of each stage's output
        self.norm = PixelNorm()
        self.refine = nn.Sequential(
            *[
                EqualLinear(config.latent_dim, config.latent_dim, lr_mul=config.mlp_lr_mul, activation=True)
                for _ in range(config.refine_mlp_layers)
            ]
        )

    def stage_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The ResNet pyramid: each stage's output [B, stage_channels[k], H / 2^(k+1), W / 2^(k+1)]."""
        x = self.stem(x)
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features

    def latent_from_heads(self, heads: list[torch.Tensor]) -> torch.Tensor:
        """The heads' outputs (each [B, latent_dim]) -> z: their mean, pixel-normalised, then refined."""
        return self.refine(self.norm(sum(heads) / len(heads)))  # post-activation, like the official encoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.latent_from_heads([head(f) for head, f in zip(self.heads, self.stage_features(x))])


class SketchEncoder(LatentEncoder):
    """E_s: sketch -> latent.

    Input is a sketch at ``config.image_size`` in [-1, 1] (white paper = +1, black stroke = -1), shape
    [B, 1, H, W]. It is brought to ``config.sketch_input_size`` and binarised to {0 = stroke, 1 = paper},
    as the official model does, before the ResNet.

    With ``config.sketch_reader_width > 0`` (not in the paper) a ``SketchReader`` reads the same drawing, before
    it is binarised, and ``fusion``, one linear layer, maps [reader features, the ResNet's latent] to the
    latent. Built fresh, ``fusion`` passes the ResNet's latent through unchanged; ``scripts/sketch_reader_fusion.py
    --save-model`` fits it (with the reader) to a trained model.
    """

    def __init__(self, config: S2FGANConfig) -> None:
        super().__init__(1, config.sketch_input_size, config.sketch_encoder_channels, config)
        self.input_size = config.sketch_input_size
        self.downsample_mode = config.sketch_downsample
        self.reader: SketchReader | None = None
        self.fusion: nn.Linear | None = None
        if config.sketch_reader_width:
            width, d = config.sketch_reader_width, config.latent_dim
            self.reader = SketchReader(width, config.sketch_input_size)
            self.fusion = nn.Linear(width + d, d)
            with torch.no_grad():  # [0 | I]: the paper's encoder until the fusion is fitted or trained
                self.fusion.weight.zero_()
                self.fusion.weight[:, width:] = torch.eye(d)
                self.fusion.bias.zero_()

    def resize(self, sketch: torch.Tensor) -> torch.Tensor:
        """[B, 1, H, W] in [-1, 1] -> [B, 1, s, s] in [-1, 1] with s = sketch_input_size."""
        if sketch.ndim != 4 or sketch.shape[1] != 1:
            raise ValueError(f"SketchEncoder expects [B, 1, H, W] sketches, got shape {tuple(sketch.shape)}")
        if sketch.shape[-2:] != (self.input_size, self.input_size):
            if self.downsample_mode == "min_pool":
                # Min-pooling keeps every stroke pixel (strokes are the minimum of their window).
                sketch = -F.adaptive_max_pool2d(-sketch, self.input_size)
            else:
                # Official: bilinear with align_corners=True, then threshold (drops ~half of 1 px strokes).
                sketch = F.interpolate(sketch, size=(self.input_size,) * 2, mode="bilinear", align_corners=True)
        return sketch

    def binarize(self, sketch: torch.Tensor) -> torch.Tensor:
        """[B, 1, H, W] in [-1, 1] -> [B, 1, s, s] in {0, 1} with s = sketch_input_size."""
        sketch = self.resize(sketch)
        return (sketch >= 0).to(sketch.dtype)

    def forward(self, sketch: torch.Tensor) -> torch.Tensor:
        drawing = self.resize(sketch)
        latent = super().forward((drawing >= 0).to(drawing.dtype))
        if self.reader is None or self.fusion is None:
            return latent
        both = torch.cat([self.reader(drawing), latent.to(drawing.dtype)], dim=1)  # [B, width + latent_dim]
        fusion = self.fusion
        weight = derived_weight(fusion, "weight", fusion.weight, both.dtype, lambda: fusion.weight)
        bias = derived_weight(fusion, "bias", fusion.bias, both.dtype, lambda: fusion.bias)
        return F.linear(both, weight, bias)


class ImageEncoder(LatentEncoder):
    """E_i: photo [B, 3, H, W] in [-1, 1] at ``config.image_size`` -> latent. Used in training and evaluation."""

    def __init__(self, config: S2FGANConfig) -> None:
        super().__init__(3, config.image_size, config.image_encoder_channels, config)
        self.input_size = config.image_size

    def forward(self, photo: torch.Tensor) -> torch.Tensor:
        # The pooled heads would run at any size and return a wrong latent without a word (a 128 px photo into a
        # 64 px model moved its attribute scores by half), so the size is checked here.
        expected = (3, self.input_size, self.input_size)
        if photo.ndim != 4 or tuple(photo.shape[1:]) != expected:
            raise ValueError(
                f"ImageEncoder expects photos of shape [B, {', '.join(map(str, expected))}] in [-1, 1], got "
                f"{tuple(photo.shape)}; S2FGAN.encode_image resizes photos of any size"
            )
        return super().forward(photo)
