"""scripts/coloured_drawing_check.py: flat-colour drawings of held-out photos, faces with drawing colours off / on."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from s2fgan_hf.evaluation.branches import FIDELITY_ATTRIBUTES
from s2fgan_hf.evaluation.held_out_sets import styled_set
from s2fgan_hf.looks import is_coloured_drawing

from .script_loading import load_script, run_script
from .test_branches import _classifier

check = load_script("coloured_drawing_check")


def test_drawings_are_flat_colour_under_the_sketchs_lines() -> None:
    photos = torch.rand(2, 3, 16, 16) * 2 - 1
    sketches = torch.ones(2, 1, 16, 16)
    sketches[:, :, 7:9] = -1  # a line of ink, two pixels wide
    drawn = check.coloured_drawings(photos, sketches, levels=4)
    assert drawn.shape == (2, 3, 32, 32) and drawn.min() >= -1 and drawn.max() <= 1
    assert (drawn[:, :, 15:17] < -0.99).all()  # under the line: ink
    unit = (drawn[:, :, :8] + 1) / 2  # elsewhere: four steps per channel
    assert torch.allclose(unit * 4, torch.round(unit * 4), atol=1e-5)
    with pytest.raises(ValueError, match="levels"):
        check.coloured_drawings(photos, sketches, levels=1)
    with pytest.raises(ValueError, match="photos"):
        check.coloured_drawings(photos[:, :1], sketches)


def test_check_scores_the_colours_off_and_on(tiny_model, prepared_celeba64) -> None:
    size = tiny_model.config.image_size
    dataset = styled_set(prepared_celeba64, "edges", size, FIDELITY_ATTRIBUTES, None, 4)
    batch = next(check.drawing_batches(dataset, 4, 10, 2))
    pixels = torch.stack([torch.from_numpy(np.array(d)).permute(2, 0, 1) for d in batch["sketch"]])
    assert is_coloured_drawing(pixels.float() / 127.5 - 1).all()  # the proxy is a drawing in colour
    results = check.check(tiny_model, _classifier(), dataset, batch_size=2, progress=False)
    assert set(results) == {"off", "on"}
    off, on = results["off"]["from_sketch"], results["on"]["from_sketch"]
    assert off["frechet_distance"] != on["frechet_distance"]  # the colours changed the faces
    for key in ("frechet_distance", "sharpness"):  # the photo branch does not see them
        assert results["off"]["from_photo"][key] == results["on"]["from_photo"][key]
    assert "| on | 4 |" in check.to_markdown(results)


def test_cli_writes_the_table_and_grid(saved_model, prepared_celeba64, tmp_path) -> None:
    out = tmp_path / "out"
    run_script(
        "coloured_drawing_check",
        ["--data", str(prepared_celeba64), "--model", str(saved_model), "--split", "train", "--skip", "0"]
        + ["--limit", "4", "--output", str(out)],
    )
    assert set(json.loads((out / "coloured_drawings.json").read_text())) == {"off", "on"}
    assert (out / "coloured_drawings.md").read_text().startswith("| drawing colours")
    assert (out / "coloured_drawings.png").stat().st_size > 0
