"""Test-only helpers of the app tests: a tiny checkpoint, a transparent drawing layer. The helpers scripts share
(a free port, synthetic face strokes, the browser driver) are in scripts/app_driver.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from s2fgan_hf import S2FGAN, S2FGANConfig


def save_tiny_model(folder: Path, editor: str = "dis") -> Path:
    """A randomly initialised ``tiny-32`` model saved with ``save_pretrained``.

    ``editor="dec"``: the same networks with an S2F-DEC editor (``with_editor``) whose weights are random instead
    of the identity, as the stand-in for a trained one: its edits differ from S2F-DIS's (with all shifts 0 both
    render the same face, as trained ones do).
    """
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32"))
    if editor != "dis":
        model = model.with_editor(editor)
        torch.manual_seed(1)
        for parameter in model.attribute_mapping.parameters():
            torch.nn.init.normal_(parameter, std=0.5)
    model.save_pretrained(folder)
    return folder


def save_layer(mask: np.ndarray, path: Path) -> Path:
    """The mask as a transparent RGBA drawing layer, the way the browser sends Sketchpad layers."""
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = np.where(mask, 255, 0)
    Image.fromarray(rgba, mode="RGBA").save(path)
    return path
