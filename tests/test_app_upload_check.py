"""scripts/app_upload_check.py: faces from drawings uploaded to the app against the same drawings through the API."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from .script_loading import run_script
from .test_branches import _classifier, _drawing_folder
from .test_drawing_colours import coloured_drawing


def test_cli_writes_a_row_per_path(saved_model, tmp_path) -> None:
    classifier, out = tmp_path / "classifier", tmp_path / "out"
    _classifier().save_pretrained(classifier)
    drawings, photos, table = _drawing_folder(tmp_path)
    coloured_drawing().save(drawings / "0.png")  # one drawing in colour among grey ones
    Image.fromarray(np.zeros((80, 80), np.uint8)).save(drawings / "4.png")  # an all-black page: refused
    argv = ["--drawings", drawings, "--photos", photos, "--attributes", table, "--model", saved_model]
    argv += ["--classifier", classifier, "--output", out]
    run_script("app_upload_check", [str(a) for a in argv])
    rows = json.loads((out / "app_upload.json").read_text())["rows"]
    assert list(rows) == ["API (generate)", "app upload, re-framed", "app upload, as drawn"]
    assert rows["API (generate)"]["images"] == 4 and rows["API (generate)"]["refused"] == 1
    assert rows["app upload, re-framed"]["images"] == 4 and rows["app upload, re-framed"]["refused"] == 1
    for row in rows.values():
        assert row["fd"] >= 0 and row["sharpness"] > 0 and set(row["auc"]) == {"Male", "Smiling"}
    assert "| app upload, as drawn | 4 | 1 |" in (out / "app_upload.md").read_text()
