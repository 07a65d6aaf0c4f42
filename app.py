"""Gradio app: draw a face sketch, get a face, move attribute sliders. UI wiring only.

    python app.py [--model PATH_OR_HUB_ID]        # or S2FGAN_MODEL=...; default: the bundled checkpoint

The model logic lives in ``s2fgan_hf/app/editor.py`` and the sketch handling in ``s2fgan_hf/app/canvas.py``.
See docs/app.md for the API endpoint (``/generate``) and how the guide and the re-framing work.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from s2fgan_hf import S2FGAN
from s2fgan_hf.app.canvas import (
    EMPTY_MESSAGE,
    Framing,
    SketchError,
    mask_to_layer,
    open_upload,
    strokes_from_editor,
    strokes_from_image,
)
from s2fgan_hf.app.editor import FaceEditor, load_app_model, sketch_from_photo
from s2fgan_hf.image_processing import load_grey, open_image

logger = logging.getLogger("s2fgan_app")
ASSETS = Path(__file__).resolve().parent / "assets"
CANVAS = 256
SLIDER_STEP = 0.25
SLIDERS_PER_ROW = 4
DISPLAY = 256  # UI images are enlarged to this many pixels
UNEXPECTED = "Something went wrong while making the face ({kind}); try another sketch. Details are in the server log."

INTRO = """# S2FGAN: sketch to face
Draw a face over the faint grey guide (it shows where the outline, eyes, nose and mouth of the training faces
sit; it is never sent to the model). The face updates after each stroke; the sliders edit attributes.
**Re-frame** scales and centres your strokes to the training framing, so a sketch drawn small or off-centre
still works. You can also start from an example or from the sketch of a photo."""


def _raw_value(payload: Any) -> Any:
    return payload


def attribute_slider(name: str, low: float, high: float) -> gr.Slider:
    """A slider whose raw value goes to the app, which checks it (``FaceEditor.attributes``).

    Gradio's own check answers an API caller who sends text or ``null`` with a generic "upstream Gradio app has
    raised an exception" and never names the attribute; the app's check names it and the accepted range. (The
    instance's ``preprocess`` is replaced: subclassing ``gr.Slider`` would make Gradio write an ``app.pyi``.)
    """
    slider = gr.Slider(low, high, value=0.0, step=SLIDER_STEP, label=name.replace("_", " "))
    slider.preprocess = _raw_value  # type: ignore[method-assign]
    return slider


def guide_image(assets: Path = ASSETS) -> Image.Image:
    """The guide as an opaque ``LA`` canvas background (plain white if the asset is missing)."""
    path = assets / "guide.png"
    gray = load_grey(path).resize((CANVAS, CANVAS)) if path.is_file() else Image.new("L", (CANVAS,) * 2, 255)
    return Image.merge("LA", (gray, Image.new("L", gray.size, 255)))


def canvas_value(guide: Image.Image, strokes: np.ndarray | None = None) -> dict[str, Any]:
    """A Sketchpad value: the guide behind, the strokes (if any) as the one drawing layer."""
    layers = [mask_to_layer(strokes)] if strokes is not None else []
    return {"background": guide, "layers": layers, "composite": None}


def example_values(guide: Image.Image, assets: Path = ASSETS) -> tuple[list[list[Any]], list[str]]:
    """Example sketches from ``assets/examples`` as Sketchpad values, plus their labels."""
    values, labels = [], []
    for path in sorted((assets / "examples").glob("*.png")):
        strokes = strokes_from_image(open_image(path).resize((CANVAS, CANVAS), Image.NEAREST))
        values.append([canvas_value(guide, strokes)])
        labels.append(path.stem.replace("_", " "))
    return values, labels


def build_demo(model: S2FGAN, warning: str | None = None, assets: Path = ASSETS) -> gr.Blocks:
    """The Blocks app for ``model``; ``warning`` (e.g. "random weights") is shown in a banner at the top."""
    framing_path = assets / "framing.json"
    editor = FaceEditor(model, Framing.load(framing_path) if framing_path.is_file() else Framing())
    names = editor.attribute_names
    low, high = model.attribute_range
    guide = guide_image(assets)

    def show(strokes: np.ndarray, values: Sequence[float], reframe_on: bool) -> tuple[Any, Any, str]:
        try:
            result = editor.render(strokes, dict(zip(names, values)), reframe_on)
        except SketchError as error:
            return None, None, str(error)
        except Exception as error:  # never a traceback in the UI
            logger.exception("rendering failed")
            return None, None, UNEXPECTED.format(kind=type(error).__name__)
        source = "cached sketch latent" if result.cached else "new sketch encoded"
        face = result.face.resize((DISPLAY, DISPLAY), Image.LANCZOS)  # display only; /generate returns native size
        seen = result.model_input.resize((DISPLAY // 2, DISPLAY // 2), Image.NEAREST)
        return face, seen, f"Done ({source})."

    def from_canvas(value: dict[str, Any] | None, reframe_on: bool, *values: float) -> tuple[Any, Any, str]:
        """Sketchpad value + re-frame switch + one value per attribute -> face, model input, status."""
        try:
            strokes = strokes_from_editor(value, CANVAS)
        except SketchError as error:
            return None, None, str(error)
        return show(strokes, values, reframe_on)

    def from_photo(path: str | None, reframe_on: bool, *values: float) -> tuple[Any, Any, Any, str]:
        """Uploaded photo file -> its extracted sketch on the canvas, and the face."""
        if not path:
            return gr.update(), None, None, "Upload a face photo (PNG or JPEG) to start from its sketch."
        try:
            strokes = sketch_from_photo(open_upload(path), CANVAS)
        except SketchError as error:
            return gr.update(), None, None, str(error)
        except Exception as error:
            logger.exception("photo to sketch failed")
            return gr.update(), None, None, UNEXPECTED.format(kind=type(error).__name__)
        return (canvas_value(guide, strokes), *show(strokes, values, reframe_on))

    def generate(sketch: str | None, attributes: dict[str, float] | None = None, reframe: bool = True) -> Image.Image:
        """Sketch image file (black lines on white) + {attribute: shift} + re-frame switch -> face image."""
        try:
            if not sketch:
                raise SketchError(EMPTY_MESSAGE)
            return editor.render(strokes_from_image(sketch), attributes, bool(reframe)).face
        except SketchError as error:
            raise gr.Error(str(error), print_exception=False) from error

    def reset() -> list[Any]:
        return [canvas_value(guide), *[0.0] * len(names), None, None, EMPTY_MESSAGE, None]

    with gr.Blocks(title="S2FGAN sketch to face") as demo:
        gr.Markdown(INTRO)
        if warning:
            gr.Markdown(f"## ⚠️ {warning}", elem_id="model-warning")
        with gr.Row():
            with gr.Column(scale=3):
                sketch = gr.Sketchpad(
                    value=canvas_value(guide),
                    label="Sketch (draw over the grey guide)",
                    type="numpy",
                    image_mode="LA",  # one grey channel + alpha: the drawing layer keeps its transparency
                    canvas_size=(CANVAS, CANVAS),
                    fixed_canvas=True,
                    brush=gr.Brush(default_size=3, colors=["#000000"], color_mode="fixed"),
                    eraser=gr.Eraser(default_size=12),
                    layers=False,
                    transforms=(),
                    format="png",
                    height=420,
                    elem_id="sketchpad",
                )
                with gr.Row():
                    reframe_box = gr.Checkbox(value=True, label="Re-frame strokes to the training framing")
                    reset_button = gr.Button("Reset", variant="secondary")
                with gr.Accordion("Start from a photo", open=False):
                    photo = gr.File(label="Face photo (PNG or JPEG)", file_types=["image"], type="filepath")
            with gr.Column(scale=2):
                face = gr.Image(label="Face", type="pil", format="png", interactive=False, height=320, elem_id="face")
                status = gr.Textbox(label="Status", value=EMPTY_MESSAGE, interactive=False, elem_id="status")
                model_input = gr.Image(
                    label="What the model sees (after re-framing)",
                    type="pil",
                    format="png",
                    interactive=False,
                    height=160,
                    elem_id="model-input",
                )
        with gr.Accordion("Attributes", open=True):
            sliders = []
            for start in range(0, len(names), SLIDERS_PER_ROW):
                with gr.Row():
                    sliders += [attribute_slider(name, low, high) for name in names[start : start + SLIDERS_PER_ROW]]
        values, labels = example_values(guide, assets)
        if values:
            gr.Examples(values, inputs=[sketch], example_labels=labels, label="Examples (click, then edit)")
        gr.Markdown(
            "Example sketches: CelebA-HQ (non-commercial research only) and DeepFaceDrawing (GPL-3.0); "
            "see assets/examples/SOURCE.md. API: `/generate`, see docs/app.md."
        )
        # Hidden inputs for the documented API endpoint.
        api_sketch = gr.File(type="filepath", visible=False, label="sketch")  # File: we decode it, with clear errors
        api_attributes = gr.JSON(visible=False, label="attributes")
        api_reframe = gr.Checkbox(value=True, visible=False, label="reframe")
        api_face = gr.Image(type="pil", format="png", visible=False, label="face")

        live = dict(trigger_mode="always_last", concurrency_limit=1, concurrency_id="model", show_progress="minimal")
        # `.input` fires as a stroke ends, but the browser then still reads the canvas and uploads it; with strokes
        # in quick succession those reads overtake each other, and the last request the server ran could hold an
        # older canvas. `.change` fires once the editor has uploaded the canvas after the last stroke, so a run
        # with the final drawing always comes last (docs/reliability.md). `.input` stays for the first stroke
        # after page load, whose `.change` Gradio swallows.
        gr.on(
            [sketch.input, sketch.change, reframe_box.input, *[s.release for s in sliders]],
            fn=from_canvas,
            inputs=[sketch, reframe_box, *sliders],
            outputs=[face, model_input, status],
            api_name="draw",
            api_visibility="undocumented",
            **live,
        )
        photo.upload(
            from_photo,
            inputs=[photo, reframe_box, *sliders],
            outputs=[sketch, face, model_input, status],
            api_name="photo",
            api_visibility="undocumented",
            **live,
        )
        reset_button.click(
            reset, outputs=[sketch, *sliders, face, model_input, status, photo], queue=False, api_visibility="private"
        )
        gr.Button(visible=False).click(
            generate,
            inputs=[api_sketch, api_attributes, api_reframe],
            outputs=[api_face],
            api_name="generate",
            concurrency_limit=1,
            concurrency_id="model",
        )
    demo.queue(max_size=64, default_concurrency_limit=1)
    demo.editor = editor  # for tests: encode counter and cache
    return demo


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``--model``, load the model once and launch (host/port from GRADIO_SERVER_NAME/GRADIO_SERVER_PORT)."""
    parser = argparse.ArgumentParser(description="S2FGAN sketch-to-face Gradio app")
    parser.add_argument("--model", default=None, help="save_pretrained folder or Hub id (default: $S2FGAN_MODEL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    model, warning = load_app_model(args.model)
    build_demo(model, warning).launch()


if __name__ == "__main__":
    main()
