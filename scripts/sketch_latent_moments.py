"""How much of the sketch branch's realism gap is a shift of its latent distribution, per drawing style.

    python scripts/sketch_latent_moments.py --model s2fgan_hf/pretrained/default --data data/celeba128 \
        --styles edges stored sparse

For ``--limit`` held-out photos drawn in each style, the sketch latents z_s = E_s(sketch) are compared with the image
latents z_i = E_i(photo): the norm of their mean difference and their mean per-dimension spread. Then the faces
D(z) of four sets of latents are scored against the real photos, as ``s2fgan evaluate`` scores them (Fréchet
distance on the bundled classifier's embedding, its mean term alone, Male AUC against the photos' labels, the share
the classifier calls Male):

* ``sketch``: z_s as the model gives them (the ``sketch -> face`` row of ``s2fgan evaluate``);
* ``photo``: z_i (the ``photo -> face`` row);
* ``sketch, mean moved``: z_s - mean(z_s) + mean(z_i), the same latents with the photos' mean;
* ``sketch, mean and spread``: z_s standardised per dimension, then given the photos' mean and std;
* ``sketch, training offset``: z_s + mean(z_i) - mean(z_s) with both means taken on ``--train`` *training* photos
  drawn in the same style: the offset a training term that matches the moments actually sees.

The first two corrections use the test photos' own statistics, so they bound what a training term that matches the
moments per style could gain (docs/training.md §12, ``--lambda_style_moments``); they are not an inference method.
The last one shows how much of that bound is reachable: the sketch encoder fits the training drawings better than
held-out ones, so their offset is smaller (on the shipped model: stored 0.67 against 0.86 held out), and moving the
held-out latents by it reaches a fraction of the bound at best (stored FD 72.9 -> 71.3 against 63.8 with the held-out
mean, edges 67.6 -> 67.9 against 62.1; docs/checkpoint/training.md, "What limits the remaining bars").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import roc_auc  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import SET_STYLES, styled_set  # noqa: E402
from s2fgan_hf.evaluation.metrics import frechet_distance  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path  # noqa: E402


def _decode(model: S2FGAN, z: torch.Tensor, batch_size: int) -> torch.Tensor:
    return torch.cat([model.decode(z[k : k + batch_size]).clamp(-1, 1) for k in range(0, len(z), batch_size)])


def _latents(model: S2FGAN, data, batch_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """z_s, z_i, the photos and their Male labels of a styled set."""
    z_s, z_i, photos, labels = [], [], [], []
    for batch in DataLoader(data, batch_size=batch_size):
        z_s.append(model.encode_sketch(batch["sketch"]))
        z_i.append(model.encode_image(batch["image"]))
        photos.append(batch["image"])
        labels.append(batch["attributes"][:, 0])
    return torch.cat(z_s), torch.cat(z_i), torch.cat(photos), torch.cat(labels)


@torch.no_grad()
def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--data", type=Path, required=True, help="a folder prepared at twice the model's size")
    p.add_argument("--styles", nargs="+", default=["edges", "stored", "sparse"], choices=SET_STYLES)
    p.add_argument("--limit", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--train", type=int, default=1500, help="training photos for the training offset")
    args = p.parse_args(argv)
    # fp32 as in `s2fgan evaluate`: "auto" would compute in bf16 on CPUs with AVX512-BF16 and shift the figures.
    model = S2FGAN.from_pretrained(args.model).eval().set_inference_precision("fp32")
    classifier = AttributeClassifier.from_pretrained(bundled_classifier_path()).eval()
    male = classifier.select(["Male"])[0]
    size = model.config.image_size
    print("| style | latents | FD | FD mean term | Male AUC | called Male |")
    print("|---|---|---|---|---|---|")
    for style in args.styles:
        held_out = styled_set(args.data, style, size, ["Male"], limit=args.limit)
        zs, zi, photos, y = _latents(model, held_out, args.batch_size)
        training = styled_set(args.data, style, size, ["Male"], split="train", limit=args.train)
        train_zs, train_zi, _, _ = _latents(model, training, args.batch_size)
        real = classifier.features(photos)
        print(
            f"<!-- {style}: |mean(z_s) - mean(z_i)| = {float((zs.mean(0) - zi.mean(0)).norm()):.3f}, per-dimension "
            f"std z_s {float(zs.std(0).mean()):.3f} / z_i {float(zi.std(0).mean()):.3f} -->"
        )
        latents = {
            "sketch": zs,
            "photo": zi,
            "sketch, mean moved": zs - zs.mean(0) + zi.mean(0),
            "sketch, mean and spread": (zs - zs.mean(0)) / zs.std(0).clamp_min(1e-6) * zi.std(0) + zi.mean(0),
            "sketch, training offset": zs + train_zi.mean(0) - train_zs.mean(0),
        }
        for name, z in latents.items():
            feats = classifier.features(_decode(model, z, args.batch_size))
            score = classifier.head(feats)[:, male]
            mean_term = float((real.double().mean(0) - feats.double().mean(0)).pow(2).sum())
            print(
                f"| {style} | {name} | {frechet_distance(real, feats):.1f} | {mean_term:.1f} | "
                f"{roc_auc(score, y):.3f} | {float((score > 0).float().mean()):.3f} |"
            )


if __name__ == "__main__":
    main()
