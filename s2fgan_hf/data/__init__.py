"""Data for S2FGAN: dataset readers, photo → sketch extraction, sketch augmentation, splits, ``prepare-data`` and
the training datasets. See docs/data.md."""

from s2fgan_hf.data.augmentation import SketchAugmentation
from s2fgan_hf.data.dataset import OnTheFlySketchFaceDataset, PreparedSketchFaceDataset
from s2fgan_hf.data.readers import (
    CelebAMaskHQReader,
    CelebAReader,
    FaceReader,
    FaceRecord,
    ImageFolderReader,
    build_reader,
    parse_attribute_file,
)
from s2fgan_hf.data.sketch_extraction import SketchExtractor, extract_sketch, stroke_density
from s2fgan_hf.data.splits import celebamask_hq_split, number_rule_split


def __getattr__(name: str) -> object:
    # Imported lazily so `python -m s2fgan_hf.data.prepare` does not import its own module twice.
    if name == "prepare_dataset":
        from s2fgan_hf.data.prepare import prepare_dataset

        return prepare_dataset
    raise AttributeError(f"module 's2fgan_hf.data' has no attribute {name!r}")


__all__ = [
    "CelebAMaskHQReader",
    "CelebAReader",
    "FaceReader",
    "FaceRecord",
    "ImageFolderReader",
    "OnTheFlySketchFaceDataset",
    "PreparedSketchFaceDataset",
    "SketchAugmentation",
    "SketchExtractor",
    "build_reader",
    "celebamask_hq_split",
    "extract_sketch",
    "number_rule_split",
    "parse_attribute_file",
    "prepare_dataset",
    "stroke_density",
]
