"""How far an S2F-DIS direction moves an attribute, against the class-mean difference of the image latents.

    python scripts/attribute_direction_reach.py --model s2fgan_hf/pretrained/default --data data/celeba128 \
        --attribute Male

Prints, for ``--train`` training photos: the probe's mean score of the photos with and without the attribute along
its unit direction w, and the norm of the class-mean difference d of their latents and its cosine with w. Then, for
``--test`` held-out sketches drawn in ``--style``, the share of faces the bundled classifier sees the attribute on
after moving the sketch latent by a along w, and by a along d / |d| (the same distance in the other direction).
Analysis only (docs/checkpoint/evaluation.md, "How far the Male slider reaches").
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
from s2fgan_hf.evaluation.held_out_sets import styled_set  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path  # noqa: E402


@torch.no_grad()
def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--data", type=Path, required=True, help="a folder prepared at twice the model's size")
    p.add_argument("--attribute", default="Male")
    p.add_argument("--style", default="edges")
    p.add_argument("--train", type=int, default=2000, help="training photos for the class means")
    p.add_argument("--test", type=int, default=300, help="held-out sketches to edit")
    p.add_argument("--strengths", type=float, nargs="+", default=[0.0, 2.0, 3.0, 4.0])
    args = p.parse_args(argv)
    torch.manual_seed(0)
    model = S2FGAN.from_pretrained(args.model).eval()
    judge = AttributeClassifier.from_pretrained(str(bundled_classifier_path())).eval()
    column = judge.select([args.attribute])[0]
    w = model.attribute_directions.directions()[:, model.attribute_names.index(args.attribute)]
    size = model.config.image_size

    train = styled_set(args.data, "stored", size, [args.attribute], "train", args.train)
    latents, labels = [], []
    for batch in DataLoader(train, batch_size=200):
        latents.append(model.image_encoder(batch["image"]).float())
        labels.append(batch["attributes"][:, 0] > 0.5)
    z, present = torch.cat(latents), torch.cat(labels)
    scores = z @ w
    with_score, without_score = float(scores[present].mean()), float(scores[~present].mean())
    d = z[present].mean(0) - z[~present].mean(0)
    print(
        f"{args.attribute}: probe score {with_score:+.2f} with, {without_score:+.2f}"
        f" without ({len(z)} training photos); |class-mean difference| {float(d.norm()):.2f}, cosine with w "
        f"{float(d @ w / d.norm()):.2f}"
    )

    test = styled_set(args.data, args.style, size, [args.attribute], "test", args.test)
    z_sketch = torch.cat([model.encode_sketch(b["sketch"]) for b in DataLoader(test, batch_size=100)])

    def present_rate(latent: torch.Tensor) -> float:
        faces = model.decode(latent).clamp(-1, 1)
        return float((judge.predict(faces)[:, column] > 0.5).float().mean())

    for a in args.strengths:
        along_w, along_d = present_rate(z_sketch + a * w), present_rate(z_sketch + a * d / d.norm())
        print(f"move {a:g}: present along w {along_w:.3f}, along the class-mean difference {along_d:.3f}")


if __name__ == "__main__":
    main()
