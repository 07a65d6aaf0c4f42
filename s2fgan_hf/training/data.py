"""Datasets for training: a prepared folder (``s2fgan prepare-data``) or photos with sketches made on the fly.

The dataset classes belong to ``s2fgan_hf.data`` (built on the ``data`` branch). Until that package provides
them, ``PreparedFolder`` below reads the same folder layout so the trainer and its tests can run:
``images/<name>.png``, ``sketches/<name>.png`` (black strokes on white) and ``metadata.jsonl`` with
``file_name``, ``sketch_file_name``, ``split`` and one 0/1 (or +-1) column per attribute.
Items are dicts: ``image`` [3, H, W] in [-1, 1], ``sketch`` [1, H, W] in {-1, +1} (paper +1, stroke -1),
``attributes`` [n] 0/1 floats, ``name`` str.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Dataset


class PreparedFolder(Dataset):
    """Minimal reader of a prepared folder (no augmentation); stands in for ``PreparedSketchFaceDataset``.

    Args:
        root: the prepared folder.
        attribute_names: columns of ``metadata.jsonl`` to return, in this order.
        split: ``"train"``, ``"test"`` or ``None`` (all rows).
        image_size: resize photos (bicubic) and sketches (min-pooling when shrinking, so strokes survive) to this
            size; ``None`` keeps the files' size.
    """

    def __init__(
        self,
        root: str | Path,
        attribute_names: Sequence[str],
        split: str | None = "train",
        image_size: int | None = None,
    ) -> None:
        self.root = Path(root)
        meta = self.root / "metadata.jsonl"
        if not meta.is_file():
            raise FileNotFoundError(f"{meta} not found; --train_data_dir must be a folder made by s2fgan prepare-data")
        rows = [json.loads(line) for line in meta.read_text(encoding="utf-8").splitlines() if line.strip()]
        self.rows = [r for r in rows if split is None or r.get("split", "train") == split]
        if not self.rows:
            raise ValueError(f"{meta} has no rows with split={split!r}")
        missing = [a for a in attribute_names if a not in self.rows[0]]
        if missing:
            raise ValueError(f"{meta} has no column(s) {missing}; the model's attributes are {list(attribute_names)}")
        self.attribute_names = tuple(attribute_names)
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        row = self.rows[index]
        photo = Image.open(self.root / row["file_name"]).convert("RGB")
        sketch = Image.open(self.root / row["sketch_file_name"]).convert("L")
        if self.image_size is not None and photo.size != (self.image_size, self.image_size):
            photo = photo.resize((self.image_size, self.image_size), Image.BICUBIC)
        image = torch.from_numpy(np.asarray(photo, dtype=np.float32)).permute(2, 0, 1) / 127.5 - 1.0
        grey = torch.from_numpy(np.asarray(sketch, dtype=np.float32))[None]  # [1, h, w] in 0..255
        if self.image_size is not None and grey.shape[-1] != self.image_size:
            if grey.shape[-1] > self.image_size:  # min-pool: a window with any stroke pixel stays a stroke
                grey = -F.adaptive_max_pool2d(-grey[None], self.image_size)[0]
            else:
                grey = F.interpolate(grey[None], size=(self.image_size, self.image_size), mode="nearest")[0]
        paper = grey >= 127.5
        attrs = torch.tensor([float(row[a]) for a in self.attribute_names])
        return {
            "image": image,
            "sketch": torch.where(paper, 1.0, -1.0),
            "attributes": (attrs > 0).float(),  # 0/1 or +-1 in the file -> 0/1
            "name": Path(row["file_name"]).stem,
        }


def build_dataset(
    train_data_dir: str | Path | None,
    photo_dir: str | Path | None,
    attribute_names: Sequence[str],
    image_size: int,
    split: str | None = "train",
    augment: bool = False,
) -> Dataset:
    """The training (or sample) dataset: a prepared folder, or raw photos with on-the-fly sketches.

    Uses ``s2fgan_hf.data``'s classes when that package provides them (with ``augment``), else ``PreparedFolder``.
    """
    if bool(train_data_dir) == bool(photo_dir):
        raise ValueError("give exactly one of --train_data_dir (a prepared folder) or --photo_dir (raw photos)")
    try:
        from ..data import OnTheFlySketchFaceDataset, PreparedSketchFaceDataset  # the data branch's classes
    except ImportError:
        PreparedSketchFaceDataset = OnTheFlySketchFaceDataset = None  # noqa: N806
    if train_data_dir:
        if PreparedSketchFaceDataset is not None:
            return PreparedSketchFaceDataset(
                train_data_dir, attribute_names=attribute_names, split=split, image_size=image_size, augment=augment
            )
        return PreparedFolder(train_data_dir, attribute_names, split=split, image_size=image_size)
    if OnTheFlySketchFaceDataset is None:
        raise ImportError(
            "--photo_dir needs s2fgan_hf.data.OnTheFlySketchFaceDataset, which this installation lacks; "
            "prepare the data first with `s2fgan prepare-data` and pass --train_data_dir"
        )
    return OnTheFlySketchFaceDataset(
        photo_dir, attribute_names=attribute_names, split=split, image_size=image_size, augment=augment
    )
