"""The bundled default checkpoint and attribute classifier: they load, and ``s2fgan evaluate`` runs on them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from huggingface_hub import ModelCard

from s2fgan_hf import S2FGAN
from s2fgan_hf.commands import main
from s2fgan_hf.evaluation import AttributeClassifier
from s2fgan_hf.loading import bundled_classifier_path, bundled_model_path, load_model

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "data"


def test_bundled_checkpoints_exist_and_load():
    model_path, classifier_path = bundled_model_path(), bundled_classifier_path()
    assert model_path is not None, "s2fgan_hf/pretrained/default is missing"
    assert classifier_path is not None, "s2fgan_hf/pretrained/attribute-classifier is missing"
    model = load_model()  # no argument, no env var: the bundled one
    assert isinstance(model, S2FGAN) and not model.training
    assert (model_path / "README.md").read_text().startswith("---")
    assert AttributeClassifier.from_pretrained(classifier_path).attribute_names[0] == "5_o_Clock_Shadow"


def test_root_model_card_is_the_bundled_checkpoints_rendered_card():
    """model_card.md at the repo root is the Hub card of the shipped weights, numbers and commands included."""
    root_card = ROOT / "model_card.md"
    assert not root_card.is_symlink()
    assert root_card.read_text() == (bundled_model_path() / "README.md").read_text()
    card = ModelCard.load(root_card)
    assert card.data.license == "other" and "celeba" in card.data.license_name  # weights inherit the data terms
    text = card.text
    assert "{{" not in text and "{%" not in text
    for needle in ("s2fgan evaluate", "train_accelerate.py", "| from sketch |", "mean face", "Wall time", "Bias"):
        assert needle in text, needle


def test_different_sketches_give_different_faces():
    model = load_model()
    photos = sorted((FIXTURES / "celebamask_hq" / "hed_edge_256").glob("*.png"))[:4]
    faces = [np.asarray(model.generate(str(p)), dtype=np.float32) for p in photos]
    gaps = [np.abs(faces[i] - faces[j]).mean() for i in range(4) for j in range(i + 1, 4)]
    assert min(gaps) > 2.0, gaps  # mean absolute difference in 0..255 pixel units


def test_evaluate_runs_on_a_small_subset(prepared_celeba64, tmp_path):
    out = tmp_path / "eval"
    args = ["evaluate", "--data", str(prepared_celeba64), "--split", "all", "--limit", "12", "--batch-size", "6"]
    code = main([*args, "--attributes", "Smiling", "Male", "--strengths", "-2", "2", "-o", str(out)])
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["num_images"] == 12
    assert results["command"] == (
        f"s2fgan evaluate --data {prepared_celeba64} --split all --limit 12 --batch-size 6 --strengths -2 2 "
        f"--attributes Smiling Male -o {out}"
    )
    rec = results["reconstruction"]
    assert rec["from_photo"]["l1"] < rec["mean_face_baseline"]["l1"]
    assert {"Smiling", "Male"} == set(results["editing"])
    assert (out / "results.md").read_text().startswith("Held-out images: 12")
    assert (out / "sweep.png").is_file()
