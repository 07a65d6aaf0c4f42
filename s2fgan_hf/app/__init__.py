"""The app's logic, without its UI: the canvas (``canvas``: strokes, checks, re-framing) and the model session
(``editor``: loading, the cached sketch latent, edit + decode, the choice of attribute editor). The Gradio layout is
``app.py`` at the repository root, which a Hugging Face Space runs. Nothing here imports gradio.
"""

from .canvas import Framing, SketchError
from .editor import (
    EditorChoice,
    FaceEditor,
    Rendering,
    load_app_model,
    load_app_models,
    look_after_upload,
    sketch_from_photo,
)

__all__ = [
    "EditorChoice",
    "FaceEditor",
    "Framing",
    "Rendering",
    "SketchError",
    "load_app_model",
    "load_app_models",
    "look_after_upload",
    "sketch_from_photo",
]
