"""Forward shapes of every network on a tiny config, and the paper-256 parameter counts (on the meta device)."""

from __future__ import annotations

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf.networks import (
    AttributeDirections,
    AttributeMappingNetwork,
    Decoder,
    ImageDiscriminator,
    ImageEncoder,
    LatentDiscriminator,
    SketchEncoder,
    SketchReader,
)
from s2fgan_hf.networks.sketch_reader import reader_widths


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("variant", ["dis", "dec"])
def test_forward_shapes_tiny(variant):
    c = S2FGANConfig.from_preset("tiny-32", variant=variant)
    b = 3
    sketch = torch.where(torch.rand(b, 1, 32, 32) > 0.9, -1.0, 1.0)
    photo = torch.rand(b, 3, 32, 32) * 2 - 1
    z = SketchEncoder(c)(sketch)
    assert z.shape == (b, c.latent_dim)
    assert ImageEncoder(c)(photo).shape == (b, c.latent_dim)
    assert Decoder(c)(z).shape == (b, 3, 32, 32)
    assert ImageDiscriminator(c)(photo).shape == (b, 1)
    assert LatentDiscriminator(c.latent_dim, c.latent_discriminator_hidden)(z).shape == (b, 1)
    shifts = torch.randn(b, c.num_attributes)
    assert AttributeDirections(c.latent_dim, c.num_attributes)(z, shifts).shape == z.shape
    assert AttributeDirections(c.latent_dim, c.num_attributes).scores(z).shape == (b, c.num_attributes)
    mapping = AttributeMappingNetwork(c.latent_dim, c.num_attributes, c.mapping_hidden, c.mapping_blocks)
    assert mapping(z, shifts).shape == z.shape
    model = S2FGAN(c)
    assert model(sketch, shifts).shape == (b, 3, 32, 32)
    assert S2FGANDiscriminator(c)(photo).shape == (b, 1)


def test_sketch_encoder_official_bilinear_downsample_path():
    c = S2FGANConfig.from_preset("tiny-32", image_size=64, sketch_input_size=32, sketch_downsample="bilinear")
    enc = SketchEncoder(c)
    sketch = torch.ones(2, 1, 64, 64)
    sketch[..., 30:34, :] = -1
    assert enc.binarize(sketch).shape == (2, 1, 32, 32)
    assert set(enc.binarize(sketch).unique().tolist()) <= {0.0, 1.0}
    assert enc(sketch).shape == (2, c.latent_dim)


def test_min_pool_downsample_keeps_one_pixel_strokes():
    c = S2FGANConfig.from_preset("tiny-32", image_size=64, sketch_input_size=32, sketch_downsample="min_pool")
    sketch = torch.ones(1, 1, 64, 64)
    sketch[..., 17, :] = -1  # a 1 px line on an odd row
    assert (SketchEncoder(c).binarize(sketch) == 0).any()


@pytest.mark.parametrize("preset", ["fast-64", "fast-128"])
def test_small_presets_build_and_run(preset):
    c = S2FGANConfig.from_preset(preset)
    model = S2FGAN(c).eval()
    with torch.no_grad():
        out = model(torch.ones(1, 1, c.image_size, c.image_size))
    assert out.shape == (1, 3, c.image_size, c.image_size)


def test_paper_256_parameter_counts_on_meta_device():
    c = S2FGANConfig.from_preset("paper-256")
    with torch.device("meta"):
        expected = {
            SketchEncoder(c): 45_323_648,
            ImageEncoder(c): 46_804_800,
            Decoder(c): 22_666_197,
            ImageDiscriminator(c): 21_636_673,
            AttributeMappingNetwork(512, 12, 64, 4): 255_296,
            LatentDiscriminator(512, 512): 263_169,
        }
        for module, n in expected.items():
            assert abs(count(module) - n) <= 0.005 * n, (type(module).__name__, count(module), n)
        model = S2FGAN(c)
    assert next(model.parameters()).is_meta  # nothing was allocated
    assert count(model.attribute_directions) == 512 * 12


def test_image_encoder_refuses_a_photo_at_another_size():
    """E_i's pooled heads would run at any size and return a wrong latent; it says what it accepts instead."""
    config = S2FGANConfig.from_preset("tiny-32")
    encoder = ImageEncoder(config)
    assert encoder(torch.zeros(2, 3, 32, 32)).shape == (2, config.latent_dim)
    for bad in (torch.zeros(2, 3, 64, 64), torch.zeros(3, 32, 32), torch.zeros(2, 1, 32, 32)):
        with pytest.raises(ValueError, match=r"ImageEncoder expects photos of shape \[B, 3, 32, 32\].*encode_image"):
            encoder(bad)


def test_sketch_reader_depth_follows_the_input_size() -> None:
    assert reader_widths(128, 64) == [16, 32, 64, 96, 128]  # the attribute CNN of sketch_attribute_ceiling.py
    assert reader_widths(128, 128) == [16, 32, 64, 96, 128, 128]
    assert reader_widths(64, 32) == [16, 32, 48, 64]
    for size in (8, 16, 32, 64, 128):
        assert SketchReader(24, size)(torch.zeros(2, 1, size, size)).shape == (2, 24)


def test_a_fresh_reader_fusion_passes_the_papers_latent_through() -> None:
    torch.manual_seed(0)
    plain = SketchEncoder(S2FGANConfig.from_preset("tiny-32")).eval()
    with_reader = SketchEncoder(S2FGANConfig.from_preset("tiny-32", sketch_reader_width=16)).eval()
    keys = with_reader.load_state_dict(plain.state_dict(), strict=False)
    assert sorted({k.split(".")[0] for k in keys.missing_keys}) == ["fusion", "reader"] and not keys.unexpected_keys
    sketch = torch.where(torch.rand(3, 1, 32, 32) < 0.1, -1.0, 1.0)
    with torch.no_grad():
        torch.testing.assert_close(with_reader(sketch), plain(sketch))
    # Trained end to end (the trainer fine-tunes E_s as a whole): the reader gets a gradient once the fusion reads it.
    with torch.no_grad():
        with_reader.fusion.weight[:, :16].normal_()
    with_reader(sketch).square().sum().backward()
    assert with_reader.reader.blocks[0].weight.grad.abs().sum() > 0


def test_with_sketch_encoder_adds_and_drops_a_reader_and_keeps_the_rest() -> None:
    from s2fgan_hf import S2FGAN

    torch.manual_seed(0)
    plain = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval().set_inference_precision("fp32")
    sketch = torch.where(torch.rand(2, 1, 32, 32) < 0.1, -1.0, 1.0)
    reading = plain.with_sketch_encoder(sketch_reader_width=16)
    assert reading.config.sketch_reader_width == 16 and not reading.training
    assert reading.inference_dtype == torch.float32
    torch.testing.assert_close(reading.encode_sketch(sketch), plain.encode_sketch(sketch))  # fresh fusion: identity
    back = reading.with_sketch_encoder(sketch_reader_width=0)  # the reader and the fusion dropped, the rest kept
    assert back.state_dict().keys() == plain.state_dict().keys()
    assert all(torch.equal(v, plain.state_dict()[k]) for k, v in back.state_dict().items())
    with pytest.raises(ValueError, match="sketch_"):
        plain.with_sketch_encoder(latent_dim=64)


@pytest.mark.parametrize("width", [-1, True, 2.5, "128", 10**6])
def test_sketch_reader_width_is_checked(width) -> None:
    with pytest.raises(ValueError, match="sketch_reader_width"):
        S2FGANConfig.from_preset("tiny-32", sketch_reader_width=width)
