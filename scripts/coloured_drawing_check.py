"""Does a drawing's own colour help its face? Held-out photos drawn in flat colour, their faces with the checkpoint's
``sketch_drawing_colours`` off and on: a proxy for drawings in colour that leaves the drawn avatars (a test set) out.

    python scripts/coloured_drawing_check.py --data data/celeba128 --skip 500 --limit 200 \
        --output runs/eval/coloured-proxy

Each drawing is made from one test-split photo of a ``prepare-data`` folder: the photo at twice the model's size,
blurred (``--blur`` passes of a 5-tap binomial filter) and posterised to ``--levels`` steps per channel (flat
fills), times the ink of the photo's ``edges``-style sketch (the held-out edge maps of ``s2fgan evaluate``), so dark
lines over flat colour. The default ``--skip 500`` keeps to the selection half of the test split (photos 500-999,
where settings are chosen; ``scripts/evaluate_sketch_branch.sh`` reports on photos 0-499).

Writes ``coloured_drawings.json`` and ``.md`` (Fréchet distance, sharpness and fidelity AUCs of the faces from the
drawings, as ``s2fgan evaluate`` scores a set, with the colours off and on) and ``coloured_drawings.png`` (drawing |
photo | face, colours off | face, colours on).

Caveat, seen in the grid: posterised photos are not drawings. Dark regions (hair, eye sockets, shadows) become dark
blobs that merge with the lines, and their colour statistics are darker than a drawn face's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import FIDELITY_ATTRIBUTES, evaluate_branches  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import styled_batches, styled_set  # noqa: E402
from s2fgan_hf.image_processing import signed_batch_to_pils  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path, bundled_model_path  # noqa: E402

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])


def coloured_drawings(photos: torch.Tensor, sketches: torch.Tensor, levels: int = 10, blur: int = 2) -> torch.Tensor:
    """Photos [B, 3, S, S] and their sketches [B, 1, S, S] (both in [-1, 1], paper +1) -> flat-colour drawings
    [B, 3, 2S, 2S] in [-1, 1]: the photo blurred and posterised to ``levels`` steps, times the sketch's ink."""
    if photos.ndim != 4 or photos.shape[1] != 3 or sketches.shape[0] != photos.shape[0] or sketches.shape[1] != 1:
        raise ValueError(f"need photos [B, 3, S, S] and sketches [B, 1, S, S], got {photos.shape}, {sketches.shape}")
    if levels < 2:
        raise ValueError(f"levels must be at least 2, got {levels}")
    side = 2 * photos.shape[-1]
    colour = F.interpolate((photos.float() + 1) / 2, size=(side, side), mode="bilinear", align_corners=False)
    kernel = (_BINOMIAL[:, None] * _BINOMIAL[None]) / 256.0
    for _ in range(blur):
        colour = F.conv2d(F.pad(colour, (2, 2, 2, 2), mode="replicate"), kernel.expand(3, 1, 5, 5), groups=3)
    colour = torch.round(colour * levels) / levels  # flat fills
    paper = F.interpolate((sketches.float() + 1) / 2, size=(side, side), mode="bilinear", align_corners=False)
    return (colour * paper.clamp(0, 1)).clamp(0, 1) * 2 - 1


def drawing_batches(dataset, batch_size: int, levels: int, blur: int):
    """``styled_batches`` with each sketch replaced by its flat-colour drawing (a list of PIL images, as a user's)."""
    for batch in styled_batches(dataset, batch_size):
        drawn = coloured_drawings(batch["image"], batch["sketch"], levels, blur)
        yield {**batch, "sketch": signed_batch_to_pils(drawn)}


def check(
    model: S2FGAN,
    classifier: AttributeClassifier,
    dataset,
    batch_size: int = 50,
    levels: int = 10,
    blur: int = 2,
    progress: bool = True,
) -> dict[str, Any]:
    """{"off": ..., "on": ...}: ``evaluate_branches`` of the drawings with ``sketch_drawing_colours`` off and on."""
    results = {}
    for name, on in (("off", False), ("on", True)):
        variant = model.with_sketch_encoder(sketch_drawing_colours=on).eval()
        batches = drawing_batches(dataset, batch_size, levels, blur)
        results[name] = evaluate_branches(variant, classifier, batches, progress=progress, desc=f"colours {name}")
    return results


def to_markdown(results: dict[str, Any]) -> str:
    attributes = list(results["off"]["from_sketch"]["fidelity_auc"])
    lines = [
        "| drawing colours | images | Fréchet distance | sharpness | " + " | ".join(attributes) + " |",
        "|" + "---|" * (4 + len(attributes)),
    ]
    for name, result in results.items():
        r = result["from_sketch"]
        aucs = " | ".join(f"{r['fidelity_auc'][a]:.3f}" for a in attributes)
        lines.append(
            f"| {name} | {result['num_images']} | {r['frechet_distance']:.1f} | {r['sharpness']:.2f} | {aucs} |"
        )
    return "\n".join(lines) + "\n"


def grid(model: S2FGAN, dataset, count: int = 8, levels: int = 10, blur: int = 2) -> Image.Image:
    """Rows: drawing | photo | face with the colours off | on, for the first ``count`` items."""
    batch = next(drawing_batches(dataset, count, levels, blur))
    size = model.config.image_size
    rows = [[d.resize((size, size), Image.LANCZOS) for d in batch["sketch"]], signed_batch_to_pils(batch["image"])]
    for on in (False, True):
        rows.append(model.with_sketch_encoder(sketch_drawing_colours=on).eval().generate(batch["sketch"]))
    out = Image.new("RGB", (size * len(rows[0]), size * len(rows)), "white")
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            out.paste(image.convert("RGB").resize((size, size)), (c * size, r * size))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="a prepare-data folder")
    p.add_argument("--model", default=None, help="save_pretrained folder (default: the bundled checkpoint)")
    p.add_argument("--split", default="test")
    p.add_argument("--skip", type=int, default=500, help="leave out the first N photos of the split")
    p.add_argument("--limit", type=int, default=200, help="then keep N photos")
    p.add_argument("--levels", type=int, default=10, help="posterisation steps per channel")
    p.add_argument("--blur", type=int, default=2, help="binomial blur passes before posterising")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--output", type=Path, required=True)
    args = p.parse_args(argv)
    model = S2FGAN.from_pretrained(args.model or str(bundled_model_path())).eval()
    classifier = AttributeClassifier.from_pretrained(str(bundled_classifier_path())).eval()
    size = model.config.image_size
    dataset = styled_set(args.data, "edges", size, FIDELITY_ATTRIBUTES, args.split, args.limit, skip=args.skip)
    results = check(model, classifier, dataset, args.batch_size, args.levels, args.blur)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "coloured_drawings.json").write_text(json.dumps(results, indent=2))
    table = to_markdown(results)
    (args.output / "coloured_drawings.md").write_text(table)
    grid(model, dataset, 8, args.levels, args.blur).save(args.output / "coloured_drawings.png")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
