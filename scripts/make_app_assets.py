"""Build the app's assets: the drawing guide, the training framing and the example sketches.

    python scripts/make_app_assets.py --data /work/shared/data --out assets

Writes
* ``assets/guide.png``: the average training sketch (ink probability of sketches extracted with
  ``s2fgan_hf.data.sketch_extraction`` from train-split CelebA aligned photos, cropped like the training data),
  as a faint grey 256 px image shown behind the canvas;
* ``assets/framing.json``: the mean quantile box of the ink in those sketches (``s2fgan_hf.app.canvas.Framing``);
* ``assets/examples/*.png``: sketches extracted from held-out CelebA-HQ photos and DeepFaceDrawing freehand
  sketches, 256 px, black on white (``SOURCE.md`` there is written by hand).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from s2fgan_hf.app.canvas import Framing, stroke_box
from s2fgan_hf.data.sketch_extraction import SketchExtractor

CANVAS = 256
GUIDE_DARKEST = 140  # grey level of the most frequent ink in the guide (255 = white)
GUIDE_GAMMA = 0.7  # < 1 lifts the rarer strokes (the face outline) relative to eyes and mouth
HELD_OUT_HQ = ("40", "1340", "3700")  # CelebA-HQ indices in the test split (index % 20 == 0)
HAND_DRAWN = ("hand_1", "hand_2", "hand_4")


def square_photo(path: Path, size: int) -> torch.Tensor:
    """Centre square crop (the training crop rule), bicubic resize -> [3, size, size] float in [0, 1]."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    side = min(rgb.size)
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    rgb = rgb.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)
    return torch.from_numpy(np.asarray(rgb, dtype=np.float32) / 255.0).permute(2, 0, 1)


def training_sketches(celeba: Path, count: int, size: int, batch: int = 50) -> torch.Tensor:
    """Sketches of the first ``count`` train-split CelebA aligned photos: [N, size, size] bool ink."""
    files = [p for p in sorted((celeba / "images").glob("*.jpg")) if int(p.stem) % 10 != 0][:count]
    extractor = SketchExtractor()
    out = []
    for start in range(0, len(files), batch):
        photos = torch.stack([square_photo(p, size) for p in files[start : start + batch]])
        out.append(extractor(photos)[:, 0] < 0.5)
        print(f"  extracted {start + len(photos)}/{len(files)}", flush=True)
    return torch.cat(out)


def make_guide(ink: torch.Tensor) -> Image.Image:
    """Mean ink map -> faint grey 256 px guide (white paper, the most common strokes ``GUIDE_DARKEST``)."""
    mean = ink.float().mean(0)[None, None]
    mean = torch.nn.functional.interpolate(mean, size=(CANVAS, CANVAS), mode="bilinear", align_corners=False)[0, 0]
    top = torch.quantile(mean.flatten(), 0.998)
    level = (mean / top).clamp(0, 1).pow(GUIDE_GAMMA).numpy()
    return Image.fromarray((255 - (255 - GUIDE_DARKEST) * level).round().astype(np.uint8), mode="L")


def measure_framing(ink: torch.Tensor) -> dict[str, object]:
    """Mean and spread of the per-sketch quantile boxes, as fractions of the canvas."""
    defaults = Framing()
    size = ink.shape[-1]
    boxes = np.array(
        [stroke_box(m.numpy(), defaults.low_quantile, defaults.high_quantile) for m in ink if m.any()]
    ) / float(size)
    mean, std = boxes.mean(0), boxes.std(0)
    names = ("center_x", "center_y", "width", "height")
    return {
        "framing": {
            **{n: round(float(v), 4) for n, v in zip(names, mean)},
            "low_quantile": defaults.low_quantile,
            "high_quantile": defaults.high_quantile,
        },
        "spread_std": {n: round(float(v), 4) for n, v in zip(names, std)},
        "num_sketches": int(len(boxes)),
    }


def save_sketch(ink: np.ndarray, path: Path) -> None:
    Image.fromarray(np.where(ink, 0, 255).astype(np.uint8)).convert("1").save(path, optimize=True)


def make_examples(data: Path, out: Path) -> list[str]:
    """Held-out CelebA-HQ photo sketches and freehand sketches, 256 px, black on white."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    extractor = SketchExtractor()
    for index in HELD_OUT_HQ:
        photo = square_photo(data / "celebahq_avatarhq_200" / "photos_512" / f"{index}.jpg", CANVAS)
        ink = (extractor(photo[None])[0, 0] < 0.5).numpy()
        save_sketch(ink, out / f"celebahq_{index}.png")
        written.append(f"celebahq_{index}.png")
    for name in HAND_DRAWN:
        with Image.open(data / "hand_drawn_sketches" / "deepfacedrawing_512" / f"{name}.jpg") as image:
            gray = image.convert("L").resize((CANVAS, CANVAS), Image.LANCZOS)
        ink = np.asarray(gray) < 200  # keeps thin pencil lines after the 2x reduction
        save_sketch(ink, out / f"deepfacedrawing_{name}.png")
        written.append(f"deepfacedrawing_{name}.png")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"), help="folder with the data sets")
    parser.add_argument("--out", type=Path, default=Path("assets"), help="where to write the assets")
    parser.add_argument("--count", type=int, default=1000, help="training photos averaged for the guide")
    parser.add_argument("--size", type=int, default=128, help="resolution of the extracted training sketches")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"extracting {args.count} training sketches at {args.size} px")
    ink = training_sketches(args.data / "celeba_aligned_10k", args.count, args.size)
    make_guide(ink).save(args.out / "guide.png", optimize=True)
    framing = measure_framing(ink)
    framing["source"] = (
        f"scripts/make_app_assets.py: {framing['num_sketches']} train-split CelebA aligned photos "
        f"(file number % 10 != 0), centre square crop, {args.size} px, s2fgan_hf.data.sketch_extraction"
    )
    (args.out / "framing.json").write_text(json.dumps(framing, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(framing, indent=2))
    print("examples:", make_examples(args.data, args.out / "examples"))


if __name__ == "__main__":
    main()
