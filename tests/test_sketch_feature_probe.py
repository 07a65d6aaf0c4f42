"""scripts/sketch_feature_probe.py: E_s's levels as the encoder computes them, and an honest linear read-out."""

from __future__ import annotations

from pathlib import Path

import torch

from s2fgan_hf import S2FGAN, S2FGANConfig

from .script_loading import load_script

probe = load_script("sketch_feature_probe")


def test_the_probed_latent_is_the_encoders_own() -> None:
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    size = model.config.image_size
    sketch = torch.where(torch.rand(3, 1, size, size) < 0.1, -1.0, 1.0)
    levels = probe.encoder_levels(model.sketch_encoder, sketch)
    with torch.no_grad():
        z = model.sketch_encoder(sketch)
    torch.testing.assert_close(levels["z"], z)
    stages = len(model.sketch_encoder.stages)
    assert [k for k in levels if k.startswith("stage")] == [f"stage{k}" for k in range(stages)]
    assert levels["heads"].shape == (3, stages * model.config.latent_dim)


def test_the_readout_separates_what_is_separable_and_not_noise() -> None:
    g = torch.Generator().manual_seed(0)
    y_train, y_test = (torch.rand(400, generator=g) < 0.5).float(), (torch.rand(200, generator=g) < 0.5).float()
    noise_train, noise_test = torch.randn(400, 8, generator=g), torch.randn(200, 8, generator=g)
    signal_train = noise_train.clone()
    signal_train[:, 0] += 3 * (2 * y_train - 1)
    signal_test = noise_test.clone()
    signal_test[:, 0] += 3 * (2 * y_test - 1)
    assert probe.linear_readout_auc(signal_train, y_train, signal_test, y_test, 1e-2) > 0.97
    assert abs(probe.linear_readout_auc(noise_train, y_train, noise_test, y_test, 1e-2) - 0.5) < 0.12


def test_head_steps_train_the_trunk_and_leave_the_heads(tmp_path) -> None:
    from s2fgan_hf.data.prepare import prepare_dataset

    data = tmp_path / "prepared"
    prepare_dataset(Path(__file__).parent / "fixtures" / "data" / "celeba", data, "celeba", size=64, progress=False)
    torch.manual_seed(0)
    encoder = S2FGAN(S2FGANConfig.from_preset("tiny-32")).sketch_encoder
    before = {name: p.detach().clone() for name, p in encoder.named_parameters()}
    probe.train_trunk_for(encoder, data, 32, "Male", steps=3, lr=1e-3)
    moved = {name for name, p in encoder.named_parameters() if not torch.equal(p, before[name])}
    assert any(name.startswith("stages.") for name in moved)
    assert not any(name.startswith(("heads.", "refine.")) for name in moved)
    assert not encoder.training
