"""Shared helpers of the app tests: a tiny checkpoint, a free port, synthetic face strokes."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from s2fgan_hf import S2FGAN, S2FGANConfig


def save_tiny_model(folder: Path) -> Path:
    """A randomly initialised ``tiny-32`` model saved with ``save_pretrained``."""
    torch.manual_seed(0)
    S2FGAN(S2FGANConfig.from_preset("tiny-32")).save_pretrained(folder)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def face_strokes(
    size: int = 256, scale: float = 1.0, shift: tuple[int, int] = (0, 0), smile: bool = False
) -> np.ndarray:
    """A crude face (outline, brows, eyes, nose, mouth) as a boolean ink mask, optionally scaled and shifted."""
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    c, s = size / 2, size * scale / 256

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (c + x0 * s + shift[0], c + y0 * s + shift[1], c + x1 * s + shift[0], c + y1 * s + shift[1])

    draw.ellipse(box(-80, -100, 80, 105), outline=0, width=3)
    draw.line(box(-55, -35, -20, -38), fill=0, width=3)
    draw.line(box(20, -38, 55, -35), fill=0, width=3)
    draw.ellipse(box(-50, -22, -25, -10), outline=0, width=2)
    draw.ellipse(box(25, -22, 50, -10), outline=0, width=2)
    draw.line(box(0, -10, -6, 25), fill=0, width=2)
    if smile:
        draw.arc(box(-35, 25, 35, 65), start=20, end=160, fill=0, width=3)
    else:
        draw.line(box(-30, 50, 30, 50), fill=0, width=3)
    return np.asarray(image) < 128


def save_sketch(mask: np.ndarray, path: Path) -> Path:
    Image.fromarray(np.where(mask, 0, 255).astype(np.uint8)).save(path)
    return path


def save_layer(mask: np.ndarray, path: Path) -> Path:
    """The mask as a transparent RGBA drawing layer, the way the browser sends Sketchpad layers."""
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = np.where(mask, 255, 0)
    Image.fromarray(rgba, mode="RGBA").save(path)
    return path
