"""The optional sketch-branch reconstruction loss (D(E_s(sketch)) vs the photo)."""

from __future__ import annotations

import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf.losses import LossWeights
from s2fgan_hf.training.modules import GeneratorSide


def test_sketch_branch_is_off_by_default_and_decodes_sketch_latents_when_on():
    assert LossWeights.for_variant("dis").sketch_l1 == 0.0
    assert LossWeights.for_variant("dis", sketch_l1=2.5).sketch_l1 == 2.5
    for variant in ("dis", "dec"):
        cfg = S2FGANConfig.from_preset("tiny-32", variant=variant)
        torch.manual_seed(0)
        side = GeneratorSide(S2FGAN(cfg), S2FGANDiscriminator(cfg), decode_sketch=True)
        image, sketch = torch.rand(2, 3, 32, 32) * 2 - 1, torch.ones(2, 1, 32, 32)
        out = side(image, sketch, torch.zeros(2, cfg.num_attributes))
        assert out.sketch_reconstruction.shape == (2, 3, 32, 32)
        expected = side.decoder(out.z_sketch)
        assert torch.allclose(out.sketch_reconstruction, expected, atol=1e-5)
        out.sketch_reconstruction.abs().mean().backward()
        assert side.sketch_encoder.stem[0].weight.grad is not None  # the loss reaches E_s


def test_structural_loss_is_fp32_under_bf16_autocast():
    from s2fgan_hf.training.perceptual import StructuralLoss

    torch.manual_seed(0)
    loss = StructuralLoss()
    fake = (torch.rand(2, 3, 64, 64) * 2 - 1).requires_grad_(True)
    real = torch.rand(2, 3, 64, 64) * 2 - 1
    reference = loss(fake, real)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        value = loss(fake, real)
    assert value.dtype == torch.float32 and torch.isfinite(value)
    assert torch.allclose(value, reference)
    value.backward()
    assert torch.isfinite(fake.grad).all()


def test_sketch_semantic_loss_moves_the_sketch_encoder_only():
    from s2fgan_hf import losses as L

    assert LossWeights.for_variant("dis").sketch_sem == 0.0
    cfg = S2FGANConfig.from_preset("tiny-32")
    torch.manual_seed(0)
    side = GeneratorSide(S2FGAN(cfg), S2FGANDiscriminator(cfg))
    image, sketch = torch.rand(2, 3, 32, 32) * 2 - 1, torch.ones(2, 1, 32, 32)
    out = side(image, sketch, torch.zeros(2, cfg.num_attributes))
    expected = out.z_sketch @ side.attribute_directions.directions()
    assert torch.allclose(out.editor.sketch_scores, expected, atol=1e-6)
    L.semantic_loss(out.editor.sketch_scores, torch.ones(2, cfg.num_attributes)).backward()
    assert side.sketch_encoder.stem[0].weight.grad.abs().sum() > 0
    assert side.attribute_directions.weight.grad is None  # C is defined by the photo latents alone
    assert side.image_encoder.stem[0].weight.grad is None
