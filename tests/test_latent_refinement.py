"""Discriminator-guided refinement of sketch latents: what it moves, what it holds, and its opt-in paths."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf import S2FGAN, S2FGANDiscriminator
from s2fgan_hf.commands import main
from s2fgan_hf.latent_refinement import RefinementSettings, refine_latent
from tests.app_helpers import save_tiny_model


@pytest.fixture
def critic(tiny_model: S2FGAN) -> S2FGANDiscriminator:
    torch.manual_seed(2)
    return S2FGANDiscriminator(tiny_model.config).eval()


def _realness(model: S2FGAN, critic: S2FGANDiscriminator, z: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return critic(model.decoder(z)).flatten()


def test_settings_refuse_what_cannot_run():
    for bad in ({"steps": -1}, {"learning_rate": 0.0}, {"latent_weight": -1.0}, {"attribute_weight": float("nan")},
                {"low_frequency_pool": 0}):  # fmt: skip
        with pytest.raises(ValueError, match="refinement"):
            RefinementSettings(**bad)


def test_zero_steps_is_the_encoders_latent(tiny_model, critic):
    z = torch.randn(3, tiny_model.config.latent_dim)
    directions = tiny_model.attribute_directions.directions()
    assert torch.equal(refine_latent(tiny_model.decoder, critic, directions, z, RefinementSettings(steps=0)), z)


def test_refinement_raises_realness_and_leaves_the_networks_alone(tiny_model, critic):
    torch.manual_seed(0)
    z = torch.randn(4, tiny_model.config.latent_dim)
    before = {k: v.clone() for k, v in [*tiny_model.state_dict().items(), *critic.state_dict().items()]}
    free = RefinementSettings(steps=8, learning_rate=0.05, latent_weight=0, attribute_weight=0, low_frequency_weight=0)
    refined = refine_latent(tiny_model.decoder, critic, tiny_model.attribute_directions.directions(), z, free)
    assert not refined.requires_grad and refined.dtype == torch.float32
    assert (_realness(tiny_model, critic, refined) > _realness(tiny_model, critic, z)).all()
    after = dict([*tiny_model.state_dict().items(), *critic.state_dict().items()])
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.requires_grad for p in [*tiny_model.parameters(), *critic.parameters()])


def test_each_latent_is_refined_as_if_alone(tiny_model, critic):
    torch.manual_seed(0)
    z = torch.randn(3, tiny_model.config.latent_dim)
    directions = tiny_model.attribute_directions.directions()
    settings = RefinementSettings(steps=4)
    together = refine_latent(tiny_model.decoder, critic, directions, z, settings)
    decoder = tiny_model.decoder
    alone = torch.cat([refine_latent(decoder, critic, directions, z[i : i + 1], settings) for i in range(3)])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


def test_the_holding_terms_hold(tiny_model, critic):
    """The attribute term keeps C's scores; the trust region keeps the latent near the encoder's."""
    torch.manual_seed(0)
    z = torch.randn(4, tiny_model.config.latent_dim)
    directions = tiny_model.attribute_directions.directions().detach()

    def moved(**weights: float) -> tuple[float, float]:
        settings = RefinementSettings(steps=10, learning_rate=0.05, **weights)
        refined = refine_latent(tiny_model.decoder, critic, directions, z, settings)
        return float((refined - z).norm(dim=1).mean()), float(((refined - z) @ directions).abs().mean())

    free_move, free_scores = moved(latent_weight=0, attribute_weight=0, low_frequency_weight=0)
    _, held_scores = moved(latent_weight=0, attribute_weight=100, low_frequency_weight=0)
    trust_move, _ = moved(latent_weight=50, attribute_weight=0, low_frequency_weight=0)
    assert held_scores < 0.5 * free_scores
    assert trust_move < 0.5 * free_move


def test_the_model_refines_when_told_and_never_saves_the_critic(tiny_model, critic, stroke_sketch, tmp_path):
    plain = tiny_model.encode_sketch(stroke_sketch)
    assert tiny_model.refinement is None
    tiny_model.set_refinement(critic, RefinementSettings(steps=3))
    assert tiny_model.refinement == RefinementSettings(steps=3)
    refined = tiny_model.encode_sketch(stroke_sketch)
    assert not torch.equal(refined, plain)
    expected = refine_latent(
        tiny_model.decoder, critic.image_discriminator, tiny_model.attribute_directions.directions(), plain,
        RefinementSettings(steps=3),
    )  # fmt: skip
    torch.testing.assert_close(refined, expected)
    with torch.inference_mode():  # the app encodes under inference mode, where autograd cannot run
        torch.testing.assert_close(tiny_model.encode_sketch(stroke_sketch), refined)
    tiny_model.save_pretrained(tmp_path / "saved")
    assert set(S2FGAN.from_pretrained(tmp_path / "saved").state_dict()) == set(tiny_model.state_dict())
    assert not any("discriminator" in k for k in tiny_model.state_dict())
    tiny_model.set_refinement(None)
    assert torch.equal(tiny_model.encode_sketch(stroke_sketch), plain)
    with pytest.raises(TypeError, match="image discriminator"):
        tiny_model.set_refinement("discriminator")  # type: ignore[arg-type]


def test_the_critic_follows_the_model_outside_inference_mode(tiny_model, critic, stroke_sketch, monkeypatch):
    # On a GPU, a critic moved to cuda:0 under the caller's inference mode got inference-tensor weights, and the
    # refinement's backward pass failed (seen on an H200). The move itself must leave inference mode.
    tiny_model.set_refinement(critic, RefinementSettings(steps=1))
    image_critic = critic.image_discriminator
    modes: list[bool] = []
    move = image_critic.to

    def recording_to(*args, **kwargs):
        modes.append(torch.is_inference_mode_enabled())
        return move(*args, **kwargs)

    monkeypatch.setattr(image_critic, "to", recording_to)
    with torch.inference_mode():
        tiny_model.encode_sketch(stroke_sketch)
    assert modes == [False]


def _sketch_file(tmp_path):
    arr = np.full((64, 64), 255, dtype=np.uint8)
    arr[20, 5:60] = 0
    arr[5:60, 30] = 0
    path = tmp_path / "sketch.png"
    Image.fromarray(arr).save(path)
    return path


def test_generate_refines_with_the_checkpoints_discriminator(tmp_path, capsys):
    folder = save_tiny_model(tmp_path / "model")
    sketch = _sketch_file(tmp_path)
    base = ["generate", str(sketch), "--model", str(folder)]
    assert main([*base, "-o", str(tmp_path / "x.png"), "--refine-steps", "3"]) == 2
    assert "needs the image discriminator" in capsys.readouterr().err  # the folder has none yet
    torch.manual_seed(2)
    S2FGANDiscriminator(S2FGAN.from_pretrained(folder).config).save_pretrained(folder / "discriminator")
    assert main([*base, "-o", str(tmp_path / "plain.png")]) == 0
    assert main([*base, "-o", str(tmp_path / "refined.png"), "--refine-steps", "3"]) == 0
    plain, refined = (np.asarray(Image.open(tmp_path / f"{n}.png")) for n in ("plain", "refined"))
    assert plain.shape == refined.shape and not np.array_equal(plain, refined)
    assert main([*base, "-o", str(tmp_path / "y.png"), "--refine-steps", "-1"]) == 2
    assert "--refine-steps must be at least 0" in capsys.readouterr().err


def test_evaluate_records_the_refinement(tmp_path):
    from tests.test_branches import _prepared_with_fidelity_columns

    data = _prepared_with_fidelity_columns(tmp_path)
    folder = save_tiny_model(tmp_path / "model")
    S2FGANDiscriminator(S2FGAN.from_pretrained(folder).config).save_pretrained(folder / "discriminator")
    args = ["evaluate", "--model", str(folder), "--data", str(data), "--split", "all", "--limit", "4",
            "--batch-size", "2", "--strengths", "2", "--attributes", "Smiling"]  # fmt: skip
    assert main([*args, "-o", str(tmp_path / "plain")]) == 0
    assert main([*args, "--refine-steps", "2", "-o", str(tmp_path / "refined")]) == 0
    plain, refined = (json.loads((tmp_path / n / "results.json").read_text()) for n in ("plain", "refined"))
    assert "--refine-steps" not in plain["command"] and "--refine-steps 2" in refined["command"]
    assert refined["reconstruction"] != plain["reconstruction"]


def test_the_refinement_figure_script_draws_one_row_per_drawing(tmp_path):
    from pathlib import Path

    from s2fgan_hf.data.prepare import prepare_dataset
    from tests.script_loading import load_script

    data = tmp_path / "prepared"
    prepare_dataset(Path(__file__).parent / "fixtures" / "data" / "celeba", data, "celeba", size=64, progress=False)
    folder = save_tiny_model(tmp_path / "model")
    S2FGANDiscriminator(S2FGAN.from_pretrained(folder).config).save_pretrained(folder / "discriminator")
    out = tmp_path / "figure.jpg"
    figure = load_script("make_refinement_figure")
    figure.main(["--model", str(folder), "--data", str(data), "--steps", "2", "--per-set", "1", "--cell", "32",
                 "--out", str(out)])  # fmt: skip
    with Image.open(out) as sheet:
        assert sheet.size == (64 + 4 * 32, 16 + 2 * 32)  # edges and pencil rows; label column and header


def test_the_bundled_dec_refines_with_the_bundled_dis_discriminator(monkeypatch, tmp_path):
    import s2fgan_hf.loading as loading

    dis, dec = save_tiny_model(tmp_path / "dis"), save_tiny_model(tmp_path / "dec", "dec")
    for folder, seed in ((dis, 1), (dec, 2)):
        torch.manual_seed(seed)
        S2FGANDiscriminator(S2FGAN.from_pretrained(folder).config).save_pretrained(folder / "discriminator")
    monkeypatch.setattr(loading, "_bundled", {"default": dis, "dec": dec}.get)
    assert loading.refinement_critic_source(dec) == str(dis)  # the discriminator that judged faces from sketches
    assert loading.refinement_critic_source(str(dis)) == str(dis)
    other = save_tiny_model(tmp_path / "other", "dec")
    assert loading.refinement_critic_source(other) == str(other)  # any other checkpoint: its own
    assert loading.refinement_critic_source("user/name") == "user/name"
    critic = loading.load_refinement_critic(dec)
    expected = S2FGANDiscriminator.from_pretrained(dis / "discriminator")
    assert all(torch.equal(a, b) for a, b in zip(critic.state_dict().values(), expected.state_dict().values()))
