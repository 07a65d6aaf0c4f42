"""The sketch branch trained as a generator: its losses, the drawing-style data path and the two-stage schedule."""

from __future__ import annotations

import json

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf import losses as L
from s2fgan_hf.data.sketch_styles import STYLES
from s2fgan_hf.training.modules import GeneratorSide
from s2fgan_hf.training.steps import chosen_styles, sketch_anchor_loss
from s2fgan_hf.training.train_config import TrainConfig, TrainConfigError

from .test_train_script import assert_unchanged, base_args, weights_moved


def test_feature_matching_and_latent_moment_losses():
    feats = [torch.randn(4, 8, 8, 8), torch.randn(4, 16, 4, 4)]
    assert float(L.feature_matching_loss(feats, feats)) == 0.0
    assert float(L.feature_matching_loss([f + 1 for f in feats], feats)) > 0.9
    g = torch.Generator().manual_seed(0)
    z_image = torch.randn(64, 16, generator=g)
    shrunk = (0.3 * torch.randn(64, 16, generator=g)).requires_grad_(True)  # the measured collapse towards the mean
    spread = torch.randn(64, 16, generator=g)
    assert L.latent_moment_loss(shrunk, z_image).item() > 2 * L.latent_moment_loss(spread, z_image).item()
    z_image.requires_grad_(True)
    L.latent_moment_loss(shrunk, z_image).backward()
    assert shrunk.grad is not None and z_image.grad is None  # only the sketch side is pulled


def test_style_moment_loss_is_per_style_and_unbiased():
    g = torch.Generator().manual_seed(0)
    z_image = torch.randn(4096, 8, generator=g)
    same = torch.randn(4096, 8, generator=g)
    assert float(L.style_moment_loss(same, z_image)) < 0.01
    # Two styles: one shifted by 0.3 std, one shrunk to 0.6 of the spread. Pooled, the shrunken group is hidden by
    # the other's extra spread; per style both are seen.
    styles = torch.arange(4096) % 2
    z_sketch = torch.where(styles[:, None] == 0, same + 0.3, 0.6 * same).requires_grad_(True)
    per_style = L.style_moment_loss(z_sketch, z_image, styles)
    assert per_style.item() > 2 * L.style_moment_loss(z_sketch, z_image).item()
    z_image.requires_grad_(True)
    per_style.backward()
    assert z_image.grad is None
    # The gradient pulls each style back: the shifted one down, the shrunken one outwards from its mean.
    assert float(z_sketch.grad[styles == 0].mean()) > 0
    shrunk, grad = z_sketch[styles == 1].detach(), z_sketch.grad[styles == 1]
    assert float((grad * (shrunk - shrunk.mean(0))).sum()) < 0
    # A style seen once in a batch has no variance: only its mean counts, and nothing is NaN.
    lonely = L.style_moment_loss(torch.randn(3, 8), torch.randn(3, 8), torch.tensor([0, 0, 1]))
    assert torch.isfinite(lonely)
    # Unbiased: over many small batches the mean gradient on an unbiased style is ~0, on a biased one it is not.
    grads = []
    for bias in (0.0, 0.1):
        total = torch.zeros(8)
        for _ in range(400):
            zs = (torch.randn(16, 8, generator=g) + bias).requires_grad_(True)
            L.style_moment_loss(zs, torch.randn(16, 8, generator=g)).backward()
            total += zs.grad.sum(0)
        grads.append(float(total.mean()))
    assert abs(grads[0]) < 0.25 * grads[1]


def test_running_moments_give_a_steady_value_and_the_batchs_gradient():
    g = torch.Generator().manual_seed(1)
    running = L.RunningMoments(decay=0.99)
    values, batch_values = [], []
    for _ in range(300):
        z_image, z_sketch = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g) + 0.2
        styles = torch.randint(0, 3, (16,), generator=g)
        values.append(L.style_moment_loss(z_sketch, z_image, styles, running).item())
        batch_values.append(L.style_moment_loss(z_sketch, z_image, styles).item())
    late, late_batch = torch.tensor(values[-100:]), torch.tensor(batch_values[-100:])
    assert abs(float(late.mean()) - 0.04) < 0.02  # the bias alone (0.2 std squared): the noise is averaged away
    assert float(late.std()) < 0.2 * float(late_batch.std()) and float(late_batch.mean()) > 3 * float(late.mean())
    z = torch.randn(16, 8, generator=g).requires_grad_(True)
    L.style_moment_loss(z, torch.randn(16, 8, generator=g), None, running).backward()
    assert z.grad is not None and float(z.grad.mean()) > 0  # the running bias pulls the batch down
    restored = L.RunningMoments()
    restored.load_state_dict(running.state_dict())
    assert set(restored.stats) == set(running.stats) and restored.decay == 0.99


def test_style_moment_statistics_are_saved_and_resumed(prepared_dir, tmp_path, run_training):
    argv = base_args(prepared_dir, tmp_path / "run", 2) + [
        "--sketch_styles", "edges", "clean", "--lambda_style_moments", "5", "--checkpointing_steps", "2",
    ]  # fmt: skip
    run_training(argv)
    saved = torch.load(tmp_path / "run" / "checkpoint-2" / "style_moments.pt", weights_only=True)
    assert "image" in saved["stats"] and any(k.startswith("style") for k in saved["stats"])
    assert float(saved["stats"]["image"]["weight"]) > 0
    at = argv.index("--max_train_steps") + 1
    resumed = run_training(argv[:at] + ["3"] + argv[at + 1 :] + ["--resume_from_checkpoint", "latest"])
    assert resumed["global_step"] == 3


def test_style_moments_cover_only_the_chosen_styles():
    with pytest.raises(TrainConfigError, match="style_moment_styles.*sketch_styles"):
        TrainConfig(train_data_dir="d", sketch_styles=("edges",), style_moment_styles=("pencil",))
    config = TrainConfig(
        train_data_dir="d", sketch_styles=("edges", "pencil", "clean"), style_moment_styles=("clean",)
    )
    assert config.step_config(L.LossWeights()).style_moment_styles == (STYLES.index("clean"),)
    assert TrainConfig(train_data_dir="d").step_config(L.LossWeights()).style_moment_styles is None
    z, styles = torch.randn(5, 3), torch.tensor([0, 5, 2, 5, 0])
    kept, kept_styles = chosen_styles(z, styles, (5,))
    assert torch.equal(kept, z[[1, 3]]) and kept_styles.tolist() == [5, 5]
    assert chosen_styles(z, styles, None)[0] is z and chosen_styles(z, None, (5,))[0] is z


def test_framing_jitter_needs_drawn_styles_and_a_small_fraction():
    with pytest.raises(TrainConfigError, match="sketch_framing_jitter.*sketch_styles"):
        TrainConfig(train_data_dir="d", sketch_framing_jitter=0.1)
    for bad in (-0.1, 0.5, float("nan")):
        with pytest.raises(TrainConfigError, match="sketch_framing_jitter must be in"):
            TrainConfig(train_data_dir="d", sketch_styles=("edges",), sketch_framing_jitter=bad)
    assert (
        TrainConfig(train_data_dir="d", sketch_styles=("edges",), sketch_framing_jitter=0.1).sketch_framing_jitter
        == 0.1
    )


def test_the_sketch_anchor_holds_the_chosen_styles_where_the_stage_began():
    """``anchor_sketch_encoder``: a frozen copy of E_s as the stage began encodes the sketches too; the
    ``sketch_anchor`` term is the L1 to it over the chosen styles' items, and only the learning E_s feels it."""
    with pytest.raises(TrainConfigError, match="sketch_anchor_styles.*sketch_styles"):
        TrainConfig(train_data_dir="d", sketch_styles=("edges",), sketch_anchor_styles=("pencil",))
    with pytest.raises(TrainConfigError, match="train_decoder_only.*sketch_anchor"):
        TrainConfig(train_data_dir="d", train_decoder_only=True, loss_weights={"sketch_anchor": 1.0})
    config = TrainConfig(train_data_dir="d", sketch_styles=("edges", "pencil"), sketch_anchor_styles=("pencil",))
    assert config.step_config(L.LossWeights()).sketch_anchor_styles == (STYLES.index("pencil"),)
    assert L.LossWeights().sketch_anchor == 0.0  # off unless asked for

    torch.manual_seed(0)
    cfg = S2FGANConfig.from_preset("tiny-32")
    model = S2FGAN(cfg)
    with pytest.raises(ValueError, match="anchor_sketch_encoder"):
        GeneratorSide(model, S2FGANDiscriminator(cfg), decoder_only=True, anchor_sketch_encoder=True)
    side = GeneratorSide(model, S2FGANDiscriminator(cfg), photo_branch_frozen=True, anchor_sketch_encoder=True)
    assert not any(p.requires_grad for p in side.reference_sketch_encoder.parameters())
    image, sketch, shifts = (
        torch.rand(4, 3, 32, 32) * 2 - 1,
        torch.rand(4, 1, 32, 32),
        torch.zeros(4, cfg.num_attributes),
    )
    out = side(image, sketch, shifts)
    assert torch.allclose(out.z_sketch, out.z_sketch_reference)  # the same encoder at the start
    with torch.no_grad():  # a training step moves E_s; the reference stays where the stage began
        for p in side.sketch_encoder.parameters():
            p.add_(0.05 * torch.randn_like(p))
    out = side(image, sketch, shifts)
    assert not torch.allclose(out.z_sketch, out.z_sketch_reference)
    styles = torch.tensor([0, 2, 2, 1])
    loss = sketch_anchor_loss(out.z_sketch, out.z_sketch_reference, styles, (2,))
    expected = (out.z_sketch[1:3] - out.z_sketch_reference[1:3]).abs().mean()
    assert torch.allclose(loss, expected)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in side.sketch_encoder.parameters())
    assert all(p.grad is None for p in side.reference_sketch_encoder.parameters())
    assert sketch_anchor_loss(out.z_sketch, out.z_sketch_reference, styles, (5,)) is None  # none in the batch
    assert GeneratorSide(model, S2FGANDiscriminator(cfg))(image, sketch, shifts).z_sketch_reference is None


def test_sketch_faces_meet_the_discriminator(prepared_dir, tmp_path, run_training, capfd):
    argv = base_args(prepared_dir, tmp_path / "run", 2) + [
        "--lambda_sketch_adv", "1", "--lambda_sketch_fm", "2", "--lambda_latent_moments", "2",
        "--checkpointing_steps", "0",
    ]  # fmt: skip
    run_training(argv)
    assert "\r" not in capfd.readouterr().err  # progress to a non-terminal: plain lines, no carriage returns
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    logged = rows[-1]
    for key in ("g_sketch_adv", "g_sketch_fm", "g_latent_moments", "g_adv", "g_l1"):
        assert key in logged and logged[key] == logged[key]  # present and not NaN


def test_stage_two_trains_the_sketch_encoder_on_drawing_styles_only(prepared_dir, tmp_path, run_training):
    first = run_training(base_args(prepared_dir, tmp_path / "base", 1) + ["--checkpointing_steps", "0"])
    base = S2FGAN.from_pretrained(first["final_dir"])
    argv = base_args(prepared_dir, tmp_path / "stage2", 2) + [
        "--pretrained_model_name_or_path", first["final_dir"], "--sketch_styles", "edges", "pencil", "clean",
        "--freeze_photo_branch", "--lambda_sketch_adv", "1", "--lambda_sketch_fm", "2",
        "--lambda_latent_moments", "2", "--lambda_sketch_sem", "1", "--lambda_sketch_reencoded", "1",
        "--lambda_style_moments", "5", "--style_moment_styles", "edges", "clean",
        "--lambda_sketch_anchor", "2", "--sketch_anchor_styles", "edges", "pencil", "clean",
        "--checkpointing_steps", "0", "--sketch_framing_jitter", "0.1",
    ]  # fmt: skip
    result = run_training(argv)
    recorded = json.loads((tmp_path / "stage2" / "final" / "training_args.json").read_text())
    assert recorded["sketch_framing_jitter"] == 0.1
    rows = [json.loads(line) for line in (tmp_path / "stage2" / "metrics.jsonl").read_text().splitlines()]
    for key in ("g_sketch_reencoded", "g_style_moments", "g_sketch_anchor"):
        assert rows[-1][key] == rows[-1][key]  # logged, not NaN
    tuned = result["generator"]
    assert tuned.config.sketch_normalization == "grey"
    saved = json.loads((tmp_path / "stage2" / "final" / "config.json").read_text())
    assert saved["sketch_normalization"] == "grey"
    assert_unchanged(base, tuned, ("image_encoder", "decoder", "attribute_directions"), "stage 2")
    assert weights_moved(base.sketch_encoder, tuned.sketch_encoder)
    assert (tmp_path / "stage2" / "final" / "discriminator" / "model.safetensors").is_file()


def test_the_face_from_a_sketch_read_back_by_the_frozen_image_encoder_trains_only_the_sketch_encoder():
    """``reencode_sketch_faces``: z_sketch_reencoded = E_i(D(E_s(s))); its loss reaches E_s, never E_i, D or C."""
    with pytest.raises(TrainConfigError, match="sketch_reencoded.*frozen image encoder.*freeze_photo_branch"):
        TrainConfig(train_data_dir="d", loss_weights={"sketch_reencoded": 1.0})
    TrainConfig(train_data_dir="d", freeze_photo_branch=True, loss_weights={"sketch_reencoded": 1.0})
    torch.manual_seed(0)
    cfg = S2FGANConfig.from_preset("tiny-32")
    model = S2FGAN(cfg)
    with pytest.raises(ValueError, match="reencode_sketch_faces.*stage 2"):
        GeneratorSide(model, S2FGANDiscriminator(cfg), reencode_sketch_faces=True)
    side = GeneratorSide(model, S2FGANDiscriminator(cfg), photo_branch_frozen=True, reencode_sketch_faces=True)
    for network in (side.image_encoder, side.decoder, model.attribute_directions):
        network.requires_grad_(False)  # as the trainer freezes them in stage 2
    image, sketch = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 1, 32, 32)
    out = side(image, sketch, torch.zeros(2, cfg.num_attributes))
    with torch.no_grad():
        expected = side.image_encoder(side.decoder(side.sketch_encoder(sketch)))
    assert torch.allclose(out.z_sketch_reencoded, expected, atol=1e-5)
    labels = torch.randint(0, 2, (2, cfg.num_attributes)).float()
    L.semantic_loss(out.z_sketch_reencoded @ model.attribute_directions.directions(), labels).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in side.sketch_encoder.parameters())
    assert all(p.grad is None for p in (*side.decoder.parameters(), *side.image_encoder.parameters()))
    assert L.LossWeights().sketch_reencoded == 0.0  # off unless asked for
