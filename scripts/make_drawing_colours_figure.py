"""docs/looks/drawing_colours.jpg: drawings in colour, their faces with the drawing's colours off and on.

    python scripts/make_drawing_colours_figure.py \
        --drawings ../shared/data/celebahq_avatarhq_200/avatars_512 \
        --photos ../shared/data/celebahq_avatarhq_200/photos_512 -o docs/looks/drawing_colours.jpg

Columns: the first ``--count`` drawings of the folder in name order (no picking). Rows: the drawing, its photo (when
``--photos`` has one of the same name), the face with ``sketch_drawing_colours`` off, the face with it on (the
bundled checkpoints' setting), and that face with Smiling +2 (sliders edit the face under the drawing's colours).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf.evaluation.held_out_sets import IMAGE_SUFFIXES  # noqa: E402
from s2fgan_hf.loading import load_model  # noqa: E402

CELL = 96
LABEL = 86


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--drawings", type=Path, required=True, help="a folder of drawings in colour")
    p.add_argument("--photos", type=Path, default=None, help="their photos, matched by file stem (optional)")
    p.add_argument("--model", default=None, help="save_pretrained folder or Hub id (default: the bundled one)")
    p.add_argument("--count", type=int, default=8)
    p.add_argument("-o", "--output", type=Path, default=Path("docs/looks/drawing_colours.jpg"))
    args = p.parse_args(argv)
    files = sorted(f for f in args.drawings.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)[: args.count]
    if not files:
        raise SystemExit(f"error: no drawings ({', '.join(IMAGE_SUFFIXES)}) in {args.drawings}")
    model = load_model(args.model).eval()
    on = model.with_sketch_encoder(sketch_drawing_colours=True).eval()
    off = model.with_sketch_encoder(sketch_drawing_colours=False).eval()
    drawings = [Image.open(f).convert("RGB") for f in files]
    rows: list[tuple[str, list[Image.Image | None]]] = [("drawing", drawings)]
    if args.photos is not None:
        photos = [next(iter(sorted(args.photos.glob(f.stem + ".*"))), None) for f in files]
        rows.append(("its photo", [Image.open(f).convert("RGB") if f else None for f in photos]))
    rows += [
        ("colours off", off.generate(drawings)),
        ("colours on", on.generate(drawings)),
        ("on, Smiling +2", on.generate(drawings, attributes={"Smiling": 2.0})),
    ]
    sheet = Image.new("RGB", (LABEL + CELL * len(files), CELL * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (title, images) in enumerate(rows):
        draw.text((4, r * CELL + CELL // 2 - 6), title, fill="black")
        for c, image in enumerate(images):
            if image is not None:
                sheet.paste(image.resize((CELL, CELL), Image.LANCZOS), (LABEL + c * CELL, r * CELL))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output, quality=88)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
