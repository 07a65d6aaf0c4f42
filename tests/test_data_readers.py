"""Readers parse the real annotation formats and give the right attribute vectors for known images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from s2fgan_hf.config import PAPER_ATTRIBUTES
from s2fgan_hf.data.readers import (
    CelebAMaskHQReader,
    CelebAReader,
    ImageFolderReader,
    parse_attribute_file,
    parse_binary_label,
)
from s2fgan_hf.data.splits import celebamask_hq_split, number_rule_split, read_celeba_partition

FIXTURES = Path(__file__).parent / "fixtures" / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_parse_celeba_attribute_file_real_format():
    names, rows = parse_attribute_file(FIXTURES / "celeba" / "list_attr_celeba.txt")
    assert len(names) == 40 and names[0] == "5_o_Clock_Shadow" and names[-1] == "Young"
    assert len(rows) == 16  # count line says 16
    # 000001.jpg: a smiling young woman (real CelebA labels, values were ±1)
    assert rows["000001.jpg"]["Smiling"] == 1.0 and rows["000001.jpg"]["Male"] == 0.0
    assert rows["000016.jpg"]["Male"] == 1.0 and rows["000016.jpg"]["No_Beard"] == 0.0


def test_celebamask_hq_reader_known_vectors():
    reader = CelebAMaskHQReader(FIXTURES / "celebamask_hq")
    assert len(reader) == 10 and reader.attribute_names == PAPER_ATTRIBUTES
    by_name = {r.name: r for r in reader.records}
    # Image 9 is a young man without a beard, not smiling; image 0 a smiling young woman.
    vector_9 = reader.attribute_vector(by_name["9"])
    expected_9 = {"Smiling": 0, "Male": 1, "No_Beard": 1, "Eyeglasses": 0, "Young": 1, "Bangs": 0}
    for name, value in expected_9.items():
        assert vector_9[PAPER_ATTRIBUTES.index(name)] == value
    sample = reader[0]
    assert sample["name"] == "0" and sample["image"].size == (256, 256)
    assert sample["attributes"].dtype == torch.float32 and sample["attributes"].shape == (12,)
    assert sample["attributes"][0] == 1.0 and sample["attributes"][1] == 0.0  # Smiling, Male
    assert sample["sketch"] is not None and sample["sketch"].mode == "L"  # hed_edge_256 auto-detected
    assert by_name["0"].split == "test" and by_name["1"].split == "train"  # official k % 20 rule


def test_celeba_reader_image_dir_autodetect_and_split(tmp_path):
    reader = CelebAReader(FIXTURES / "celeba", attribute_names=("Male", "Smiling"))
    assert len(reader) == 16 and reader.split_source.startswith("file number")
    sample = reader[6]  # 000007.jpg, a man, not smiling
    assert sample["name"] == "000007" and sample["image"].size == (89, 109)
    assert sample["attributes"].tolist() == [1.0, 0.0]
    assert {r.name: r.split for r in reader.records}["000010"] == "test"
    # Official layout name + an explicit partition file (synthetic values, real format).
    root = tmp_path / "celeba"
    shutil.copytree(FIXTURES / "celeba" / "images", root / "img_align_celeba")
    shutil.copy(FIXTURES / "celeba" / "list_attr_celeba.txt", root)
    (root / "list_eval_partition.txt").write_text("".join(f"{i:06d}.jpg {i % 3}\n" for i in range(1, 17)))
    reader = CelebAReader(root)
    splits = {r.name: r.split for r in reader.records}
    assert splits["000003"] == "train" and splits["000001"] == "val" and splits["000002"] == "test"


def test_missing_attribute_is_a_clear_error():
    with pytest.raises(KeyError, match="Not_An_Attribute"):
        CelebAReader(FIXTURES / "celeba", attribute_names=("Smiling", "Not_An_Attribute"))


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_imagefolder_reader_value_styles(tmp_path, kind):
    for i in (1, 2, 3):
        shutil.copy(FIXTURES / "celeba" / "images" / f"00000{i}.jpg", tmp_path / f"face_{i}.jpg")
    rows = [
        {"file_name": "face_1.jpg", "Smiling": "true", "Male": -1, "split": "test"},
        {"file_name": "face_2.jpg", "Smiling": 0, "Male": 1},
        {"file_name": "face_3.jpg", "Smiling": 1, "Male": "False"},
    ]
    if kind == "jsonl":
        (tmp_path / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        lines = ["file_name,Smiling,Male,split"] + [
            f"{r['file_name']},{r['Smiling']},{r['Male']},{r.get('split', '')}" for r in rows
        ]
        (tmp_path / "metadata.csv").write_text("\n".join(lines) + "\n")
    reader = ImageFolderReader(tmp_path, attribute_names=("Smiling", "Male"))
    assert [s["attributes"].tolist() for s in reader] == [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    assert [r.split for r in reader.records] == ["test", "train", "train"]
    with pytest.raises(KeyError, match="Young"):
        ImageFolderReader(tmp_path, attribute_names=("Young",))


def test_binary_label_parsing():
    assert [parse_binary_label(v) for v in (1, -1, 0, "1", "-1", "true", "False", True)] == [1, 0, 0, 1, 0, 1, 0, 1]
    with pytest.raises(ValueError, match="accepted"):
        parse_binary_label("maybe")


def test_split_rules_are_deterministic_and_documented(tmp_path):
    assert [celebamask_hq_split(k) for k in (0, 1, 19, 20, 29980)] == ["test", "train", "train", "test", "test"]
    assert sum(celebamask_hq_split(k) == "test" for k in range(30000)) == 1500
    assert number_rule_split("000010.jpg") == "test" and number_rule_split("000011.jpg") == "train"
    # Stems without digits: crc32-based, the same on every run and machine.
    assert number_rule_split("alice.png") == number_rule_split("alice.jpg")
    assert [number_rule_split(n) for n in ("alice", "bob", "carol")] == ["train", "train", "train"]
    (tmp_path / "p.txt").write_text("000001.jpg 0\n000002.jpg 2\n")
    assert read_celeba_partition(tmp_path / "p.txt") == {"000001.jpg": "train", "000002.jpg": "test"}


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data (big real data)")
def test_full_shared_annotation_tables():
    names, rows = parse_attribute_file(SHARED / "celebamask_hq_s2fgan_samples" / "CelebAMask-HQ-attribute-anno.txt")
    assert len(rows) == 30000 and sum(r["Male"] for r in rows.values()) == pytest.approx(0.369 * 30000, abs=30)
    reader = CelebAReader(SHARED / "celeba_aligned_10k", attribute_names=("Smiling", "Male"))
    assert len(reader) == 10000
    assert sum(r.labels["Smiling"] for r in reader.records) == 4822  # SOURCE.md: Smiling 4822, Male 4217
    assert sum(r.labels["Male"] for r in reader.records) == 4217
