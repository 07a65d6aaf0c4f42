"""scripts/sketch_reader_fusion.py: the ridge fusion, the rescaling and the drawings it fits on."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator

from .script_loading import load_script

fusion = load_script("sketch_reader_fusion")


def test_ridge_recovers_a_linear_map_and_leaves_the_bias_unpenalised() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 6, generator=g)
    true = torch.randn(6, 3, generator=g)
    y = x @ true + torch.tensor([5.0, -2.0, 0.5])
    weights = fusion.ridge_fit(x, y, 1e-6)
    torch.testing.assert_close(fusion.ridge_apply(weights, x), y, atol=1e-3, rtol=1e-4)
    # A huge penalty shrinks the slopes to zero, not the bias: the fit falls back to the targets' mean.
    shrunk = fusion.ridge_apply(fusion.ridge_fit(x, y, 1e9), x)
    torch.testing.assert_close(shrunk, y.mean(0).expand_as(y), atol=1e-2, rtol=0)


def test_rescaling_scales_the_deviation_from_the_mean() -> None:
    mean, fused = torch.tensor([1.0, -1.0]), torch.tensor([[2.0, 0.0], [0.0, -3.0]])
    factor = torch.tensor([4.0, 9.0])
    torch.testing.assert_close(fusion.rescaled(fused, mean, factor, "none"), fused)
    torch.testing.assert_close(fusion.rescaled(fused, mean, factor, "dim"), torch.tensor([[5.0, 8.0], [-3.0, -19.0]]))
    torch.testing.assert_close(fusion.rescaled(fused, mean, factor, "half"), torch.tensor([[3.0, 2.0], [-1.0, -7.0]]))


def test_colouring_gives_the_fit_the_targets_mean_and_covariance() -> None:
    g = torch.Generator().manual_seed(0)
    target = torch.randn(2000, 4, generator=g) @ torch.randn(4, 4, generator=g) + torch.tensor([1.0, 2.0, 3.0, 4.0])
    fitted = 0.3 * target + 0.05 * torch.randn(2000, 4, generator=g)  # shrunk towards zero, a little noise
    transform, shift = fusion.colouring(fusion.latent_moments(fitted, target))
    mapped = fitted @ transform + shift
    torch.testing.assert_close(mapped.mean(0), target.mean(0), atol=1e-4, rtol=0)
    torch.testing.assert_close(torch.cov(mapped.T), torch.cov(target.T), atol=1e-3, rtol=1e-3)


def test_views_are_the_readers_features_beside_the_encoders_latent() -> None:
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    reader = fusion.attribute_cnn(len(model.attribute_names)).eval()
    size = model.config.image_size
    x = torch.where(torch.rand(3, 1, size, size) < 0.1, -1.0, 1.0)
    both = fusion.views(model, reader, x)
    assert both.shape == (3, 128 + model.config.latent_dim)
    with torch.no_grad():
        torch.testing.assert_close(both[:, 128:], model.sketch_encoder(x))
        assert reader(x).shape == (3, len(model.attribute_names))


def test_training_drawings_and_the_reader_on_the_fixture_photos(tmp_path) -> None:
    from s2fgan_hf.data.prepare import prepare_dataset

    data = tmp_path / "prepared"
    prepare_dataset(Path(__file__).parent / "fixtures" / "data" / "celeba", data, "celeba", size=64, progress=False)
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    drawn = fusion.training_drawings(model, data, variants=2, workers=0)
    n, size = drawn["x"].shape[0], model.config.image_size
    assert n > 0 and n % 2 == 0  # every training photo, twice
    assert drawn["x"].shape == (n, 1, size, size) and drawn["x"].dtype == torch.float16
    assert drawn["z"].shape == (n, model.config.latent_dim)
    assert drawn["y"].shape == (n, len(model.attribute_names))
    assert set(drawn["x"].unique().tolist()) <= {-1.0, 1.0}
    reader = fusion.train_reader(drawn["x"], drawn["y"], epochs=1, seed=0)
    assert not reader.training


def test_the_ceiling_cnn_learns_a_drawn_attribute() -> None:
    ceiling = load_script("sketch_attribute_ceiling")
    assert ceiling.attribute_cnn(3, 128)(torch.zeros(2, 1, 128, 128)).shape == (2, 3)
    torch.manual_seed(0)
    x = torch.ones(256, 1, 64, 64)
    y = (torch.rand(256, 1) < 0.5).float()
    x[y[:, 0] > 0, :, 24:40, 24:40] = -1.0  # the attribute: a dark square in the middle (survives the flips)
    net = ceiling.attribute_cnn(1)
    optimizer, schedule = ceiling.one_cycle(net, 3, len(x))
    for _ in range(3):
        ceiling.train_epoch(net, x, y, optimizer, schedule)
    assert not net.training
    with torch.no_grad():
        scores = net(x)[:, 0]
    assert scores[y[:, 0] > 0].min() > scores[y[:, 0] == 0].max()


def _paper_encoder_model(folder: Path) -> Path:
    """The bundled model with the paper's sketch encoder: its own when it has no reader, else its ResNet E_s alone
    (the reader and the fusion dropped), saved with its discriminator; the script fits a reader onto such a model."""
    bundled = Path(__file__).resolve().parents[1] / "s2fgan_hf" / "pretrained" / "default"
    shipped = S2FGAN.from_pretrained(bundled)
    if shipped.config.sketch_reader_width == 0:
        return bundled
    plain = shipped.with_sketch_encoder(sketch_reader_width=0)
    plain.save_pretrained(folder)
    S2FGANDiscriminator.from_pretrained_subfolder(bundled).with_config(plain.config).save_pretrained(
        folder / "discriminator"
    )
    return folder


def test_main_fits_saves_and_reloads_the_same_fusion(tmp_path) -> None:
    from s2fgan_hf.data.prepare import prepare_dataset

    data = tmp_path / "prepared"
    prepare_dataset(Path(__file__).parent / "fixtures" / "data" / "celeba", data, "celeba", size=128, progress=False)
    base = _paper_encoder_model(tmp_path / "paper-encoder")
    common = ["--model", str(base), "--data", str(data), "--styles", "stored", "--limit", "8", "--workers", "0"]
    common += ["--rescale", "none", "dim", "cov", "cap"]
    fit, first, second = tmp_path / "fit.pt", tmp_path / "first.json", tmp_path / "second.json"
    fusion.main([*common, "--variants", "1", "--epochs", "1", "--save-fit", str(fit), "-o", str(first)])
    figure = tmp_path / "figure.jpg"
    saved = tmp_path / "fused-model"
    fusion.main([*common, "--load-fit", str(fit), "-o", str(second), "--figure", str(figure), "--sliders"]
                + ["--save-model", str(saved)])  # fmt: skip
    fused = S2FGAN.from_pretrained(saved).eval().set_inference_precision("fp32")
    with_model = tmp_path / "with-model.jpg"  # a saved model's faces as one more row per set
    fusion.main([*common, "--load-fit", str(fit), "--rescale", "cov", "--figure", str(with_model)]
                + ["--figure-model", f"saved={saved}"])  # fmt: skip
    from PIL import Image

    with Image.open(with_model) as picture:  # sketches, shipped, fused-cov, the saved model's
        assert picture.height == 4 * 2 * 64
    assert fused.config.sketch_reader_width == 128
    assert S2FGANDiscriminator.from_pretrained_subfolder(saved).config == fused.config  # fine-tunes with the model
    shipped = S2FGAN.from_pretrained(base).eval().set_inference_precision("fp32")
    fitted = torch.load(fit)
    reader = fusion.attribute_cnn(len(shipped.attribute_names)).eval()
    reader.load_state_dict(fitted["reader"])
    sketch = torch.where(torch.rand(4, 1, 64, 64) < 0.08, -1.0, 1.0)
    expected = fusion.ridge_apply(fitted["weights"], fusion.views(shipped, reader, sketch))
    expected = expected @ fitted["transform"] + fitted["shift"]
    # The fit is of the encoder's own latents; the saved model keeps its base's read-back correction on top.
    assert fused.config.sketch_readback_steps == shipped.config.sketch_readback_steps
    encoder_only = fused.with_sketch_encoder(sketch_readback_steps=0)
    torch.testing.assert_close(encoder_only.encode_sketch(sketch), expected, atol=1e-3, rtol=1e-3)
    with Image.open(figure) as picture:  # per set (only "stored" here): its sketches, then shipped and 4 fusions
        assert picture.height == 6 * 2 * 64
    import json

    results = json.loads(first.read_text())
    assert set(results["stored"]) == {"shipped", "fused-none", "fused-dim", "fused-cov", "fused-cap"}
    reloaded = json.loads(second.read_text())
    sliders = reloaded.pop("sliders_fused_cov")
    assert sliders["num_images"] > 0 and "Male" in sliders["editing"]
    assert results == reloaded
    refined = tmp_path / "refined.json"
    fusion.main([*common, "--load-fit", str(fit), "--refine-steps", "2", "-o", str(refined)])
    moved = json.loads(refined.read_text())["stored"]
    for label in ("shipped", "fused-dim"):  # both encoders' latents are refined
        assert moved[label]["frechet_distance"] != results["stored"][label]["frechet_distance"]


def test_folding_batch_norm_into_the_convolution_is_exact() -> None:
    torch.manual_seed(0)
    block = fusion.attribute_cnn(2)[0]  # conv, batch norm, ReLU, max-pool
    block.train()
    block(torch.randn(16, 1, 8, 8))  # running statistics away from 0 / 1
    norm = block[1]
    norm.weight.data.uniform_(0.5, 2.0)
    norm.bias.data.normal_()
    block.eval()
    weight, bias = fusion.fold_batch_norm(block)
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(torch.nn.functional.conv2d(x, weight, bias, padding=1), block[1](block[0](x)))


def test_the_fused_model_encodes_sketches_as_the_fusion_does(tmp_path) -> None:
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    size, d = model.config.image_size, model.config.latent_dim
    reader = fusion.attribute_cnn(3, size)
    reader.train()
    reader(torch.randn(32, 1, size, size))  # batch-norm statistics to fold
    reader.eval()
    weights, transform, shift = torch.randn(128 + d + 1, d), torch.randn(d, d) / d**0.5, torch.randn(d)
    fused = fusion.fused_model(model, reader, weights, transform, shift)
    assert fused.config.sketch_reader_width == 128
    sketch = torch.where(torch.rand(5, 1, size, size) < 0.1, -1.0, 1.0)
    expected = fusion.ridge_apply(weights, fusion.views(model, reader, sketch)) @ transform + shift
    with torch.no_grad():
        torch.testing.assert_close(fused.sketch_encoder(sketch), expected, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(fused.decoder(expected), model.decoder(expected))  # only E_s changed
    fused.save_pretrained(tmp_path / "fused")
    with torch.no_grad():
        torch.testing.assert_close(S2FGAN.from_pretrained(tmp_path / "fused").sketch_encoder(sketch), expected,
                                   atol=1e-4, rtol=1e-4)  # fmt: skip
    with pytest.raises(ValueError, match="already fuses a reader"):
        fusion.fused_model(fused, reader, weights, transform, shift)


def test_the_capped_colouring_stretches_no_direction_more_than_the_cap() -> None:
    g = torch.Generator().manual_seed(0)
    target = torch.randn(4000, 3, generator=g) * torch.tensor([1.0, 2.0, 3.0]) + torch.tensor([1.0, 0.0, -1.0])
    fitted = target * torch.tensor([0.5, 0.1, 0.02])  # the fit's spread: 0.5, 0.2, 0.06 (gains 2, 10, 50)
    moments = fusion.latent_moments(fitted, target)
    for cap, gains in ((100.0, [2.0, 10.0, 50.0]), (4.0, [2.0, 4.0, 4.0])):
        transform, shift = fusion.capped_colouring(moments, cap)
        mapped = fitted @ transform + shift
        torch.testing.assert_close(mapped.mean(0), target.mean(0), atol=1e-3, rtol=0)
        torch.testing.assert_close(mapped.std(0) / fitted.std(0), torch.tensor(gains), atol=0.05, rtol=0.01)
