"""``prepare_dataset``, behind ``s2fgan prepare-data`` (the command line is ``s2fgan_hf.commands.prepare_data``).

Crops and resizes every photo, extracts its sketch, and writes a Hugging Face-style image folder::

    DST/images/<name>.png      the photo, N × N (centre square crop, see s2fgan_hf.image_processing.image_io)
    DST/sketches/<name>.png    its sketch, N × N, black strokes on white
    DST/metadata.jsonl         file_name, sketch_file_name, split, and one 0/1 column per available attribute
    DST/prepare_report.json    counts, timings, every unreadable photo with its error, annotation rows without a
                               photo and photos without a row
    DST/prepare_settings.json  the settings the folder was made with (see s2fgan_hf.data.prepare_settings)

Resumable: a photo whose image and sketch files both exist is skipped, so a second run does no work; a rerun with
other settings (size, photo format, sketch source, ...) is refused unless ``--overwrite`` rebuilds the folder. Every
file is written to a temporary file and moved into place with ``os.replace``; the metadata is written once at the
end (only if it changed). Unreadable photos are listed in the report, not fatal.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from s2fgan_hf.atomic_io import atomic_save_image, atomic_write_text, remove_stale_temporaries
from s2fgan_hf.data.prepare_settings import reconcile_settings
from s2fgan_hf.data.readers import FaceRecord, build_reader
from s2fgan_hf.data.sketch_extraction import SketchExtractor
from s2fgan_hf.image_processing.image_io import (
    crop_and_resize,
    load_grey,
    load_rgb,
    pil_to_unit_tensor,
    unit_tensor_to_pil,
)
from s2fgan_hf.progress import progress as progress_bar

IMAGE_FORMATS = ("png", "jpg")
REPORTED_NAMES = 1000  # names listed per report entry; the count is always complete


def _output_paths(dst: Path, record: FaceRecord, image_format: str) -> tuple[Path, Path]:
    return dst / "images" / f"{record.name}.{image_format}", dst / "sketches" / f"{record.name}.png"


def _metadata_text(records: list[FaceRecord], attributes: tuple[str, ...], image_format: str) -> str:
    lines = []
    for record in records:
        row: dict[str, Any] = {
            "file_name": f"images/{record.name}.{image_format}",
            "sketch_file_name": f"sketches/{record.name}.png",
            "split": record.split,
        }
        row.update({name: int(record.labels[name]) for name in attributes})
        lines.append(json.dumps(row))
    return "\n".join(lines) + ("\n" if lines else "")


def _name_list(names: Sequence[str]) -> dict[str, Any]:
    return {"count": len(names), "names": list(names[:REPORTED_NAMES]), "truncated": len(names) > REPORTED_NAMES}


def _skipped_warning(names: Sequence[str], what: str, src: Path) -> str:
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"{len(names)} {what} in {src} and were left out: {shown} (listed in prepare_report.json)"


def _dataset_sketch(record: FaceRecord, size: int) -> torch.Tensor:
    """A dataset-provided sketch (e.g. HED maps), resized and re-binarised: ``[1, size, size]`` in {0, 1}."""
    sketch = crop_and_resize(load_grey(record.sketch_path), size)  # type: ignore[arg-type]
    return (pil_to_unit_tensor(sketch) > 0.75).float()


def prepare_dataset(
    src: str | Path,
    dst: str | Path,
    format_name: str,
    size: int = 256,
    limit: int | None = None,
    batch_size: int = 16,
    device: str | torch.device = "cpu",
    image_format: str = "png",
    use_dataset_sketches: bool = False,
    extractor: SketchExtractor | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Prepare ``src`` (in ``format_name`` layout) into the image folder ``dst``; returns the report dict.

    Args:
        size: output resolution (square). Sketches are extracted at this resolution.
        limit: only the first ``limit`` photos (in the reader's order), for quick runs.
        batch_size: photos per extraction batch. device: where extraction runs (``"cpu"``, ``"cuda"``...).
        image_format: ``"png"`` (lossless) or ``"jpg"`` (quality 95) for the photos; sketches are always PNG.
        use_dataset_sketches: use the dataset's own sketches (e.g. CelebAMask-HQ ``hed_edge_256``) where a photo
            has one, instead of extracting.
        progress: show progress (a bar on a terminal, a line per 10 % in a log; see s2fgan_hf.progress).
        overwrite: delete the outputs of an earlier run in ``dst`` first and rebuild. Without it, a ``dst`` made
            with other settings is refused (``SettingsMismatchError``, a ``ValueError``).

    The report's ``warnings`` lists what the caller should show: annotation rows without a photo, photos without
    a row, a folder without a settings file.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image_format must be one of {IMAGE_FORMATS}, got {image_format!r}")
    if size < 8:
        raise ValueError(f"size must be at least 8 pixels, got {size}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    started = time.perf_counter()
    src, dst = Path(src), Path(dst)
    reader = build_reader(format_name, src, attribute_names=())
    records = reader.records[:limit] if limit is not None else list(reader.records)
    duplicates = [name for name, count in Counter(r.name for r in records).items() if count > 1]
    if duplicates:
        raise ValueError(f"several photos share the file stem(s) {duplicates[:5]}; output names must be unique")
    extractor = extractor or SketchExtractor()
    settings = {
        "source": str(src),
        "format": format_name,
        "size": size,
        "image_format": image_format,
        "sketch_source": "dataset sketches where present, else extracted" if use_dataset_sketches else "extracted",
        "extractor": dataclasses.asdict(extractor),
    }
    warnings = reconcile_settings(dst, settings, overwrite=overwrite)
    missing_photos, unlabelled = list(reader.rows_without_image), list(reader.images_without_row)
    if missing_photos:
        warnings.append(_skipped_warning(missing_photos, "attribute row(s) have no photo file", src))
    if unlabelled:
        warnings.append(_skipped_warning(unlabelled, "photo(s) have no attribute row", src))
    for folder in (dst / "images", dst / "sketches"):
        folder.mkdir(parents=True, exist_ok=True)
    stale = remove_stale_temporaries(dst, dst / "images", dst / "sketches")
    todo = [r for r in records if not all(p.is_file() for p in _output_paths(dst, r, image_format))]
    failed: list[dict[str, str]] = []
    processed = 0
    with progress_bar(total=len(todo), desc="prepare-data", unit="img", enabled=progress) as bar:
        for start in range(0, len(todo), batch_size):
            batch, photos, given = [], [], {}
            for record in todo[start : start + batch_size]:
                try:
                    photo = crop_and_resize(load_rgb(record.image_path), size)
                    if use_dataset_sketches and record.sketch_path is not None:
                        given[len(batch)] = _dataset_sketch(record, size)
                except Exception as error:  # corrupt / unreadable / missing file: report and go on
                    failed.append({"name": record.name, "path": str(record.image_path), "error": repr(error)})
                    continue
                batch.append(record)
                photos.append(pil_to_unit_tensor(photo))
            if batch:
                sketches = extractor(torch.stack(photos).to(device)).cpu()  # [B, 1, size, size]
                for index, (record, photo) in enumerate(zip(batch, photos)):
                    image_path, sketch_path = _output_paths(dst, record, image_format)
                    options = {"quality": 95} if image_format == "jpg" else {}
                    atomic_save_image(unit_tensor_to_pil(photo), image_path, **options)
                    atomic_save_image(unit_tensor_to_pil(given.get(index, sketches[index])), sketch_path)
                    processed += 1
            bar.update(len(todo[start : start + batch_size]))
    failed_names = {f["name"] for f in failed}
    kept = [r for r in records if r.name not in failed_names]
    metadata = _metadata_text(kept, reader.available_attributes, image_format)
    metadata_path = dst / "metadata.jsonl"
    metadata_written = not metadata_path.is_file() or metadata_path.read_text(encoding="utf-8") != metadata
    if metadata_written:
        atomic_write_text(metadata, metadata_path)
    seconds = time.perf_counter() - started
    report = {
        "source": str(src),
        "format": format_name,
        "size": size,
        "device": str(device),
        "total": len(records),
        "processed": processed,
        "skipped_existing": len(records) - len(todo),
        "num_failed": len(failed),
        "failed": failed,
        "rows_without_image": _name_list(missing_photos),
        "images_without_row": _name_list(unlabelled),
        "warnings": warnings,
        "stale_temporaries_removed": stale,
        "metadata_written": metadata_written,
        "split_counts": dict(Counter(r.split for r in kept)),
        "attributes": list(reader.available_attributes),
        "seconds": round(seconds, 3),
        "images_per_second": round(processed / seconds, 2) if processed else 0.0,
    }
    atomic_write_text(json.dumps(report, indent=2) + "\n", dst / "prepare_report.json")
    return report
