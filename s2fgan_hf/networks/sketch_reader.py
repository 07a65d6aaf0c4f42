"""``SketchReader``: a second, small reader of the drawing, whose features the sketch encoder fuses into its latent.

E_s is trained to regress the photo's latent from the drawing, which keeps what decides the face's layout but
weakens what decides its attributes: on held-out edge maps a plain 0.2 M-parameter CNN trained only to name the
attributes from the drawing reads Male and Smiling better than E_s's latent does (docs/checkpoint/training.md, "What
limits the remaining bars"). The reader is that CNN without its classifier: blocks of 3x3 convolution, ReLU and
2x2 max-pooling, then a global average over the last map. Its features go into ``SketchEncoder.fusion`` beside the
encoder's own latent; ``scripts/sketch_reader_fusion.py --save-model`` fits both from a trained model.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..layers.weight_cache import derived_weight

# Each block's width as a fraction of the last block's (``width``), for the first five blocks; more blocks keep
# ``width``, fewer blocks take the last fractions.
_FRACTIONS = (1 / 8, 1 / 4, 1 / 2, 3 / 4, 1.0)


def reader_widths(width: int, input_size: int) -> list[int]:
    """Output channels of each block: one block per halving from ``input_size`` down to 2 px (64 px: 5 blocks,
    ``width`` 128: 16, 32, 64, 96, 128)."""
    blocks = max(1, input_size.bit_length() - 2)  # 64 -> 5 blocks -> a 2x2 map before the global average
    fractions = list(_FRACTIONS[-blocks:]) + [1.0] * max(0, blocks - len(_FRACTIONS))
    return [max(1, round(width * f)) for f in fractions]


class SketchReader(nn.Module):
    """Drawing [B, 1, s, s] in [-1, 1] (the sketch encoder's input before it is binarised) -> features [B, width].

    Args:
        width: channels of the last block, the number of features.
        input_size: the side ``s`` of the drawings it reads (``config.sketch_input_size``); it decides the depth.
    """

    def __init__(self, width: int, input_size: int) -> None:
        super().__init__()
        widths = reader_widths(width, input_size)
        layers: list[nn.Module] = []
        for a, b in zip([1, *widths], widths):
            layers += [nn.Conv2d(a, b, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        self.blocks = nn.Sequential(*layers)

    def forward(self, drawing: torch.Tensor) -> torch.Tensor:
        x = drawing
        for layer in self.blocks:
            if isinstance(layer, nn.Conv2d):  # the weights in the input's dtype (bf16 inference keeps fp32 weights)
                weight = derived_weight(layer, "weight", layer.weight, x.dtype, lambda w=layer.weight: w)
                bias = derived_weight(layer, "bias", layer.bias, x.dtype, lambda b=layer.bias: b)
                x = F.conv2d(x, weight, bias, padding=1)
            else:
                x = layer(x)
        return x.mean(dim=(2, 3))
