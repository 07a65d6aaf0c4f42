"""Photo → sketch extraction: binary black-on-white, batched == per-image, deterministic, HED-like density."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf.data.sketch_extraction import SketchExtractor, extract_sketch, stroke_density
from s2fgan_hf.image_processing.morphology import hysteresis, remove_small_components, thin

FIXTURES = Path(__file__).parent / "fixtures" / "data" / "celebamask_hq"


def _load(path: Path) -> torch.Tensor:
    return torch.from_numpy(np.asarray(Image.open(path), dtype=np.float32) / 255.0)


@pytest.fixture(scope="module")
def photos() -> torch.Tensor:
    """The 10 CelebA-HQ fixture photos, [10, 3, 256, 256] in [0, 1]."""
    return torch.stack([_load(FIXTURES / "CelebA-HQ-img" / f"{i}.jpg").permute(2, 0, 1) for i in range(10)])


@pytest.fixture(scope="module")
def sketches(photos) -> torch.Tensor:
    return extract_sketch(photos)


def test_shape_dtype_and_binary_black_on_white(photos, sketches):
    assert sketches.shape == (10, 1, 256, 256) and sketches.dtype == torch.float32
    assert set(sketches.unique().tolist()) == {0.0, 1.0}
    assert (sketches == 1).float().mean() > 0.9  # mostly white paper


def test_batched_equals_per_image_and_deterministic(photos, sketches):
    extractor = SketchExtractor()
    for i in (0, 5):
        assert torch.equal(extractor(photos[i]), sketches[i])  # unbatched input, same result
    assert torch.equal(extractor(photos[:3]), sketches[:3])


def test_density_matches_hed_maps(sketches):
    """Dark-pixel fraction at 256 px within the range of the real HED maps of the same photos (fixtures)."""
    hed = torch.stack([_load(FIXTURES / "hed_edge_256" / f"{i}.png")[None] for i in range(10)])
    ours, theirs = stroke_density(sketches), stroke_density(hed)
    assert 0.025 < theirs.min() and theirs.max() < 0.065
    assert theirs.min() <= ours.min() and ours.max() <= theirs.max(), (ours, theirs)
    assert abs(ours.mean() - theirs.mean()) < 0.01


def test_strokes_are_thin(sketches):
    """After thinning almost no 2×2 block is fully dark (1-px strokes)."""
    dark = (sketches < 0.5).float()
    full_blocks = torch.nn.functional.avg_pool2d(dark, 2, stride=1) == 1
    assert full_blocks.float().sum() / dark.sum() < 0.01


def test_flat_image_gives_blank_sketch():
    assert torch.equal(extract_sketch(torch.full((2, 3, 64, 64), 0.5)), torch.ones(2, 1, 64, 64))


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="float"):
        extract_sketch(torch.zeros(1, 3, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match="shape"):
        extract_sketch(torch.zeros(1, 2, 32, 32))


def test_morphology_building_blocks():
    mask = torch.zeros(1, 1, 12, 12, dtype=torch.bool)
    mask[0, 0, 2:5, 1:10] = True  # a 3-px-thick bar
    mask[0, 0, 9, 9] = True  # an isolated pixel
    thinned = thin(mask)
    assert thinned[0, 0, 2:5].sum(dim=0).max() == 1  # one pixel thick
    assert remove_small_components(thinned, 3).sum() == thinned.sum() - 1  # the dot is gone, the bar stays
    weak = torch.zeros_like(mask)
    weak[0, 0, 6, :] = True
    strong = torch.zeros_like(mask)
    strong[0, 0, 6, 0] = True
    assert hysteresis(strong, weak).sum() == 12  # grows along the whole weak line
