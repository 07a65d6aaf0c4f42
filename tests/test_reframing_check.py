"""scripts/reframing_check.py: the app's re-framing measured on drawings already framed like the training ones."""

from __future__ import annotations

import json

from .script_loading import run_script
from .test_branches import _classifier, _prepared_with_fidelity_columns


def test_cli_writes_a_row_per_setting_and_a_wide_tolerance_changes_nothing(saved_model, tmp_path) -> None:
    classifier, out = tmp_path / "classifier", tmp_path / "out"
    _classifier().save_pretrained(classifier)
    settings = {
        "--data": _prepared_with_fidelity_columns(tmp_path),
        "--model": saved_model,
        "--classifier": classifier,
    }
    settings.update({"--split": "all", "--limit": 6, "--batch-size": 3, "--output": out})
    argv = [str(v) for item in settings.items() for v in item] + ["--tolerances", "0", "9"]
    run_script("reframing_check", argv)
    record = json.loads((out / "reframing.json").read_text())
    rows = record["rows"]
    assert list(rows) == ["not re-framed", "tolerance 0", "tolerance 9"]
    assert record["framing"]["spread_width"] > 0  # the app's framing, with its spreads
    # nine spreads cover every box: the drawings stay as they are, so do the faces
    assert rows["tolerance 9"] == rows["not re-framed"]
    for row in rows.values():
        assert row["fd"] >= 0 and set(row["auc"]) == {"Male", "Smiling"}
    assert "| tolerance 0 |" in (out / "reframing.md").read_text()
