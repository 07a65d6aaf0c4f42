"""Gradio app: draw a face sketch, get a face, move attribute sliders. UI wiring only.

    python app.py [--model PATH_OR_HUB_ID] [--dec_model PATH_OR_HUB_ID]   # or S2FGAN_MODEL=...; default: bundled

The model logic lives in ``s2fgan_hf/app/editor.py`` and the sketch handling in ``s2fgan_hf/app/canvas.py``.
See docs/app.md for the API endpoint (``/generate``) and how the guide and the re-framing work.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import torch
from PIL import Image

from s2fgan_hf import S2FGAN
from s2fgan_hf.app.canvas import (
    EMPTY_MESSAGE,
    Framing,
    SketchError,
    canvas_value,
    check_strokes,
    example_values,
    guide_layer,
    open_upload,
    strokes_from_editor,
    strokes_from_image,
    strokes_on_canvas,
)
from s2fgan_hf.app.editor import EditorChoice, load_app_models, look_after_upload, sketch_from_photo

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
**Re-frame** scales and centres strokes drawn far off the training framing (small or off-centre). You can also
start from an example, a drawing you upload, or the sketch of a photo. **New look** draws another hair colour,
skin tone and lighting (the lines stay the sketch's); a photo, or a drawing in colour, can lend its look."""
EDITOR_INFO = (
    "S2F-DIS adds fixed attribute directions (the same move for every face, exactly reversible); S2F-DEC computes "
    "the move from the face with a learned mapping (a little stronger on Smiling, Young and Bangs)."
)


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


def build_demo(models: S2FGAN | Mapping[str, S2FGAN], warning: str | None = None, assets: Path = ASSETS) -> gr.Blocks:
    """The Blocks app for one model or ``{editor: model}`` (``load_app_models``; with two, an Editor radio picks
    the one that renders); ``warning`` (e.g. "random weights") is shown in a banner at the top."""
    framing_path = assets / "framing.json"
    editors = EditorChoice(models, Framing.load(framing_path) if framing_path.is_file() else Framing())
    names = editors.pick().attribute_names
    low, high = editors.pick().model.attribute_range
    guide = guide_layer(assets / "guide.png", CANVAS)

    def show(
        strokes: np.ndarray, controls: Sequence[Any], reframe_on: bool, look: dict[str, Any] | None = None
    ) -> tuple[Any, Any, str]:
        """Strokes + the slider values and the editor name (``controls``: the sliders' values, then the radio's)
        -> face, model input, status."""
        *values, editor_name = controls
        try:
            editor = editors.pick(editor_name)
            chosen = None if not look else torch.tensor([look["values"]], dtype=torch.float32)  # the look state's
            result = editor.render(strokes, dict(zip(names, values)), reframe_on, chosen)
        except SketchError as error:
            return None, None, str(error)
        except Exception as error:  # never a traceback in the UI
            logger.exception("rendering failed")
            return None, None, UNEXPECTED.format(kind=type(error).__name__)
        source = "cached sketch latent" if result.cached else "new sketch encoded"
        if look:
            source += f"; look: {look['name']}"
        if len(editors) > 1:
            source += f"; {editor.label}"
        face = result.face.resize((DISPLAY, DISPLAY), Image.LANCZOS)  # display only; /generate returns native size
        seen = result.model_input.resize((DISPLAY // 2, DISPLAY // 2), Image.NEAREST)
        return face, seen, f"Done ({source})."

    def from_canvas(
        value: dict[str, Any] | None, reframe_on: bool, look: dict[str, Any] | None, *controls: Any
    ) -> tuple[Any, Any, str]:
        """Sketchpad value + re-frame switch + look state + slider values + editor -> face, model input, status."""
        try:
            strokes = strokes_from_editor(value, CANVAS)
        except SketchError as error:
            return None, None, str(error)
        return show(strokes, controls, reframe_on, look)

    def from_sketch_event(
        value: dict[str, Any] | None, reframe_on: bool, look: dict[str, Any] | None, *controls: Any
    ) -> tuple[Any, Any, str, bool]:
        """The canvas's own events: ``from_canvas``, plus ``canvas_empty`` (this canvas value has no strokes)."""
        try:
            strokes = strokes_from_editor(value, CANVAS)
        except SketchError as error:
            return None, None, str(error), True
        return (*show(strokes, controls, reframe_on, look), not strokes.any())

    def from_control(
        value: dict[str, Any] | None, canvas_empty: bool, reframe_on: bool, look: dict[str, Any] | None, *controls
    ) -> tuple[Any, Any, str]:
        """Slider, re-frame and editor events: ``from_canvas``, on no canvas while ``canvas_empty`` is set. Reset
        sets it (in the model's queue) and strokes clear it: after a Reset click the slider moved last fires
        ``.release`` with the old drawing, whose face would come back over the emptied canvas (reliability.md §1)."""
        return from_canvas(None if canvas_empty else value, reframe_on, look, *controls)

    def choose_look(kind: str, seed: int, photo_path: str | None) -> tuple[int, dict[str, Any] | None]:
        """(seed, look state) after "New look" (``kind="seed"``: the next seed's), a look photo (``"photo"``) or
        "No look" (``"none"``); a ``SketchError`` for a missing or unreadable photo."""
        model = editors.pick().model  # looks do not depend on the editor
        if kind == "seed":
            seed += 1
            return seed, {"name": f"seed {seed}", "values": model.look_from_seed(seed)[0].tolist()}
        if kind == "photo":
            if not photo_path:
                raise SketchError("Upload a face photo (PNG or JPEG) to take its look.")
            try:
                looks = model.encode_look(open_upload(photo_path))
            except ValueError as error:
                raise SketchError(str(error)) from None
            return seed, {"name": f"from the photo {Path(photo_path).name}", "values": looks[0].tolist()}
        return seed, None

    def look_handler(kind: str):
        """The event handler of one look control: the new look, then the face under it (the drawing, the sliders
        and the editor stay). Inputs: seed, look photo, sketch, canvas_empty, re-frame switch, controls."""

        def handler(
            seed: int, photo_path: str | None, value: dict[str, Any] | None, canvas_empty: bool, reframe_on, *controls
        ):
            value = None if canvas_empty else value  # as in from_control
            try:
                seed, look = choose_look(kind, int(seed or 0), photo_path)
            except SketchError as error:
                return gr.update(), gr.update(), None, None, str(error)
            return (seed, look, *from_canvas(value, reframe_on, look, *controls))

        return handler

    def start_from(make_strokes: Callable[[Image.Image], np.ndarray], missing: str, lends_colours: bool = False):
        """The handler of an upload that starts the canvas (a photo, a drawing): the file -> strokes on the canvas, to
        edit and draw on, the face, ``canvas_empty`` False and the look (a drawing in colour may lend its colours:
        ``look_after_upload``). Inputs: file, re-frame switch, look, controls."""

        def handler(path: str | None, reframe_on: bool, look: dict[str, Any] | None, *controls: Any):
            if not path:
                return gr.update(), None, None, missing, gr.update(), gr.update()
            try:
                image = open_upload(path)
                strokes = make_strokes(image)
                check_strokes(strokes)
                look = look_after_upload(editors.pick(controls[-1]), image, look) if lends_colours else look
            except SketchError as error:
                return gr.update(), None, None, str(error), gr.update(), gr.update()
            except Exception as error:
                logger.exception("reading the upload failed")
                return gr.update(), None, None, UNEXPECTED.format(kind=type(error).__name__), gr.update(), gr.update()
            return (canvas_value(guide, strokes), *show(strokes, controls, reframe_on, look), False, look)

        return handler

    from_photo = start_from(
        lambda photo: sketch_from_photo(photo, CANVAS), "Upload a face photo (PNG or JPEG) to start from its sketch."
    )
    # A drawing: dark lines on light paper, or light on dark; its grey levels (shading, tones) land on the canvas.
    from_drawing = start_from(lambda image: strokes_on_canvas(image, CANVAS), "Upload a drawing (PNG or JPEG).", True)

    def generate(
        sketch: str | None,
        attributes: dict[str, float] | None = None,
        reframe: bool = True,
        look: int | None = None,
        look_photo: str | None = None,
        editor: str | None = None,
    ) -> Image.Image:
        """Sketch image file (black lines on white, or a drawing in colour, which lends its colours when no look is
        given) + {attribute: shift} + re-frame switch + look (an int seed, or a photo file in ``look_photo``) +
        editor ("dis" or "dec"; ``None``: the app's default) -> face image."""
        try:
            chosen_editor = editors.pick(editor)
            if not sketch:
                raise SketchError(EMPTY_MESSAGE)
            if look is not None and look_photo:
                raise SketchError("give a look seed or a look photo, not both")
            if look is not None and (isinstance(look, bool) or not isinstance(look, int)):
                raise SketchError(f"look must be an integer seed or null, got {look!r}")
            chosen = chosen_editor.model.look_from_seed(look) if look is not None else None
            if look_photo:
                chosen = chosen_editor.model.encode_look(open_upload(look_photo))
            drawing = open_upload(sketch)  # read once: its strokes, and its colours when no look is chosen
            chosen = chosen if chosen is not None else chosen_editor.drawing_look(drawing)
            return chosen_editor.render(strokes_from_image(drawing), attributes, bool(reframe), chosen).face
        except (SketchError, ValueError) as error:
            raise gr.Error(str(error), print_exception=False) from error

    def reset() -> list[Any]:
        return [canvas_value(guide), *[0.0] * len(names), None, None, EMPTY_MESSAGE, None, None, None, 0, True]

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
                with gr.Accordion("Start from a drawing", open=False):
                    drawing = gr.File(label="Drawing (PNG or JPEG)", file_types=["image"], type="filepath")
                with gr.Accordion("Start from a photo", open=False):
                    photo = gr.File(label="Face photo (PNG or JPEG)", file_types=["image"], type="filepath")
            with gr.Column(scale=2):
                face = gr.Image(label="Face", type="pil", format="png", interactive=False, height=320, elem_id="face")
                editor_radio = gr.Radio(
                    editors.choices,
                    value=editors.default,
                    label="Editor",
                    info=EDITOR_INFO,
                    visible=len(editors) > 1,  # hidden (its one value still goes along) with a single model
                    elem_id="editor",
                )
                with gr.Row():
                    new_look_button = gr.Button("New look", variant="secondary", elem_id="new-look")
                    no_look_button = gr.Button("No look", variant="secondary", elem_id="no-look")
                with gr.Accordion("Take the look from a photo", open=False):
                    look_photo = gr.File(
                        label="Face photo whose hair colour, skin tone and lighting to use",
                        file_types=["image"],
                        type="filepath",
                        elem_id="look-photo",
                    )
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
        values, labels = example_values(guide, assets / "examples")
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
        api_look = gr.Number(value=None, precision=0, visible=False, label="look")
        api_look_photo = gr.File(type="filepath", visible=False, label="look_photo")
        api_editor = gr.Textbox(value=editors.default, visible=False, label="editor")  # the app's message if unknown
        api_face = gr.Image(type="pil", format="png", visible=False, label="face")
        look_state = gr.State(None)  # {"name": ..., "values": 18 numbers} or None
        seed_state = gr.State(0)
        canvas_empty = gr.State(False)  # the canvas's own events last carried no strokes: see from_control

        live = dict(trigger_mode="always_last", concurrency_limit=1, concurrency_id="model", show_progress="minimal")
        controls = [*sliders, editor_radio]  # what every rendering takes besides the sketch, re-framing and look
        # `.input` fires as a stroke ends, but the browser then still reads the canvas and uploads it; with strokes
        # in quick succession those reads overtake each other, and the last request the server ran could hold an
        # older canvas. `.change` fires once the editor has uploaded the canvas after the last stroke, so a run
        # with the final drawing always comes last (docs/reliability.md). `.input` stays for the first stroke
        # after page load, whose `.change` Gradio swallows.
        gr.on(
            [sketch.input, sketch.change],
            fn=from_sketch_event,
            inputs=[sketch, reframe_box, look_state, *controls],
            outputs=[face, model_input, status, canvas_empty],
            api_name="draw",
            api_visibility="undocumented",
            **live,
        )
        gr.on(
            [reframe_box.input, editor_radio.input, *[s.release for s in sliders]],
            fn=from_control,
            inputs=[sketch, canvas_empty, reframe_box, look_state, *controls],
            outputs=[face, model_input, status],
            api_visibility="private",
            **live,
        )
        for trigger, kind in (
            (new_look_button.click, "seed"),
            (look_photo.upload, "photo"),
            (no_look_button.click, "none"),
        ):
            trigger(
                look_handler(kind),
                inputs=[seed_state, look_photo, sketch, canvas_empty, reframe_box, *controls],
                outputs=[seed_state, look_state, face, model_input, status],
                api_visibility="private",
                **live,
            )
        for upload, handler, name in ((photo, from_photo, "photo"), (drawing, from_drawing, "drawing")):
            upload.upload(
                handler,
                inputs=[upload, reframe_box, look_state, *controls],
                outputs=[sketch, face, model_input, status, canvas_empty, look_state],
                api_name=name,
                api_visibility="undocumented",
                **live,
            )
        # Reset goes through the model's queue, after the runs already asked for: a Reset click can make the last
        # slider fire `.release` at the same moment, whose run reads the old drawing. Outside the queue, Reset's
        # new canvas value could land while that run was still reading the canvas (the Sketchpad then stayed
        # "loading" and ignored strokes), and that run's old face could land after Reset (docs/reliability.md §1).
        reset_button.click(
            reset,
            outputs=[sketch, *sliders, face, model_input, status, drawing, photo, look_state, seed_state]
            + [canvas_empty],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="model",
            show_progress="hidden",
        )
        gr.Button(visible=False).click(
            generate,
            inputs=[api_sketch, api_attributes, api_reframe, api_look, api_look_photo, api_editor],
            outputs=[api_face],
            api_name="generate",
            concurrency_limit=1,
            concurrency_id="model",
        )
    demo.queue(max_size=64, default_concurrency_limit=1)
    demo.editor = editors.pick()  # for tests: the default editor's encode counter and cache
    demo.editors = editors
    return demo


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``--model`` / ``--dec_model``, load the models once and launch (host/port from GRADIO_SERVER_NAME /
    GRADIO_SERVER_PORT)."""
    parser = argparse.ArgumentParser(description="S2FGAN sketch-to-face Gradio app")
    parser.add_argument("--model", default=None, help="save_pretrained folder or Hub id (default: $S2FGAN_MODEL)")
    parser.add_argument(
        "--dec_model",
        default=None,
        help="an S2F-DEC checkpoint to offer beside --model (then an S2F-DIS one) in an Editor choice; without "
        "--model and $S2FGAN_MODEL the bundled S2F-DEC is offered when this build ships it",
    )
    refine = "discriminator-guided refinement steps per new sketch (10: the measured setting; default 0: off)"
    parser.add_argument("--refine_steps", type=int, default=0, help=refine)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    models, warning = load_app_models(args.model, args.dec_model, args.refine_steps)
    build_demo(models, warning).launch()


if __name__ == "__main__":
    main()
