"""The look methods of ``S2FGAN`` (s2fgan_hf/looks.py): the sketch sets the geometry; a photo, a seed or the
drawing's own colours set hair colour, skin tone and lighting.

A mixin so that the bundle's class stays about its four networks; every method here runs on them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image

from .image_processing import SketchInput, image_to_tensor, open_image
from .looks import LOOK_SIZE, Look, LookFit, default_look_prior, fit_look, is_coloured_drawing, look_statistics


def _drawing_pixels(item: Any, size: int) -> torch.Tensor | None:
    """One sketch input -> its RGB [1, 3, size, size] in [-1, 1] framed as ``image_to_tensor`` frames a photo, or
    ``None`` when it has no colour channels (a grey tensor or array) or cannot be read as a picture (the sketch
    path reports that)."""
    if isinstance(item, torch.Tensor) and (item.ndim < 3 or item.shape[-3] != 3):
        return None
    if isinstance(item, np.ndarray) and item.ndim == 3 and item.shape[-1] == 4 and item.dtype == np.uint8:
        item = Image.fromarray(item, mode="RGBA")  # composited on white paper below
    if isinstance(item, Image.Image) and (item.mode in ("RGBA", "LA", "PA") or "transparency" in item.info):
        page = Image.new("RGBA", item.size, "white")  # a transparent page is white paper, not black
        item = Image.alpha_composite(page, item.convert("RGBA")).convert("RGB")
    try:
        return image_to_tensor(item, size)
    except (TypeError, ValueError, OSError):
        return None


def _opened(sketch: Any) -> Any:
    """Sketch file paths (one, or in a list) opened as images, as ``encode_sketch`` would open them; the rest as is."""
    if isinstance(sketch, (str, os.PathLike)):
        return open_image(sketch, "sketch")
    if isinstance(sketch, (list, tuple)):
        return [open_image(item, "sketch") if isinstance(item, (str, os.PathLike)) else item for item in sketch]
    return sketch


class LookMethods:
    """Looks for ``S2FGAN``: ``encode_look``, ``look_from_seed``, ``drawing_looks``, ``resolve_look``,
    ``apply_look`` and ``sketch_latent`` (what ``generate`` renders)."""

    @torch.no_grad()
    def encode_look(self, photo: torch.Tensor | Image.Image | Sequence[Any]) -> torch.Tensor:
        """Photo(s) -> looks [B, 18] (colour statistics of hair, face and background). Inputs as ``encode_image``."""
        size = self.config.image_size
        items = list(photo) if isinstance(photo, (list, tuple)) else [photo]
        if not items:
            raise ValueError("no photo given: pass one photo or a non-empty list of photos")
        return look_statistics(torch.cat([image_to_tensor(item, size) for item in items]).float())

    def look_from_seed(self, seed: int, count: int = 1) -> torch.Tensor:
        """Looks [count, 18] drawn from the training photos' distribution; the same seed gives the same looks."""
        return default_look_prior().sample(seed, count)

    @torch.no_grad()
    def drawing_looks(
        self, sketch: SketchInput | Sequence[SketchInput] | torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Sketches (as ``encode_sketch`` takes them) -> (looks [B, 18], coloured [B] bool).

        A drawing in colour (``looks.is_coloured_drawing``) has the look a photo framed the same way would have:
        its colour statistics in the hair, face and background regions. Grey drawings, grey tensors and batches
        [B, 1, H, W] are not coloured (their looks are zeros and unused).
        """
        if isinstance(sketch, torch.Tensor) and sketch.ndim == 4:
            items: list[Any] = list(sketch)
        else:
            items = list(sketch) if isinstance(sketch, (list, tuple)) else [sketch]
        size = self.config.image_size
        looks = torch.zeros(len(items), LOOK_SIZE)
        coloured = torch.zeros(len(items), dtype=torch.bool)
        for k, item in enumerate(items):
            pixels = _drawing_pixels(item, size)
            if pixels is not None and bool(is_coloured_drawing(pixels)[0]):
                looks[k], coloured[k] = look_statistics(pixels.float())[0], True
        return looks, coloured

    def resolve_look(self, look: Look, count: int = 1) -> torch.Tensor | None:
        """``None`` | an int seed | a photo (anything ``encode_image`` takes) | a look tensor [18] / [B, 18]
        -> looks [1 or count, 18] (or ``None``)."""
        if look is None:
            return None
        if isinstance(look, bool):
            raise TypeError("look must be None, an int seed, a photo or a look tensor [18]; got a bool")
        if isinstance(look, int):
            return self.look_from_seed(look)
        if isinstance(look, torch.Tensor) and look.ndim in (1, 2) and look.shape[-1] == LOOK_SIZE:
            looks = look.detach().float().reshape(-1, LOOK_SIZE)
            if looks.shape[0] not in (1, count):
                raise ValueError(f"{looks.shape[0]} looks for {count} sketches: give one look or one per sketch")
            return looks
        return self.encode_look(look)

    @torch.no_grad()
    def apply_look(self, latent: torch.Tensor, look: Look, settings: LookFit | None = None) -> torch.Tensor:
        """Latents [B, latent_dim] moved to render ``look`` (see ``resolve_look``) with the same lines and the same
        attribute scores (``looks.fit_look``: a 30-step optimisation of the latent; the weights do not change)."""
        latent = self.check_latent(latent)
        looks = self.resolve_look(look, latent.shape[0])
        if looks is None:
            return latent
        directions = self.attribute_directions.directions()
        return fit_look(self.decoder, latent.float(), looks.to(self.device), directions, settings)

    @torch.no_grad()
    def sketch_latent(
        self, sketch: SketchInput | Sequence[SketchInput] | torch.Tensor, look: Look = None
    ) -> torch.Tensor:
        """The latents [B, latent_dim] ``generate`` renders before any attribute shift: ``encode_sketch``, then the
        look. ``look`` as ``generate`` takes it; without one, and when ``config.sketch_drawing_colours`` is on,
        each drawing in colour takes its own colours as its look (``drawing_looks``) and grey drawings stay as
        ``encode_sketch`` gives them."""
        lend = look is None and self.config.sketch_drawing_colours
        if lend:  # the encoder and the colour check both read each drawing: open its file once
            sketch = _opened(sketch)
        latent = self.encode_sketch(sketch)
        if not lend:
            return latent if look is None else self.apply_look(latent, look)
        own, coloured = self.drawing_looks(sketch)
        if bool(coloured.any()):
            rows = coloured.to(latent.device)
            latent = latent.clone()
            latent[rows] = self.apply_look(latent[rows], own[coloured])
        return latent
