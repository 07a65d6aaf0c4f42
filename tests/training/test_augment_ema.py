"""Discriminator augmentation and the generator EMA."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from s2fgan_hf.training.augment import AdaptiveAugment, _translate, build_augment
from s2fgan_hf.training.ema import GeneratorEMA


@pytest.mark.parametrize("kind", ["none", "diffaug", "ada"])
def test_augment_keeps_shape_and_is_differentiable(kind):
    torch.manual_seed(0)
    aug = build_augment(kind)
    aug.p = 1.0 if kind == "ada" else aug.p
    x = (torch.rand(4, 3, 16, 16) * 2 - 1).requires_grad_(True)
    y = aug(x)
    assert y.shape == x.shape
    y.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    if kind == "none":
        assert y is x
    else:
        assert not torch.equal(y, x)


def test_translate_moves_pixels_with_zero_fill():
    x = torch.arange(16.0).view(1, 1, 4, 4)
    y = _translate(x, torch.tensor([[1, 0]]))
    assert torch.equal(y[0, 0, :, 1:], x[0, 0, :, :3]) and torch.all(y[0, 0, :, 0] == 0)


def test_ada_p_moves_towards_target_and_round_trips():
    ada = AdaptiveAugment(target=0.6, ada_kimg=0.01, interval=2)  # 10 images move p by 1
    assert torch.equal(ada(torch.ones(2, 3, 8, 8)), torch.ones(2, 3, 8, 8))  # p = 0: identity
    for _ in range(2):
        ada.update(torch.ones(4, 1))  # D is sure every real is real: overfitting -> p up
    assert ada.p == pytest.approx(0.8) and ada.last_rt == 1.0
    for _ in range(2):
        ada.update(-torch.ones(4, 1))
    assert ada.p == pytest.approx(0.0)
    ada.update(torch.ones(4, 1))
    other = AdaptiveAugment()
    other.load_state_dict(ada.state_dict())
    assert other.state_dict() == ada.state_dict()
    with pytest.raises(ValueError, match="d_augment"):
        build_augment("bogus")


def test_ada_reduce_fn_sees_the_statistics():
    seen = []
    ada = AdaptiveAugment(interval=1, reduce_fn=lambda t: seen.append(t.clone()) or t * 2)
    ada.update(torch.ones(3, 1))
    assert torch.equal(seen[0], torch.tensor([3.0, 3.0]))


def test_ada_statistics_stay_on_the_logits_device():
    # On CUDA a CPU count stacked with CUDA logits broke every training step (found on the first H100 run). The
    # meta device stands in for a GPU here: stacking a CPU tensor with meta logits fails the same way.
    seen = []
    ada = AdaptiveAugment(interval=1, reduce_fn=lambda t: seen.append(t.device) or torch.tensor([2.0, 4.0]))
    ada.update(torch.zeros(4, 1, device="meta"))
    assert seen == [torch.device("meta")]
    assert ada.last_rt == 0.5


def test_ema_update_and_warmup():
    model = nn.Linear(2, 2)
    ema = GeneratorEMA(model, decay=0.9, warmup=False)
    assert not any(p.requires_grad for p in ema.model.parameters())
    before = ema.model.weight.clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    ema.update(model)
    assert torch.allclose(ema.model.weight, before + 0.1)
    warm = GeneratorEMA(model, decay=0.999, warmup=True)
    assert warm.current_decay() == pytest.approx(0.1)
    warm.update(model)
    assert warm.current_decay() == pytest.approx(2 / 11)
    restored = GeneratorEMA(model)
    restored.load_state_dict(warm.state_dict())
    assert restored.state_dict() == warm.state_dict()
    with pytest.raises(ValueError):
        GeneratorEMA(model, decay=1.0)
