"""Training datasets over a prepared folder and over raw photos (sketches on the fly)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from s2fgan_hf.data.augmentation import SketchAugmentation
from s2fgan_hf.data.dataset import OnTheFlySketchFaceDataset, PreparedSketchFaceDataset
from s2fgan_hf.data.prepare import prepare_dataset
from s2fgan_hf.data.readers import CelebAMaskHQReader

FIXTURES = Path(__file__).parent / "fixtures" / "data"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("prepared")
    prepare_dataset(FIXTURES / "celeba", dst, "celeba", size=32, progress=False)
    return dst


def test_item_contract(prepared):
    dataset = PreparedSketchFaceDataset(prepared, split="train")
    assert len(dataset) == 15
    item = dataset[0]
    assert item["name"] == "000001"
    assert item["image"].shape == (3, 32, 32) and item["image"].min() >= -1 and item["image"].max() <= 1
    assert item["sketch"].shape == (1, 32, 32) and set(item["sketch"].unique().tolist()) <= {-1.0, 1.0}
    assert (item["sketch"] == 1).float().mean() > 0.6  # mostly white paper = +1
    assert item["attributes"].shape == (12,) and item["attributes"][0] == 1.0 and item["attributes"][1] == 0.0
    batch = next(iter(DataLoader(dataset, batch_size=4)))
    assert batch["image"].shape == (4, 3, 32, 32) and batch["attributes"].shape == (4, 12)


def test_splits_attribute_subset_and_resize(prepared):
    assert len(PreparedSketchFaceDataset(prepared, split="test")) == 1
    assert len(PreparedSketchFaceDataset(prepared, split=None)) == 16
    dataset = PreparedSketchFaceDataset(prepared, attribute_names=("Male", "Blond_Hair"), split=None, image_size=16)
    item = dataset[6]  # 000007: a man
    assert item["attributes"].tolist()[0] == 1.0 and item["image"].shape == (3, 16, 16)
    assert set(item["sketch"].unique().tolist()) <= {-1.0, 1.0}  # nearest keeps it binary
    with pytest.raises(KeyError, match="Nope"):
        PreparedSketchFaceDataset(prepared, attribute_names=("Nope",))
    with pytest.raises(ValueError, match="split"):
        PreparedSketchFaceDataset(prepared, split="dev")


def test_joint_augmentation_is_seeded_and_keeps_pairs_aligned(prepared):
    plain = PreparedSketchFaceDataset(prepared, split=None)
    first = [PreparedSketchFaceDataset(prepared, split=None, augment=True, seed=3)[i] for i in range(6)]
    second = [PreparedSketchFaceDataset(prepared, split=None, augment=True, seed=3)[i] for i in range(6)]
    assert all(
        torch.equal(a["sketch"], b["sketch"]) and torch.equal(a["image"], b["image"]) for a, b in zip(first, second)
    )
    assert any(not torch.equal(a["image"], plain[i]["image"]) for i, a in enumerate(first))
    for item, base in zip(first, [plain[i] for i in range(6)]):
        assert set(item["sketch"].unique().tolist()) <= {-1.0, 1.0}
        if torch.equal(item["image"], base["image"].flip(-1)):  # flip only: the sketch must be flipped too
            assert torch.equal(item["sketch"], base["sketch"].flip(-1))


def test_corrupt_file_is_warned_and_skipped(tmp_path, prepared):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(prepared, root)
    first = json.loads((root / "metadata.jsonl").read_text().splitlines()[0])
    (root / first["file_name"]).write_bytes(b"garbage")
    dataset = PreparedSketchFaceDataset(root, split="train")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        item = dataset[0]
    assert item["name"] == "000002" and 0 in dataset.bad_items


def test_on_the_fly_dataset():
    reader = CelebAMaskHQReader(FIXTURES / "celebamask_hq")
    dataset = OnTheFlySketchFaceDataset(reader, image_size=64, split="train")
    assert len(dataset) == 9  # index 0 is test
    item = dataset[0]
    assert item["name"] == "1" and item["image"].shape == (3, 64, 64) and item["sketch"].shape == (1, 64, 64)
    assert set(item["sketch"].unique().tolist()) == {-1.0, 1.0}
    hed = OnTheFlySketchFaceDataset(reader, image_size=64, split=None, use_dataset_sketches=True)[0]
    assert hed["name"] == "0" and set(hed["sketch"].unique().tolist()) == {-1.0, 1.0}
    rough = OnTheFlySketchFaceDataset(reader, 64, split="train", sketch_augmentation=SketchAugmentation(), seed=0)
    assert not torch.equal(rough[0]["sketch"], item["sketch"])
