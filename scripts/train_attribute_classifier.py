"""Train the project's attribute classifier (the judge of ``s2fgan evaluate``) on a prepared folder's train split.

    python scripts/train_attribute_classifier.py --data PREPARED_DIR \
        --output s2fgan_hf/pretrained/attribute-classifier

The photos of the split are loaded once into memory (uint8), trained with random flips and small shifts, and the
held-out (test split) accuracy per attribute, plus the majority-class baseline, is written to ``evaluation.json``
next to the weights and printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf.data import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.evaluation import AttributeClassifier  # noqa: E402
from s2fgan_hf.progress import progress  # noqa: E402

CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair Blond_Hair "
    "Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup High_Cheekbones "
    "Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline "
    "Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick "
    "Wearing_Necklace Wearing_Necktie Young"
).split()


def load_split(root: Path, split: str, size: int, names: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """All photos of a split as uint8 [N, 3, size, size] and labels [N, n_attr] in {0, 1}."""
    ds = PreparedSketchFaceDataset(root, attribute_names=names, split=split, image_size=size)
    images = torch.empty(len(ds), 3, size, size, dtype=torch.uint8)
    labels = torch.empty(len(ds), len(names))
    for i in progress(range(len(ds)), total=len(ds), desc=f"load {split}"):
        item = ds[i]
        images[i] = ((item["image"] + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
        labels[i] = item["attributes"]
    return images, labels


def to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float() / 127.5 - 1.0


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    shift = torch.randint(-3, 4, (2,), generator=gen).tolist()
    return torch.roll(x, shifts=shift, dims=(-2, -1))


@torch.no_grad()
def accuracy(model: AttributeClassifier, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    model.eval()
    correct = torch.zeros(labels.shape[1])
    for start in range(0, images.shape[0], 256):
        pred = model(to_float(images[start : start + 256])) > 0
        correct += (pred.float() == labels[start : start + 256]).float().sum(0)
    return correct / images.shape[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="a `s2fgan prepare-data` folder with CelebA labels")
    p.add_argument("--output", type=Path, required=True)
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    names = tuple(CELEBA_ATTRIBUTES)
    train_x, train_y = load_split(args.data, "train", args.image_size, names)
    test_x, test_y = load_split(args.data, "test", args.image_size, names)
    model = AttributeClassifier(attribute_names=names, image_size=args.image_size)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * (train_x.shape[0] // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    start = time.time()
    bar = progress(total=steps, desc="train classifier")  # a bar on a terminal, plain lines in a log
    for _ in range(args.epochs):
        model.train()
        order = torch.randperm(train_x.shape[0], generator=gen)
        for i in range(train_x.shape[0] // args.batch_size):
            idx = order[i * args.batch_size : (i + 1) * args.batch_size]
            x = augment(to_float(train_x[idx]), gen)
            loss = F.binary_cross_entropy_with_logits(model(x), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.update(1)
            if hasattr(bar, "set_postfix"):  # the tqdm bar only
                bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    acc = accuracy(model, test_x, test_y)
    majority = torch.maximum(test_y.mean(0), 1 - test_y.mean(0))
    report = {
        "train_images": int(train_x.shape[0]),
        "test_images": int(test_x.shape[0]),
        "image_size": args.image_size,
        "epochs": args.epochs,
        "train_seconds": round(time.time() - start, 1),
        "mean_accuracy": round(float(acc.mean()), 4),
        "mean_majority_baseline": round(float(majority.mean()), 4),
        "per_attribute": {
            n: {"accuracy": round(float(a), 4), "majority_baseline": round(float(m), 4)}
            for n, a, m in zip(names, acc, majority)
        },
        "command": "python " + " ".join(sys.argv),
    }
    args.output.mkdir(parents=True, exist_ok=True)
    model.eval().save_pretrained(args.output)
    (args.output / "evaluation.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "per_attribute"}, indent=2))
    for n in ("Smiling", "Male", "Young", "Eyeglasses", "Bangs", "No_Beard"):
        r = report["per_attribute"][n]
        print(f"{n:12s} accuracy {r['accuracy']:.3f}  majority baseline {r['majority_baseline']:.3f}")


if __name__ == "__main__":
    main()
