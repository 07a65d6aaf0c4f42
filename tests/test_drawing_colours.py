"""A drawing in colour lends its colours to its face (``S2FGAN.sketch_latent``, config ``sketch_drawing_colours``);
grey drawings, however their paper is tinted, are left as the sketch encoder reads them."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from s2fgan_hf import S2FGAN
from s2fgan_hf.commands.inputs import with_drawing_colours
from s2fgan_hf.config import INFERENCE_SETTINGS, S2FGANConfig
from s2fgan_hf.image_processing import image_to_tensor
from s2fgan_hf.looks import LOOK_SIZE, coloured_share, is_coloured_drawing, look_statistics


def _face_lines(draw: ImageDraw.ImageDraw, ink: tuple[int, int, int]) -> None:
    draw.ellipse((30, 26, 98, 118), outline=ink, width=3)  # the face's outline
    draw.line((44, 58, 58, 58), fill=ink, width=3)  # brows, eyes, mouth
    draw.line((70, 58, 84, 58), fill=ink, width=3)
    draw.ellipse((47, 66, 55, 72), outline=ink, width=2)
    draw.ellipse((73, 66, 81, 72), outline=ink, width=2)
    draw.arc((50, 84, 78, 102), 20, 160, fill=ink, width=3)


def coloured_drawing() -> Image.Image:
    """A 128 px drawing in colour: yellow hair, a skin-coloured face, dark lines on white paper."""
    image = Image.new("RGB", (128, 128), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 4, 108, 70), fill=(230, 190, 60))  # hair
    draw.ellipse((30, 26, 98, 118), fill=(235, 180, 150))  # face
    _face_lines(draw, (30, 20, 20))
    return image


def grey_drawing(paper: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """The same lines in pencil, on ``paper`` (a tinted page for a yellowed scan), ink tinted like the page."""
    image = Image.new("RGB", (128, 128), paper)
    ink = tuple(int(0.25 * c) for c in paper)
    _face_lines(ImageDraw.Draw(image), ink)
    return image


def with_colours(model: S2FGAN, on: bool = True) -> S2FGAN:
    return model.with_sketch_encoder(sketch_drawing_colours=on).eval()


def test_only_drawings_in_colour_count_as_coloured():
    drawings = [coloured_drawing(), grey_drawing(), grey_drawing((244, 232, 205)), grey_drawing((225, 238, 240))]
    pixels = torch.cat([image_to_tensor(d, 64) for d in drawings])
    share = coloured_share(pixels)
    assert share[0] > 0.3
    assert share[1:].max() == 0  # white, sepia and bluish pages: a tint is the paper's, not a colour
    assert is_coloured_drawing(pixels).tolist() == [True, False, False, False]
    with pytest.raises(ValueError, match="RGB"):
        coloured_share(torch.zeros(1, 1, 64, 64))


def test_drawing_looks_read_a_coloured_drawing_as_a_photo(tiny_model):
    drawing = coloured_drawing()
    size = tiny_model.config.image_size
    looks, coloured = tiny_model.drawing_looks([drawing, grey_drawing(), np.asarray(drawing)])
    assert coloured.tolist() == [True, False, True]
    expected = look_statistics(image_to_tensor(drawing, size))[0]
    assert torch.allclose(looks[0], expected) and torch.allclose(looks[2], expected)
    assert torch.equal(looks[1], torch.zeros_like(looks[1]))
    batch = torch.ones(2, 1, size, size)  # grey sketch tensors carry no colour
    assert tiny_model.drawing_looks(batch)[1].tolist() == [False, False]
    # A transparent page is white paper: the drawing keeps its colours and its paper stays white.
    rgba = drawing.convert("RGBA")
    alpha = np.where(np.asarray(drawing).min(-1) > 250, 0, 255).astype(np.uint8)
    rgba.putalpha(Image.fromarray(alpha))
    looks_rgba, coloured_rgba = tiny_model.drawing_looks([rgba, np.asarray(rgba)])
    assert coloured_rgba.tolist() == [True, True]
    assert torch.allclose(looks_rgba[0], expected, atol=0.02) and torch.allclose(looks_rgba[1], looks_rgba[0])


def test_sketch_latent_follows_the_config_and_the_drawing(tiny_model):
    drawing, grey = coloured_drawing(), grey_drawing()
    assert not tiny_model.config.sketch_drawing_colours  # off unless a config turns it on: older bundles unchanged
    plain = tiny_model.encode_sketch([drawing, grey])
    assert torch.equal(tiny_model.sketch_latent([drawing, grey]), plain)
    model = with_colours(tiny_model)
    latents = model.sketch_latent([drawing, grey])
    own = model.apply_look(plain[:1], model.drawing_looks(drawing)[0])
    assert torch.allclose(latents[:1], own, atol=1e-5)
    assert torch.equal(latents[1:], plain[1:])  # the grey drawing is left alone
    assert not torch.allclose(latents[:1], plain[:1])
    # A look the caller gives wins over the drawing's colours.
    seeded = model.sketch_latent(drawing, look=3)
    assert torch.allclose(seeded, model.apply_look(plain[:1], 3), atol=1e-5)


def test_generate_renders_the_drawings_colours(tiny_model):
    drawing, grey = coloured_drawing(), grey_drawing()
    model = with_colours(tiny_model)
    on = model.generate([drawing, grey], batch_size=1)
    off = tiny_model.generate([drawing, grey], batch_size=1)
    assert np.array_equal(np.asarray(on[1]), np.asarray(off[1]))
    assert not np.array_equal(np.asarray(on[0]), np.asarray(off[0]))
    # The face moves toward the drawing's colours: its hair region's look is nearer the drawing's.
    size = model.config.image_size
    target = model.drawing_looks(drawing)[0][0]
    gap_on = (look_statistics(image_to_tensor(on[0], size))[0] - target).abs().mean()
    gap_off = (look_statistics(image_to_tensor(off[0], size))[0] - target).abs().mean()
    assert gap_on < gap_off
    assert np.array_equal(np.asarray(model.generate(drawing)), np.asarray(on[0]))  # deterministic, any batching


def test_the_setting_is_an_inference_setting_that_round_trips(tiny_model, tmp_path):
    assert "sketch_drawing_colours" in INFERENCE_SETTINGS
    with pytest.raises(ValueError, match="sketch_drawing_colours must be true or false"):
        dataclasses.replace(tiny_model.config, sketch_drawing_colours="yes")
    model = with_colours(tiny_model)
    model.save_pretrained(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["sketch_drawing_colours"] is True
    again = S2FGAN.from_pretrained(tmp_path / "m")
    assert again.config.sketch_drawing_colours
    for key, value in tiny_model.state_dict().items():  # no weight depends on it
        assert torch.equal(again.state_dict()[key], value)
    assert S2FGANConfig(**{**tiny_model.config.to_dict(), "sketch_drawing_colours": True}).sketch_drawing_colours


def test_the_cli_switch(tiny_model):
    assert with_drawing_colours(tiny_model, None) is tiny_model
    assert with_drawing_colours(tiny_model, "off") is tiny_model
    assert with_drawing_colours(tiny_model, "on").config.sketch_drawing_colours
    on = with_colours(tiny_model)
    assert not with_drawing_colours(on, "off").config.sketch_drawing_colours


def test_the_app_lends_an_uploaded_drawings_colours(tiny_model):
    from s2fgan_hf.app import FaceEditor

    assert FaceEditor(tiny_model).drawing_look(coloured_drawing()) is None  # the checkpoint says off
    editor = FaceEditor(with_colours(tiny_model))
    look = editor.drawing_look(coloured_drawing())
    assert look is not None and look.shape == (1, LOOK_SIZE)
    assert torch.allclose(look[0], editor.model.drawing_looks(coloured_drawing())[0][0])
    assert editor.drawing_look(grey_drawing()) is None


def test_an_upload_sets_the_apps_look_state(tiny_model):
    from s2fgan_hf.app import FaceEditor, look_after_upload
    from s2fgan_hf.app.editor import DRAWING_LOOK_NAME

    editor = FaceEditor(with_colours(tiny_model))
    state = look_after_upload(editor, coloured_drawing(), None)
    assert state["name"] == DRAWING_LOOK_NAME and len(state["values"]) == LOOK_SIZE
    assert look_after_upload(editor, grey_drawing(), state) is None  # a grey drawing clears the drawing's colours
    chosen = {"name": "seed 3", "values": [0.0] * LOOK_SIZE}
    assert look_after_upload(editor, coloured_drawing(), chosen) is chosen  # the user's own choice stays
    assert look_after_upload(FaceEditor(tiny_model), coloured_drawing(), None) is None  # the checkpoint says off


def test_the_bundled_checkpoints_lend_a_drawings_colours():
    from s2fgan_hf.loading import bundled_model_path, load_model

    pretrained = bundled_model_path().parent
    for name in ("default", "dec"):
        config = json.loads((pretrained / name / "config.json").read_text())
        assert config["sketch_drawing_colours"] is True, name
    model = load_model()
    drawing = coloured_drawing()
    size = model.config.image_size
    target = model.drawing_looks(drawing)[0][0]
    own = model.generate(drawing)
    guessed = model.with_sketch_encoder(sketch_drawing_colours=False).eval().generate(drawing)
    gap = {
        k: float((look_statistics(image_to_tensor(f, size))[0] - target).abs().mean())
        for k, f in (("own", own), ("guessed", guessed))
    }
    assert gap["own"] < 0.8 * gap["guessed"], gap
