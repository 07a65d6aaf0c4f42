"""Looks (issue 17): a seed or a photo sets the colours; the sketch keeps the lines and the attribute scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf.loading import load_model
from s2fgan_hf.looks import (
    LOOK_SIZE,
    LookFit,
    LookPrior,
    default_look_prior,
    fit_look,
    look_statistics,
    region_weights,
)

PHOTOS = Path(__file__).parent / "fixtures" / "data" / "celebamask_hq" / "CelebA-HQ-img"


@pytest.fixture(scope="module")
def bundled():
    return load_model().eval()


def test_region_weights_and_statistics():
    weights = region_weights(64)
    assert weights.shape == (3, 64, 64)
    assert torch.allclose(weights.sum((1, 2)), torch.ones(3))
    assert weights[0, :8].sum() > weights[0, 32:].sum()  # hair at the top
    flat = torch.full((2, 3, 64, 64), 0.25)
    flat[:, 1] = -0.5
    looks = look_statistics(flat)
    assert looks.shape == (2, LOOK_SIZE)
    per_region = looks.view(2, 3, 2, 3)
    assert torch.allclose(per_region[:, :, 0], torch.tensor([0.25, -0.5, 0.25]).expand(2, 3, 3), atol=1e-5)
    assert per_region[:, :, 1].max() < 1e-2  # flat images: no spread
    with pytest.raises(ValueError, match="square RGB"):
        look_statistics(torch.zeros(1, 1, 64, 64))


def test_the_prior_is_seeded_and_round_trips(tmp_path):
    prior = LookPrior.load()
    assert "CelebA" in prior.source
    a, b, c = prior.sample(3), prior.sample(3), prior.sample(4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert prior.sample(0, count=5).shape == (5, LOOK_SIZE)
    assert (prior.sample(0, count=64).view(64, 3, 2, 3)[:, :, 1] > 0).all()  # spreads stay positive
    (tmp_path / "prior.json").write_text(prior.to_json())
    again = LookPrior.load(tmp_path / "prior.json")
    assert torch.allclose(again.mean, prior.mean) and torch.allclose(again.scale_tril, prior.scale_tril)
    refit = LookPrior.fit(prior.sample(1, count=4000))
    assert torch.allclose(refit.mean, prior.mean, atol=0.02)
    with pytest.raises(TypeError, match="int"):
        prior.sample(True)
    (tmp_path / "bad.json").write_text('{"mean": [0], "scale_tril": [[1]]}')
    with pytest.raises(ValueError, match="not a look prior"):
        LookPrior.load(tmp_path / "bad.json")


def test_the_packaged_prior_is_read_once(monkeypatch, tiny_model):
    reads = []
    load = LookPrior.load.__func__
    monkeypatch.setattr(LookPrior, "load", classmethod(lambda cls, *a, **k: reads.append(1) or load(cls, *a, **k)))
    default_look_prior.cache_clear()
    try:
        first = tiny_model.look_from_seed(5)
        mean = default_look_prior().mean.clone()
        assert torch.equal(tiny_model.look_from_seed(5), first) and tiny_model.look_from_seed(6).shape == first.shape
        assert len(reads) == 1
        assert torch.equal(default_look_prior().mean, mean)  # sampling leaves the shared prior as it was
    finally:
        default_look_prior.cache_clear()


def test_a_look_moves_the_colours_and_keeps_attribute_scores(bundled, real_sketches):
    z = bundled.encode_sketch(real_sketches[:2])
    target = bundled.look_from_seed(11)
    before = [p.clone() for p in bundled.parameters()]
    moved = bundled.apply_look(z, target)
    faces, looked = bundled.decode(z), bundled.decode(moved)
    gap_before = (look_statistics(faces) - target).abs().mean()
    gap_after = (look_statistics(looked) - target).abs().mean()
    assert gap_after < 0.5 * gap_before  # at least halfway to the look
    assert torch.allclose(bundled.attribute_scores(moved), bundled.attribute_scores(z), atol=1e-4)
    assert all(torch.equal(p, q) for p, q in zip(before, bundled.parameters()))
    assert all(p.grad is None for p in bundled.parameters())
    assert torch.equal(bundled.apply_look(z, target), moved)  # deterministic
    assert torch.equal(bundled.apply_look(z, None), z)
    with torch.inference_mode():  # as the app's editor holds its latents
        assert torch.equal(bundled.apply_look(z.clone(), target), moved)


def test_generate_takes_a_seed_or_a_photo(bundled, real_sketches):
    sketch = real_sketches[0]
    plain = np.asarray(bundled.generate(sketch), dtype=float)
    seeded = bundled.generate(sketch, look=5)
    assert np.array_equal(np.asarray(seeded), np.asarray(bundled.generate(sketch, look=5)))
    assert np.abs(np.asarray(seeded, dtype=float) - plain).mean() > 2.0  # out of 255
    photo = Image.open(sorted(PHOTOS.glob("*.jpg"))[0])
    from_photo = bundled.generate([sketch, real_sketches[1]], look=photo, attributes={"Smiling": 2.0})
    assert len(from_photo) == 2
    look = bundled.encode_look(photo)
    assert look.shape == (1, LOOK_SIZE)
    assert np.array_equal(
        np.asarray(bundled.generate(sketch, look=look)), np.asarray(bundled.generate(sketch, look=photo))
    )


@pytest.mark.parametrize(
    ("look", "error", "match"),
    [
        (True, TypeError, "bool"),
        (torch.zeros(3, LOOK_SIZE), ValueError, "3 looks for 1 sketches"),
        (torch.full((LOOK_SIZE,), float("nan")), ValueError, "finite"),
        ("no/such/photo.png", FileNotFoundError, "photo file not found"),
    ],
)
def test_bad_looks_are_refused(bundled, real_sketches, look, error, match):
    with pytest.raises(error, match=match):
        bundled.generate(real_sketches[0], look=look)


def test_fit_look_checks_shapes(tiny_model):
    z = torch.zeros(2, tiny_model.config.latent_dim)
    with pytest.raises(ValueError, match=r"\[18\] or \[B, 18\]"):
        fit_look(tiny_model.decoder, z, torch.zeros(3, LOOK_SIZE))
    out = fit_look(tiny_model.decoder, z, torch.zeros(LOOK_SIZE), settings=LookFit(steps=2))
    assert out.shape == z.shape and torch.isfinite(out).all()
