"""How much of an attribute a drawing carries: a small CNN trained from scratch on the sketches alone.

    python scripts/sketch_attribute_ceiling.py --data data/celeba128 --attribute Male --style clean --size 64

Trains a 5-block CNN (batch norm, max-pool; ~0.2 M parameters) to predict ``--attribute`` from the training split's
sketches in ``--style`` (``clean``: the stored edge maps; any style of ``s2fgan_hf.data.sketch_styles``, drawn once
per photo with a fixed seed), at ``--size`` px (the model's input, 64, or the 128 px drawing), and prints its ROC
AUC on the test split after each epoch. Compare it with the sketch branch's own AUC for the attribute
(``s2fgan evaluate --styles ...``): where the CNN is well above it, the sketch carries the attribute and the sketch
encoder is what misses it. Analysis only; about 3 minutes per epoch at 128 px on two CPU cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from s2fgan_hf.data.dataset import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.data.sketch_styles import STYLES, SketchStyleSampler  # noqa: E402
from s2fgan_hf.evaluation.branches import roc_auc  # noqa: E402
from s2fgan_hf.networks.sketch_reader import reader_widths  # noqa: E402


def _sketches(data: Path, split: str, attribute: str, style: str, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every sketch of ``split`` at ``size`` px ([N, 1, size, size] in [-1, 1], float16) and its 0/1 labels."""
    styles = SketchStyleSampler(size, (style,))
    dataset = PreparedSketchFaceDataset(
        data, attribute_names=[attribute], split=split, image_size=size, sketch_styles=styles, style_seed=0
    )
    xs, ys = [], []
    for batch in DataLoader(dataset, batch_size=250):
        xs.append(batch["sketch"].half())
        ys.append(batch["attributes"][:, 0])
    return torch.cat(xs), torch.cat(ys)


def attribute_cnn(outputs: int, size: int = 64) -> nn.Sequential:
    """Blocks of conv, batch norm, ReLU and max-pool (64 px: 5, 128 px: 6; the package's ``SketchReader`` widths),
    then a linear layer over the 128 pooled features (``net[:-2]`` gives them) to ``outputs`` logits."""
    widths = [1, *reader_widths(128, size)]
    blocks = [
        nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2))
        for a, b in zip(widths, widths[1:])
    ]
    return nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, outputs))


def one_cycle(net: nn.Module, epochs: int, samples: int) -> tuple[torch.optim.Optimizer, object]:
    """AdamW (2e-3, weight decay 1e-3) under a one-cycle schedule for ``epochs`` epochs of batch 64."""
    optimizer = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 2e-3, total_steps=epochs * -(-samples // 64))
    return optimizer, schedule


def train_epoch(net: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer, schedule) -> float:
    """One epoch of binary cross-entropy of ``net(x)`` against 0/1 labels ``y`` [N, k], batch 64, random flips."""
    net.train()
    order = torch.randperm(len(x))
    for k in range(0, len(x), 64):
        index = order[k : k + 64]
        batch = x[index].float()
        flip = torch.rand(len(index)) < 0.5
        batch[flip] = batch[flip].flip(-1)
        loss = F.binary_cross_entropy_with_logits(net(batch), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    net.eval()
    return loss.item()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="a folder prepared at 128 px")
    p.add_argument("--attribute", default="Male")
    p.add_argument("--style", default="clean", choices=STYLES)
    p.add_argument("--size", type=int, default=64, choices=[64, 128])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    x_train, y_train = _sketches(args.data, "train", args.attribute, args.style, args.size)
    x_test, y_test = _sketches(args.data, "test", args.attribute, args.style, args.size)
    net = attribute_cnn(1, args.size)
    optimizer, schedule = one_cycle(net, args.epochs, len(x_train))
    start = time.time()
    print(f"{args.attribute} from {args.style} sketches at {args.size} px: {len(x_train)} train, {len(x_test)} test")
    for epoch in range(args.epochs):
        train_epoch(net, x_train, y_train[:, None], optimizer, schedule)
        with torch.no_grad():
            scores = torch.cat([net(x_test[k : k + 250].float()).squeeze(1) for k in range(0, len(x_test), 250)])
        auc = roc_auc(scores, y_test)
        print(f"epoch {epoch + 1}: test AUC {auc:.4f} ({time.time() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
