"""Loss identities and hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from s2fgan_hf import losses as L


def test_alignment_is_l1_and_only_pulls_the_sketch_latent():
    z_s = torch.tensor([[1.0, -1.0]], requires_grad=True)
    z_i = torch.tensor([[0.0, 1.0]], requires_grad=True)
    loss = L.latent_alignment_loss(z_s, z_i)
    assert loss.item() == pytest.approx(1.5)
    loss.backward()
    assert z_i.grad is None and torch.equal(z_s.grad, torch.tensor([[0.5, -0.5]]))


def test_semantic_targets_accept_01_and_pm1_labels():
    scores = torch.tensor([[1.0, -1.0]])
    assert L.semantic_loss(scores, torch.tensor([[1.0, 0.0]])).item() == 0.0
    assert L.semantic_loss(scores, torch.tensor([[1.0, -1.0]])).item() == 0.0
    assert L.semantic_loss(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]])).item() == pytest.approx(1.0)


def test_orthogonality_is_zero_for_orthonormal_directions():
    assert L.orthogonality_loss(torch.eye(4)).item() == 0.0
    gram = torch.eye(2) + torch.tensor([[0.0, 0.5], [0.5, 0.0]])
    assert L.orthogonality_loss(gram).item() == pytest.approx(0.25)


def test_decomposition_edit_and_cycle():
    scores = torch.tensor([[0.3, -0.2]])
    shifts = torch.tensor([[2.0, 0.0]])
    assert L.decomposition_edit_loss(scores + shifts, scores, shifts).item() == 0.0
    assert L.decomposition_edit_loss(scores, scores, shifts).item() == pytest.approx(2.0)
    z = torch.randn(3, 5)
    assert L.latent_cycle_loss(z, z).item() == 0.0
    assert L.latent_cycle_loss(z + 1, z).item() == pytest.approx(1.0)


def test_domain_and_adversarial_values():
    zero = torch.zeros(4, 1)
    assert L.latent_domain_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert L.generator_adversarial_loss(zero).item() == pytest.approx(math.log(2))
    assert L.discriminator_adversarial_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    big = torch.full((4, 1), 30.0)
    assert L.discriminator_adversarial_loss(big, -big).item() < 1e-10


def test_r1_is_input_gradient_norm():
    w = torch.tensor([[1.0, 2.0, 2.0]])  # linear D: gradient = w, ||w||^2 = 9
    x = torch.randn(5, 3, requires_grad=True)
    assert L.r1_penalty(F.linear(x, w), x).item() == pytest.approx(9.0)
    x2 = torch.randn(5, 3, requires_grad=True)
    assert L.r1_penalty((x2 * 0).sum(1, keepdim=True) + 1.0, x2).item() == 0.0  # constant D
    with pytest.raises(ValueError, match="requires_grad"):
        L.r1_penalty(torch.zeros(2, 1), torch.zeros(2, 3))
    assert L.lazy_r1_loss(torch.tensor(2.0), gamma=1.0, every=16).item() == 16.0


def test_loss_weights_defaults_and_overrides():
    dis, dec = L.LossWeights.for_variant("dis"), L.LossWeights.for_variant("dec")
    assert (dis.align, dis.domain, dis.perceptual, dis.l1, dis.adv, dis.sem, dis.ortho) == (
        2.5,
        0.1,
        2.5,
        2.5,
        1,
        0.5,
        1,
    )
    assert (dec.align, dec.domain, dec.perceptual, dec.l1, dec.adv, dec.edit, dec.cycle) == (
        2.5,
        0.05,
        2.5,
        1,
        1,
        1,
        1,
    )
    assert L.LossWeights.for_variant("dis", adv=0.0, l1=None).adv == 0.0
    with pytest.raises(ValueError, match="unknown loss weight"):
        L.LossWeights.for_variant("dis", bogus=1.0)
    with pytest.raises(ValueError, match="variant"):
        L.LossWeights.for_variant("xyz")
