"""scripts/drawing_domain_check.py: the realism gap of real drawings, split into the drawing and the photos' domain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from s2fgan_hf.evaluation.held_out_sets import DrawingSet

from .script_loading import load_script, run_script
from .test_branches import _classifier, _drawing_folder

domain = load_script("drawing_domain_check")


def test_photos_are_drawn_in_the_training_styles_at_the_models_size() -> None:
    photos = torch.rand(3, 3, 32, 32) * 2 - 1
    for style in ("edges", "pencil", "shaded"):
        sketches = domain.drawn_from_photos(photos, 16, style)
        assert sketches.shape == (3, 1, 16, 16) and sketches.min() >= -1 and sketches.max() <= 1
    torch.testing.assert_close(
        domain.drawn_from_photos(photos, 16, "pencil", 1), domain.drawn_from_photos(photos, 16, "pencil", 1)
    )


def test_rows_score_every_face_set_against_the_photos(tiny_model, tmp_path) -> None:
    drawings, photos, _ = _drawing_folder(tmp_path)
    size = tiny_model.config.image_size
    rows = domain.domain_rows(
        tiny_model, _classifier(), DrawingSet(drawings, size, photos=photos, crop=0.75), ["edges"], 2, progress=False
    )
    assert [r["faces"] for r in rows] == [
        "photo -> face",
        "drawings -> face",
        "drawings + the photo's look -> face",
        "edges drawn from the photo -> face",
        "the photos themselves",
    ]
    assert all(r["frechet_distance"] >= 0 and r["sharpness"] >= 0 and "auc" not in r for r in rows)
    assert rows[-1]["frechet_distance"] < 1e-3 and abs(rows[-1]["sharpness"] - 1) < 1e-6
    with pytest.raises(ValueError, match="px"):
        domain.domain_rows(
            tiny_model, _classifier(), DrawingSet(drawings, 2 * size, photos=photos), [], progress=False
        )


def test_cli_writes_the_table_per_crop(saved_model, tmp_path) -> None:
    drawings, photos, table = _drawing_folder(tmp_path)
    _classifier().save_pretrained(tmp_path / "classifier")
    out = tmp_path / "out"
    run_script(
        "drawing_domain_check",
        [
            "--model",
            str(saved_model),
            "--classifier",
            str(tmp_path / "classifier"),
            "--drawings",
            str(drawings),
            "--photos",
            str(photos),
            "--crops",
            "1.0",
            "--styles",
            "shaded",
            "--no-look",
            "--batch-size",
            "2",
            "--attributes",
            str(table),
            "--crop",
            "0.75",
            "--data",
            str(Path(__file__).parent / "fixtures" / "train" / "prepared"),
            "--output",
            str(out),
        ],
    )
    result = json.loads((out / "domain.json").read_text())
    assert list(result) == ["0.75", "1"]
    assert len(result["0.75"]) == 5 and len(result["1"]) == 3
    assert result["0.75"][-1]["faces"] == "held-out training-domain photos (no model)"
    photos_row = result["1"][-1]
    assert photos_row["faces"] == "the photos themselves" and set(photos_row["auc"]) == {"Male", "Smiling", "Young"}
    assert all("auc" in r for r in result["1"])
    table = (out / "domain.md").read_text().splitlines()
    assert "FD / photo branch" in table[0] and "Male / Smiling / Young AUC" in table[0]
    assert all(line.count("|") == 7 for line in table)
    for line in table[2:]:  # AUCs on every row of the labelled photos' faces, none on the unmatched photos
        assert line.endswith("| n/a |") == ("training-domain" in line)
