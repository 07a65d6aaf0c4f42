"""Data for S2FGAN: dataset readers, photo → sketch extraction, sketch augmentation and drawing styles, splits,
``prepare_dataset`` (behind ``s2fgan prepare-data``) and the training datasets. See docs/data.md.

The names below are imported on first use, so importing one module of the package (``s2fgan_hf.data.splits``)
does not load the others.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "SketchAugmentation": "augmentation",
    "OnTheFlySketchFaceDataset": "dataset",
    "PreparedSketchFaceDataset": "dataset",
    "CelebAMaskHQReader": "readers",
    "CelebAReader": "readers",
    "FaceReader": "readers",
    "FaceRecord": "readers",
    "ImageFolderReader": "readers",
    "build_reader": "readers",
    "parse_attribute_file": "readers",
    "SketchExtractor": "sketch_extraction",
    "extract_sketch": "sketch_extraction",
    "stroke_density": "sketch_extraction",
    "celebamask_hq_split": "splits",
    "number_rule_split": "splits",
    "prepare_dataset": "prepare",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 's2fgan_hf.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
