"""Figure: faces from drawings with and without the discriminator-guided refinement, side by side.

    python scripts/make_refinement_figure.py --data data/celeba128 \
        --avatars ../shared/data/celebahq_avatarhq_200/avatars_512 \
        --hand-drawn ../shared/data/hand_drawn_sketches/deepfacedrawing_512

Writes docs/checkpoint_refinement.jpg: one row per drawing (held-out test-split photos drawn as edge maps and pencil
portraits, drawn CelebA-HQ avatars, freehand sketches), columns: the sketch as the model sees it | the face |
the face after ``--steps`` refinement steps | the source photo (blank for freehand sketches, which have none).
The rows are fixed picks (the first items of each set), not chosen by how they look.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.app.canvas import Framing, strokes_from_image  # noqa: E402
from s2fgan_hf.app.editor import FaceEditor  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import DrawingSet, styled_set  # noqa: E402
from s2fgan_hf.image_processing import signed_batch_to_pils  # noqa: E402
from s2fgan_hf.latent_refinement import RefinementSettings, refine_latent  # noqa: E402
from s2fgan_hf.loading import load_refinement_critic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("sketch", "face", "refined", "photo")


def rows_of(model: S2FGAN, args: argparse.Namespace) -> list[tuple[str, torch.Tensor, torch.Tensor | None]]:
    """(label, sketch [1, 1, s, s] as the model sees it, photo [1, 3, s, s] or None) per row."""
    size = model.config.image_size
    rows = []
    for style in ("edges", "pencil"):
        ds = styled_set(args.data, style, size, model.attribute_names)
        for i in range(args.per_set):
            item = ds[i]
            rows.append((style, model.prepare_sketches(item["sketch"][None]), item["image"][None]))
    if args.avatars:
        drawings = DrawingSet(args.avatars, size, photos=args.avatars.parent / "photos_512")
        for i in range(args.per_set):
            rows.append(("avatar", model.prepare_sketches(drawings.drawing(i)), drawings.photo(i)[None]))
    if args.hand_drawn:
        editor = FaceEditor(model, Framing.load(ROOT / "assets/framing.json"))
        files = sorted(args.hand_drawn.glob("*.jpg")) + sorted(args.hand_drawn.glob("*.png"))
        for f in files[: args.per_set]:
            rows.append(("freehand", editor.model_sketch(strokes_from_image(f), reframe_strokes=True), None))
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "s2fgan_hf/pretrained/default"))
    p.add_argument("--data", type=Path, required=True, help="a folder prepared at twice the model's size")
    p.add_argument("--avatars", type=Path, default=None, help="the avatar folder of celebahq_avatarhq_200")
    p.add_argument("--hand-drawn", type=Path, default=None)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--per-set", type=int, default=3)
    p.add_argument("--cell", type=int, default=112)
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "checkpoint_refinement.jpg")
    args = p.parse_args(argv)
    model = S2FGAN.from_pretrained(args.model).eval().set_inference_precision("fp32")
    critic = load_refinement_critic(args.model)
    rows = rows_of(model, args)
    cell, label_width, header = args.cell, 64, 16
    sheet = Image.new("RGB", (label_width + len(COLUMNS) * cell, header + len(rows) * cell), "white")
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(COLUMNS):
        draw.text((label_width + c * cell + 4, 2), name if name != "refined" else f"refined ({args.steps})", "black")
    directions, settings = model.attribute_directions.directions(), RefinementSettings(steps=args.steps)
    for r, (label, sketch, photo) in enumerate(rows):
        latent = model.encode_sketch(sketch)  # encoded once; the refinement starts from it, as encode_sketch's does
        face = model.decode(latent)
        refined = model.decode(refine_latent(model.decoder, critic.image_discriminator, directions, latent, settings))
        images = [sketch.expand(-1, 3, -1, -1), face, refined] + ([photo] if photo is not None else [])
        y = header + r * cell
        draw.text((4, y + cell // 2), label, "black")
        for c, image in enumerate(images):
            pil = signed_batch_to_pils(image.clamp(-1, 1))[0]
            sheet.paste(pil.resize((cell, cell), Image.BICUBIC), (label_width + c * cell, y))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=90)  # quality: JPEG only
    print("wrote", args.out)


if __name__ == "__main__":
    main()
