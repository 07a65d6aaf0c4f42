"""The app's model side: loading (with a loud random fallback), sketch -> cached latent -> edit + decode.

``FaceEditor`` keeps the latents of recent sketches, keyed by a hash of the processed sketch tensor, so moving an
attribute slider only re-runs ``edit`` and ``decode``; the sketch encoder runs once per distinct sketch.
``EditorChoice`` holds one ``FaceEditor`` per attribute editor (S2F-DIS, S2F-DEC) when the app has both.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..config import S2FGANConfig
from ..image_processing import crop_and_resize, pil_to_unit_tensor, signed_batch_to_pils, sketch_to_tensor
from ..latent_refinement import RefinementSettings
from ..loading import (
    BUNDLED_EDITORS,
    MODEL_ENV,
    bundled_editors,
    editor_label,
    load_model,
    load_refinement_critic,
    resolve_model_source,
)
from ..modeling_s2fgan import S2FGAN
from .canvas import Framing, SketchError, check_strokes, mask_to_image, reframe

logger = logging.getLogger(__name__)

FALLBACK_PRESET = "fast-64"
RANDOM_MODEL_WARNING = (
    "No trained checkpoint was found, so this app runs a RANDOMLY INITIALISED {preset} model: the faces are "
    "meaningless noise until a checkpoint is given (--model PATH_OR_HUB_ID or the {env} environment variable)."
)


def load_app_model(model: str | os.PathLike | None = None) -> tuple[S2FGAN, str | None]:
    """The app's model and a warning to show, if any.

    ``model`` (or ``$S2FGAN_MODEL``, or the bundled checkpoint) is loaded with ``s2fgan_hf.loading.load_model``;
    a source that is given but fails to load is an error. Only when no source exists at all does this fall back
    to a randomly initialised ``fast-64`` model, returned with a warning for the UI.
    """
    try:
        return load_model(model), None
    except FileNotFoundError:
        if model or os.environ.get(MODEL_ENV):
            raise
    warning = RANDOM_MODEL_WARNING.format(preset=FALLBACK_PRESET, env=MODEL_ENV)
    logger.warning(warning)
    torch.manual_seed(0)
    return S2FGAN(S2FGANConfig.from_preset(FALLBACK_PRESET)).eval(), warning


def load_app_models(
    model: str | os.PathLike | None = None, dec_model: str | os.PathLike | None = None, refine_steps: int = 0
) -> tuple[dict[str, S2FGAN], str | None]:
    """The app's models by editor (``{"dis": ..., "dec": ...}``, S2F-DIS first) and a warning to show, if any.

    With ``dec_model``, ``model`` (or ``$S2FGAN_MODEL``, or the bundled checkpoint) must be an S2F-DIS checkpoint
    and ``dec_model`` an S2F-DEC one (a ``ValueError`` otherwise). Without it, no ``model`` and no ``$S2FGAN_MODEL``
    mean every bundled editor (S2F-DIS, and S2F-DEC where this build ships it); a given model is the only one,
    under its own ``config.variant``. The random fallback of ``load_app_model`` is the only model too.

    ``refine_steps`` > 0 turns on the discriminator-guided refinement of sketch latents (``S2FGAN.set_refinement``)
    for every model, each with its checkpoint's discriminator (``loading.refinement_critic_source``; an ``OSError``
    when there is none); the random fallback has no discriminator and stays unrefined.
    """
    if refine_steps < 0:
        raise ValueError(f"refine_steps must be at least 0, got {refine_steps}")
    if dec_model:
        models = {"dis": load_model(model, editor="dis"), "dec": load_model(dec_model, editor="dec")}
        sources: dict[str, str | None] = {"dis": resolve_model_source(model, "dis"), "dec": os.fspath(dec_model)}
        warning = None
    else:
        first, warning = load_app_model(model)
        models = {first.config.variant: first}
        sources = {first.config.variant: None if warning else resolve_model_source(model)}
        if warning is None and not model and not os.environ.get(MODEL_ENV):
            for name in bundled_editors():
                if name not in models:
                    models[name], sources[name] = load_model(editor=name), resolve_model_source(editor=name)
    for name, loaded in models.items():
        source = sources[name]
        if refine_steps and source is not None:
            critic = load_refinement_critic(source)
            loaded.set_refinement(critic, RefinementSettings(steps=refine_steps))
    return models, warning


class EditorChoice:
    """The app's models, one ``FaceEditor`` each (each with its own latent cache), by editor name.

    Args:
        models: ``{editor name: model}`` with each model's ``config.variant`` as its name, or one model. They must
            share the attribute names and range (the app has one set of sliders).
        framing: the training framing used when ``reframe=True``.
    """

    def __init__(self, models: Mapping[str, S2FGAN] | S2FGAN, framing: Framing | None = None) -> None:
        if isinstance(models, S2FGAN):
            models = {models.config.variant: models}
        if not models:
            raise ValueError("the app needs at least one model")
        for name, model in models.items():
            if model.config.variant != name:
                raise ValueError(f"the model given as editor {name!r} is an {editor_label(model.config.variant)} one")
        first = next(iter(models.values()))
        for name, model in models.items():
            if (model.attribute_names, model.attribute_range) != (first.attribute_names, first.attribute_range):
                raise ValueError(
                    f"the {editor_label(name)} model has other attributes or another slider range than the "
                    f"{editor_label(first.config.variant)} model; the app's sliders need the same ones"
                )
        self.editors = {name: FaceEditor(model, framing) for name, model in models.items()}
        self.default = "dis" if "dis" in self.editors else next(iter(self.editors))

    def __len__(self) -> int:
        return len(self.editors)

    def __iter__(self) -> Iterator[str]:
        return iter(self.editors)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(label, name) pairs for a radio: ``[("S2F-DIS", "dis"), ("S2F-DEC", "dec")]``."""
        return [(editor_label(name), name) for name in self.editors]

    def pick(self, name: Any = None) -> FaceEditor:
        """The ``FaceEditor`` of editor ``name`` (``None``: the default one); a ``SketchError`` naming the editors
        this app has if it has no such editor."""
        name = self.default if name is None else name
        if isinstance(name, str) and name in self.editors:
            return self.editors[name]
        here = ", ".join(f"{n!r} ({editor_label(n)})" for n in self.editors)
        if isinstance(name, str) and name in BUNDLED_EDITORS:
            raise SketchError(f"this app has no {editor_label(name)} model; its editors: {here}")
        raise SketchError(f"unknown editor {name!r}; this app's editors: {here}")


@dataclass
class Rendering:
    """One result: the face, the sketch exactly as the model saw it, and whether the latent came from the cache."""

    face: Image.Image
    model_input: Image.Image
    cached: bool


DRAWING_LOOK_NAME = "the drawing's colours"


def look_after_upload(editor: FaceEditor, drawing: Image.Image, look: dict[str, Any] | None) -> dict[str, Any] | None:
    """The app's look state ({"name", "values"} or ``None``) after ``drawing`` is uploaded: the drawing's own colours
    when it is drawn in colour and the checkpoint lets drawings lend them (``FaceEditor.drawing_look``), unless the
    user chose a look (a seed or a photo stays); a grey drawing clears an earlier drawing's colours."""
    if look is not None and look.get("name") != DRAWING_LOOK_NAME:
        return look
    own = editor.drawing_look(drawing)
    return None if own is None else {"name": DRAWING_LOOK_NAME, "values": own[0].tolist()}


class FaceEditor:
    """Sketch -> face with attribute shifts, caching the sketch latent.

    Args:
        model: an ``S2FGAN`` in eval mode.
        framing: the training framing used when ``reframe=True``.
        cache_size: how many sketch latents to keep (least recently used are dropped).
    """

    def __init__(self, model: S2FGAN, framing: Framing | None = None, cache_size: int = 64) -> None:
        self.model = model.eval()
        self.framing = framing or Framing()
        self.cache_size = cache_size
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._lock = threading.Lock()
        self.encode_calls = 0

    @property
    def attribute_names(self) -> tuple[str, ...]:
        return self.model.attribute_names

    @property
    def label(self) -> str:
        """The paper's name of the model's attribute editor: ``"S2F-DIS"`` or ``"S2F-DEC"``."""
        return editor_label(self.model.config.variant)

    def model_sketch(self, strokes: np.ndarray, reframe_strokes: bool = True) -> torch.Tensor:
        """Stroke mask -> the model's sketch tensor [1, 1, size, size] (+1 paper, -1 ink). Checks the strokes."""
        check_strokes(strokes)
        if reframe_strokes:
            strokes = reframe(strokes, self.framing)
        config = self.model.config
        tensor = sketch_to_tensor(
            mask_to_image(strokes), config.image_size, auto_invert=False, normalization=config.sketch_normalization
        )
        if not (tensor < 0).any():
            raise SketchError("The strokes vanished at the model's resolution: draw larger, darker lines.")
        return tensor

    def latent(self, sketch: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """The sketch's latent [1, latent_dim] and whether it was cached. Keyed by a hash of the tensor bytes."""
        key = hashlib.sha1(sketch.numpy().tobytes()).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key], True
        with torch.inference_mode():
            z = self.model.encode_sketch(sketch)
        with self._lock:
            self.encode_calls += 1
            self._cache[key] = z
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return z, False

    def drawing_look(self, drawing: Image.Image) -> torch.Tensor | None:
        """The look [1, 18] a drawing in colour lends its face when the checkpoint lets drawings lend their colours
        (config ``sketch_drawing_colours``; ``S2FGAN.drawing_looks``); ``None`` for a grey drawing or when off."""
        if not self.model.config.sketch_drawing_colours:
            return None
        looks, coloured = self.model.drawing_looks(drawing)
        return looks[:1] if bool(coloured[0]) else None

    def looked_latent(self, sketch: torch.Tensor, look: torch.Tensor | None) -> tuple[torch.Tensor, bool]:
        """The sketch's latent under ``look`` ([1, 18] from ``S2FGAN.resolve_look``, or ``None``), cached like the
        sketch latent, so slider moves under a look do not fit it again."""
        z, cached = self.latent(sketch)
        if look is None:
            return z, cached
        key = "look:" + hashlib.sha1(sketch.numpy().tobytes() + look.float().numpy().tobytes()).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key], True
        moved = self.model.apply_look(z, look)
        with self._lock:
            self._cache[key] = moved
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return moved, False

    def attributes(self, values: Mapping[str, Any] | None) -> torch.Tensor:
        """Validate attribute shifts for the UI sliders and the API alike: [1, num_attributes] on the model's device.

        The app only requires one JSON object of ``{name: value}``; names and values are checked by the model
        (``S2FGAN.attribute_vector``, i.e. ``attributes.attribute_shifts``), and its ``ValueError`` reaches the
        user as a ``SketchError`` with the same message (unknown names, text that is no number, booleans, null,
        NaN and infinities, values outside the model's range).
        """
        if values is not None and not isinstance(values, Mapping):
            raise SketchError('attributes must be a JSON object such as {"Smiling": 1.5}')
        try:
            return self.model.attribute_vector(dict(values or {}))
        except ValueError as error:
            raise SketchError(str(error)) from None

    def render(
        self,
        strokes: np.ndarray,
        attributes: Mapping[str, Any] | None = None,
        reframe_strokes: bool = True,
        look: torch.Tensor | None = None,
    ) -> Rendering:
        """Strokes + attribute shifts (+ a look [1, 18]) -> ``Rendering``. Raises ``SketchError`` for unusable
        sketches or values."""
        shifts = self.attributes(attributes)
        sketch = self.model_sketch(strokes, reframe_strokes)
        z, cached = self.looked_latent(sketch, look)
        with torch.inference_mode():
            face = signed_batch_to_pils(self.model.decode(self.model.edit(z, shifts)))[0]
        return Rendering(face=face, model_input=signed_batch_to_pils(sketch)[0], cached=cached)


def sketch_from_photo(photo: Image.Image, size: int = 256) -> np.ndarray:
    """A face photo -> stroke mask (``size`` px; cropped and resized as ``prepare-data`` does) with the project's
    photo -> sketch extractor."""
    from ..data.sketch_extraction import SketchExtractor  # imported lazily: only the photo tab needs it

    if min(photo.size) < 16:
        raise SketchError(
            f"The photo is too small ({photo.width} x {photo.height}); use one of at least 64 x 64 pixels."
        )
    pixels = pil_to_unit_tensor(crop_and_resize(photo.convert("RGB"), size))  # [3, size, size] in [0, 1]
    return (SketchExtractor()(pixels[None])[0, 0] < 0.5).numpy()
