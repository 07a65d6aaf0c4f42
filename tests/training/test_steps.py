"""One discriminator step and one generator step touch exactly the parameters they should."""

from __future__ import annotations

import pytest
import torch
from accelerate import Accelerator

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf.losses import LossWeights
from s2fgan_hf.training import (
    DiscriminatorSide,
    GeneratorSide,
    StepConfig,
    build_augment,
    build_optimizers,
    discriminator_step,
    generator_step,
    sample_attribute_shifts,
)
from s2fgan_hf.training.perceptual import StructuralLoss

from .conftest import reset_accelerate


def _setup(variant: str):
    reset_accelerate()
    torch.manual_seed(0)
    config = S2FGANConfig.from_preset("tiny-32", variant=variant)
    generator, discriminator = S2FGAN(config).train(), S2FGANDiscriminator(config).train()
    g_side, d_side = GeneratorSide(generator, discriminator), DiscriminatorSide(generator, discriminator)
    opt_g, opt_d = build_optimizers(g_side, d_side, learning_rate=0.002, d_reg_every=16)
    accelerator = Accelerator(cpu=True)
    b = 4
    batch = {
        "image": torch.rand(b, 3, 32, 32) * 2 - 1,
        "sketch": torch.where(torch.rand(b, 1, 32, 32) < 0.1, -1.0, 1.0),
        "attributes": (torch.rand(b, config.num_attributes) < 0.5).float(),
    }
    shifts = sample_attribute_shifts(b, config.num_attributes, 4.0, 1.0, 0.5)
    return accelerator, generator, discriminator, g_side, d_side, opt_g, opt_d, batch, shifts


def _snapshot(module):
    return {n: p.detach().clone() for n, p in module.named_parameters()}


def _changed(before, module):
    return {n for n, p in module.named_parameters() if not torch.equal(before[n], p)}


@pytest.mark.parametrize("variant", ["dis", "dec"])
def test_discriminator_step_updates_only_the_discriminator_side(variant):
    acc, gen, disc, g_side, d_side, opt_g, opt_d, batch, shifts = _setup(variant)
    cfg = StepConfig(LossWeights.for_variant(variant), r1_gamma=1.0, d_reg_every=16)
    g0, d0 = _snapshot(gen), _snapshot(disc)
    metrics = discriminator_step(acc, g_side, d_side, opt_d, batch, shifts, cfg, build_augment("diffaug"), True)
    assert {"d_loss", "d_adv", "r1"} <= set(metrics)
    assert all(n.startswith("image_discriminator.") for n in _changed(d0, disc))
    assert _changed(d0, disc)
    changed_g = _changed(g0, gen)
    if variant == "dec":  # the probe C learns from real latents in the D step (official bug §8.2 fixed)
        assert changed_g == {"attribute_directions.weight"} and "d_probe" in metrics
    else:
        assert not changed_g
    assert all(p.grad is None for p in g_side.parameters())


@pytest.mark.parametrize("variant", ["dis", "dec"])
def test_generator_step_freezes_the_image_discriminator(variant):
    acc, gen, disc, g_side, d_side, opt_g, opt_d, batch, shifts = _setup(variant)
    cfg = StepConfig(LossWeights.for_variant(variant), r1_gamma=1.0, d_reg_every=16)
    g0, d0 = _snapshot(gen), _snapshot(disc)
    metrics = generator_step(
        acc, g_side, d_side, opt_g, batch, shifts, cfg, build_augment("diffaug"), StructuralLoss()
    )
    expected = {"g_align", "g_domain", "g_l1", "g_adv", "g_perceptual", "z_spread_ratio"}
    expected |= {"g_sem", "g_ortho"} if variant == "dis" else {"g_edit", "g_cycle"}
    assert expected <= set(metrics)
    changed_d = _changed(d0, disc)
    assert changed_d and all(n.startswith("latent_discriminator.") for n in changed_d)  # Q trains here, F not
    assert all(p.grad is None for p in disc.image_discriminator.parameters())
    assert all(p.requires_grad for p in d_side.parameters())  # unfrozen again
    changed_g = _changed(g0, gen)
    assert any(n.startswith("sketch_encoder.") for n in changed_g)
    assert any(n.startswith("decoder.") for n in changed_g)
    assert ("attribute_directions.weight" in changed_g) == (variant == "dis")
    if variant == "dec":
        assert any(n.startswith("attribute_mapping.") for n in changed_g)


def test_optimizer_groups_follow_the_official_settings():
    _, gen, disc, g_side, d_side, *_ = _setup("dec")
    opt_g, opt_d = build_optimizers(g_side, d_side, learning_rate=0.002, d_reg_every=16)
    assert opt_g.param_groups[0]["betas"] == (0.0, 0.99) and opt_g.param_groups[1]["weight_decay"] == 5e-4
    assert opt_d.param_groups[0]["lr"] == pytest.approx(0.002 * 16 / 17)
    assert opt_d.param_groups[0]["betas"][1] == pytest.approx(0.99 ** (16 / 17))
    assert opt_d.param_groups[1]["params"] == [gen.attribute_directions.weight]
    q = set(map(id, disc.latent_discriminator.parameters()))
    assert q <= set(map(id, opt_g.param_groups[1]["params"]))


def test_attribute_shift_sampling():
    torch.manual_seed(0)
    a = sample_attribute_shifts(4000, 12, 4.0, 0.5, 0.5)
    edited = (a != 0).any(1)
    assert 0.45 < edited.float().mean() < 0.55
    assert a.abs().max() <= 4.0
    n_moved = (a[edited] != 0).sum(1)
    one_hot_share = (n_moved == 1).float().mean()
    assert 0.45 < one_hot_share < 0.55 and (n_moved[n_moved > 1] == 12).all()
    assert ((sample_attribute_shifts(500, 12, 4.0, 1.0, 0.0) != 0).sum(1) == 12).all()  # official: dense only


def test_r1_schedule():
    cfg = StepConfig(LossWeights.for_variant("dis"), r1_gamma=1.0, d_reg_every=4)
    assert [step for step in range(10) if cfg.r1_due(step)] == [0, 4, 8]
    assert not any(StepConfig(cfg.weights, r1_gamma=1.0, d_reg_every=0).r1_due(s) for s in range(10))
    assert not any(StepConfig(cfg.weights, r1_gamma=0.0, d_reg_every=4).r1_due(s) for s in range(10))
