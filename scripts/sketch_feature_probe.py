"""Where the sketch encoder loses an attribute: linear read-outs of each of its stages, its heads and its latent.

    python scripts/sketch_feature_probe.py --model s2fgan_hf/pretrained/default --data data/celeba128 \
        --attribute Male --style edges

For ``--train`` training photos and ``--limit`` held-out photos drawn in ``--style``, E_s's activations are pooled
(each ResNet stage average-pooled to 2 x 2; the multi-scale heads' outputs; the latent z) and a logistic regression
is fitted on the training sketches' activations of each kind (standardised, three L2 strengths). The held-out ROC
AUC of each read-out says how much of the attribute each level still carries: where the last stage reads no better
than z, the trunk's features are the limit, not the heads that turn them into z. Compare with what the drawings carry
(``scripts/sketch_attribute_ceiling.py``, a CNN trained on the sketches alone). Analysis only; about a minute on two
CPU cores.

``--head-steps N`` first trains the trunk for the attribute alone, as an auxiliary attribute head would in stage 2: a
linear head on the stages' globally pooled activations, binary cross-entropy against the labels, N steps of Adam
(batch 16, ``--head-lr`` for E_s, 1e-3 for the head) on the training photos drawn in all six styles with the
trainer's crop/flip. The read-outs after it say whether such a head could make the trunk carry more of the attribute
to held-out drawings (about 2.5 minutes for 500 steps).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.data.dataset import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.data.sketch_styles import STYLES, SketchStyleSampler  # noqa: E402
from s2fgan_hf.evaluation.branches import roc_auc  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import styled_set  # noqa: E402
from s2fgan_hf.networks.encoders import SketchEncoder  # noqa: E402

L2_STRENGTHS = (1e-3, 1e-2, 1e-1)


@torch.no_grad()
def encoder_levels(encoder: SketchEncoder, sketch: torch.Tensor) -> dict[str, torch.Tensor]:
    """The pooled activations of ``encoder`` on ``sketch`` [B, 1, H, W]: ``stage<k>`` [B, 4 C_k], ``heads`` (the
    heads' outputs side by side) and ``z`` [B, d], computed as ``LatentEncoder.forward`` computes them."""
    outputs = encoder.stage_features(encoder.binarize(sketch))
    levels = {f"stage{k}": F.adaptive_avg_pool2d(x, 2).flatten(1) for k, x in enumerate(outputs)}
    heads = [head(x) for head, x in zip(encoder.heads, outputs)]
    levels["heads"] = torch.cat(heads, 1)
    levels["z"] = encoder.latent_from_heads(heads)
    return levels


def _levels_of_split(
    encoder: SketchEncoder, data: Path, style: str, size: int, attribute: str, split: str, limit: int
) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    parts: dict[str, list[torch.Tensor]] = {}
    labels = []
    for batch in DataLoader(styled_set(data, style, size, [attribute], split=split, limit=limit), batch_size=250):
        for name, value in encoder_levels(encoder, batch["sketch"]).items():
            parts.setdefault(name, []).append(value)
        labels.append(batch["attributes"][:, 0])
    return {name: torch.cat(values) for name, values in parts.items()}, torch.cat(labels)


def linear_readout_auc(x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor, y_test: torch.Tensor,
                       l2: float) -> float:  # fmt: skip
    """Held-out ROC AUC of an L2-regularised logistic regression (L-BFGS) on standardised features."""
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    linear = torch.nn.Linear(x_train.shape[1], 1)
    optimizer = torch.optim.LBFGS(linear.parameters(), max_iter=200)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        logits = linear(x_train).squeeze(1)
        loss = F.binary_cross_entropy_with_logits(logits, y_train) + l2 * linear.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        return roc_auc(linear(x_test).squeeze(1), y_test)


def train_trunk_for(encoder: SketchEncoder, data: Path, size: int, attribute: str, steps: int, lr: float) -> None:
    """``--head-steps``: train E_s's trunk (and a fresh linear head on its pooled stages) for ``attribute`` alone,
    on sketches drawn at the model's image ``size``."""
    dataset = PreparedSketchFaceDataset(
        data,
        attribute_names=[attribute],
        split="train",
        image_size=size,
        sketch_styles=SketchStyleSampler(size, STYLES),
        augment=True,
    )
    head = torch.nn.Linear(sum(encoder.stage_channels), 1)
    optimizer = torch.optim.Adam(
        [{"params": encoder.parameters(), "betas": (0.0, 0.99)}, {"params": head.parameters(), "lr": 1e-3}], lr=lr
    )
    encoder.train()
    loader = DataLoader(dataset, batch_size=16, shuffle=True, num_workers=1)
    batches = (batch for _ in range(steps) for batch in loader)  # as many epochs as the steps need
    for step, batch in zip(range(steps), batches):
        features = encoder.stage_features(encoder.binarize(batch["sketch"]))
        pooled = torch.cat([x.mean((2, 3)) for x in features], 1)
        loss = F.binary_cross_entropy_with_logits(head(pooled).squeeze(1), batch["attributes"][:, 0])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"head step {step}: BCE {loss.item():.3f}", flush=True)
    encoder.eval()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--data", type=Path, required=True, help="a folder prepared at twice the model's size")
    p.add_argument("--attribute", default="Male")
    p.add_argument("--style", default="edges", choices=STYLES)
    p.add_argument("--train", type=int, default=4000, help="training photos the read-outs are fitted on")
    p.add_argument("--limit", type=int, default=500, help="held-out photos the read-outs are scored on")
    p.add_argument("--head-steps", type=int, default=0, help="first train the trunk for the attribute (see above)")
    p.add_argument("--head-lr", type=float, default=0.000125, help="E_s's learning rate for --head-steps")
    args = p.parse_args(argv)
    torch.manual_seed(0)
    model = S2FGAN.from_pretrained(args.model).eval()
    size = model.config.image_size
    if args.head_steps > 0:
        train_trunk_for(model.sketch_encoder, args.data, size, args.attribute, args.head_steps, args.head_lr)
    common = (model.sketch_encoder, args.data, args.style, size, args.attribute)
    train, y_train = _levels_of_split(*common, "train", args.train)
    test, y_test = _levels_of_split(*common, "test", args.limit)
    print(f"{args.attribute} from {args.style} sketches: {len(y_train)} train, {len(y_test)} held out")
    print("| level | features | " + " | ".join(f"AUC, L2 {s:g}" for s in L2_STRENGTHS) + " |")
    print("|---|---|" + "---|" * len(L2_STRENGTHS))
    for name in train:
        aucs = [linear_readout_auc(train[name], y_train, test[name], y_test, s) for s in L2_STRENGTHS]
        print(f"| {name} | {train[name].shape[1]} | " + " | ".join(f"{a:.3f}" for a in aucs) + " |", flush=True)


if __name__ == "__main__":
    main()
