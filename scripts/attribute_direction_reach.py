"""How far the sliders move the face, measured in the model's own latent space and by the bundled classifier.

    python scripts/attribute_direction_reach.py --model s2fgan_hf/pretrained/default --data data/celeba128

Two tables (docs/checkpoint/evaluation.md, "How far the Male slider reaches"):

1. For every editable attribute, on ``--train`` training photos: the probe's mean score C(E_i(x)) of the photos with
   and without it along its unit direction w; the norm |d| of the class-mean difference d of their latents and its
   cosine with w; and, on ``--test`` held-out sketches drawn in ``--style``, the slider's move *as the image encoder
   reads it back*: the mean of C(E_i(D(M(z, +s)))) - C(E_i(D(z))) for that attribute, with s = ``--read-back``
   (1.0 would mean the face shows the whole edit the probe was asked for).
2. For ``--attribute``, the share of the held-out faces the bundled classifier sees it on after the slider
   M(z, a), and (S2F-DIS) after moving z by a along d / |d| instead: the same distance in another direction.

Analysis only. Every photo is brought to the model's size before E_i (``styled_set``).
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
    p.add_argument("--read-back", type=float, default=2.0, help="slider value of the read-back column")
    p.add_argument("--strengths", type=float, nargs="+", default=[0.0, 2.0, 3.0, 4.0])
    args = p.parse_args(argv)
    torch.manual_seed(0)
    # fp32 as in `s2fgan evaluate`: "auto" would compute in bf16 on CPUs with AVX512-BF16 and shift the figures.
    model = S2FGAN.from_pretrained(args.model).eval().set_inference_precision("fp32")
    names = list(model.attribute_names)
    directions = model.attribute_directions.directions()  # [d, n] unit columns w
    size = model.config.image_size

    train = styled_set(args.data, "stored", size, names, "train", args.train)
    latents, labels = [], []
    for batch in DataLoader(train, batch_size=200):
        latents.append(model.image_encoder(batch["image"]).float())
        labels.append(batch["attributes"] > 0.5)
    z, present = torch.cat(latents), torch.cat(labels)
    scores = z @ directions
    test = styled_set(args.data, args.style, size, [args.attribute], "test", args.test)
    z_sketch = torch.cat([model.encode_sketch(b["sketch"]) for b in DataLoader(test, batch_size=100)])

    def read_back(latent: torch.Tensor) -> torch.Tensor:
        return model.image_encoder(model.decode(latent).clamp(-1, 1)).float() @ directions

    base = read_back(z_sketch)
    print(f"{len(z)} training photos; {len(z_sketch)} held-out {args.style} sketches; editor {model.config.variant}")
    print(f"| attribute | score with / without | \\|d\\| | cos(d, w) | read back of +{args.read_back:g} |")
    print("|---|---|---|---|---|")
    for k, name in enumerate(names):
        has = present[:, k]
        d = z[has].mean(0) - z[~has].mean(0)
        edited = read_back(model.edit(z_sketch, model.attribute_vector({name: args.read_back}, len(z_sketch))))
        moved = float((edited[:, k] - base[:, k]).mean())
        print(
            f"| {name} | {float(scores[has, k].mean()):+.2f} / {float(scores[~has, k].mean()):+.2f} | "
            f"{float(d.norm()):.2f} | {float(d @ directions[:, k] / d.norm()):.2f} | {moved:+.2f} |"
        )

    judge = AttributeClassifier.from_pretrained(str(bundled_classifier_path())).eval()
    column = judge.select([args.attribute])[0]
    k = names.index(args.attribute)
    has = present[:, k]
    d = z[has].mean(0) - z[~has].mean(0)

    def present_rate(latent: torch.Tensor) -> float:
        faces = model.decode(latent).clamp(-1, 1)
        return float((judge.predict(faces)[:, column] > 0.5).float().mean())

    for a in args.strengths:
        slider = present_rate(model.edit(z_sketch, model.attribute_vector({args.attribute: a}, len(z_sketch))))
        line = f"{args.attribute} {a:+g}: present after the slider {slider:.3f}"
        if model.config.variant == "dis":
            along_d = present_rate(z_sketch + a * d / d.norm())
            line += f", after the same distance along the class-mean difference {along_d:.3f}"
        print(line)


if __name__ == "__main__":
    main()
