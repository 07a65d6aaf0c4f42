"""scripts/latent_bias_check.py: a drawing style's realism gap split into its latents' bias and the rest."""

from __future__ import annotations

import json

import pytest
import torch

from .script_loading import load_script, run_script
from .test_branches import _classifier, _prepared_with_fidelity_columns

bias = load_script("latent_bias_check")


def test_an_offset_sketch_latent_is_measured_and_recentring_removes_it(tiny_model) -> None:
    torch.manual_seed(0)
    size = tiny_model.config.image_size
    photos = torch.rand(8, 3, size, size) * 2 - 1
    z_photo = tiny_model.encode_image(photos).detach()
    shift = torch.zeros_like(z_photo[0]).flatten()
    shift[0] = 3.0
    z_sketch = z_photo + shift.view_as(z_photo[0])  # the photos' own latents, all moved the same way
    report = bias.bias_report(tiny_model, _classifier(), z_sketch, z_photo, photos, 4)
    assert report["latent_offset"] == pytest.approx(3.0, rel=1e-4)
    assert report["latent_spread"] > 0
    assert report["fd"] == pytest.approx(report["fd_means"] + report["fd_spreads"])
    # moved back onto the photo latents' mean, the faces are the photo branch's own
    photo_branch = bias.bias_report(tiny_model, _classifier(), z_photo, z_photo, photos, 4)
    assert photo_branch["latent_offset"] == pytest.approx(0.0, abs=1e-5)
    assert report["fd_recentred"] == pytest.approx(photo_branch["fd"], abs=1e-3)


def test_cli_writes_a_row_per_style(saved_model, tmp_path) -> None:
    data = _prepared_with_fidelity_columns(tmp_path)
    _classifier().save_pretrained(tmp_path / "classifier")
    out = tmp_path / "out"
    argv = ["--model", str(saved_model), "--data", str(data), "--split", "all", "--limit", "6", "--batch-size", "3"]
    argv += ["--classifier", str(tmp_path / "classifier"), "--styles", "edges", "sparse", "--output", str(out)]
    run_script("latent_bias_check", argv)
    rows = json.loads((out / "latent_bias.json").read_text())["styles"]
    assert list(rows) == ["edges", "sparse"]
    assert all(r["fd"] >= 0 and r["fd_recentred"] >= 0 and r["latent_offset"] >= 0 for r in rows.values())
    table = (out / "latent_bias.md").read_text().splitlines()
    assert len(table) == 4 and table[2].startswith("| edges |")
