"""Inputs and outputs of the inference API: image files, sketch and photo normalisation, tensors <-> PIL.

Plain torch, numpy and Pillow; nothing here imports the dataset, training, evaluation or app code.

* ``image_io``: open files; ``crop_and_resize``; conversions whose names give the value range
  (``pil_to_unit_tensor`` [0, 1], ``signed_batch_to_pils`` [-1, 1]).
* ``sketches``: any sketch -> the model's sketch tensor (``sketch_to_tensor``, ``sketch_batch_to_tensor``).
* ``photos``: any photo -> the image encoder's input (``image_to_tensor``).
* ``sketch_normalization``: the grey-level sketch format shared by training and inference.
* ``morphology``: batched binary morphology (thinning for the legacy ``"binary"`` format; the extractor's steps).
"""

from .image_io import (
    center_square_crop,
    crop_and_resize,
    load_grey,
    load_rgb,
    open_image,
    pil_to_unit_tensor,
    signed_batch_to_pils,
    unit_tensor_to_pil,
)
from .photos import image_to_tensor
from .sketches import (
    ACCEPTED_KINDS,
    MIN_SKETCH_SIDE,
    SKETCH_NORMALIZATIONS,
    SketchInput,
    light_strokes_on_dark,
    sketch_batch_to_tensor,
    sketch_to_tensor,
    to_grayscale,
)

__all__ = [
    "ACCEPTED_KINDS",
    "MIN_SKETCH_SIDE",
    "SKETCH_NORMALIZATIONS",
    "SketchInput",
    "center_square_crop",
    "crop_and_resize",
    "image_to_tensor",
    "light_strokes_on_dark",
    "load_grey",
    "load_rgb",
    "open_image",
    "pil_to_unit_tensor",
    "signed_batch_to_pils",
    "sketch_batch_to_tensor",
    "sketch_to_tensor",
    "to_grayscale",
    "unit_tensor_to_pil",
]
