"""Readers for the face datasets S2FGAN trains on: CelebAMask-HQ, CelebA aligned and a generic image folder.

A reader indexes a dataset on disk into :class:`FaceRecord` entries (paths, every available 0/1 label, split) and
yields samples ``{"image": PIL RGB, "sketch": PIL L or None, "attributes": float tensor [A], "name": str,
"split": str}`` with the attribute vector in the order of ``attribute_names`` (default: the paper's 12).
Labels are {0, 1} floats: CelebA's ±1 is mapped to 0/1, image-folder columns may hold 0/1, ±1 or true/false.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from s2fgan_hf.config import PAPER_ATTRIBUTES
from s2fgan_hf.data.splits import celebamask_hq_split, normalize_split, number_rule_split, read_celeba_partition
from s2fgan_hf.image_processing.image_io import load_grey, load_rgb

IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
RESERVED_COLUMNS: tuple[str, ...] = ("file_name", "sketch_file_name", "split", "image_id")
_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "-1", "-1.0", "false", "no"}


@dataclass(frozen=True)
class FaceRecord:
    """One photo on disk: ``name`` (file stem, used for output files), paths, all 0/1 labels and its split."""

    name: str
    image_path: Path
    sketch_path: Path | None
    labels: dict[str, float] = field(repr=False)
    split: str


def parse_binary_label(value: Any) -> float:
    """Map a label (1/0, 1/-1, true/false, as str, bool or number) to 1.0 or 0.0; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        return float(value)
    key = str(value).strip().lower()
    if key in _TRUE:
        return 1.0
    if key in _FALSE:
        return 0.0
    raise ValueError(f"cannot read {value!r} as a binary attribute; accepted: 0/1, -1/1, true/false")


def parse_attribute_file(path: str | Path) -> tuple[list[str], dict[str, dict[str, float]]]:
    """Parse a CelebA-style attribute file (``list_attr_celeba.txt``, ``CelebAMask-HQ-attribute-anno.txt``).

    Format: line 1 = row count, line 2 = the attribute names, then ``<file name> ±1 ...`` per line (any whitespace).
    The count line is not enforced (public copies are often truncated), but every row must have one value per name.

    Returns:
        ``(attribute_names, {file_name: {attribute: 0.0 | 1.0}})``.
    """
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise ValueError(f"{path}: expected a row count on line 1 and attribute names on line 2 (CelebA format)")
    names = lines[1].split()
    rows: dict[str, dict[str, float]] = {}
    for line_number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(names) + 1:
            raise ValueError(f"{path}:{line_number}: expected a file name and {len(names)} values, got {len(fields)}")
        try:
            rows[fields[0]] = {name: parse_binary_label(v) for name, v in zip(names, fields[1:])}
        except ValueError as error:
            raise ValueError(f"{path}:{line_number}: {error}") from None
    return names, rows


def _find_dir(root: Path, explicit: str | Path | None, candidates: Sequence[str], what: str) -> Path | None:
    """The explicit folder (relative to ``root`` or absolute) or the first existing candidate; None if none."""
    if explicit is not None:
        path = Path(explicit) if Path(explicit).is_absolute() else root / explicit
        if not path.is_dir():
            raise FileNotFoundError(f"{what} folder {path} does not exist")
        return path
    for candidate in candidates:
        if (root / candidate).is_dir():
            return root / candidate
    return None


def _list_images(folder: Path) -> dict[str, Path]:
    """``{file stem: path}`` of the image files in ``folder``."""
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_EXTENSIONS}


def _sort_key(name: str) -> tuple[int, int | str]:
    return (0, int(name)) if name.isdigit() else (1, name)


class FaceReader(Sequence):
    """Base reader: a sequence of samples over :class:`FaceRecord` entries.

    Args:
        records: the indexed photos.
        attribute_names: attributes of the vector, in order. Each must be a label of every record.
        available_attributes: every label the dataset provides (written to prepared metadata).
        rows_without_image: annotation rows (file names) whose photo is not on disk; they are not indexed.
        images_without_row: photos (file names) that have no annotation row; they are not indexed.
    """

    def __init__(
        self,
        records: list[FaceRecord],
        attribute_names: Sequence[str],
        available_attributes: Sequence[str],
        rows_without_image: Sequence[str] = (),
        images_without_row: Sequence[str] = (),
    ) -> None:
        self.records = records
        self.attribute_names = tuple(attribute_names)
        self.available_attributes = tuple(available_attributes)
        self.rows_without_image = tuple(rows_without_image)
        self.images_without_row = tuple(images_without_row)
        missing = [a for a in self.attribute_names if a not in self.available_attributes]
        if missing:
            raise KeyError(
                f"attribute column(s) {missing} not found in {type(self).__name__} data; "
                f"available: {', '.join(self.available_attributes) or '(none)'}"
            )

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for index in range(len(self)):
            yield self[index]

    def attribute_vector(self, record: FaceRecord) -> torch.Tensor:
        """``[len(attribute_names)]`` float tensor of 0/1 labels, in ``attribute_names`` order."""
        return torch.tensor([record.labels[name] for name in self.attribute_names], dtype=torch.float32)

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        record = self.records[index]
        return {
            "image": load_rgb(record.image_path),
            "sketch": load_grey(record.sketch_path) if record.sketch_path is not None else None,
            "attributes": self.attribute_vector(record),
            "name": record.name,
            "split": record.split,
        }


class CelebAMaskHQReader(FaceReader):
    """CelebAMask-HQ / CelebA-HQ: ``CelebA-HQ-img/<k>.jpg`` + ``CelebAMask-HQ-attribute-anno.txt``.

    Args:
        root: dataset folder.
        attribute_names: attributes of the vector (default: the paper's 12).
        image_dir: photo folder; default: the first of ``CelebA-HQ-img``, ``images``, ``images_1024``, ``img``.
        annotation_file: default ``root/CelebAMask-HQ-attribute-anno.txt`` (or any ``*attribute-anno*.txt``).
        sketch_dir: optional folder of ready sketches named like the photos (e.g. S2FGAN's ``hed_edge_256``);
            default: the first existing of ``hed_edge_256``, ``hed_edges_256``, ``sketches``, ``sketch``.

    Only photos that have an annotation row are indexed (the others, and rows without a photo, are listed in
    ``images_without_row`` / ``rows_without_image``); split: index % 20 == 0 → test (official).
    """

    IMAGE_DIRS = ("CelebA-HQ-img", "images", "images_1024", "img")
    SKETCH_DIRS = ("hed_edge_256", "hed_edges_256", "sketches", "sketch")

    def __init__(
        self,
        root: str | Path,
        attribute_names: Sequence[str] = PAPER_ATTRIBUTES,
        image_dir: str | Path | None = None,
        annotation_file: str | Path | None = None,
        sketch_dir: str | Path | None = None,
    ) -> None:
        root = Path(root)
        images_folder = _find_dir(root, image_dir, self.IMAGE_DIRS, "image")
        if images_folder is None:
            raise FileNotFoundError(f"no photo folder in {root}; expected one of {self.IMAGE_DIRS} or pass image_dir")
        if annotation_file is None:
            default = root / "CelebAMask-HQ-attribute-anno.txt"
            found = [default] if default.is_file() else sorted(root.glob("*attribute-anno*.txt"))
            if not found:
                raise FileNotFoundError(f"no CelebAMask-HQ-attribute-anno.txt in {root}; pass annotation_file")
            annotation_file = found[0]
        names, rows = parse_attribute_file(annotation_file)
        sketch_folder = _find_dir(root, sketch_dir, self.SKETCH_DIRS, "sketch")
        sketches = _list_images(sketch_folder) if sketch_folder is not None else {}
        records, matched, unlabelled = [], set(), []
        for stem, path in _list_images(images_folder).items():
            key = path.name if path.name in rows else f"{stem}.jpg"
            if key not in rows:
                unlabelled.append(path.name)
                continue
            matched.add(key)
            split = celebamask_hq_split(int(stem)) if stem.isdigit() else number_rule_split(stem)
            records.append(FaceRecord(stem, path, sketches.get(stem), rows[key], split))
        records.sort(key=lambda r: _sort_key(r.name))
        missing = [key for key in rows if key not in matched]
        super().__init__(records, attribute_names, names, missing, unlabelled)


class CelebAReader(FaceReader):
    """CelebA aligned: ``img_align_celeba/<nnnnnn>.jpg`` + ``list_attr_celeba.txt`` (+ ``list_eval_partition.txt``).

    Args:
        root: dataset folder.
        attribute_names: attributes of the vector (default: the paper's 12).
        image_dir: photo folder; default: the first of ``img_align_celeba``, ``images``, ``img_align_celeba_png``,
            ``img``.
        attribute_file: default ``root/list_attr_celeba.txt``.
        partition_file: default ``root/list_eval_partition.txt`` if present (official split); otherwise the number
            rule of :func:`~s2fgan_hf.data.splits.number_rule_split` (file number % 10 == 0 → test).

    Photos without an annotation row and rows without a photo are not indexed; they are listed in
    ``images_without_row`` / ``rows_without_image``.
    """

    IMAGE_DIRS = ("img_align_celeba", "images", "img_align_celeba_png", "img")

    def __init__(
        self,
        root: str | Path,
        attribute_names: Sequence[str] = PAPER_ATTRIBUTES,
        image_dir: str | Path | None = None,
        attribute_file: str | Path | None = None,
        partition_file: str | Path | None = None,
    ) -> None:
        root = Path(root)
        images_folder = _find_dir(root, image_dir, self.IMAGE_DIRS, "image")
        if images_folder is None:
            raise FileNotFoundError(f"no photo folder in {root}; expected one of {self.IMAGE_DIRS} or pass image_dir")
        attribute_file = Path(attribute_file) if attribute_file is not None else root / "list_attr_celeba.txt"
        if not attribute_file.is_file():
            raise FileNotFoundError(f"attribute file {attribute_file} not found (CelebA's list_attr_celeba.txt)")
        names, rows = parse_attribute_file(attribute_file)
        if partition_file is None and (root / "list_eval_partition.txt").is_file():
            partition_file = root / "list_eval_partition.txt"
        partition = read_celeba_partition(partition_file) if partition_file is not None else None
        self.split_source = "official partition file" if partition is not None else "file number % 10 == 0 → test"
        records, matched, unlabelled = [], set(), []
        for stem, path in _list_images(images_folder).items():
            # The png release of CelebA keeps the .jpg names in its annotation files.
            key = path.name if path.name in rows else f"{stem}.jpg"
            if key not in rows:
                unlabelled.append(path.name)
                continue
            matched.add(key)
            split = partition.get(key) if partition is not None else None
            records.append(FaceRecord(stem, path, None, rows[key], split or number_rule_split(stem)))
        missing = [key for key in rows if key not in matched]
        super().__init__(records, attribute_names, names, missing, unlabelled)


class ImageFolderReader(FaceReader):
    """Hugging Face ImageFolder convention: images + ``metadata.jsonl`` or ``metadata.csv`` in ``root``.

    Columns: ``file_name`` (path relative to ``root``), optional ``sketch_file_name``, optional ``split``, and one
    column per attribute with 0/1, ±1 or true/false values. Every column (other than those three and ``image_id``)
    whose values are all binary counts as an available attribute.
    """

    def __init__(self, root: str | Path, attribute_names: Sequence[str] = PAPER_ATTRIBUTES) -> None:
        root = Path(root)
        rows = read_metadata(root)
        if rows and "file_name" not in rows[0]:
            raise KeyError(f"{root}: metadata has no 'file_name' column; columns: {sorted(rows[0])}")
        columns = [c for c in (rows[0] if rows else {}) if c not in RESERVED_COLUMNS]
        binary = [c for c in columns if all(_is_binary(row.get(c)) for row in rows)]
        for name in attribute_names:
            if name in columns and name not in binary:
                bad = next(row.get(name) for row in rows if not _is_binary(row.get(name)))
                raise ValueError(
                    f"{root}: column {name!r} has non-binary value {bad!r}; accepted: 0/1, ±1, true/false"
                )
        records = []
        for row in rows:
            name = Path(row["file_name"]).stem
            sketch = row.get("sketch_file_name")
            split = normalize_split(row["split"]) if row.get("split") not in (None, "") else number_rule_split(name)
            labels = {c: parse_binary_label(row[c]) for c in binary}
            records.append(FaceRecord(name, root / row["file_name"], root / sketch if sketch else None, labels, split))
        super().__init__(records, attribute_names, binary)


def _is_binary(value: Any) -> bool:
    try:
        parse_binary_label(value)
    except ValueError:
        return False
    return True


def read_metadata(root: str | Path) -> list[dict[str, Any]]:
    """Rows of ``root/metadata.jsonl`` (preferred) or ``root/metadata.csv`` as dicts."""
    root = Path(root)
    if (root / "metadata.jsonl").is_file():
        with open(root / "metadata.jsonl", encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    if (root / "metadata.csv").is_file():
        with open(root / "metadata.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    raise FileNotFoundError(f"no metadata.jsonl or metadata.csv in {root} (Hugging Face ImageFolder layout)")


READERS = {"celebamask-hq": CelebAMaskHQReader, "celeba": CelebAReader, "imagefolder": ImageFolderReader}


def build_reader(format_name: str, root: str | Path, attribute_names: Sequence[str] = PAPER_ATTRIBUTES) -> FaceReader:
    """Reader for ``format_name`` (one of ``READERS``) over ``root``."""
    if format_name not in READERS:
        raise ValueError(f"unknown dataset format {format_name!r}; accepted: {', '.join(READERS)}")
    return READERS[format_name](root, attribute_names=attribute_names)
