"""The app keeps an uploaded drawing's grey levels (shading, the tones of a coloured drawing) from the file to the
canvas layer and back to the model, and reads its polarity by the model's own rule."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.app.canvas import (
    Framing,
    SketchError,
    check_strokes,
    mask_to_image,
    mask_to_layer,
    reframe,
    strokes_from_editor,
    strokes_from_image,
    strokes_on_canvas,
)
from s2fgan_hf.app.editor import FaceEditor


def shaded_portrait() -> Image.Image:
    """Dark hair over more than half the page, mid-grey skin, black lines, white paper around: a shaded drawing."""
    page = Image.new("L", (256, 256), 255)
    draw = ImageDraw.Draw(page)
    draw.ellipse((20, 10, 236, 250), fill=30)  # hair
    draw.ellipse((70, 60, 186, 220), fill=110)  # skin
    draw.line((95, 120, 120, 120), fill=0, width=4)  # eyes and mouth
    draw.line((136, 120, 161, 120), fill=0, width=4)
    draw.line((105, 180, 151, 180), fill=0, width=4)
    return page


def test_grey_levels_are_kept_and_paper_noise_is_dropped() -> None:
    page = np.asarray(shaded_portrait(), dtype=np.float64)
    noisy = np.clip(page + np.random.default_rng(0).normal(0, 4, page.shape), 0, 255).astype(np.uint8)
    ink = strokes_from_image(Image.fromarray(noisy))
    assert ink.dtype == np.float32 and ink.shape == (256, 256)
    assert abs(float(np.median(ink[100:110, 120:130])) - (1 - 110 / 255)) < 0.05  # the skin: grey, not black
    assert float(ink[128, 5]) == 0.0 and float(ink[3, 128]) == 0.0  # the paper, noise and all: no ink
    assert float(ink[30, 128]) > 0.8  # the hair
    assert float((ink >= 0.5).mean()) > 0.5  # more than half dark, and still not inverted
    check_strokes(ink)  # accepted: a shaded drawing, not "almost entirely black"
    with pytest.raises(SketchError, match="almost entirely black"):
        check_strokes(np.full((256, 256), 0.95, dtype=np.float32))


def test_light_lines_on_a_dark_page_are_inverted() -> None:
    page = Image.new("L", (256, 256), 0)
    draw = ImageDraw.Draw(page)
    draw.ellipse((60, 40, 196, 230), outline=255, width=2)
    draw.line((100, 180, 156, 180), fill=255, width=2)
    ink = strokes_from_image(page)
    assert float(ink[0, 0]) == 0.0 and float(ink[180, 128]) == 1.0  # the page is paper, the light lines are ink


def test_the_layer_round_trip_keeps_grey_levels_and_the_brush_stays_black() -> None:
    ink = strokes_on_canvas(shaded_portrait(), 256)
    layer = np.asarray(mask_to_layer(ink))
    assert layer.shape == (256, 256, 2) and set(np.unique(layer[..., 1])) <= {0, 255}  # opaque ink, clear paper
    back = strokes_from_editor({"background": None, "layers": [layer], "composite": None})
    assert np.abs(back - ink).max() <= 1 / 255 + 1e-6
    brush = np.zeros((256, 256, 2), dtype=np.uint8)
    brush[200:204, 10:60] = (0, 255)  # a black brush stroke over the drawing
    both = strokes_from_editor({"background": None, "layers": [layer, brush], "composite": None})
    assert (both[200:204, 10:60] == 1.0).all() and np.array_equal(both[:100], back[:100])
    grey = np.asarray(mask_to_image(ink))
    assert abs(int(grey[105, 125]) - 110) <= 2 and int(grey[128, 5]) == 255


def test_reframing_keeps_grey_levels_and_a_mask_stays_a_mask() -> None:
    ink = strokes_on_canvas(shaded_portrait(), 256)
    out = reframe(ink, Framing(tolerance=1.0))
    assert out.dtype == np.float32 and 0 < float(((out > 0.2) & (out < 0.8)).mean())  # grey survives
    assert reframe(ink >= 0.5, Framing(tolerance=1.0)).dtype == bool


def test_the_model_sees_the_shading() -> None:
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32", sketch_normalization="grey")).eval()  # as the bundles read
    editor = FaceEditor(model)
    ink = strokes_on_canvas(shaded_portrait(), 256)
    grey = editor.model_sketch(ink, reframe_strokes=False)
    solid = editor.model_sketch((ink >= 0.5).astype(np.float32), reframe_strokes=False)
    assert grey.shape == (1, 1, 32, 32)
    levels = np.unique(np.round(grey.numpy(), 2))
    assert len(levels) > 4 and not np.array_equal(grey.numpy(), solid.numpy())  # shading, not solid ink
