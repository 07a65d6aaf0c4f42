"""Make the data figures of docs/data.md from real photos.

    python3 scripts/make_data_figures.py [--shared ../shared/data] [--out docs]

* ``data_grid.png``: 8 real CelebA-HQ photos (rows: photo | extracted sketch | augmented "hand-drawn" sketch), 256 px.
* ``sketch_vs_hed.png``: the CelebAMask-HQ sample photos (rows: photo | our sketch | the real HED map S2FGAN
  trains on), 256 px, with each sketch's dark-pixel fraction printed on it.

Uses ``../shared/data`` when present, else the test fixtures (same photos, 256 px). Images are palette-quantised so
each PNG stays small.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from s2fgan_hf.data.augmentation import SketchAugmentation  # noqa: E402
from s2fgan_hf.data.sketch_extraction import SketchExtractor, stroke_density  # noqa: E402
from s2fgan_hf.image_processing.image_io import pil_to_unit_tensor, unit_tensor_to_pil  # noqa: E402

TILE = 256
FIXTURES = REPO / "tests" / "fixtures" / "data" / "celebamask_hq"


def _photo(path: Path) -> Image.Image:
    return Image.open(path).convert("RGB").resize((TILE, TILE), Image.BICUBIC)


def _grid(rows: list[list[Image.Image]], captions: list[list[str]] | None = None) -> Image.Image:
    canvas = Image.new("RGB", (TILE * len(rows[0]), TILE * len(rows)), "white")
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            canvas.paste(tile.convert("RGB"), (c * TILE, r * TILE))
            if captions and captions[r][c]:
                draw.text((c * TILE + 4, r * TILE + TILE - 14), captions[r][c], fill=(200, 0, 0))
    return canvas.quantize(colors=128, method=Image.Quantize.MEDIANCUT)


def _sources(shared: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(8 photos for the grid, sample photos, their HED maps)."""
    samples = shared / "celebamask_hq_s2fgan_samples"
    if samples.is_dir():
        photos = sorted((samples / "images_1024").glob("*.jpg"), key=lambda p: int(p.stem))
        hed = [samples / "hed_edges_256" / f"{p.stem}.jpg" for p in photos]
        avatar = sorted((shared / "celebahq_avatarhq_200" / "photos_512").glob("*.jpg"), key=lambda p: int(p.stem))
        grid = avatar[::25][:8] if len(avatar) >= 8 else photos[:8]
        return grid, photos, hed
    photos = sorted((FIXTURES / "CelebA-HQ-img").glob("*.jpg"), key=lambda p: int(p.stem))
    return photos[:8], photos, [FIXTURES / "hed_edge_256" / f"{p.stem}.png" for p in photos]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(REPO / "docs"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    extractor, augment = SketchExtractor(), SketchAugmentation()
    grid_paths, sample_paths, hed_paths = _sources(Path(args.shared))

    photos = [_photo(p) for p in grid_paths]
    batch = torch.stack([pil_to_unit_tensor(p) for p in photos])  # [8, 3, 256, 256]
    sketches = extractor(batch)
    rough = augment(sketches, torch.Generator().manual_seed(0))
    rows = [photos, [unit_tensor_to_pil(s) for s in sketches], [unit_tensor_to_pil(s) for s in rough]]
    _grid(rows).save(out / "data_grid.png", optimize=True)

    photos = [_photo(p) for p in sample_paths]
    ours = extractor(torch.stack([pil_to_unit_tensor(p) for p in photos]))
    hed = [Image.open(p).convert("L") for p in hed_paths]
    hed_density = stroke_density(torch.stack([pil_to_unit_tensor(h) for h in hed]))
    captions = [
        [f"#{p.stem}" for p in sample_paths],
        [f"ours {d:.1%}" for d in stroke_density(ours).tolist()],
        [f"HED {d:.1%}" for d in hed_density.tolist()],
    ]
    rows = [photos, [unit_tensor_to_pil(s) for s in ours], hed]
    _grid(rows, captions).save(out / "sketch_vs_hed.png", optimize=True)
    for name in ("data_grid.png", "sketch_vs_hed.png"):
        print(f"{out / name}: {(out / name).stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
