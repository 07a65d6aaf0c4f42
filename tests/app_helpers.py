"""Test-only helpers of the app tests: a tiny checkpoint, a transparent drawing layer. The helpers scripts share
(a free port, synthetic face strokes, the browser driver) are in scripts/app_driver.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from s2fgan_hf import S2FGAN, S2FGANConfig


def save_tiny_model(folder: Path) -> Path:
    """A randomly initialised ``tiny-32`` model saved with ``save_pretrained``."""
    torch.manual_seed(0)
    S2FGAN(S2FGANConfig.from_preset("tiny-32")).save_pretrained(folder)
    return folder


def save_layer(mask: np.ndarray, path: Path) -> Path:
    """The mask as a transparent RGBA drawing layer, the way the browser sends Sketchpad layers."""
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = np.where(mask, 255, 0)
    Image.fromarray(rgba, mode="RGBA").save(path)
    return path
