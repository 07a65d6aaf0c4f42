"""The README's look figure: rows of sketches, columns of looks (none, four seeds, two reference photos).

    python scripts/make_look_figure.py --data data/celeba128 \
        --freehand ../shared/data/hand_drawn_sketches/deepfacedrawing_512 -o docs/looks.png

Rows: three held-out test sketches in the ``edges`` style and two freehand drawings. The reference photos are two
held-out test photos that are not among the rows; they are shown above their columns.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf.data import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.data.sketch_styles import SketchStyleSampler  # noqa: E402
from s2fgan_hf.image_processing import signed_batch_to_pils  # noqa: E402
from s2fgan_hf.loading import load_model  # noqa: E402

CELL = 96
SEEDS = (1, 2, 3, 4)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--freehand", type=Path, default=None)
    p.add_argument("--model", default=None)
    p.add_argument("--rows", type=int, nargs="+", default=[2, 5, 9], help="held-out test items drawn as rows")
    p.add_argument("--references", type=int, nargs=2, default=[13, 21], help="held-out test photos lending looks")
    p.add_argument("-o", "--output", type=Path, default=Path("docs/looks.png"))
    args = p.parse_args()
    model = load_model(args.model).eval()
    size = model.config.image_size
    styled = SketchStyleSampler(size, ("edges",))
    data = PreparedSketchFaceDataset(
        args.data, model.attribute_names, "test", size, sketch_styles=styled, style_seed=0
    )
    sketches = [data[i]["sketch"] for i in args.rows]
    if args.freehand:
        drawings = sorted(args.freehand.glob("*.png")) + sorted(args.freehand.glob("*.jpg"))
        sketches += [model.prepare_sketches(str(path))[0] for path in drawings[:2]]
    batch = torch.stack(sketches)
    references = torch.stack([data[i]["image"] for i in args.references])
    z = model.encode_sketch(batch)
    columns = [model.decode(z)]
    columns += [model.decode(model.apply_look(z, seed)) for seed in SEEDS]
    columns += [model.decode(model.apply_look(z, model.encode_look(references[k : k + 1]))) for k in range(2)]
    titles = ["sketch", "no look", *[f"seed {s}" for s in SEEDS], "photo 1", "photo 2"]

    header = 16
    sheet = Image.new("RGB", (CELL * len(titles), header + CELL * (len(sketches) + 1)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, title in enumerate(titles):
        draw.text((c * CELL + 4, 2), title, fill="black")
    for k, photo in enumerate(signed_batch_to_pils(references)):  # the reference photos above their columns
        sheet.paste(photo.resize((CELL, CELL), Image.LANCZOS), ((len(titles) - 2 + k) * CELL, header))
    for r, sketch in enumerate(signed_batch_to_pils(batch)):
        y = header + CELL * (r + 1)
        sheet.paste(sketch.convert("RGB").resize((CELL, CELL), Image.NEAREST), (0, y))
        for c, faces in enumerate(columns, start=1):
            face = signed_batch_to_pils(faces[r : r + 1])[0]
            sheet.paste(face.resize((CELL, CELL), Image.LANCZOS), (c * CELL, y))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
