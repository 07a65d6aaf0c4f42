"""The Gradio app through gradio_client, launched in-process with a tiny random checkpoint."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from scripts.app_driver import face_strokes, free_port, save_sketch
from tests.app_helpers import save_layer, save_tiny_model

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app_files")


@contextmanager
def serve(demo) -> Iterator[tuple[object, Client]]:
    """(demo, client) for ``demo`` launched on a free local port; closed afterwards."""
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        yield demo, Client(url, verbose=False)
    finally:
        demo.close()


@pytest.fixture(scope="module")
def running(files: Path) -> Iterator[tuple[object, Client]]:
    """(demo, client) for the app on a tiny model given through $S2FGAN_MODEL, as a user would."""
    import app
    from s2fgan_hf.app.editor import load_app_model

    old = os.environ.get("S2FGAN_MODEL")
    os.environ["S2FGAN_MODEL"] = str(save_tiny_model(files / "tiny"))
    try:
        model, warning = load_app_model()
    finally:
        if old is None:
            os.environ.pop("S2FGAN_MODEL")
        else:
            os.environ["S2FGAN_MODEL"] = old
    assert warning is None and model.config.image_size == 32
    with serve(app.build_demo(model, warning)) as running:
        yield running


@pytest.fixture(scope="module")
def two_editors(files: Path) -> Iterator[tuple[object, Client]]:
    """(demo, client) for the app on a tiny S2F-DIS model and the same networks with an S2F-DEC editor
    (``python app.py --model ... --dec_model ...``)."""
    import app
    from s2fgan_hf.app.editor import load_app_models

    models, warning = load_app_models(save_tiny_model(files / "dis"), save_tiny_model(files / "dec", "dec"))
    assert list(models) == ["dis", "dec"] and warning is None
    with serve(app.build_demo(models, warning)) as running:
        yield running


def _pixels(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_generate_endpoint_is_documented(running: tuple[object, Client]) -> None:
    _, client = running
    info = client.view_api(return_format="dict", print_info=False)
    params = [p["parameter_name"] for p in info["named_endpoints"]["/generate"]["parameters"]]
    assert params == ["sketch", "attributes", "reframe", "look", "look_photo", "editor"]
    editor = info["named_endpoints"]["/generate"]["parameters"][-1]
    assert editor["parameter_has_default"] and editor["parameter_default"] == "dis"
    assert "/draw" not in info["named_endpoints"]  # the UI's live event is callable but undocumented


def test_generate_returns_a_face(running: tuple[object, Client], files: Path) -> None:
    _, client = running
    sketch = save_sketch(face_strokes(), files / "face.png")
    plain = client.predict(handle_file(sketch), None, True, api_name="/generate")
    edited = client.predict(handle_file(sketch), {"Smiling": 3.0, "Male": -2.0}, True, api_name="/generate")
    image = Image.open(plain)
    assert image.size == (32, 32) and image.mode == "RGB"
    assert not np.array_equal(_pixels(plain), _pixels(edited))


def test_generate_takes_a_look_seed_or_photo(running: tuple[object, Client], files: Path) -> None:
    _, client = running
    sketch = handle_file(save_sketch(face_strokes(), files / "face_look.png"))
    plain = _pixels(client.predict(sketch, None, True, api_name="/generate"))
    seeded = _pixels(client.predict(sketch, None, True, 4, api_name="/generate"))
    assert np.array_equal(seeded, _pixels(client.predict(sketch, None, True, 4, api_name="/generate")))
    assert not np.array_equal(seeded, plain)
    photo = files / "look_photo.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(photo)
    lent = _pixels(client.predict(sketch, {"Smiling": 2}, True, None, handle_file(photo), api_name="/generate"))
    assert lent.shape == plain.shape and not np.array_equal(lent, plain)
    with pytest.raises(Exception, match="not both"):
        client.predict(sketch, None, True, 4, handle_file(photo), api_name="/generate")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("white", "The canvas is empty"),
        ("black", "almost entirely black"),
        ("broken", "could not be read as an image"),
    ],
)
def test_bad_sketches_give_clear_messages(
    running: tuple[object, Client], files: Path, content: str, message: str
) -> None:
    _, client = running
    path = files / f"{content}.png"
    if content == "broken":
        path.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    else:
        Image.new("L", (256, 256), 255 if content == "white" else 0).save(path)
    with pytest.raises(Exception, match=message):
        client.predict(handle_file(path), None, True, api_name="/generate")


def test_bad_attributes_give_clear_messages(running: tuple[object, Client], files: Path) -> None:
    _, client = running
    sketch = save_sketch(face_strokes(), files / "face_attr.png")
    with pytest.raises(Exception, match="unknown attribute 'Wings'"):
        client.predict(handle_file(sketch), {"Wings": 1.0}, True, api_name="/generate")
    with pytest.raises(Exception, match=r"'Smiling' = 99 is outside this model's slider range \[-4, 4\]"):
        client.predict(handle_file(sketch), {"Smiling": 99}, True, api_name="/generate")
    for value in ("abc", True, None, [1]):
        with pytest.raises(Exception, match=r"attribute 'Smiling' must be a number in this model's slider range"):
            client.predict(handle_file(sketch), {"Smiling": value}, True, api_name="/generate")
    assert client.predict(handle_file(sketch), {"Smiling": "2"}, True, api_name="/generate")  # a numeric string


def _raw_call(client: Client, api: str, data: str) -> str:
    """POST a raw JSON body (which may hold 1e400 or NaN, which gradio_client cannot send); the SSE reply text."""
    base = client.src.rstrip("/")
    body = '{"data": [' + data + "]}"
    event = httpx.post(f"{base}/gradio_api/call/{api}", content=body, headers={"content-type": "application/json"})
    return httpx.get(f"{base}/gradio_api/call/{api}/{event.json()['event_id']}", timeout=60).text


def test_non_finite_attributes_over_raw_http_give_clear_messages(running: tuple[object, Client], files: Path) -> None:
    _, client = running
    with save_sketch(face_strokes(), files / "face_raw.png").open("rb") as f:
        uploaded = httpx.post(client.src.rstrip("/") + "/gradio_api/upload", files={"files": ("f.png", f)}).json()
    sketch = json.dumps({"path": uploaded[0], "meta": {"_type": "gradio.FileData"}})
    reply = _raw_call(client, "generate", sketch + ', {"Smiling": 1e400}, true, null, null, null')
    assert "attribute 'Smiling' must be a finite number, got inf; slider range [-4, 4]" in reply, reply
    reply = _raw_call(client, "generate", sketch + ', {"Smiling": NaN}, true, null, null, null')
    assert "attribute 'Smiling' must be a finite number, got nan; slider range [-4, 4]" in reply, reply


def test_slider_values_the_ui_never_sends_are_named(running: tuple[object, Client], files: Path) -> None:
    demo, client = running
    zeros = [0.0] * (len(demo.editor.attribute_names) - 1)
    layer = save_layer(face_strokes(), files / "layer_bad_slider.png")
    value = {"background": None, "layers": [handle_file(layer)], "composite": handle_file(layer)}
    first = demo.editor.attribute_names[0]
    for bad, message in (
        ("abc", "must be a number in this model's slider range [-4, 4], got 'abc'"),
        (99, "= 99 is outside this model's slider range [-4, 4]"),
    ):
        face, _, status = client.predict(value, True, bad, *zeros, "dis", api_name="/draw")
        assert face is None and f"attribute {first!r} {message}" in status, status


def test_sixteen_concurrent_requests(running: tuple[object, Client], files: Path) -> None:
    _, client = running
    sketches = [save_sketch(face_strokes(scale=0.6 + 0.05 * i), files / f"c{i}.png") for i in range(4)]

    def call(i: int) -> str:
        return client.predict(handle_file(sketches[i % 4]), {"Smiling": (i % 9) - 4}, True, api_name="/generate")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(call, range(16)))
    assert all(Image.open(r).size == (32, 32) for r in results)


def _canvas(client: Client, background: Path | None, layer: Path, attributes: list[float]) -> tuple:
    value = {"background": handle_file(background) if background else None, "layers": [handle_file(layer)]}
    value["composite"] = handle_file(background or layer)
    return client.predict(value, True, *attributes, "dis", api_name="/draw")  # undocumented: every value is sent


def test_guide_never_reaches_the_model(running: tuple[object, Client], files: Path) -> None:
    demo, client = running
    zeros = [0.0] * len(demo.editor.attribute_names)
    layer = save_layer(face_strokes(smile=True), files / "layer.png")
    guide = files / "guide.png"
    Image.open(Path(__file__).resolve().parents[1] / "assets" / "guide.png").convert("RGBA").save(guide)
    white = files / "white_bg.png"
    Image.new("RGBA", (256, 256), "white").save(white)
    with_guide = _canvas(client, guide, layer, zeros)
    on_white = _canvas(client, white, layer, zeros)
    no_background = _canvas(client, None, layer, zeros)
    assert with_guide[2].startswith("Done")
    assert np.array_equal(_pixels(with_guide[0]), _pixels(on_white[0]))
    assert np.array_equal(_pixels(with_guide[0]), _pixels(no_background[0]))
    # The guide alone (no drawing layer) is an empty canvas, not a face.
    empty = client.predict(
        {"background": handle_file(guide), "layers": [], "composite": handle_file(guide)},
        True,
        *zeros,
        "dis",
        api_name="/draw",
    )
    assert empty[0] is None and "The canvas is empty" in empty[2]


def test_after_reset_control_runs_ignore_the_canvas_they_carried(running: tuple[object, Client]) -> None:
    """A Reset click makes the slider moved last fire `.release` seconds later, and its run can carry the old drawing
    (docs/reliability.md §1): until the canvas's own events bring strokes again, slider, re-frame and editor runs
    render no face, as the emptied canvas does."""
    from s2fgan_hf.app.canvas import EMPTY_MESSAGE, mask_to_layer

    demo, _ = running
    fns = demo.fns.values() if isinstance(demo.fns, dict) else demo.fns
    handlers = {f.fn.__name__: f.fn for f in fns if f.fn is not None}
    zeros = [0.0] * len(demo.editor.attribute_names)
    old_drawing = {"background": None, "layers": [mask_to_layer(face_strokes())], "composite": None}
    face, _, status = handlers["from_control"](old_drawing, False, True, None, *zeros, "dis")
    assert face is not None and status.startswith("Done")
    assert handlers["reset"]()[-1] is True  # Reset marks the canvas empty
    face, seen, status = handlers["from_control"](old_drawing, True, True, None, *zeros, "dis")
    assert (face, seen, status) == (None, None, EMPTY_MESSAGE)
    *shown, empty = handlers["from_sketch_event"](old_drawing, True, None, *zeros, "dis")  # strokes drawn again
    assert shown[0] is not None and empty is False
    *shown, empty = handlers["from_sketch_event"](None, True, None, *zeros, "dis")  # everything erased
    assert shown[0] is None and empty is True


def test_slider_moves_reuse_the_sketch_latent(running: tuple[object, Client], files: Path) -> None:
    demo, client = running
    names = demo.editor.attribute_names
    layer = save_layer(face_strokes(scale=0.8, shift=(10, -5)), files / "layer_cache.png")
    first = _canvas(client, None, layer, [0.0] * len(names))
    calls = demo.editor.encode_calls
    moved = _canvas(client, None, layer, [2.0] + [0.0] * (len(names) - 1))
    assert demo.editor.encode_calls == calls  # only edit + decode ran
    assert "cached" in moved[2] and not np.array_equal(_pixels(first[0]), _pixels(moved[0]))


def test_broken_photo_upload_gives_a_message(running: tuple[object, Client], files: Path) -> None:
    demo, client = running
    broken = files / "photo.jpg"
    broken.write_bytes(b"\xff\xd8\xff not a jpeg at all")
    zeros = [0.0] * len(demo.editor.attribute_names)
    result = client.predict(handle_file(broken), True, *zeros, "dis", api_name="/photo")
    assert "could not be read as an image" in result[-1]


def test_photo_upload_fills_the_canvas(running: tuple[object, Client]) -> None:
    demo, client = running
    photo = Path(__file__).parent / "fixtures" / "data" / "celebamask_hq" / "CelebA-HQ-img" / "0.jpg"
    zeros = [0.0] * len(demo.editor.attribute_names)
    result = client.predict(handle_file(photo), True, *zeros, "dis", api_name="/photo")
    canvas, face, _, status = result
    assert status.startswith("Done") and face is not None
    assert len(canvas["layers"]) == 1


def test_drawing_upload_fills_the_canvas(running: tuple[object, Client], files: Path) -> None:
    demo, client = running
    zeros = [0.0] * len(demo.editor.attribute_names)
    drawing = save_sketch(face_strokes(), files / "drawing.png")
    canvas, face, _, status = client.predict(handle_file(drawing), True, *zeros, "dis", api_name="/drawing")
    assert status.startswith("Done") and face is not None
    assert len(canvas["layers"]) == 1
    black = files / "black.png"
    Image.new("L", (300, 200), 0).save(black)
    assert "almost entirely black" in client.predict(handle_file(black), True, *zeros, "dis", api_name="/drawing")[-1]


def test_generate_takes_an_editor(two_editors: tuple[object, Client], files: Path) -> None:
    _, client = two_editors
    sketch = handle_file(save_sketch(face_strokes(), files / "face_editor.png"))
    smiling = {"Smiling": 2.5}
    default = _pixels(client.predict(sketch, smiling, True, api_name="/generate"))
    dis = _pixels(client.predict(sketch, smiling, True, None, None, "dis", api_name="/generate"))
    dec = _pixels(client.predict(sketch, smiling, True, None, None, "dec", api_name="/generate"))
    assert np.array_equal(default, dis) and not np.array_equal(dis, dec)  # "dis" is the default
    assert np.array_equal(_pixels(client.predict(sketch, smiling, editor="dec", api_name="/generate")), dec)
    plain = [client.predict(sketch, None, True, None, None, name, api_name="/generate") for name in ("dis", "dec")]
    assert np.array_equal(*map(_pixels, plain))  # no edit: the same networks draw the same face
    looked = client.predict(sketch, smiling, True, 3, None, "dec", api_name="/generate")
    assert not np.array_equal(_pixels(looked), dec)
    for bad in ("DEC", "xyz", ""):
        with pytest.raises(Exception, match=rf"unknown editor '{bad}'; this app's editors: 'dis' \(S2F-DIS\), 'dec'"):
            client.predict(sketch, None, True, None, None, bad, api_name="/generate")


def test_an_editor_the_app_lacks_is_named(running: tuple[object, Client], files: Path) -> None:
    _, client = running
    sketch = handle_file(save_sketch(face_strokes(), files / "face_no_dec.png"))
    assert client.predict(sketch, None, True, None, None, "dis", api_name="/generate")
    with pytest.raises(Exception, match=r"this app has no S2F-DEC model; its editors: 'dis' \(S2F-DIS\)"):
        client.predict(sketch, None, True, None, None, "dec", api_name="/generate")


def test_the_editor_switches_the_rendering_model(two_editors: tuple[object, Client], files: Path) -> None:
    demo, client = two_editors
    names = demo.editor.attribute_names
    layer = save_layer(face_strokes(scale=0.9), files / "layer_editor.png")
    shifts = [3.0] + [0.0] * (len(names) - 1)
    value = {"background": None, "layers": [handle_file(layer)], "composite": handle_file(layer)}
    calls = demo.editors.pick("dec").encode_calls
    dis = client.predict(value, True, *shifts, "dis", api_name="/draw")
    dec = client.predict(value, True, *shifts, "dec", api_name="/draw")
    assert dis[2].endswith("; S2F-DIS).") and dec[2].endswith("; S2F-DEC).")
    assert not np.array_equal(_pixels(dis[0]), _pixels(dec[0]))
    assert np.array_equal(_pixels(dis[1]), _pixels(dec[1]))  # the same sketch reaches both models
    assert demo.editors.pick("dec").encode_calls == calls + 1  # each editor caches its own sketch latents
    again = client.predict(value, True, *shifts, "dec", api_name="/draw")
    assert "cached" in again[2] and demo.editors.pick("dec").encode_calls == calls + 1
    with pytest.raises(Exception, match=r"'nope' .* is not in the list of choices: \['dis', 'dec'\]"):
        client.predict(value, True, *shifts, "nope", api_name="/draw")  # the radio's own check


def test_a_drawing_in_colour_lends_its_colours(files: Path) -> None:
    """With a checkpoint whose config lets drawings lend their colours: /generate and the drawing upload give a
    drawing in colour its own look (a given look wins); a grey drawing is rendered as before."""
    import app
    from s2fgan_hf import S2FGAN

    from .test_drawing_colours import coloured_drawing

    model = S2FGAN.from_pretrained(save_tiny_model(files / "tiny_colours"))
    model = model.with_sketch_encoder(sketch_drawing_colours=True).eval()
    coloured = files / "coloured.png"
    coloured_drawing().save(coloured)
    grey = save_sketch(face_strokes(), files / "grey_colours.png")
    with serve(app.build_demo(model)) as (demo, client):
        zeros = [0.0] * len(demo.editor.attribute_names)
        status = client.predict(handle_file(coloured), True, *zeros, "dis", api_name="/drawing")[-1]
        assert "look: the drawing's colours" in status
        assert "look:" not in client.predict(handle_file(grey), True, *zeros, "dis", api_name="/drawing")[-1]
        own = _pixels(client.predict(handle_file(coloured), None, True, api_name="/generate"))
        seeded = _pixels(client.predict(handle_file(coloured), None, True, 3, api_name="/generate"))
        assert not np.array_equal(own, seeded)  # the seed's look, not the drawing's
    off = S2FGAN.from_pretrained(files / "tiny_colours").eval()
    with serve(app.build_demo(off)) as (_, client):
        plain = _pixels(client.predict(handle_file(coloured), None, True, api_name="/generate"))
        assert not np.array_equal(own, plain)  # colours off: the model's own guess
