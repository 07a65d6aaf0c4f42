"""The app's logic, without its UI: the canvas (``canvas``: strokes, checks, re-framing) and the model session
(``editor``: loading, the cached sketch latent, edit + decode). The Gradio layout is ``app.py`` at the repository
root, which a Hugging Face Space runs. Nothing here imports gradio.
"""

from .canvas import Framing, SketchError
from .editor import FaceEditor, Rendering, load_app_model, sketch_from_photo

__all__ = ["FaceEditor", "Framing", "Rendering", "SketchError", "load_app_model", "sketch_from_photo"]
