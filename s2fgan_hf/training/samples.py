"""Sample grids written during training: one row per sketch, columns that show what the model learned.

Columns: sketch | D(E_s(sketch)) (the app's output) | D(E_i(photo)) | photo | edits of the sketch latent
(default Smiling -2/+2, Male -2/+2, for the attributes the model has). Several different sketches on the rows
make a collapse (every sketch giving the same face) visible at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from PIL import Image

from ..image_processing import signed_batch_to_pils
from ..modeling_s2fgan import S2FGAN

DEFAULT_EDITS: tuple[tuple[str, float], ...] = (("Smiling", -2.0), ("Smiling", 2.0), ("Male", -2.0), ("Male", 2.0))


@torch.no_grad()
def sample_grid(
    model: S2FGAN,
    sketches: torch.Tensor,
    images: torch.Tensor,
    edits: Sequence[tuple[str, float]] = DEFAULT_EDITS,
) -> tuple[Image.Image, list[str]]:
    """Render the grid for ``sketches`` [B, 1, H, W] and ``images`` [B, 3, H, W] (both in [-1, 1]).

    Returns the PIL grid and the column titles. Edits naming attributes the model lacks are skipped.
    """
    was_training = model.training
    model.eval()
    try:
        device, dtype = model.device, model.dtype
        sketches, images = sketches.to(device, dtype), images.to(device, dtype)
        z_sketch = model.encode_sketch(sketches)
        columns = [sketches.expand(-1, 3, -1, -1), model.decode(z_sketch), model.decode(model.encode_image(images))]
        titles = ["sketch", "from sketch", "from photo"]
        columns.append(images)
        titles.append("photo")
        for name, value in edits:
            if name not in model.attribute_names:
                continue
            columns.append(model.decode(model.edit(z_sketch, {name: value})))
            titles.append(f"{name} {value:+g}")
    finally:
        model.train(was_training)
    grid = torch.stack(columns, dim=1)  # [B, K, 3, H, W]
    b, k, c, h, w = grid.shape
    grid = grid.permute(2, 0, 3, 1, 4).reshape(c, b * h, k * w)  # rows = samples, columns = views
    return signed_batch_to_pils(grid[None])[0], titles


def save_sample_grid(
    path: str | Path,
    model: S2FGAN,
    sketches: torch.Tensor,
    images: torch.Tensor,
    edits: Sequence[tuple[str, float]] = DEFAULT_EDITS,
) -> Path:
    """Render and save the grid as PNG (parent folders are created); a ``.txt`` next to it names the columns."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid, titles = sample_grid(model, sketches, images, edits)
    grid.save(path)
    path.with_suffix(".txt").write_text(" | ".join(titles) + "\n", encoding="utf-8")
    return path
