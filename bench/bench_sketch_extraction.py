"""Benchmark photo → sketch extraction and compare its stroke density with the real HED maps.

    python3 bench/bench_sketch_extraction.py [--shared ../shared/data] [--threads 1] [--repeats 3]

Prints one JSON object: throughput (images/s at 256 px on CPU for batch sizes 1 and 16) and the dark-pixel fraction
of our sketches vs the HED maps S2FGAN trains on, for the CelebAMask-HQ sample photos (falls back to the 256 px
test fixtures when ../shared is absent).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from s2fgan_hf.data.sketch_extraction import SketchExtractor, stroke_density  # noqa: E402


def _photo(path: Path, size: int = 256) -> torch.Tensor:
    image = Image.open(path).convert("RGB").resize((size, size), Image.BICUBIC)
    return torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)


def _sources(shared: Path) -> tuple[str, list[Path], list[Path]]:
    samples = shared / "celebamask_hq_s2fgan_samples"
    if samples.is_dir():
        photos = sorted((samples / "images_1024").glob("*.jpg"), key=lambda p: int(p.stem))
        return (
            "shared celebamask_hq_s2fgan_samples (1024 px photos)",
            photos,
            [samples / "hed_edges_256" / f"{p.stem}.jpg" for p in photos],
        )
    fixtures = REPO / "tests" / "fixtures" / "data" / "celebamask_hq"
    photos = sorted((fixtures / "CelebA-HQ-img").glob("*.jpg"), key=lambda p: int(p.stem))
    return "test fixtures (256 px photos)", photos, [fixtures / "hed_edge_256" / f"{p.stem}.png" for p in photos]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    source, photo_paths, hed_paths = _sources(Path(args.shared))
    photos = torch.stack([_photo(p) for p in photo_paths])  # [N, 3, 256, 256]
    hed = torch.stack(
        [torch.from_numpy(np.asarray(Image.open(p).convert("L"), dtype=np.float32) / 255.0)[None] for p in hed_paths]
    )
    extractor = SketchExtractor()
    ours = stroke_density(extractor(photos))
    theirs = stroke_density(hed)

    throughput = {}
    for batch_size in (1, 16):
        batch = photos[torch.arange(batch_size) % len(photos)]
        extractor(batch)  # warm-up
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            extractor(batch)
            best = min(best, time.perf_counter() - start)
        throughput[f"batch_{batch_size}"] = round(batch_size / best, 1)

    print(
        json.dumps(
            {
                "device": "cpu",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "cpu": platform.processor() or platform.machine(),
                "resolution": 256,
                "images_per_second": throughput,
                "source": source,
                "dark_fraction_ours": [round(v, 4) for v in ours.tolist()],
                "dark_fraction_hed": [round(v, 4) for v in theirs.tolist()],
                "ours_mean": round(ours.mean().item(), 4),
                "hed_mean": round(theirs.mean().item(), 4),
                "ours_range": [round(ours.min().item(), 4), round(ours.max().item(), 4)],
                "hed_range": [round(theirs.min().item(), 4), round(theirs.max().item(), 4)],
                "ours_within_hed_range": bool(theirs.min() <= ours.min() and ours.max() <= theirs.max()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
