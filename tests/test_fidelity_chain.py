"""scripts/fidelity_chain.py: an attribute's AUC from the latent, through its read-back, to the judged face."""

from __future__ import annotations

import json
import math

import pytest

from .script_loading import load_script, run_script
from .test_branches import _classifier, _prepared_with_fidelity_columns


def test_cli_writes_every_score_per_attribute_and_half(saved_model, tmp_path) -> None:
    classifier, out = tmp_path / "classifier", tmp_path / "out"
    _classifier().save_pretrained(classifier)
    argv = ["--data", str(_prepared_with_fidelity_columns(tmp_path)), "--model", str(saved_model)]
    argv += ["--classifier", str(classifier), "--style", "pencil", "--attributes", "Male", "Smiling"]
    argv += ["--split", "all", "--limit", "8", "--batch-size", "4", "--output", str(out)]
    tables = load_script("fidelity_chain").main(argv)
    record = json.loads((out / "fidelity_chain.json").read_text())
    assert record["num_images"] == 8 and list(record["tables"]) == list(tables)
    assert list(tables) == ["all", "first half", "second half"]
    expected = {f"{b} {s}" for b in ("sketch", "photo") for s in ("latent", "read back", "face")}
    for table in tables.values():
        assert list(table) == ["Male", "Smiling"]
        for entry in table.values():
            assert expected | {"photo", "read back ~ face (sketch)"} == set(entry)
            # an AUC is undefined (nan) on a half whose labels are all one class
            assert all(math.isnan(entry[k]) or 0.0 <= entry[k] <= 1.0 for k in expected | {"photo"})
    assert all(0.0 <= tables["all"]["Male"][k] <= 1.0 for k in expected)
    assert "| Male |" in (out / "fidelity_chain.md").read_text()


def test_cli_names_the_models_attributes_when_one_is_unknown(saved_model, tmp_path) -> None:
    classifier = tmp_path / "classifier"
    _classifier().save_pretrained(classifier)
    argv = ["--data", str(tmp_path), "--model", str(saved_model), "--classifier", str(classifier)]
    with pytest.raises(SystemExit):
        run_script("fidelity_chain", argv + ["--attributes", "Wings"])


def test_cli_measures_under_another_readback_setting(saved_model, tmp_path) -> None:
    classifier, out = tmp_path / "classifier", tmp_path / "out"
    _classifier().save_pretrained(classifier)
    argv = ["--data", str(_prepared_with_fidelity_columns(tmp_path)), "--model", str(saved_model)]
    argv += ["--classifier", str(classifier), "--attributes", "Male", "--split", "all", "--limit", "4"]
    argv += ["--batch-size", "4", "--output", str(out)]
    load_script("fidelity_chain").main(argv + ["--readback-steps", "1", "--readback-strength", "0.25"])
    assert json.loads((out / "fidelity_chain.json").read_text())["readback"] == [1, 0.25]
    with pytest.raises(SystemExit):
        run_script("fidelity_chain", argv + ["--readback-steps", "99"])
