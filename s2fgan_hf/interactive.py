"""Moved to :mod:`s2fgan_hf.app.editor`; this name is kept for old imports."""

from .app.editor import FALLBACK_PRESET, RANDOM_MODEL_WARNING, FaceEditor, Rendering, load_app_model, sketch_from_photo

__all__ = [
    "FALLBACK_PRESET",
    "RANDOM_MODEL_WARNING",
    "FaceEditor",
    "Rendering",
    "load_app_model",
    "sketch_from_photo",
]
