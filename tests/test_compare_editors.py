"""``scripts/compare_editors.py``: the side-by-side tables of two ``s2fgan evaluate`` runs (DIS and DEC)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch
from PIL import Image

from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier
from s2fgan_hf.evaluation.harness import evaluate

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_editors.py"


def test_compare_editors_writes_one_row_per_model(tiny_model, stroke_sketch, tmp_path):
    torch.manual_seed(0)
    classifier = AttributeClassifier(image_size=32, channels=(8, 16), embed_dim=16).eval()
    photos = torch.rand(4, 3, 32, 32) * 2 - 1
    batches = [{"image": photos, "sketch": stroke_sketch.expand(4, -1, -1, -1).clone()}]
    dec = tiny_model.with_editor("dec")
    for label, model in (("dis", tiny_model), ("dec", dec)):
        res = evaluate(
            model, classifier, batches, attributes=["Smiling", "Male"], strengths=(-2.0, 2.0), progress=False
        )
        res["command"] = f"s2fgan evaluate --model {label}"
        (tmp_path / label).mkdir()
        (tmp_path / label / "results.json").write_text(json.dumps(res))
        Image.new("RGB", (40, 20), "white").save(tmp_path / label / "grid_freehand.png")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), tmp_path / "dis", tmp_path / "dec", "--labels", "S2F-DIS", "S2F-DEC",
         "-o", tmp_path / "out"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    table = (tmp_path / "out" / "comparison.md").read_text()
    assert table.strip() in done.stdout  # printed as well as written
    for name in ("Smiling", "Male"):
        assert f"| {name} | S2F-DIS |" in table and f"| {name} | S2F-DEC |" in table
    assert "| S2F-DEC | " in table and "edited +2: Fréchet distance" in table
    assert "`s2fgan evaluate --model dec`" in table
    assert "edited to +2: FD to photos with it" in table  # 4 photos: too few of a class, so n/a
    assert table.count("| Male | S2F-DIS | n/a | n/a |") == 1
    assert Image.open(tmp_path / "out" / "freehand.jpg").size == (40, 40)  # both grids, stacked
