"""Torch datasets for training: over a folder written by ``s2fgan prepare-data``, or straight over raw photos with
sketches extracted on the fly.

Every item is ``{"image": [3, H, W] in [-1, 1], "sketch": [1, H, W] in [-1, 1] (paper +1, stroke -1),
"attributes": [A] of 0/1, "name": str}``, the normalisation of the official training loop ((v - 127.5) / 127.5).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from s2fgan_hf.config import PAPER_ATTRIBUTES
from s2fgan_hf.data.augmentation import SketchAugmentation
from s2fgan_hf.data.readers import FaceReader, parse_binary_label
from s2fgan_hf.data.sketch_extraction import SketchExtractor
from s2fgan_hf.data.sketch_styles import STYLES, SketchStyleSampler
from s2fgan_hf.data.splits import SPLITS, normalize_split
from s2fgan_hf.data.transforms import joint_random_resized_crop_flip
from s2fgan_hf.image_processing.image_io import crop_and_resize, load_grey, load_rgb, pil_to_unit_tensor


class _SkipCorrupt(Dataset):
    """Shared ``__getitem__``: load item ``index``; if the files are unreadable, warn once per item and try the
    next index instead, so one bad file does not stop a long training run."""

    max_retries = 16

    def __init__(self) -> None:
        self.bad_items: set[int] = set()
        self._generator: torch.Generator | None = None

    def _load(self, index: int) -> dict[str, Any]:
        raise NotImplementedError

    def __getitem__(self, index: int) -> dict[str, Any]:
        for attempt in range(self.max_retries):
            candidate = (index + attempt) % len(self)
            try:
                return self._load(candidate)
            except (OSError, ValueError, SyntaxError) as error:  # PIL raises these for truncated / corrupt files
                if candidate not in self.bad_items:
                    self.bad_items.add(candidate)
                    warnings.warn(f"skipping unreadable item {candidate}: {error!r}", RuntimeWarning, stacklevel=2)
        raise RuntimeError(f"{self.max_retries} consecutive unreadable items starting at index {index}")

    def _finish(self, image: torch.Tensor, sketch: torch.Tensor, attributes: torch.Tensor, name: str) -> dict:
        """Optional joint augmentation, then [0, 1] → [-1, 1]."""
        if self.augment:  # type: ignore[attr-defined]
            image, sketch = joint_random_resized_crop_flip(image, sketch, generator=self._generator)
        return {"image": image * 2.0 - 1.0, "sketch": sketch * 2.0 - 1.0, "attributes": attributes, "name": name}


class PreparedSketchFaceDataset(_SkipCorrupt):
    """Photos, sketches and attribute vectors from a ``prepare-data`` output folder (or any image folder whose
    ``metadata.jsonl`` has ``file_name``, ``sketch_file_name`` and attribute columns).

    Args:
        root: the prepared folder.
        attribute_names: attributes of the vector, in order (default: the paper's 12); each must be a column.
        split: ``"train"``, ``"val"``, ``"test"`` or ``None`` for every row.
        image_size: resize photo (bilinear, antialiased) and sketch (nearest) to this size; ``None`` keeps the files'
            size.
        augment: apply the official joint augmentation (random resized crop with scale in [0.8, 1] then horizontal
            flip, identical for photo and sketch, nearest for the sketch).
        seed: seed of the augmentation generator (``None``: the global RNG, e.g. per-worker seeding by DataLoader).
        sketch_styles: draw each photo in a drawing style (``SketchStyleSampler``) instead of returning the stored
            edge map; the photo and edge map are read at their stored size (ideally ``2 * image_size``), cropped
            and flipped there, and the drawing is normalised to ``image_size`` as at inference (grey levels kept).
        style_seed: with ``sketch_styles``, draw item ``i``'s style from a generator seeded with
            ``style_seed * 1_000_003 + i``, so a held-out test set in a style is the same on every run.
    """

    def __init__(
        self,
        root: str | Path,
        attribute_names: Sequence[str] = PAPER_ATTRIBUTES,
        split: str | None = "train",
        image_size: int | None = None,
        augment: bool = False,
        seed: int | None = None,
        sketch_styles: SketchStyleSampler | None = None,
        style_seed: int | None = None,
    ) -> None:
        super().__init__()
        self.root = Path(root)
        metadata = self.root / "metadata.jsonl"
        if not metadata.is_file():
            raise FileNotFoundError(f"{metadata} not found; create it with `s2fgan prepare-data SRC {self.root} ...`")
        if split is not None and split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS} or None, got {split!r}")
        with open(metadata, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        self.attribute_names = tuple(attribute_names)
        columns = set(rows[0]) if rows else set()
        missing = [a for a in self.attribute_names if a not in columns]
        if rows and missing:
            raise KeyError(f"attribute column(s) {missing} not in {metadata}; columns: {sorted(columns)}")
        if rows and "sketch_file_name" not in columns:
            raise KeyError(f"{metadata} has no 'sketch_file_name' column; was it written by prepare-data?")
        if split is not None:
            rows = [row for row in rows if normalize_split(row.get("split", "train")) == split]
        self.rows = rows
        self.image_size = image_size
        self.augment = augment
        self._generator = torch.Generator().manual_seed(seed) if seed is not None else None
        if sketch_styles is not None and image_size is not None and sketch_styles.size != image_size:
            raise ValueError(f"sketch_styles renders {sketch_styles.size} px sketches but image_size is {image_size}")
        self.sketch_styles = sketch_styles
        self.style_seed = style_seed

    def __len__(self) -> int:
        return len(self.rows)

    def _load(self, index: int) -> dict[str, Any]:
        row = self.rows[index]
        image = pil_to_unit_tensor(load_rgb(self.root / row["file_name"]))  # [3, H, W] in [0, 1]
        sketch = pil_to_unit_tensor(load_grey(self.root / row["sketch_file_name"]))  # [1, H, W] in [0, 1]
        attributes = torch.tensor([parse_binary_label(row[a]) for a in self.attribute_names], dtype=torch.float32)
        if self.sketch_styles is not None:
            return self._styled(index, image, sketch, attributes, Path(row["file_name"]).stem)
        if self.image_size is not None and image.shape[-1] != self.image_size:
            size = (self.image_size, self.image_size)
            image = F.interpolate(image[None], size=size, mode="bilinear", antialias=True, align_corners=False)[0]
            sketch = F.interpolate(sketch[None], size=size, mode="nearest")[0]
        return self._finish(image.clamp(0, 1), sketch, attributes, Path(row["file_name"]).stem)

    def _styled(
        self, index: int, image: torch.Tensor, edges: torch.Tensor, attributes: torch.Tensor, name: str
    ) -> dict[str, Any]:
        """Crop/flip at the stored size, draw the photo in a style, then bring the photo to ``image_size``."""
        styles = self.sketch_styles
        assert styles is not None
        generator = self._generator
        if self.style_seed is not None:
            generator = torch.Generator().manual_seed(self.style_seed * 1_000_003 + index)
        if self.augment:
            image, edges = joint_random_resized_crop_flip(image, edges, generator=generator)
        style = styles.pick(generator)  # the sampler's own first draw, so held-out sets stay as they were
        sketch = styles(image, edges, generator=generator, style=style)  # [1, size, size] in [-1, 1]
        size = (styles.size, styles.size)
        if image.shape[-1] != styles.size:
            image = F.interpolate(image[None], size=size, mode="bilinear", antialias=True, align_corners=False)[0]
        item = {"image": image.clamp(0, 1) * 2.0 - 1.0, "sketch": sketch, "attributes": attributes, "name": name}
        return item | {"style": STYLES.index(style)}


class OnTheFlySketchFaceDataset(_SkipCorrupt):
    """Raw photos from a reader, with sketches extracted on the fly (no ``prepare-data`` step).

    Args:
        reader: a :class:`~s2fgan_hf.data.readers.FaceReader` (its ``attribute_names`` define the vector).
        image_size: photos are centre-cropped to a square and resized to this size.
        split: keep only records of this split (``None``: all).
        extractor: the photo → sketch extractor (default: :class:`SketchExtractor`).
        sketch_augmentation: optional :class:`SketchAugmentation` applied to each extracted sketch.
        use_dataset_sketches: use the reader's own sketch files where a record has one.
        augment: the joint crop/flip augmentation, as in :class:`PreparedSketchFaceDataset`.
        seed: seed of the dataset's generator (augmentations).
    """

    def __init__(
        self,
        reader: FaceReader,
        image_size: int = 256,
        split: str | None = "train",
        extractor: SketchExtractor | None = None,
        sketch_augmentation: SketchAugmentation | None = None,
        use_dataset_sketches: bool = False,
        augment: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.reader = reader
        self.indices = [i for i, r in enumerate(reader.records) if split is None or r.split == split]
        self.image_size = image_size
        self.extractor = extractor or SketchExtractor()
        self.sketch_augmentation = sketch_augmentation
        self.use_dataset_sketches = use_dataset_sketches
        self.augment = augment
        self._generator = torch.Generator().manual_seed(seed) if seed is not None else None

    @property
    def attribute_names(self) -> tuple[str, ...]:
        return self.reader.attribute_names

    def __len__(self) -> int:
        return len(self.indices)

    def _load(self, index: int) -> dict[str, Any]:
        record = self.reader.records[self.indices[index]]
        image = pil_to_unit_tensor(crop_and_resize(load_rgb(record.image_path), self.image_size))
        if self.use_dataset_sketches and record.sketch_path is not None:
            grey = crop_and_resize(load_grey(record.sketch_path), self.image_size)
            sketch = (pil_to_unit_tensor(grey) > 0.75).float()
        else:
            sketch = self.extractor(image[None])[0]  # [1, H, W], 1 = paper
        if self.sketch_augmentation is not None:
            sketch = self.sketch_augmentation(sketch[None], generator=self._generator)[0]
        return self._finish(image, sketch, self.reader.attribute_vector(record), record.name)
