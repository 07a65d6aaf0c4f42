"""Figures of a trained checkpoint for the README: held-out sketches -> faces -> edits, and freehand sketches.

    python scripts/make_checkpoint_figures.py --model s2fgan_hf/pretrained/default --data PREPARED_DIR \
        --hand-drawn ../shared/data/hand_drawn_sketches/deepfacedrawing_512

Writes docs/checkpoint_edits.jpg (8 held-out test-split rows: photo | sketch | face | Smiling/Male/Young/Eyeglasses
at -2 and +2) and docs/checkpoint_hand_drawn.png (freehand sketch | what the model sees after re-framing | face).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.data import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.evaluation.grids import attribute_sweep_grid  # noqa: E402
from s2fgan_hf.image_processing import tensor_to_pil  # noqa: E402
from s2fgan_hf.interactive import FaceEditor  # noqa: E402
from s2fgan_hf.sketch_canvas import Framing, strokes_from_image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "s2fgan_hf/pretrained/default"))
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--hand-drawn", type=Path, default=None)
    p.add_argument("--rows", type=int, default=8)
    p.add_argument("--out", type=Path, default=ROOT / "docs")
    args = p.parse_args()
    model = S2FGAN.from_pretrained(args.model).eval()
    ds = PreparedSketchFaceDataset(args.data, attribute_names=model.attribute_names, split="test")
    items = [ds[i] for i in range(args.rows)]
    sketches = torch.stack([it["sketch"] for it in items])
    photos = torch.stack([it["image"] for it in items])
    attrs = [a for a in ("Smiling", "Male", "Young", "Eyeglasses") if a in model.attribute_names]
    with torch.no_grad():
        grid = attribute_sweep_grid(model, sketches, attrs, strengths=(-2.0, 2.0), photos=photos, cell=96)
    grid.save(args.out / "checkpoint_edits.jpg", quality=88)
    print("wrote", args.out / "checkpoint_edits.jpg")
    if args.hand_drawn:
        editor = FaceEditor(model, Framing.load(ROOT / "assets/framing.json"))
        files = sorted(args.hand_drawn.glob("*.jpg")) + sorted(args.hand_drawn.glob("*.png"))
        cell = 128
        sheet = Image.new("RGB", (3 * cell, len(files) * cell), "white")
        for r, f in enumerate(files):
            strokes = strokes_from_image(f)
            sketch = editor.model_sketch(strokes, reframe_strokes=True)
            with torch.no_grad():
                face = tensor_to_pil(model.decode(model.encode_sketch(sketch)))[0]
            shown = tensor_to_pil(sketch.expand(-1, 3, -1, -1))[0]
            for c, img in enumerate([Image.open(f).convert("RGB"), shown, face]):
                sheet.paste(img.resize((cell, cell), Image.BICUBIC), (c * cell, r * cell))
        sheet.save(args.out / "checkpoint_hand_drawn.png")
        print("wrote", args.out / "checkpoint_hand_drawn.png")


if __name__ == "__main__":
    main()
