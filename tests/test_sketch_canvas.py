"""Unit tests of the app's sketch handling (stroke extraction, empty/all-black detection, re-framing, the cache) and
of its model session (loading, the choice of editor)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.app.canvas import (
    ALL_BLACK_MESSAGE,
    EMPTY_MESSAGE,
    Framing,
    SketchError,
    check_strokes,
    mask_to_layer,
    reframe,
    stroke_box,
    strokes_from_editor,
    strokes_from_image,
    strokes_on_canvas,
)
from s2fgan_hf.app.editor import EditorChoice, FaceEditor, load_app_model, load_app_models
from scripts.app_driver import face_strokes
from tests.app_helpers import save_tiny_model

FRAMING = Framing(center_x=0.5, center_y=0.55, width=0.6, height=0.7)


def test_empty_and_all_black_are_refused_with_messages() -> None:
    with pytest.raises(SketchError, match="canvas is empty"):
        check_strokes(np.zeros((256, 256), dtype=bool))
    with pytest.raises(SketchError, match="canvas is empty"):
        check_strokes(np.pad(np.ones((2, 2), dtype=bool), 127))  # 4 stray pixels
    with pytest.raises(SketchError, match="almost entirely black"):
        check_strokes(np.ones((256, 256), dtype=bool))
    check_strokes(face_strokes())  # a face passes
    assert "draw a face" in EMPTY_MESSAGE and "black" in ALL_BLACK_MESSAGE


def test_strokes_from_image_handles_polarity_and_all_black() -> None:
    face = face_strokes()
    on_white = Image.fromarray(np.where(face, 0, 255).astype(np.uint8))
    on_black = Image.fromarray(np.where(face, 255, 0).astype(np.uint8))  # an edge map: light lines on black
    assert np.array_equal(strokes_from_image(on_white), face)
    assert np.array_equal(strokes_from_image(on_black), face)
    with pytest.raises(SketchError, match="almost entirely black"):
        strokes_from_image(Image.new("L", (64, 64), 0))


def test_an_uploaded_drawing_lands_centred_on_the_canvas_with_its_thin_lines() -> None:
    # A 1 px frame and cross on a 1024 x 768 page: 4x shrink to the 256 px canvas keeps every line.
    page = np.full((768, 1024), 255, dtype=np.uint8)
    page[100, 200:800] = page[700, 200:800] = 0
    page[100:701, 200] = page[100:701, 800] = 0
    page[400, 200:800] = 0
    mask = strokes_on_canvas(Image.fromarray(page), 256)
    assert mask.shape == (256, 256)
    rows = np.nonzero(mask.any(axis=1))[0]
    cols = np.nonzero(mask.any(axis=0))[0]
    # Centred: the 768 px high page sits 128 px below the top of the 1024 px square, i.e. 32 px at 256.
    assert (rows.min(), rows.max()) == (32 + 100 // 4, 32 + 700 // 4)
    assert (cols.min(), cols.max()) == (200 // 4, 800 // 4)
    assert mask[32 + 400 // 4, 128]  # the thin middle line survived
    # Light lines on a dark page read the same; a small drawing is enlarged without smoothing.
    assert np.array_equal(strokes_on_canvas(Image.fromarray(255 - page), 256), mask)
    small = strokes_on_canvas(Image.fromarray(page[::8, ::8]), 256)
    assert small.shape == (256, 256) and small.sum() > 0


def test_editor_reads_layers_only() -> None:
    face = face_strokes()
    layer = np.asarray(mask_to_layer(face))  # LA, transparent outside the strokes
    dark_background = np.zeros((256, 256, 2), dtype=np.uint8)
    dark_background[..., 1] = 255
    value = {"background": dark_background, "layers": [layer], "composite": dark_background}
    assert np.array_equal(strokes_from_editor(value), face)
    rgba = np.zeros((256, 256, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(face, 255, 0)
    assert np.array_equal(strokes_from_editor({"background": None, "layers": [rgba], "composite": None}), face)
    assert not strokes_from_editor({"background": dark_background, "layers": [], "composite": None}).any()
    assert strokes_from_editor(None).shape == (256, 256)


def test_reframe_moves_the_box_onto_the_training_framing() -> None:
    small = face_strokes(scale=0.4, shift=(-70, 60))  # drawn small, bottom left
    out = reframe(small, FRAMING)
    assert out.shape == (256, 256)
    cx, cy, w, h = (v / 256 for v in stroke_box(out, FRAMING.low_quantile, FRAMING.high_quantile))
    assert cx == pytest.approx(FRAMING.center_x, abs=0.03)
    assert cy == pytest.approx(FRAMING.center_y, abs=0.03)
    # Uniform scale, fitted inside the target box: one side matches, the other is not larger.
    assert max(w / FRAMING.width, h / FRAMING.height) == pytest.approx(1.0, abs=0.05)


def test_reframe_is_nearly_the_identity_on_a_framed_sketch_and_keeps_strokes() -> None:
    face = face_strokes()
    framing = Framing(*(v / 256 for v in stroke_box(face)))
    out = reframe(face, framing)
    assert (out & face).sum() / face.sum() > 0.9
    big = face_strokes(scale=1.6)[64:-64, 64:-64]  # a zoomed-in face that must shrink: thin lines survive
    shrunk = reframe(np.pad(big, 64), FRAMING, out_size=64)
    assert shrunk.sum() > 0.5 * face_strokes(64, scale=0.25).sum()


def test_reframe_leaves_a_box_within_the_training_spread_and_moves_one_beyond_only_to_its_edge() -> None:
    spread = Framing(
        center_x=0.5, center_y=0.55, width=0.6, height=0.7,
        spread_center_x=0.05, spread_center_y=0.05, spread_width=0.1, spread_height=0.1, tolerance=1.5,
    )  # fmt: skip
    face = face_strokes()
    cx, cy, w, h = (v / 256 for v in stroke_box(face))
    assert spread.target(cx, cy, w, h) == (cx, cy, w, h)  # the fixture face is within 1.5 spreads
    assert np.array_equal(reframe(face, spread), face)  # so it stays exactly as drawn
    small = face_strokes(scale=0.4, shift=(-70, 60))  # far too small and off-centre
    out = reframe(small, spread)
    cx, cy, w, h = (v / 256 for v in stroke_box(out, spread.low_quantile, spread.high_quantile))
    assert cx == pytest.approx(0.5 - 1.5 * 0.05, abs=0.03) and cy == pytest.approx(0.55 + 1.5 * 0.05, abs=0.03)
    assert max(w / (0.6 - 0.15), h / (0.7 - 0.15)) == pytest.approx(1.0, abs=0.05)  # to the edge, not the mean
    wide = np.zeros((200, 300), dtype=bool)  # a non-square canvas is the square around it
    wide[:, 50:250] = face_strokes(200)
    assert reframe(wide, Framing(tolerance=1.0)).shape == (300, 300)
    with pytest.raises(ValueError, match="spreads and tolerance"):
        Framing(spread_width=-0.1)


def test_reframe_limits_the_zoom() -> None:
    dot = np.zeros((256, 256), dtype=bool)
    dot[100:106, 100:106] = True
    out = reframe(dot, FRAMING, max_zoom=4.0)
    assert out.sum() <= 36 * 4**2 + 64  # at most 4x in each direction


def test_framing_json_of_the_app_is_valid() -> None:
    from pathlib import Path

    framing = Framing.load(Path(__file__).resolve().parents[1] / "assets" / "framing.json")
    assert 0.3 < framing.center_x < 0.7 and 0.3 < framing.center_y < 0.7
    assert 0.2 < framing.width <= 1 and 0.2 < framing.height <= 1
    assert 0 < framing.spread_width < 0.3 and framing.tolerance == 1.5  # the app keeps well-framed drawings as drawn


def test_face_editor_caches_latents_and_validates_attributes() -> None:
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    editor = FaceEditor(model, FRAMING)
    face = face_strokes()
    first = editor.render(face, {"Smiling": 0.0})
    second = editor.render(face, {"Smiling": 2.0})
    assert editor.encode_calls == 1 and not first.cached and second.cached
    assert first.face.size == (32, 32) and first.model_input.size == (32, 32)
    with pytest.raises(SketchError, match="unknown attribute"):
        editor.render(face, {"Wings": 1.0})
    # The model's own check (attributes.attribute_shifts), its ValueError given to the user as a SketchError.
    with pytest.raises(SketchError, match=r"'Smiling' = 50 is outside this model's slider range \[-4, 4\]"):
        editor.render(face, {"Smiling": 50.0})
    for bad in (float("inf"), float("-inf"), "1e400", float("nan"), "nan"):
        with pytest.raises(SketchError, match=r"'Smiling' must be a finite number, got (-?inf|nan)"):
            editor.attributes({"Smiling": bad})
    for bad in ("abc", True, None, [1.0]):
        with pytest.raises(SketchError, match=r"'Smiling' must be a number in this model's slider range \[-4, 4\]"):
            editor.attributes({"Smiling": bad})
    with pytest.raises(SketchError, match="JSON object"):
        editor.attributes([("Smiling", 1.0)])  # type: ignore[arg-type]
    shifts = editor.attributes({"Smiling": "1.5", "Male": -4})
    assert shifts.tolist() == [[1.5, -4.0] + [0.0] * (len(model.attribute_names) - 2)]


def test_random_fallback_only_without_any_source(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("S2FGAN_MODEL", raising=False)
    monkeypatch.setattr("s2fgan_hf.loading.bundled_model_path", lambda editor="dis": None)  # no checkpoint ships
    model, warning = load_app_model()
    assert warning and "RANDOMLY INITIALISED" in warning and model.config.image_size == 64
    with pytest.raises(
        (OSError, ValueError)
    ):  # an explicit source that does not load is an error, not a silent fallback
        load_app_model(tmp_path / "missing")


def test_the_app_offers_every_bundled_editor_or_the_named_models(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import s2fgan_hf.loading as loading

    dis, dec = save_tiny_model(tmp_path / "dis"), save_tiny_model(tmp_path / "dec", "dec")
    monkeypatch.delenv("S2FGAN_MODEL", raising=False)
    monkeypatch.setattr(loading, "_bundled", {"default": dis, "dec": dec}.get)
    models, warning = load_app_models()
    assert list(models) == ["dis", "dec"] and warning is None
    assert [m.config.variant for m in models.values()] == ["dis", "dec"]
    assert list(load_app_models(dis)[0]) == ["dis"]  # one named model: only that one
    assert list(load_app_models(dec)[0]) == ["dec"]
    monkeypatch.setenv("S2FGAN_MODEL", str(dis))
    assert list(load_app_models()[0]) == ["dis"]
    assert list(load_app_models(None, dec)[0]) == ["dis", "dec"]  # $S2FGAN_MODEL beside --dec_model
    with pytest.raises(ValueError, match="is an S2F-DIS checkpoint .*editor 'dec' needs an S2F-DEC one"):
        load_app_models(dis, dis)
    with pytest.raises(ValueError, match="is an S2F-DEC checkpoint .*editor 'dis' needs an S2F-DIS one"):
        load_app_models(dec, dec)
    monkeypatch.delenv("S2FGAN_MODEL")
    monkeypatch.setattr(loading, "_bundled", {"default": dis}.get)  # a build without S2F-DEC
    assert list(load_app_models()[0]) == ["dis"]


def test_editor_choice_checks_its_models_and_names_its_editors(tmp_path) -> None:
    dis = S2FGAN.from_pretrained(str(save_tiny_model(tmp_path / "dis")))
    dec = S2FGAN.from_pretrained(str(save_tiny_model(tmp_path / "dec", "dec")))
    choice = EditorChoice({"dec": dec, "dis": dis})
    assert choice.default == "dis" and choice.choices == [("S2F-DEC", "dec"), ("S2F-DIS", "dis")]
    assert choice.pick().model is dis and choice.pick("dec").model is dec and choice.pick("dec").label == "S2F-DEC"
    with pytest.raises(SketchError, match=r"unknown editor 3; this app's editors: 'dec' \(S2F-DEC\), 'dis'"):
        choice.pick(3)
    only = EditorChoice(dec)
    assert len(only) == 1 and only.default == "dec" and list(only) == ["dec"]
    with pytest.raises(SketchError, match=r"this app has no S2F-DIS model; its editors: 'dec' \(S2F-DEC\)"):
        only.pick("dis")
    with pytest.raises(ValueError, match="the model given as editor 'dec' is an S2F-DIS one"):
        EditorChoice({"dis": dis, "dec": dis})
    other = S2FGAN(S2FGANConfig.from_preset("tiny-32", attribute_names=("Smiling",))).with_editor("dec")
    with pytest.raises(ValueError, match="other attributes or another slider range"):
        EditorChoice({"dis": dis, "dec": other})


def test_the_browser_driver_asks_again_when_the_server_resets_a_connection():
    """``scripts.app_driver._fetch``: a reset connection (seen once in CI) is retried; other errors are not."""
    from scripts.app_driver import _fetch

    class Response:
        def body(self) -> bytes:
            return b"png"

    class Request:
        def __init__(self, failures: list[str]) -> None:
            self.failures, self.calls = failures, 0

        def get(self, url: str) -> Response:
            self.calls += 1
            if self.failures:
                raise RuntimeError(self.failures.pop(0))
            return Response()

    class Page:
        def __init__(self, failures: list[str]) -> None:
            self.request = Request(failures)

    page = Page(["APIRequestContext.get: read ECONNRESET"])
    assert _fetch(page, "http://x/file.png") == b"png" and page.request.calls == 2
    with pytest.raises(RuntimeError, match="404"):
        _fetch(Page(["404 not found"]), "http://x/file.png")
    with pytest.raises(RuntimeError, match="ECONNRESET"):
        _fetch(Page(["read ECONNRESET"] * 3), "http://x/file.png")


def test_the_app_refines_with_the_checkpoints_discriminators(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import s2fgan_hf.loading as loading
    from s2fgan_hf import S2FGANDiscriminator

    dis, dec = save_tiny_model(tmp_path / "dis"), save_tiny_model(tmp_path / "dec", "dec")
    monkeypatch.delenv("S2FGAN_MODEL", raising=False)
    monkeypatch.setattr(loading, "_bundled", {"default": dis, "dec": dec}.get)
    with pytest.raises(OSError):  # neither folder has a discriminator yet
        load_app_models(refine_steps=3)
    for folder, seed in ((dis, 1), (dec, 2)):
        torch.manual_seed(seed)
        config = S2FGAN.from_pretrained(folder).config
        S2FGANDiscriminator(config).save_pretrained(folder / "discriminator")
    plain, _ = load_app_models()
    refined, _ = load_app_models(refine_steps=3)
    assert all(m.refinement is None for m in plain.values())
    assert [m.refinement.steps for m in refined.values()] == [3, 3]
    critics = [next(m._refiner.critic.parameters()) for m in refined.values()]
    assert torch.equal(*critics)  # the bundled S2F-DEC refines with the bundled S2F-DIS discriminator
    other_dec = save_tiny_model(tmp_path / "other_dec", "dec")
    torch.manual_seed(3)
    S2FGANDiscriminator(S2FGAN.from_pretrained(other_dec).config).save_pretrained(other_dec / "discriminator")
    named, _ = load_app_models(dis, other_dec, refine_steps=3)
    critics = [next(m._refiner.critic.parameters()) for m in named.values()]
    assert not torch.equal(*critics)  # any other checkpoint: its own discriminator
    strokes = np.zeros((64, 64), dtype=bool)
    strokes[20:44, 30] = strokes[30, 16:48] = True
    face = FaceEditor(plain["dis"]).render(strokes).face
    assert np.asarray(FaceEditor(refined["dis"]).render(strokes).face).tolist() != np.asarray(face).tolist()
    with pytest.raises(ValueError, match="refine_steps"):
        load_app_models(refine_steps=-1)
    monkeypatch.setattr(loading, "_bundled", lambda name: None)  # nothing bundled: the random fallback
    models, warning = load_app_models(refine_steps=3)
    assert warning and all(m.refinement is None for m in models.values())
