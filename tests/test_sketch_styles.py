"""Drawing styles, the grey sketch normalisation shared by training and inference, and sketch input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.data.dataset import PreparedSketchFaceDataset
from s2fgan_hf.data.sketch_styles import STYLES, SketchStyleSampler, jitter_framing, render_style
from s2fgan_hf.image_processing import sketch_to_tensor
from s2fgan_hf.image_processing.sketch_normalization import normalize_grey_sketch

from .training.conftest import FIXTURE_DIR


def _face_inputs(size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """A synthetic 'photo' (dark hair band, mid-grey face, dark mouth) and its edge map, [1, C, size, size]."""
    photo = torch.full((1, 3, size, size), 0.7)
    photo[..., : size // 4, :] = 0.15  # hair
    photo[..., 3 * size // 4 :, size // 3 : 2 * size // 3] = 0.2  # mouth / chin shadow
    edges = torch.ones(1, 1, size, size)
    edges[..., size // 4, :] = 0.0
    edges[..., size // 8 : 7 * size // 8, size // 6] = 0.0
    return photo, edges


def test_normalisation_keeps_thin_lines_and_grey_shading():
    x = torch.ones(1, 1, 128, 128)
    x[..., 40, 10:110] = 0.0  # a 1 px line at 2x the model size
    x[..., 80:120, 20:100] = 0.6  # a shaded region (hatching seen from afar)
    out = normalize_grey_sketch(x, 64)
    assert out.shape == (1, 1, 64, 64) and out.min() >= -1 and out.max() <= 1
    assert out[..., 20, 10:50].max() < 0.0  # the line stays visibly dark at 64 px
    shade = out[..., 45:55, 15:45]
    assert -0.95 < float(shade.mean()) < 0.5  # shading stays a grey tone, neither paper nor solid ink
    assert out[..., 2:8, 2:8].min() == 1.0  # paper stays paper


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_flat_images_are_not_sketches(value):
    flat = torch.full((1, 1, 128, 128), value)
    with pytest.raises(ValueError, match="no strokes"):
        normalize_grey_sketch(flat, 64)
    assert normalize_grey_sketch(flat, 64, strict=False).shape == (1, 1, 64, 64)


@pytest.mark.parametrize("style", STYLES)
def test_each_style_renders_deterministically(style):
    photo, edges = _face_inputs(128)
    a = render_style(style, photo, edges, torch.Generator().manual_seed(3))
    b = render_style(style, photo, edges, torch.Generator().manual_seed(3))
    assert a.shape == (1, 1, 128, 128) and torch.equal(a, b)
    assert 0.0 <= float(a.min()) and float(a.max()) <= 1.0
    assert float((a < 0.5).float().mean()) > 0.001  # it drew something


def test_styles_differ_and_pencil_keeps_grey_levels():
    photo, edges = _face_inputs(128)
    drawn = {s: render_style(s, photo, edges, torch.Generator().manual_seed(0)) for s in STYLES}
    ink = {s: float((d < 0.5).float().mean()) for s, d in drawn.items()}
    assert ink["marker"] > ink["edges"]  # thicker strokes
    assert ink["sparse"] < ink["edges"]  # parts missing
    grey = ((drawn["pencil"] > 0.1) & (drawn["pencil"] < 0.9)).float().mean()
    assert float(grey) > 0.02  # shading: grey levels, not a binary map
    with pytest.raises(ValueError, match="unknown drawing style"):
        render_style("watercolour", photo, edges)


def test_shaded_keeps_the_photos_tones_lightened_under_outlines():
    photo, edges = _face_inputs(128)
    drawn = render_style("shaded", photo, edges, torch.Generator().manual_seed(0))[0, 0]
    face, hair = drawn[48:80, 48:80].median(), drawn[4:24, 40:88].median()
    assert 0.6 < float(face) < 0.95  # the mid-grey face is painted, lighter than the photo's 0.7 or about it
    assert float(hair) < float(face) - 0.25  # dark hair stays darker: tone, unlike the line styles
    assert float(drawn[28:36, 60:68].min()) < float(face) - 0.2  # an outline along the hair/face boundary


def test_sampler_and_styled_dataset_are_seeded_per_item():
    sampler = SketchStyleSampler(32)
    kwargs = dict(split="train", image_size=32, sketch_styles=sampler, style_seed=0)
    first, second = PreparedSketchFaceDataset(FIXTURE_DIR, **kwargs), PreparedSketchFaceDataset(FIXTURE_DIR, **kwargs)
    item = first[2]
    assert item["image"].shape == (3, 32, 32) and item["sketch"].shape == (1, 32, 32)
    assert -1.0 <= float(item["sketch"].min()) and float(item["sketch"].max()) <= 1.0
    assert torch.equal(item["sketch"], second[2]["sketch"])
    assert not torch.equal(item["sketch"], first[3]["sketch"])
    # Each item says which style drew it (the trainer's per-style latent moments group by it).
    styles = {first[i]["style"] for i in range(len(first))}
    assert styles <= set(range(len(STYLES))) and len(styles) > 1
    with pytest.raises(ValueError, match="unknown or no drawing styles"):
        SketchStyleSampler(32, ("edges", "oil"))


def _ink_box(gray: torch.Tensor) -> tuple[float, float, float]:
    """Centre x, centre y and width of the ink (< 0.5) of a [1, 1, H, W] drawing, in pixels."""
    ys, xs = torch.nonzero(gray[0, 0] < 0.5, as_tuple=True)
    return float(xs.float().mean()), float(ys.float().mean()), float(xs.max() - xs.min())


def test_framing_jitter_moves_scales_and_turns_the_drawing_within_bounds():
    drawing = torch.ones(1, 1, 128, 128)
    drawing[..., 40:88, 40] = drawing[..., 40:88, 87] = 0.0  # a centred 48 px square outline
    drawing[..., 40, 40:88] = drawing[..., 87, 40:88] = 0.0
    assert torch.equal(jitter_framing(drawing, 0.0), drawing)
    cx0, cy0, w0 = _ink_box(drawing)
    moved_any = False
    for seed in range(12):
        out = jitter_framing(drawing, 0.1, torch.Generator().manual_seed(seed))
        assert out.shape == drawing.shape and 0.0 <= float(out.min()) and float(out.max()) <= 1.0
        assert torch.equal(out, jitter_framing(drawing, 0.1, torch.Generator().manual_seed(seed)))  # seeded
        assert float(out[..., :4, :].min()) == 1.0  # uncovered border is paper
        cx, cy, w = _ink_box(out)
        assert abs(cx - cx0) <= 0.05 * 128 + 2 and abs(cy - cy0) <= 0.05 * 128 + 2  # shift <= amount / 2
        assert 0.9 * w0 - 3 <= w <= 1.1 * w0 / math.cos(0.05) + 3  # scale 1 +- amount (and a small turn)
        moved_any |= abs(cx - cx0) > 1 or abs(w - w0) > 2
    assert moved_any


def test_the_sampler_jitters_framing_only_when_asked():
    photo, edges = _face_inputs(64)
    plain = SketchStyleSampler(32, ("edges",))
    still = SketchStyleSampler(32, ("edges",), framing_jitter=0.0)
    moved = SketchStyleSampler(32, ("edges",), framing_jitter=0.15)
    seed = torch.Generator().manual_seed
    assert torch.equal(plain(photo[0], edges[0], seed(3)), still(photo[0], edges[0], seed(3)))
    assert not torch.equal(plain(photo[0], edges[0], seed(3)), moved(photo[0], edges[0], seed(3)))
    with pytest.raises(ValueError, match="framing_jitter must be in"):
        SketchStyleSampler(32, framing_jitter=0.5)


def test_clean_style_is_the_stored_edge_map_as_it_is():
    kwargs = dict(split="train", image_size=32, style_seed=0)
    clean = PreparedSketchFaceDataset(FIXTURE_DIR, sketch_styles=SketchStyleSampler(32, ("clean",)), **kwargs)
    stored = PreparedSketchFaceDataset(FIXTURE_DIR, split="train", image_size=64)[0]["sketch"]  # the stored 2x map
    item = clean[0]
    assert item["style"] == STYLES.index("clean")
    expected = normalize_grey_sketch(((stored[None] + 1) / 2 > 0.5).float(), 32, strict=False)[0]
    assert torch.equal(item["sketch"], expected)


def _grey_model() -> S2FGAN:
    torch.manual_seed(0)
    return S2FGAN(S2FGANConfig.from_preset("tiny-32", sketch_normalization="grey")).eval()


def test_grey_models_keep_shading_that_binary_models_threshold():
    drawing = np.full((256, 256), 255, dtype=np.uint8)
    drawing[60:70, 30:220] = 0  # a thick stroke
    drawing[150:220, 60:200] = 150  # pencil shading
    grey = sketch_to_tensor(drawing, 32, normalization="grey")
    binary = sketch_to_tensor(drawing, 32)
    assert set(binary.unique().tolist()) <= {-1.0, 1.0}
    assert len(grey.unique()) > 4  # grey levels survive
    model = _grey_model()
    assert torch.equal(model.prepare_sketches(drawing), grey)
    batch = grey.expand(2, -1, -1, -1).clone()
    assert torch.equal(model.prepare_sketches(batch), batch)  # a normalised batch at model size passes through


@pytest.mark.parametrize(
    ("sketch", "match"),
    [
        (np.full((64, 64), 255, dtype=np.uint8), "no strokes"),
        (np.zeros((64, 64), dtype=np.uint8), "no strokes"),
        (np.full((64, 64), 128, dtype=np.uint8), "no strokes"),
        (np.zeros((1, 1), dtype=np.uint8), "at least 16"),
        (np.zeros((64, 64), dtype=np.int8), "int8"),
        (np.full((64, 64), -5, dtype=np.int64), "negative"),
        (np.zeros((64, 64), dtype=np.complex64), "complex"),
    ],
)
@pytest.mark.parametrize("normalization", ["binary", "grey"])
def test_inputs_that_cannot_be_sketches_are_rejected(sketch, match, normalization):
    with pytest.raises((ValueError, TypeError), match=match):
        sketch_to_tensor(sketch, 32, normalization=normalization)


def test_float_images_in_unit_range_are_read_as_drawings():
    arr = np.ones((64, 64), dtype=np.float32)
    arr[30:33, 5:60] = 0.0
    image = Image.fromarray(arr, mode="F")
    for normalization in ("binary", "grey"):
        out = sketch_to_tensor(image, 32, normalization=normalization)
        assert float(out.min()) < 0 and float((out < 0).float().mean()) < 0.3  # a line, not a blank or black page


def test_grey_models_tell_a_dark_drawing_from_a_light_on_dark_one_by_the_page():
    portrait = np.full((128, 128), 255, dtype=np.uint8)
    portrait[10:128, 10:118] = 40  # mostly dark (hair, shading), but on white paper
    portrait[40:90, 40:88] = 230  # the face
    model = _grey_model()
    kept = model.prepare_sketches(portrait)
    assert float(kept[..., 4, 4]) < 0  # the dark mass stays ink: not inverted although the mean is dark
    chalk = np.zeros((128, 128), dtype=np.uint8)
    chalk[60:64, 10:118] = 255  # a light line on a dark page
    flipped = model.prepare_sketches(chalk)
    assert float(flipped[..., 2, 2]) == 1.0 and float(flipped.min()) < 0  # page white, line dark


def test_grey_models_keep_a_portrait_cropped_into_its_dark_hair():
    # A drawn portrait cropped to the face: dark hair all along the border (the page is never seen), a light face.
    portrait = np.full((128, 128), 30, dtype=np.uint8)
    portrait[24:110, 30:98] = 210  # the face, an area rather than a stroke
    portrait[50:54, 40:56] = 20  # an eye
    model = _grey_model()
    kept = model.prepare_sketches(portrait)
    assert float(kept[..., 2, 2]) < 0 and float(kept[..., 16, 16]) > 0  # hair stays ink, the face stays paper
    chalk = np.full((128, 128), 30, dtype=np.uint8)
    chalk[24:110, 30:33] = 230  # the same page with the face drawn as light outlines
    chalk[24:110, 95:98] = 230
    chalk[24:27, 30:98] = 230
    flipped = model.prepare_sketches(chalk)
    assert float(flipped[..., 2, 2]) == 1.0  # light strokes on a dark page: inverted


def test_very_large_drawings_are_checked_and_normalised():
    page = np.full((4200, 4200), 255, dtype=np.uint8)  # 17.6 M pixels: more than torch.quantile accepts
    page[2000:2010, 100:4000] = 0
    out = sketch_to_tensor(page, 32, normalization="grey")
    assert out.shape == (1, 1, 32, 32) and float(out.min()) < 0
