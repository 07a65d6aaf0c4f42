"""The read-back correction of sketch latents (``readback_correction``): what it computes, where the config turns
it on, and that bad settings are refused by name."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.commands.inputs import InputError, with_readback_checked
from s2fgan_hf.networks import AttributeDirections
from s2fgan_hf.readback_correction import readback_corrected


class ShrinkingRender:
    """A stand-in model whose faces read back as ``shrink`` times the latent: the face shows less than the latent."""

    def __init__(self, latent_dim: int = 8, attributes: int = 3, shrink: float = 0.5) -> None:
        torch.manual_seed(0)
        self.attribute_directions = AttributeDirections(latent_dim, attributes)
        self.shrink = shrink

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z.clone()  # the "face" is the latent itself, clamped by the caller (latents here stay in [-1, 1])

    def encode_image(self, face: torch.Tensor) -> torch.Tensor:
        return self.shrink * face

    def attribute_scores(self, z: torch.Tensor) -> torch.Tensor:
        return self.attribute_directions.scores(z)


def test_the_steps_make_the_face_read_back_as_the_latent_says():
    model = ShrinkingRender()
    z = torch.rand(4, 8) * 0.2 - 0.1
    target = model.attribute_scores(z)

    def readback_gap(latent: torch.Tensor) -> float:
        return (target - model.attribute_scores(model.encode_image(model.decode(latent)))).abs().max().item()

    assert torch.equal(readback_corrected(model, z, 0, 0.5), z)
    gaps = [readback_gap(readback_corrected(model, z, steps, 0.5)) for steps in (0, 1, 2, 8)]
    # A face reading back half the latent: each step of 0.5 closes a quarter of the gap (1 - 0.5 * 0.5 = 0.75 left).
    assert gaps[0] > 0.01
    assert gaps[1:] == pytest.approx([gaps[0] * 0.75**k for k in (1, 2, 8)], rel=1e-4)
    # Only the probe's directions move: the rest of the latent (its identity, colours) is kept exactly.
    w = model.attribute_directions.directions().detach()
    moved = readback_corrected(model, z, 2, 0.5) - z
    residual = moved - moved @ w @ torch.linalg.pinv(w)
    assert residual.abs().max() < 1e-5


def test_the_config_turns_it_on_for_encode_sketch_and_saves_it(tmp_path):
    config = S2FGANConfig.from_preset("tiny-32")
    assert config.sketch_readback_steps == 0  # off unless a checkpoint says so: older config.json files unchanged
    torch.manual_seed(0)
    model = S2FGAN(config).eval()
    model.set_inference_precision("fp32")
    sketch = torch.where(torch.rand(2, 1, 32, 32) < 0.1, -1.0, 1.0)
    plain = model.encode_sketch(sketch)
    corrected = model.with_sketch_encoder(sketch_readback_steps=2, sketch_readback_strength=0.5)
    torch.testing.assert_close(corrected.encode_sketch(sketch), readback_corrected(model, plain, 2, 0.5))
    assert not torch.equal(corrected.encode_sketch(sketch), plain)
    corrected.save_pretrained(tmp_path / "m")
    saved = json.loads((tmp_path / "m" / "config.json").read_text())
    assert saved["sketch_readback_steps"] == 2 and saved["sketch_readback_strength"] == 0.5
    assert S2FGAN.from_pretrained(tmp_path / "m").config.sketch_readback_steps == 2
    # The CLI's --readback-steps: a copy with the asked steps, or the model itself when it already has them.
    assert with_readback_checked(corrected, None) is corrected and with_readback_checked(corrected, 2) is corrected
    off = with_readback_checked(corrected, 0)
    torch.testing.assert_close(off.encode_sketch(sketch), plain)
    with pytest.raises(InputError, match="--readback-steps must be in"):
        with_readback_checked(corrected, -1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sketch_readback_steps", -1),
        ("sketch_readback_steps", 17),
        ("sketch_readback_steps", 1.5),
        ("sketch_readback_strength", 0.0),
        ("sketch_readback_strength", 2.5),
        ("sketch_readback_strength", float("nan")),
    ],
)
def test_bad_settings_are_refused_by_name(field, value):
    with pytest.raises(ValueError, match=field):
        S2FGANConfig(**{field: value})


def test_a_config_without_the_fields_loads_with_the_correction_off():
    data = S2FGANConfig.from_preset("tiny-32").to_dict()
    for key in ("sketch_readback_steps", "sketch_readback_strength"):
        data.pop(key)
    assert S2FGANConfig(**data).sketch_readback_steps == 0


def test_generate_and_evaluate_take_readback_steps(tmp_path, capsys):
    from s2fgan_hf.commands.dispatch import main
    from tests.app_helpers import save_tiny_model
    from tests.test_branches import _prepared_with_fidelity_columns
    from tests.test_latent_refinement import _sketch_file

    folder = save_tiny_model(tmp_path / "model")
    base = ["generate", str(_sketch_file(tmp_path)), "--model", str(folder)]
    assert main([*base, "-o", str(tmp_path / "plain.png")]) == 0
    assert main([*base, "-o", str(tmp_path / "corrected.png"), "--readback-steps", "2"]) == 0
    plain, corrected = (np.asarray(Image.open(tmp_path / f"{n}.png")) for n in ("plain", "corrected"))
    assert plain.shape == corrected.shape and not np.array_equal(plain, corrected)
    assert main([*base, "-o", str(tmp_path / "x.png"), "--readback-steps", "99"]) == 2
    assert "--readback-steps must be in [0, 16]" in capsys.readouterr().err
    data = _prepared_with_fidelity_columns(tmp_path)
    args = ["evaluate", "--model", str(folder), "--data", str(data), "--split", "all", "--limit", "4",
            "--batch-size", "2", "--strengths", "2", "--attributes", "Smiling", "--readback-steps", "1"]  # fmt: skip
    assert main([*args, "-o", str(tmp_path / "eval")]) == 0
    assert "--readback-steps 1" in json.loads((tmp_path / "eval" / "results.json").read_text())["command"]


def test_a_run_resumes_across_readback_settings(tmp_path):
    from s2fgan_hf.training.checkpointing import ResumeMismatchError, check_resume_compatible

    config = S2FGANConfig.from_preset("tiny-32")
    S2FGAN(config).save_pretrained(tmp_path / "checkpoint-1" / "generator")  # saved before the correction existed
    check_resume_compatible(tmp_path / "checkpoint-1", dataclasses.replace(config, sketch_readback_steps=2))
    with pytest.raises(ResumeMismatchError, match="latent_dim"):
        check_resume_compatible(tmp_path / "checkpoint-1", dataclasses.replace(config, latent_dim=16))
