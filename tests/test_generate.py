"""The user API: every sketch input kind, clear rejections, determinism, named attributes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf.image_processing import sketch_to_tensor


def drawn_strokes(size: int = 64) -> np.ndarray:
    """A uint8 L-mode drawing: black strokes on white."""
    arr = np.full((size, size), 255, dtype=np.uint8)
    s = size // 32
    arr[8 * s : 8 * s + s, 6 * s : 26 * s] = 0
    arr[22 * s : 22 * s + s, 11 * s : 21 * s] = 0
    arr[4 * s : 28 * s, 4 * s : 4 * s + s] = 0
    arr[4 * s : 28 * s, 27 * s : 27 * s + s] = 0
    return arr


@pytest.fixture
def strokes() -> np.ndarray:
    return drawn_strokes(64)


def as_rgba_transparent(arr: np.ndarray) -> Image.Image:
    """Black strokes on a fully transparent canvas (what an RGBA sketchpad gives)."""
    rgba = np.zeros((*arr.shape, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(arr < 128, 255, 0)
    return Image.fromarray(rgba, "RGBA")


def test_every_input_kind_gives_the_same_face(tiny_model, strokes):
    reference = np.asarray(tiny_model.generate(Image.fromarray(strokes, "L")))
    kinds = {
        "pil_rgb": Image.fromarray(strokes, "L").convert("RGB"),
        "pil_rgba_transparent": as_rgba_transparent(strokes),
        "pil_1bit": Image.fromarray(strokes, "L").convert("1"),
        "numpy_uint8": strokes,
        "numpy_hw1": strokes[..., None],
        "numpy_rgb": np.repeat(strokes[..., None], 3, axis=-1),
        "numpy_float01": strokes.astype(np.float32) / 255.0,
        "numpy_bool": strokes > 127,
        "tensor_01": torch.from_numpy(strokes).float()[None] / 255.0,
        "tensor_pm1_batch": torch.from_numpy(strokes).float()[None, None] / 127.5 - 1.0,
    }
    for name, sketch in kinds.items():
        out = tiny_model.generate(sketch)
        if isinstance(out, list):
            assert len(out) == 1
            out = out[0]
        assert out.size == (32, 32) and out.mode == "RGB", name
        assert np.array_equal(np.asarray(out), reference), name


def test_any_size_and_aspect_ratio(tiny_model, strokes):
    for size in [(17, 23), (32, 32), (300, 200), (1024, 1024)]:
        img = Image.fromarray(strokes, "L").resize(size, Image.NEAREST)
        assert tiny_model.generate(img).size == (32, 32)


def test_file_path_input(tmp_path, tiny_model, strokes):
    path = tmp_path / "sketch.png"
    Image.fromarray(strokes).save(path)
    assert np.array_equal(np.asarray(tiny_model.generate(str(path))), np.asarray(tiny_model.generate(strokes)))


def test_white_on_black_is_inverted(strokes):
    assert torch.equal(sketch_to_tensor(255 - strokes, 32), sketch_to_tensor(strokes, 32))


def test_thin_strokes_survive_downscaling():
    arr = np.full((512, 512), 255, dtype=np.uint8)
    arr[100, 50:450] = 0  # a 1 px line at 16x the model size
    t = sketch_to_tensor(arr, 32)
    assert (t == -1).sum() >= 20


def test_list_in_list_out_and_per_sketch_attributes(tiny_model, strokes):
    out = tiny_model.generate([strokes, strokes[::-1].copy()], attributes={"Smiling": 1.0})
    assert isinstance(out, list) and len(out) == 2
    out2 = tiny_model.generate([strokes, strokes], attributes=[{"Smiling": 2.0}, {}])
    assert not np.array_equal(np.asarray(out2[0]), np.asarray(out2[1]))
    with pytest.raises(ValueError, match="2 attribute dicts for 1 sketches"):
        tiny_model.generate([strokes], attributes=[{}, {}])


def test_deterministic(tiny_model, strokes):
    a = tiny_model.generate(strokes, attributes={"Smiling": 1.5, "Male": -1.0})
    b = tiny_model.generate(strokes, attributes={"Smiling": 1.5, "Male": -1.0})
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_attributes_change_the_face(tiny_model, strokes):
    with torch.no_grad():
        tiny_model.attribute_directions.weight.mul_(1.0)
    a = np.asarray(tiny_model.generate(strokes), dtype=np.int16)
    b = np.asarray(tiny_model.generate(strokes, attributes={"Smiling": 4.0}), dtype=np.int16)
    assert np.abs(a - b).mean() > 0


@pytest.mark.parametrize(
    "bad, error, match",
    [
        ({"not": "an image"}, TypeError, "cannot use an object of type dict"),
        (12345, TypeError, "cannot use an object of type int"),
        (np.zeros((0, 0), dtype=np.uint8), ValueError, "empty"),
        (np.zeros((0, 10, 3), dtype=np.uint8), ValueError, "empty"),
        (np.array(["a", "b"]), TypeError, "dtype"),
        (np.zeros((4, 4, 7), dtype=np.uint8), ValueError, "shape"),
        (np.full((8, 8), np.nan, dtype=np.float32), ValueError, "NaN"),
        (torch.zeros(0), ValueError, "empty"),
        ("/definitely/not/here.png", FileNotFoundError, "not found"),
        ([], ValueError, "no sketch"),
    ],
)
def test_bad_inputs_are_rejected_clearly(tiny_model, bad, error, match):
    with pytest.raises(error, match=match):
        tiny_model.generate(bad)


def test_zero_size_pil_image_is_rejected(tiny_model):
    with pytest.raises(ValueError, match="zero size"):
        tiny_model.generate(Image.new("L", (0, 5)))


def test_non_image_file_is_rejected(tmp_path, tiny_model):
    path = tmp_path / "notes.png"
    path.write_text("this is not a PNG")
    with pytest.raises(ValueError, match="could not read"):
        tiny_model.generate(str(path))


def test_four_steps_compose_to_generate(tiny_model, strokes):
    with torch.no_grad():
        z = tiny_model.encode_sketch(strokes)
        img = tiny_model.decode(tiny_model.edit(z, {"Young": 2.0}))
    from s2fgan_hf.image_processing import signed_batch_to_pils

    expected = np.asarray(tiny_model.generate(strokes, attributes={"Young": 2.0}))
    assert np.array_equal(np.asarray(signed_batch_to_pils(img)[0]), expected)


def test_encode_image_accepts_every_photo_kind_alike(tiny_model):
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, size=(40, 40, 3), dtype=np.uint8)
    reference = tiny_model.encode_image(Image.fromarray(photo))
    kinds = {
        "uint8": photo,
        "float01": photo.astype(np.float32) / 255.0,
        "float_pm1": photo.astype(np.float64) / 127.5 - 1.0,
    }
    for name, value in kinds.items():
        torch.testing.assert_close(tiny_model.encode_image(value), reference, atol=0.05, rtol=0, msg=name)
    batch = tiny_model.encode_image([Image.fromarray(photo), photo])
    assert batch.shape == (2, tiny_model.config.latent_dim)
    torch.testing.assert_close(batch[1:], reference, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.full((8, 8, 3), 3.0, dtype=np.float32), "float photo arrays"),
        (np.full((8, 8, 3), np.nan, dtype=np.float32), "NaN"),
        (np.zeros((8, 8, 5), dtype=np.uint8), "must be"),
        (np.full((8, 8, 3), 300, dtype=np.int32), "0..255"),
    ],
)
def test_bad_photo_arrays_are_rejected(tiny_model, bad, match):
    with pytest.raises(ValueError, match=match):
        tiny_model.encode_image(bad)
    with pytest.raises(ValueError, match="no photo"):
        tiny_model.encode_image([])


def test_drawn_strokes_are_thinned_to_one_pixel_like_the_training_edge_maps():
    arr = np.full((64, 64), 255, dtype=np.uint8)
    arr[30:33, 8:56] = 0  # a 3 px thick horizontal stroke
    thick = sketch_to_tensor(arr, 64, thin_strokes=False)
    thinned = sketch_to_tensor(arr, 64)
    assert int((thick < 0).sum()) == 3 * 48
    ink_rows = (thinned[0, 0] < 0).any(dim=1).nonzero().flatten().tolist()
    assert ink_rows == [31], ink_rows  # one row left, in the middle of the stroke
    assert 40 <= int((thinned < 0).sum()) <= 48  # the stroke's length survives (Zhang-Suen may trim the ends)


def test_tensors_are_taken_as_model_format_and_not_thinned():
    t = torch.ones(1, 1, 32, 32)
    t[..., 10:13, 4:28] = -1
    assert torch.equal(sketch_to_tensor(t, 32), t)
    assert not torch.equal(sketch_to_tensor(t, 32, thin_strokes=True), t)


def test_a_freehand_example_gets_a_training_like_ink_density():
    """The bundled DeepFaceDrawing example, through the app's path: ink near the training maps' ~9 %, not ~20 %."""
    from s2fgan_hf.app.canvas import Framing, strokes_from_image
    from s2fgan_hf.app.editor import FaceEditor
    from s2fgan_hf.loading import load_model

    root = Path(__file__).resolve().parents[1]
    editor = FaceEditor(load_model(None), Framing.load(root / "assets" / "framing.json"))
    assert editor.model.config.image_size == 64
    sketch = editor.model_sketch(strokes_from_image(root / "assets" / "examples" / "deepfacedrawing_hand_1.png"))
    assert 0.03 < float((sketch < 0).float().mean()) < 0.13


def test_a_tensor_batch_at_model_size_is_normalised_in_one_go_like_item_by_item(tiny_model):
    from s2fgan_hf.image_processing import sketch_batch_to_tensor

    torch.manual_seed(0)
    signed = torch.where(torch.rand(1, 32, 32) < 0.1, -1.0, 1.0)  # the model's format
    soft = torch.rand(1, 32, 32) * 0.7 + 0.3  # [0, 1] grey levels
    dark = 1.0 - (torch.rand(1, 32, 32) < 0.1).float()  # inverted below: light strokes on black
    bytes_ = torch.rand(1, 32, 32) * 255.0  # 0..255 floats
    batch = torch.stack([signed, soft, 1.0 - dark, bytes_])
    expected = torch.cat([sketch_to_tensor(item, 32) for item in batch])
    assert torch.equal(sketch_batch_to_tensor(batch), expected)
    assert torch.equal(tiny_model.prepare_sketches(batch), expected)
    with pytest.raises(ValueError, match="NaN or infinite"):
        tiny_model.prepare_sketches(torch.full((2, 1, 32, 32), float("nan")))
