"""Is a drawing style's realism gap a bias of its sketch latents? Per style, on held-out photos drawn in it:

    python scripts/latent_bias_check.py --model MODEL --data data/celeba128 --styles edges sparse \
        --limit 500 --output runs/eval/latent-bias

* ``fd``: the Fréchet distance of the sketch branch's faces to the photos (the evaluation's ``sketch -> face``),
  split into ``fd_means`` (the squared distance of the two feature means) and ``fd_spreads`` (the rest);
* ``latent_offset``: the norm of mean E_s(sketch) - mean E_i(photo); ``latent_spread``: the root mean squared norm
  of E_i(photo) about its mean (the scale to read the offset against);
* ``fd_recentred``: the FD after moving every sketch latent by -offset, i.e. onto the photo latents' mean. The
  offset is measured on the very set it corrects, so this is a diagnosis (how much of the gap that bias explains),
  not an inference method: a user's drawing comes with no style label and no photos.

A style whose ``fd`` falls a lot when recentred has a biased latent mean; a training term that matches each style's
latent moments to the photos' (``train_accelerate.py --lambda_style_moments``) aims at exactly that bias.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import SET_STYLES, styled_batches, styled_set  # noqa: E402
from s2fgan_hf.evaluation.metrics import frechet_distance  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path  # noqa: E402


@torch.no_grad()
def style_latents(
    model: S2FGAN, data: str | Path, style: str, limit: int | None, batch_size: int, split: str | None = "test"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """E_s of the split's photos drawn in ``style``, E_i of the photos, and the photos at the model's size."""
    dataset = styled_set(data, style, model.config.image_size, [], split=split, limit=limit)
    z_sketch, z_photo, photos = [], [], []
    for batch in styled_batches(dataset, batch_size):
        photo = batch["image"].to(model.device, torch.float32)
        z_sketch.append(model.encode_sketch(batch["sketch"]))
        z_photo.append(model.encode_image(photo))
        photos.append(photo)
    if not photos:
        raise ValueError(f"no photos in {data} (split {split!r})")
    return torch.cat(z_sketch), torch.cat(z_photo), torch.cat(photos)


@torch.no_grad()
def bias_report(
    model: S2FGAN,
    classifier: AttributeClassifier,
    z_sketch: torch.Tensor,
    z_photo: torch.Tensor,
    photos: torch.Tensor,
    batch_size: int,
) -> dict[str, float]:
    """The figures of the module docstring for one set of latents ([N, ...] each) and their photos [N, 3, H, W]."""

    def face_features(latents: torch.Tensor) -> torch.Tensor:
        chunks = latents.split(batch_size)
        return torch.cat([classifier.features(model.decode(z).clamp(-1, 1)) for z in chunks])

    real = torch.cat([classifier.features(p) for p in photos.split(batch_size)])
    offset = z_sketch.mean(0) - z_photo.mean(0)
    faces = face_features(z_sketch)
    fd = frechet_distance(real, faces)
    fd_means = float((real.mean(0) - faces.mean(0)).pow(2).sum())
    spread = (z_photo - z_photo.mean(0)).flatten(1).pow(2).sum(1).mean().sqrt()
    return {
        "fd": fd,
        "fd_means": fd_means,
        "fd_spreads": fd - fd_means,
        "latent_offset": float(offset.norm()),
        "latent_spread": float(spread),
        "fd_recentred": frechet_distance(real, face_features(z_sketch - offset)),
    }


def to_markdown(rows: dict[str, dict[str, float]]) -> str:
    lines = [
        "| style | FD | from the means | from the spreads | latent offset / spread | FD recentred |",
        "|---|---|---|---|---|---|",
    ]
    for style, r in rows.items():
        lines.append(
            f"| {style} | {r['fd']:.1f} | {r['fd_means']:.1f} | {r['fd_spreads']:.1f} | "
            f"{r['latent_offset']:.2f} / {r['latent_spread']:.2f} | {r['fd_recentred']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--data", required=True, help="a prepare-data folder (its test split is used)")
    p.add_argument("--styles", nargs="+", default=["edges", "sparse"], choices=SET_STYLES)
    p.add_argument("--split", default="test", choices=("train", "val", "test", "all"))
    p.add_argument("--limit", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--classifier", default=None, help="default: the bundled attribute classifier")
    p.add_argument("--output", type=Path, default=None, help="folder for latent_bias.json and latent_bias.md")
    args = p.parse_args(argv)
    source = args.classifier or bundled_classifier_path()
    if source is None:
        p.error("no attribute classifier is bundled; pass --classifier")
    classifier = AttributeClassifier.from_pretrained(str(source)).eval()
    model = S2FGAN.from_pretrained(args.model).eval()
    split = None if args.split == "all" else args.split
    rows = {}
    for style in args.styles:
        latents = style_latents(model, args.data, style, args.limit, args.batch_size, split)
        rows[style] = bias_report(model, classifier, *latents, args.batch_size)
    table = to_markdown(rows)
    print(table, end="")
    if args.output is not None:
        args.output.mkdir(parents=True, exist_ok=True)
        (args.output / "latent_bias.json").write_text(json.dumps({"model": args.model, "styles": rows}, indent=2))
        (args.output / "latent_bias.md").write_text(table)
    return rows


if __name__ == "__main__":
    main()
