"""Branch comparison (sharpness, realism, fidelity), held-out style sets and drawing folders, and the CLI path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from s2fgan_hf.evaluation import AttributeClassifier
from s2fgan_hf.evaluation.branches import (
    FIDELITY_ATTRIBUTES,
    branches_to_markdown,
    evaluate_branches,
    laplacian_energy,
    roc_auc,
    roc_auc_interval,
)
from s2fgan_hf.evaluation.held_out_sets import DrawingSet, styled_batches, styled_set

from .training.conftest import FIXTURE_DIR

CLASSIFIER_ATTRIBUTES = ("Male", "Smiling", "Young", "Eyeglasses", "Bangs", "Black_Hair", "Blond_Hair", "Brown_Hair")


def _classifier() -> AttributeClassifier:
    torch.manual_seed(0)
    return AttributeClassifier(
        attribute_names=list(CLASSIFIER_ATTRIBUTES), image_size=32, channels=(8, 16), embed_dim=16
    ).eval()


def test_laplacian_energy_ranks_blur_below_detail():
    sharp = torch.rand(2, 3, 32, 32) * 2 - 1
    blurred = F.avg_pool2d(sharp, 3, stride=1, padding=1)
    assert (laplacian_energy(blurred) < 0.3 * laplacian_energy(sharp)).all()


def test_roc_auc():
    labels = torch.tensor([0, 0, 1, 1])
    assert roc_auc(torch.tensor([0.1, 0.2, 0.8, 0.9]), labels) == 1.0
    assert roc_auc(torch.tensor([0.9, 0.8, 0.2, 0.1]), labels) == 0.0
    assert roc_auc(torch.zeros(4), labels) == 0.5
    assert roc_auc(torch.rand(4), torch.ones(4)) != roc_auc(torch.rand(4), torch.ones(4))  # NaN: one class only


def test_roc_auc_interval_matches_the_bootstrap():
    # Two overlapping score distributions, 200 positives and 300 negatives (the evaluation's size, about).
    g = torch.Generator().manual_seed(0)
    labels = torch.cat([torch.ones(200), torch.zeros(300)])
    scores = torch.randn(500, generator=g) + 2.3 * labels
    auc, low, high = roc_auc_interval(scores, labels)
    assert auc == pytest.approx(roc_auc(scores, labels), abs=1e-12)
    assert low < auc < high
    boot = []
    for _ in range(400):  # the seeded bootstrap the closed form replaces
        i = torch.randint(0, 500, (500,), generator=g)
        boot.append(roc_auc(scores[i], labels[i]))
    se_boot = float(torch.tensor(boot).std())
    assert (high - low) / (2 * 1.96) == pytest.approx(se_boot, rel=0.2)
    # ties count half and a perfect separation has no spread
    assert roc_auc_interval(torch.tensor([0.0, 1.0]), torch.tensor([0, 1])) == (1.0, 1.0, 1.0)
    assert roc_auc_interval(torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([0, 1, 0, 1]))[0] == 0.5
    assert all(v != v for v in roc_auc_interval(torch.rand(4), torch.ones(4)))  # NaN: one class only


def _prepared_with_fidelity_columns(tmp_path: Path) -> Path:
    """The training fixture with the fidelity attributes' columns added (deterministic 0/1 labels)."""
    root = tmp_path / "prepared"
    for sub in ("images", "sketches"):
        (root / sub).mkdir(parents=True)
        for f in (FIXTURE_DIR / sub).iterdir():
            (root / sub / f.name).write_bytes(f.read_bytes())
    rows = [json.loads(line) for line in (FIXTURE_DIR / "metadata.jsonl").read_text().splitlines() if line]
    for i, row in enumerate(rows):
        for k, name in enumerate(FIDELITY_ATTRIBUTES):
            row.setdefault(name, (i + k) % 2)
    (root / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return root


def test_branches_on_styled_sets(tiny_model, tmp_path):
    data = _prepared_with_fidelity_columns(tmp_path)
    for style in ("stored", "pencil"):
        dataset = styled_set(data, style, 32, FIDELITY_ATTRIBUTES, split=None, limit=8)
        again = styled_set(data, style, 32, FIDELITY_ATTRIBUTES, split=None, limit=8)
        assert torch.equal(dataset[1]["sketch"], again[1]["sketch"])
        assert dataset[1]["image"].shape == (3, 32, 32)  # the photo at the model's size, also for "stored"
        res = evaluate_branches(tiny_model, _classifier(), styled_batches(dataset, 4), progress=False)
        assert res["num_images"] == 8
        for branch in ("from_sketch", "from_photo"):
            assert res[branch]["sharpness"] >= 0 and res[branch]["frechet_distance"] >= 0
            assert set(res[branch]["fidelity_auc"]) == set(FIDELITY_ATTRIBUTES)
    assert "sketch -> face" in branches_to_markdown({"pencil": res})
    ci = res["from_sketch"]["fidelity_auc_ci95"]["Male"]
    assert ci[0] <= res["from_sketch"]["fidelity_auc"]["Male"] <= ci[1]
    assert "95 % intervals (DeLong)" in branches_to_markdown({"pencil": res})
    # --skip: the later items, each the same drawing as without it (a selection set the reported figures never use)
    later = styled_set(data, "pencil", 32, FIDELITY_ATTRIBUTES, split=None, limit=3, skip=5)
    assert len(later) == 3 and torch.equal(later[0]["sketch"], dataset[5]["sketch"])
    with pytest.raises(ValueError, match="unknown sketch set style"):
        styled_set(data, "crayon", 32, FIDELITY_ATTRIBUTES)
    # framing jitter: the same photos, their drawings moved in the frame (seeded); not for the stored maps
    moved = styled_set(data, "pencil", 32, FIDELITY_ATTRIBUTES, split=None, limit=8, framing_jitter=0.1)
    assert torch.equal(moved[1]["image"], dataset[1]["image"])
    assert not torch.equal(moved[1]["sketch"], dataset[1]["sketch"])
    again = styled_set(data, "pencil", 32, FIDELITY_ATTRIBUTES, split=None, limit=8, framing_jitter=0.1)
    assert torch.equal(moved[1]["sketch"], again[1]["sketch"])
    with pytest.raises(ValueError, match="drawn styles only"):
        styled_set(data, "stored", 32, FIDELITY_ATTRIBUTES, framing_jitter=0.1)


def _drawing_folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    drawings, photos = tmp_path / "drawings", tmp_path / "photos"
    drawings.mkdir()
    photos.mkdir()
    header = "image_id," + ",".join(FIDELITY_ATTRIBUTES)
    lines = [header]
    for i in range(5):
        arr = np.full((80, 80), 255, np.uint8)
        arr[20 + i : 24 + i, 10:70] = 0
        Image.fromarray(arr).save(drawings / f"{i}.png")
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (80, 80, 3), dtype=np.uint8)).save(
            photos / f"{i}.jpg"
        )
        lines.append(f"{i}.jpg," + ",".join("1" if (i + k) % 2 else "-1" for k in range(len(FIDELITY_ATTRIBUTES))))
    table = tmp_path / "attributes.csv"
    table.write_text("\n".join(lines) + "\n")
    return drawings, photos, table


def test_drawing_sets(tiny_model, tmp_path):
    drawings, photos, table = _drawing_folder(tmp_path)
    labelled = DrawingSet(drawings, 32, FIDELITY_ATTRIBUTES, photos, table, crop=0.75)
    assert len(labelled) == 5 and labelled.photo(0).shape == (3, 32, 32)
    res = evaluate_branches(tiny_model, _classifier(), labelled.batches(2), progress=False)
    assert res["num_images"] == 5 and res["label_positives"]["Male"] == 2
    with pytest.raises(ValueError, match="matched photos"):
        next(DrawingSet(drawings, 32).batches(2))
    with pytest.raises(FileNotFoundError):
        DrawingSet(tmp_path / "missing", 32)


def test_evaluate_cli_compares_branches_per_style(tmp_path):
    from s2fgan_hf import S2FGAN, S2FGANConfig
    from s2fgan_hf.commands import main

    data = _prepared_with_fidelity_columns(tmp_path)
    drawings, photos, table = _drawing_folder(tmp_path)
    torch.manual_seed(0)
    S2FGAN(S2FGANConfig.from_preset("tiny-32", sketch_normalization="grey")).save_pretrained(tmp_path / "model")
    _classifier().save_pretrained(tmp_path / "classifier")
    out = tmp_path / "eval"
    code = main(
        [
            "evaluate", "--model", str(tmp_path / "model"), "--classifier", str(tmp_path / "classifier"),
            "--data", str(data), "--split", "all", "--limit", "6", "--batch-size", "3", "--strengths", "2",
            "--attributes", "Smiling", "--styles", "stored", "edges", "sparse", "--slider-style", "edges",
            "--drawings", str(drawings), "--drawing-photos", str(photos), "--drawing-attributes", str(table),
            "--freehand", str(drawings), "-o", str(out), "--debug",
        ]
    )  # fmt: skip
    assert code == 0
    branches = json.loads((out / "branches.json").read_text())
    assert set(branches) == {"stored", "edges", "sparse", "drawings"}
    for name in ("grid_edges.png", "grid_drawings.png", "grid_freehand.png", "sweep.png", "branches.md"):
        assert (out / name).is_file()
    command = json.loads((out / "results.json").read_text())["command"]
    assert "--styles stored edges sparse" in command and "--precision" not in command  # fp32, the default
    code = main(
        [
            "evaluate", "--model", str(tmp_path / "model"), "--classifier", str(tmp_path / "classifier"),
            "--data", str(data), "--split", "all", "--skip", "4", "--limit", "6", "--batch-size", "3",
            "--strengths", "2", "--attributes", "Smiling", "--styles", "edges", "-o", str(tmp_path / "later"),
            "--precision", "bf16",
        ]
    )  # fmt: skip
    later = json.loads((tmp_path / "later" / "branches.json").read_text())
    rows = (data / "metadata.jsonl").read_text().splitlines()
    assert code == 0 and later["edges"]["num_images"] == min(6, len(rows) - 4)
    later_command = json.loads((tmp_path / "later" / "results.json").read_text())["command"]
    assert "--skip 4 --limit 6" in later_command and "--precision bf16" in later_command
    assert main(["evaluate", "--model", str(tmp_path / "model"), "--data", str(data), "--skip", "-1"]) != 0
