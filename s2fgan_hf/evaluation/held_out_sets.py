"""Held-out sketch sets for evaluation: the prepared test split drawn in each style, and folders of real drawings.

* ``styled_set``: the test-split photos of a ``prepare-data`` folder, each drawn in one drawing style
  (``s2fgan_hf.data.sketch_styles``) with a per-item seed, so every run sees the same sketches; ``"stored"`` is the
  folder's own edge maps as they are (the photos are still brought to the model's size).
* ``DrawingSet``: a folder of real drawings (e.g. the identity-matched avatars of CelebA-HQ photos, or freehand
  sketches), optionally with the matched photos and a CelebA-style attribute table (``image_id`` + 1/-1 columns).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Subset

from ..data.dataset import PreparedSketchFaceDataset
from ..data.sketch_styles import STYLES, SketchStyleSampler
from ..image_processing.image_io import crop_and_resize, load_rgb, pil_to_unit_tensor

SET_STYLES = ("stored", *STYLES)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def styled_set(
    data: str | Path,
    style: str,
    image_size: int,
    attributes: Sequence[str],
    split: str | None = "test",
    limit: int | None = None,
    seed: int = 0,
    skip: int = 0,
    framing_jitter: float = 0.0,
) -> Dataset:
    """The prepared folder's ``split`` drawn in ``style`` (or its stored edge maps for ``"stored"``).

    Items: ``image`` [3, size, size] in [-1, 1] with size = ``image_size`` for every style, ``sketch`` [1, S, S] in
    [-1, 1] (S = ``image_size`` for the drawn styles, the stored size for ``"stored"``: the model brings an edge map
    to its size itself), ``attributes`` [len(attributes)] 0/1. ``skip`` leaves out the first items, ``limit`` keeps
    the next ones: item ``i`` is the same drawing whatever they are (each is seeded by its index in the split).
    ``framing_jitter`` moves each drawing within its frame (``sketch_styles.jitter_framing``, also seeded) while the
    photo stays aligned: how much the faces depend on where a drawing sits. Drawn styles only.
    """
    if style not in SET_STYLES:
        raise ValueError(f"unknown sketch set style {style!r}; accepted: {', '.join(SET_STYLES)}")
    if framing_jitter and style == "stored":
        raise ValueError("framing_jitter moves drawn styles only; 'stored' is the stored edge maps as they are")
    styles = None if style == "stored" else SketchStyleSampler(image_size, (style,), framing_jitter=framing_jitter)
    dataset: Dataset = PreparedSketchFaceDataset(
        data,
        attribute_names=attributes,
        split=split,
        image_size=None if style == "stored" else image_size,
        sketch_styles=styles,
        style_seed=seed if styles is not None else None,
    )
    if style == "stored":
        # The stored photos are twice the model's size; E_i must see them at its own (it accepts no other).
        dataset = _PhotosAtSize(dataset, image_size)
    return item_window(dataset, skip, limit)


def item_window(dataset: Dataset, skip: int = 0, limit: int | None = None) -> Dataset:
    """Items ``skip`` to ``skip + limit`` of ``dataset`` (to its end without ``limit``); the dataset itself when
    neither is given."""
    if not (limit or skip):
        return dataset
    end = len(dataset) if not limit else min(skip + limit, len(dataset))  # type: ignore[arg-type]
    return Subset(dataset, range(min(skip, end), end))


class _PhotosAtSize(Dataset):
    """A prepared dataset whose ``image`` is resized (bilinear, antialiased) to ``size``; the sketch is kept."""

    def __init__(self, dataset: Dataset, size: int) -> None:
        self.dataset, self.size = dataset, size

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> dict[str, Any]:
        item = dict(self.dataset[index])
        image = item["image"]
        if image.shape[-1] != self.size:
            size = (self.size, self.size)
            item["image"] = F.interpolate(image[None], size=size, mode="bilinear", antialias=True)[0].clamp(-1, 1)
        return item


def styled_batches(dataset: Dataset, batch_size: int) -> Iterator[dict[str, Any]]:
    """Batches of a ``styled_set`` in the form ``evaluate_branches`` takes (``labels`` renamed)."""
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        yield {"image": batch["image"], "sketch": batch["sketch"], "labels": batch["attributes"]}


def _read_attribute_table(path: Path, attributes: Sequence[str]) -> dict[str, list[float]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows:
        missing = [a for a in attributes if a not in rows[0]]
        if missing or "image_id" not in rows[0]:
            raise KeyError(f"{path} lacks column(s) {missing or ['image_id']}")
    return {Path(r["image_id"]).stem: [1.0 if float(r[a]) > 0 else 0.0 for a in attributes] for r in rows}


class DrawingSet:
    """Real drawings in ``drawings`` (any image files), matched by file stem to ``photos`` and an attribute table.

    Args:
        drawings: folder of drawings.
        image_size: the model's size (photos are centre-cropped and resized to it).
        attributes: the label columns to read from ``attribute_table``.
        photos: folder of the matched photos (same stems), or ``None``.
        attribute_table: CSV with ``image_id`` and one 1/-1 column per attribute, or ``None``.
        crop: keep this centred fraction of each drawing and photo. For CelebA-HQ photos and the drawings made
            from them keep the whole frame (1): it frames the face as the CelebA-aligned training photos do (the
            classifier and the photo branch read them best there; 0.75 makes the faces a third too large;
            ``scripts/drawing_domain_check.py --attributes``).
    """

    def __init__(
        self,
        drawings: str | Path,
        image_size: int,
        attributes: Sequence[str] = (),
        photos: str | Path | None = None,
        attribute_table: str | Path | None = None,
        crop: float = 1.0,
    ) -> None:
        self.root = Path(drawings)
        if not self.root.is_dir():
            raise FileNotFoundError(f"drawing folder not found: {self.root}")
        if not 0.2 <= crop <= 1.0:
            raise ValueError(f"crop must be in [0.2, 1], got {crop}")
        self.files = sorted(p for p in self.root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise ValueError(f"no drawings ({', '.join(IMAGE_SUFFIXES)}) in {self.root}")
        self.image_size, self.crop, self.attributes = image_size, crop, tuple(attributes)
        self.photos = Path(photos) if photos is not None else None
        self.labels = _read_attribute_table(Path(attribute_table), attributes) if attribute_table else None
        if self.labels is not None:
            self.files = [p for p in self.files if p.stem in self.labels]

    def __len__(self) -> int:
        return len(self.files)

    def _crop(self, image: Image.Image) -> Image.Image:
        if self.crop >= 1.0:
            return image
        side = min(image.size)
        keep = round(side * self.crop)
        left, top = (image.width - keep) // 2, (image.height - keep) // 2
        return image.crop((left, top, left + keep, top + keep))

    def drawing(self, index: int) -> Image.Image:
        return self._crop(load_rgb(self.files[index]))

    def photo(self, index: int) -> torch.Tensor | None:
        """The matched photo [3, size, size] in [-1, 1], or None."""
        if self.photos is None:
            return None
        candidates = [self.photos / (self.files[index].stem + s) for s in IMAGE_SUFFIXES]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise FileNotFoundError(f"no photo for drawing {self.files[index].name} in {self.photos}")
        return pil_to_unit_tensor(crop_and_resize(self._crop(load_rgb(path)), self.image_size)) * 2.0 - 1.0

    def batches(self, batch_size: int) -> Iterator[dict[str, Any]]:
        """Batches for ``evaluate_branches``: ``sketch`` a list of PIL drawings, ``image`` the photos, ``labels``."""
        if self.photos is None or self.labels is None:
            raise ValueError("branch metrics need the matched photos and the attribute table")
        for start in range(0, len(self), batch_size):
            indices = range(start, min(start + batch_size, len(self)))
            yield {
                "sketch": [self.drawing(i) for i in indices],
                "image": torch.stack([self.photo(i) for i in indices]),  # type: ignore[misc]
                "labels": torch.tensor([self.labels[self.files[i].stem] for i in indices]),
            }
