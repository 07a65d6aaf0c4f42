"""Image grids: attribute sweeps (sketch | face | edits) for evaluation reports and the README."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from PIL import Image, ImageDraw

from ..image_processing import signed_batch_to_pils
from ..modeling_s2fgan import S2FGAN


def _label(image: Image.Image, text: str) -> Image.Image:
    out = Image.new("RGB", (image.width, image.height + 12), "white")
    out.paste(image, (0, 12))
    ImageDraw.Draw(out).text((2, 0), text, fill="black")
    return out


@torch.no_grad()
def attribute_sweep_grid(
    model: S2FGAN,
    sketches: torch.Tensor,
    attributes: Sequence[str],
    strengths: Sequence[float] = (-2.0, 2.0),
    photos: torch.Tensor | None = None,
    cell: int = 96,
) -> Image.Image:
    """One row per sketch: [photo |] sketch | face | face edited by each (attribute, strength).

    ``sketches`` is [B, 1, H, W] in [-1, 1]; ``photos`` (optional) [B, 3, H, W] in [-1, 1].
    """
    model.eval()
    z = model.sketch_latent(sketches)  # what generate renders (a coloured drawing may lend its colours)
    sk = model.prepare_sketches(sketches)  # what the encoder saw, for the sketch column
    columns: list[tuple[str, list[Image.Image]]] = []
    if photos is not None:
        columns.append(("photo", signed_batch_to_pils(photos)))
    columns.append(("sketch", signed_batch_to_pils(sk.expand(-1, 3, -1, -1))))
    columns.append(("face", signed_batch_to_pils(model.decode(z))))
    for name in attributes:
        for s in strengths:
            columns.append((f"{name} {s:+g}", signed_batch_to_pils(model.decode(model.edit(z, {name: float(s)})))))
    rows = z.shape[0]
    head = 12
    grid = Image.new("RGB", (cell * len(columns), rows * cell + head), "white")
    for c, (title, images) in enumerate(columns):
        grid.paste(_label(Image.new("RGB", (cell, 0)), title[:16]).crop((0, 0, cell, head)), (c * cell, 0))
        for r, img in enumerate(images):
            grid.paste(img.convert("RGB").resize((cell, cell), Image.BICUBIC), (c * cell, head + r * cell))
    return grid
