"""The sketch branch trained as a generator: its losses, the drawing-style data path and the two-stage schedule."""

from __future__ import annotations

import json

import torch

from s2fgan_hf import S2FGAN
from s2fgan_hf import losses as L

from .test_train_script import assert_unchanged, base_args, weights_moved


def test_feature_matching_and_latent_moment_losses():
    feats = [torch.randn(4, 8, 8, 8), torch.randn(4, 16, 4, 4)]
    assert float(L.feature_matching_loss(feats, feats)) == 0.0
    assert float(L.feature_matching_loss([f + 1 for f in feats], feats)) > 0.9
    g = torch.Generator().manual_seed(0)
    z_image = torch.randn(64, 16, generator=g)
    shrunk = (0.3 * torch.randn(64, 16, generator=g)).requires_grad_(True)  # the measured collapse towards the mean
    spread = torch.randn(64, 16, generator=g)
    assert float(L.latent_moment_loss(shrunk, z_image)) > 2 * float(L.latent_moment_loss(spread, z_image))
    z_image.requires_grad_(True)
    L.latent_moment_loss(shrunk, z_image).backward()
    assert shrunk.grad is not None and z_image.grad is None  # only the sketch side is pulled


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
        "--pretrained_model_name_or_path", first["final_dir"], "--sketch_styles", "edges", "pencil", "marker",
        "--freeze_photo_branch", "--lambda_sketch_adv", "1", "--lambda_sketch_fm", "2",
        "--lambda_latent_moments", "2", "--lambda_sketch_sem", "1", "--checkpointing_steps", "0",
    ]  # fmt: skip
    result = run_training(argv)
    tuned = result["generator"]
    assert tuned.config.sketch_normalization == "grey"
    saved = json.loads((tmp_path / "stage2" / "final" / "config.json").read_text())
    assert saved["sketch_normalization"] == "grey"
    assert_unchanged(base, tuned, ("image_encoder", "decoder", "attribute_directions"), "stage 2")
    assert weights_moved(base.sketch_encoder, tuned.sketch_encoder)
    assert (tmp_path / "stage2" / "final" / "discriminator" / "model.safetensors").is_file()
