"""Sketch augmentation: deterministic under a seed, changes the sketch, keeps shape/range."""

from __future__ import annotations

import pytest
import torch

from s2fgan_hf.data.augmentation import SketchAugmentation


@pytest.fixture(scope="module")
def sketches() -> torch.Tensor:
    """[4, 1, 64, 64]: white paper with a few 1-px strokes (0 = stroke)."""
    x = torch.ones(4, 1, 64, 64)
    x[:, :, 20, 5:60] = 0
    x[:, :, 5:60, 32] = 0
    x[1:, :, 45, 10:50] = 0
    return x


def test_deterministic_under_seed(sketches):
    augment = SketchAugmentation()
    first = augment(sketches, torch.Generator().manual_seed(7))
    second = augment(sketches, torch.Generator().manual_seed(7))
    other = augment(sketches, torch.Generator().manual_seed(8))
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


def test_changes_the_sketch_and_stays_binary(sketches):
    out = SketchAugmentation()(sketches, torch.Generator().manual_seed(0))
    assert out.shape == sketches.shape and out.dtype == torch.float32
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert (out != sketches).any(dim=(1, 2, 3)).all()  # every sample changed


@pytest.mark.parametrize(
    "only",
    ["warp", "double", "width", "dropout", "erase"],
)
def test_each_step_alone_changes_something(sketches, only):
    probabilities = {
        f"{name}_probability": float(name == only) for name in ("warp", "double", "width", "dropout", "erase")
    }
    if only == "dropout":
        probabilities["dropout_fraction"] = (0.4, 0.5)
    if only == "erase":
        probabilities["erase_size"] = (0.5, 0.6)
    out = SketchAugmentation(**probabilities)(sketches, torch.Generator().manual_seed(1))
    assert not torch.equal(out, sketches)
    if only in ("dropout", "erase"):  # these only remove ink
        assert (out >= sketches).all()
    if only == "width":  # this only adds ink
        assert (out <= sketches).all()


def test_no_op_when_all_probabilities_zero(sketches):
    off = SketchAugmentation(**{f"{n}_probability": 0.0 for n in ("warp", "double", "width", "dropout", "erase")})
    assert torch.equal(off(sketches, torch.Generator().manual_seed(0)), sketches)


def test_validation():
    with pytest.raises(ValueError, match="warp_probability"):
        SketchAugmentation(warp_probability=1.5)
    with pytest.raises(ValueError, match="shape"):
        SketchAugmentation()(torch.ones(1, 3, 8, 8))
