"""Figures of a trained checkpoint for the README: held-out sketches -> faces -> edits, and freehand sketches.

    python scripts/make_checkpoint_figures.py --model s2fgan_hf/pretrained/default --data PREPARED_DIR \
        --hand-drawn ../shared/data/hand_drawn_sketches/deepfacedrawing_512

Writes docs/checkpoint_edits.jpg (8 held-out test-split rows: photo | sketch | face | Smiling/Male/Young/Eyeglasses
at -2 and +2) and docs/checkpoint_hand_drawn.png (freehand sketch | what the model sees after re-framing | face).
With ``--styles`` (a folder prepared at twice the model's size) also docs/checkpoint_styles.png: for each drawing
style two held-out rows (photo | the sketch as the model sees it | face | Smiling, Male, Young at -2 and +2), and,
with ``--avatars``, two of the drawn CelebA-HQ avatars.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.app.canvas import Framing, strokes_from_image  # noqa: E402
from s2fgan_hf.app.editor import FaceEditor  # noqa: E402
from s2fgan_hf.data import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.evaluation.grids import attribute_sweep_grid  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import DrawingSet, styled_set  # noqa: E402
from s2fgan_hf.image_processing import signed_batch_to_pils  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "s2fgan_hf/pretrained/default"))
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--hand-drawn", type=Path, default=None)
    p.add_argument("--rows", type=int, default=8)
    p.add_argument("--edits-style", default="stored", help="sketch style of checkpoint_edits.jpg (default: stored)")
    p.add_argument("--styles", nargs="+", default=None, help="styles for checkpoint_styles.png")
    p.add_argument("--avatars", type=Path, default=None, help="the avatar folder of celebahq_avatarhq_200")
    p.add_argument("--out", type=Path, default=ROOT / "docs")
    args = p.parse_args()
    model = S2FGAN.from_pretrained(args.model).eval()
    if args.edits_style == "stored":
        ds = PreparedSketchFaceDataset(args.data, attribute_names=model.attribute_names, split="test")
    else:
        ds = styled_set(args.data, args.edits_style, model.config.image_size, model.attribute_names)
    items = [ds[i] for i in range(args.rows)]
    sketches = torch.stack([it["sketch"] for it in items])
    photos = torch.stack([it["image"] for it in items])
    attrs = [a for a in ("Smiling", "Male", "Young", "Eyeglasses") if a in model.attribute_names]
    with torch.no_grad():
        grid = attribute_sweep_grid(model, sketches, attrs, strengths=(-2.0, 2.0), photos=photos, cell=96)
    grid.save(args.out / "checkpoint_edits.jpg", quality=88)
    print("wrote", args.out / "checkpoint_edits.jpg")
    if args.styles:
        styles_figure(model, args).save(args.out / "checkpoint_styles.png")
        print("wrote", args.out / "checkpoint_styles.png")
    if args.hand_drawn:
        editor = FaceEditor(model, Framing.load(ROOT / "assets/framing.json"))
        files = sorted(args.hand_drawn.glob("*.jpg")) + sorted(args.hand_drawn.glob("*.png"))
        cell = 128
        sheet = Image.new("RGB", (3 * cell, len(files) * cell), "white")
        for r, f in enumerate(files):
            strokes = strokes_from_image(f)
            sketch = editor.model_sketch(strokes, reframe_strokes=True)
            with torch.no_grad():
                face = signed_batch_to_pils(model.decode(model.encode_sketch(sketch)))[0]
            shown = signed_batch_to_pils(sketch.expand(-1, 3, -1, -1))[0]
            for c, img in enumerate([Image.open(f).convert("RGB"), shown, face]):
                sheet.paste(img.resize((cell, cell), Image.BICUBIC), (c * cell, r * cell))
        sheet.save(args.out / "checkpoint_hand_drawn.png")
        print("wrote", args.out / "checkpoint_hand_drawn.png")


def styles_figure(model: S2FGAN, args: argparse.Namespace) -> Image.Image:
    """Two held-out rows per drawing style (and two avatars), each labelled on the left."""
    from PIL import ImageDraw

    size, attrs = model.config.image_size, [a for a in ("Smiling", "Male", "Young") if a in model.attribute_names]
    blocks: list[tuple[str, Image.Image]] = []
    for style in args.styles:
        ds = styled_set(args.data, style, size, model.attribute_names)
        items = [ds[i] for i in (3, 11)]
        sketches, photos = torch.stack([i["sketch"] for i in items]), torch.stack([i["image"] for i in items])
        blocks.append((style, attribute_sweep_grid(model, sketches, attrs, photos=photos, cell=80)))
    if args.avatars:
        root = args.avatars.parent
        drawings = DrawingSet(args.avatars, size, photos=root / "photos_512")
        picks = (0, 7)
        photos = torch.stack([drawings.photo(i) for i in picks])
        grid = attribute_sweep_grid(model, [drawings.drawing(i) for i in picks], attrs, photos=photos, cell=80)
        blocks.append(("avatar", grid))
    label_width = 56
    width = label_width + max(g.width for _, g in blocks)
    sheet = Image.new("RGB", (width, sum(g.height for _, g in blocks)), "white")
    y = 0
    for name, grid in blocks:
        sheet.paste(grid, (label_width, y))
        ImageDraw.Draw(sheet).text((4, y + grid.height // 2), name, fill="black")
        y += grid.height
    return sheet


if __name__ == "__main__":
    main()
