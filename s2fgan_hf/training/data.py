"""The trainer's datasets: a folder made by ``s2fgan prepare-data``, or raw photos with sketches made on the fly.

Both come from ``s2fgan_hf.data`` (docs/data.md). Items are dicts: ``image`` [3, H, W] in [-1, 1], ``sketch``
[1, H, W] in [-1, 1] (paper +1, stroke -1), ``attributes`` [n] 0/1 floats, ``name`` str.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from torch.utils.data import Dataset

from ..data import OnTheFlySketchFaceDataset, PreparedSketchFaceDataset, build_reader
from ..data.readers import READERS
from ..data.sketch_styles import SketchStyleSampler

PHOTO_FORMATS = tuple(READERS)


def build_dataset(
    train_data_dir: str | Path | None,
    photo_dir: str | Path | None,
    attribute_names: Sequence[str],
    image_size: int,
    split: str | None = "train",
    augment: bool = False,
    photo_format: str = "celeba",
    sketch_styles: SketchStyleSampler | None = None,
    style_seed: int | None = None,
) -> Dataset:
    """The dataset of one split: ``train_data_dir`` (a prepared folder) or ``photo_dir`` (raw photos in
    ``photo_format``: ``celeba``, ``celebamask-hq`` or ``imagefolder``; sketches extracted per item).

    ``augment`` is the official joint random-resized-crop + flip of photo and sketch. It draws from the global
    torch RNG (per-worker seeded by the DataLoader). A split with no items gives an empty dataset.
    ``sketch_styles`` draws each photo in a drawing style (prepared folders only; ``style_seed`` fixes the style
    and its randomness per item, for held-out sets).
    """
    if bool(train_data_dir) == bool(photo_dir):
        raise ValueError("give exactly one of train_data_dir (a prepared folder) or photo_dir (raw photos)")
    if train_data_dir:
        return PreparedSketchFaceDataset(
            train_data_dir,
            attribute_names=attribute_names,
            split=split,
            image_size=image_size,
            augment=augment,
            sketch_styles=sketch_styles,
            style_seed=style_seed,
        )
    if sketch_styles is not None:
        raise ValueError("drawing styles need a prepared folder (train_data_dir), not raw photos")
    if photo_format not in PHOTO_FORMATS:
        raise ValueError(f"photo_format must be one of {PHOTO_FORMATS}, got {photo_format!r}")
    reader = build_reader(photo_format, photo_dir, attribute_names=attribute_names)
    return OnTheFlySketchFaceDataset(reader, image_size=image_size, split=split, augment=augment)
