"""Measure looks (issue 17) on held-out pairs: does the look follow the reference, and the geometry the sketch?

    python scripts/evaluate_looks.py --data data/celeba128 [--model s2fgan_hf/pretrained/default] [-o looks_eval]

Held-out test photos drawn in the ``edges`` style (seeded per photo, as ``s2fgan evaluate``). For the sketch of
photo A and the look of photo B (the next test photo):

* colour: in a skin box (cheeks and nose) and a hair box (above the forehead), which are not the soft regions the
  fit uses, how far the face's mean colour moved from the no-look face towards photo B's:
  ``1 - |look - B| / |no look - B|`` (1: all the way, 0: not at all), median over pairs;
* geometry: the project's photo -> sketch extractor run on the faces under 8 seeded looks, F-score of their lines
  against the input sketch within 2 px, next to the no-look face's;
* fidelity: the bundled attribute classifier's AUC against A's labels, with and without B's look;
* sliders under a look (seed 1): Smiling and Male present at -2 / 0 / +2.

Writes ``looks.json`` and ``looks.md`` into the output folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf.data import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.data.sketch_extraction import extract_sketch  # noqa: E402
from s2fgan_hf.data.sketch_styles import SketchStyleSampler  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import roc_auc  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path, load_model  # noqa: E402

FIDELITY = ("Male", "Smiling", "Young", "Eyeglasses", "Bangs")


def box_means(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean RGB [B, 3] of the skin box (cheeks, nose) and of the hair box (above the forehead)."""
    s = images.shape[-1]
    skin = images[:, :, int(0.45 * s) : int(0.70 * s), int(0.35 * s) : int(0.65 * s)].mean((2, 3))
    hair = images[:, :, int(0.02 * s) : int(0.15 * s), int(0.3 * s) : int(0.7 * s)].mean((2, 3))
    return skin, hair


def moved(after: torch.Tensor, before: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return 1.0 - (after - target).norm(dim=1) / (before - target).norm(dim=1).clamp_min(1e-6)


def line_f_score(faces: torch.Tensor, sketches: torch.Tensor, tolerance: int = 2) -> float:
    """F-score of the extracted lines of ``faces`` against ``sketches`` (-1 = ink), within ``tolerance`` px."""
    ink = (extract_sketch((faces.clamp(-1, 1) + 1) / 2) < 0.5).float()
    ref = (sketches < 0).float()
    grow = lambda t: F.max_pool2d(t, 2 * tolerance + 1, 1, tolerance)  # noqa: E731
    precision = (ink * grow(ref)).sum((1, 2, 3)) / ink.sum((1, 2, 3)).clamp_min(1)
    recall = (ref * grow(ink)).sum((1, 2, 3)) / ref.sum((1, 2, 3)).clamp_min(1)
    return float((2 * precision * recall / (precision + recall).clamp_min(1e-6)).mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="a prepare-data folder at twice the model's size")
    p.add_argument("--model", default=None)
    p.add_argument("--limit", type=int, default=200, help="held-out pairs for colour and fidelity")
    p.add_argument("--geometry-limit", type=int, default=64, help="sketches drawn under 8 looks")
    p.add_argument("-o", "--output", type=Path, default=Path("looks_eval"))
    args = p.parse_args()
    torch.manual_seed(0)
    model = load_model(args.model).eval()
    size = model.config.image_size
    data = PreparedSketchFaceDataset(
        args.data,
        model.attribute_names,
        "test",
        size,
        sketch_styles=SketchStyleSampler(size, ("edges",)),
        style_seed=0,
    )
    items = [data[i] for i in range(min(args.limit, len(data)))]
    photos = torch.stack([i["image"] for i in items])
    sketches = torch.stack([i["sketch"] for i in items])
    labels = torch.stack([i["attributes"] for i in items])
    others = torch.roll(torch.arange(len(items)), 1)  # the look of the next photo
    classifier = AttributeClassifier.from_pretrained(bundled_classifier_path()).eval()

    def probabilities(faces: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.sigmoid(classifier(faces.clamp(-1, 1)))

    z = model.encode_sketch(sketches)
    plain = model.decode(z)
    z_look = model.apply_look(z, model.encode_look(photos[others]))
    looked = model.decode(z_look)
    (skin0, hair0), (skin1, hair1), (skin_b, hair_b) = box_means(plain), box_means(looked), box_means(photos[others])
    result: dict = {
        "pairs": len(items),
        "skin_moved_median": float(moved(skin1, skin0, skin_b).median()),
        "hair_moved_median": float(moved(hair1, hair0, hair_b).median()),
        "skin_moved_mean": float(moved(skin1, skin0, skin_b).mean()),
        "hair_moved_mean": float(moved(hair1, hair0, hair_b).mean()),
    }
    p0, p1 = probabilities(plain), probabilities(looked)
    result["auc"] = {}
    for name in FIDELITY:
        if name in model.attribute_names and name in classifier.attribute_names:
            y = labels[:, model.attribute_names.index(name)]
            k = classifier.attribute_names.index(name)
            result["auc"][name] = {"no_look": roc_auc(p0[:, k], y), "photo_look": roc_auc(p1[:, k], y)}

    g = min(args.geometry_limit, len(items))
    seeds = range(1, 9)
    scores = []
    for seed in seeds:
        faces = model.decode(model.apply_look(z[:g], model.look_from_seed(seed)))
        scores.append(line_f_score(faces, sketches[:g]))
    result["lines_f_no_look"] = line_f_score(plain[:g], sketches[:g])
    result["lines_f_looks"] = scores

    seeded = model.apply_look(z, 1)
    result["sliders_under_seed_1"] = {}
    for name in ("Smiling", "Male"):
        k = classifier.attribute_names.index(name)
        rates = {}
        for strength in (-2.0, 0.0, 2.0):
            faces = model.decode(model.edit(seeded, {name: strength}))
            rates[f"{strength:+g}"] = float((probabilities(faces)[:, k] > 0.5).float().mean())
        result["sliders_under_seed_1"][name] = rates

    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "looks.json").write_text(json.dumps(result, indent=2) + "\n")
    auc_rows = "\n".join(
        f"| {n} | {v['no_look']:.3f} | {v['photo_look']:.3f} | {v['photo_look'] - v['no_look']:+.3f} |"
        for n, v in result["auc"].items()
    )
    sliders = "\n".join(
        f"| {n} | {r['-2']:.0%} | {r['+0']:.0%} | {r['+2']:.0%} |" for n, r in result["sliders_under_seed_1"].items()
    )
    looks_f = ", ".join(f"{s:.3f}" for s in scores)
    (args.output / "looks.md").write_text(
        f"""Held-out pairs: {len(items)} (sketch of test photo A in the `edges` style, look of test photo B).

| colour moved from the no-look face towards photo B | median | mean |
|---|---|---|
| skin box | {result["skin_moved_median"]:.2f} | {result["skin_moved_mean"]:.2f} |
| hair box | {result["hair_moved_median"]:.2f} | {result["hair_moved_mean"]:.2f} |

Lines of the faces against the input sketch (F-score within 2 px, {g} sketches): no look
{result["lines_f_no_look"]:.3f}; under seeds 1-8: {looks_f}.

| attribute | AUC, no look | AUC, look of photo B | change |
|---|---|---|---|
{auc_rows}

| slider under the look of seed 1 | -2 | 0 | +2 |
|---|---|---|---|
{sliders}
"""
    )
    print((args.output / "looks.md").read_text())


if __name__ == "__main__":
    main()
