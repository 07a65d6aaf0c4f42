"""Fit the look prior that seeds draw from (s2fgan_hf/look_prior.json) to a prepared folder's training photos.

    python scripts/fit_look_prior.py data/celeba128 --size 64

Each photo is read as training reads it (``PreparedSketchFaceDataset`` at the model's size), its look (the colour
statistics of the hair, face and background regions, ``s2fgan_hf.looks.look_statistics``) is taken, and a Gaussian
is fitted to them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf.data import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.looks import DEFAULT_PRIOR_PATH, LookPrior, look_statistics  # noqa: E402
from s2fgan_hf.progress import progress  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", type=Path, help="a prepare-data folder")
    p.add_argument("--size", type=int, default=64, help="the model's image size")
    p.add_argument("--split", default="train")
    p.add_argument("--output", type=Path, default=DEFAULT_PRIOR_PATH)
    p.add_argument("--source", default=None, help="the provenance line stored in the file")
    args = p.parse_args()
    dataset = PreparedSketchFaceDataset(args.data, image_size=args.size, split=args.split)
    looks = []
    with progress(total=len(dataset), desc="looks", unit="photo") as bar:
        for i in range(len(dataset)):
            looks.append(look_statistics(dataset[i]["image"][None])[0])
            bar.update(1)
    source = args.source or f"{len(looks)} {args.split} photos of {args.data} at {args.size} px"
    prior = LookPrior.fit(torch.stack(looks), source=source)
    args.output.write_text(prior.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(looks)} photos)")


if __name__ == "__main__":
    main()
