"""``S2FGAN``: the inference bundle (sketch encoder, image encoder, attribute editor, decoder) with the Hub API.

    >>> from s2fgan_hf import S2FGAN
    >>> model = S2FGAN.from_pretrained("path/or/hub-id")
    >>> face = model.generate("sketch.png", attributes={"Smiling": 1.5, "Male": -1.0})

Lower-level steps, for an editor that keeps the sketch latent while sliders move:
``z = model.encode_sketch(sketch)``, ``z2 = model.edit(z, {"Smiling": 2})``, ``img = model.decode(z2)``.
These inference methods run without autograd, in the precision ``generate`` uses (``set_inference_precision``);
training calls the submodules (or ``forward``) instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from PIL import Image
from torch import nn

from .attributes import Attributes, attribute_shifts
from .config import S2FGANConfig
from .hub import HUB_METADATA, StrictHubMixin, coerce_config, model_card_template
from .image_processing import (
    SketchInput,
    image_to_tensor,
    signed_batch_to_pils,
    sketch_batch_to_tensor,
    sketch_to_tensor,
)
from .latent_refinement import LatentRefiner, RefinementSettings
from .looks import Look
from .modeling_looks import LookMethods
from .networks import AttributeDirections, Decoder, ImageEncoder, SketchEncoder, build_editor
from .readback_correction import readback_corrected


class S2FGAN(
    LookMethods,
    nn.Module,
    StrictHubMixin,
    **HUB_METADATA,
    pipeline_tag="image-to-image",
    tags=["gan", "sketch-to-image", "face-generation", "attribute-editing", "s2fgan"],
    model_card_template=model_card_template(),
):
    """S2FGAN generator side: sketch -> latent -> (attribute edit) -> face.

    Args:
        config: the architecture (an ``S2FGANConfig``, its dict form, or ``None`` for the paper's defaults).

    Submodules: ``sketch_encoder`` (E_s), ``image_encoder`` (E_i, used in training and evaluation),
    ``attribute_directions`` (the semantic probe C), ``attribute_mapping`` (the attribute editor M of
    ``config.variant``, an ``AttributeEditor`` from ``networks.editors.EDITORS``; S2F-DIS's editor moves along C's
    directions and has no weights of its own) and ``decoder`` (D).

    The inference API (``encode_sketch``, ``encode_image``, ``edit``, ``decode``, ``attribute_scores``,
    ``generate``) runs under ``torch.no_grad()`` and returns tensors that do not track gradients; ``forward`` and
    the submodules keep autograd for training. Inputs are validated with ``ValueError`` messages that name the
    problem (attribute shifts: ``attributes.attribute_shifts``; latents: [B, latent_dim], finite).
    """

    config_class = S2FGANConfig  # from_pretrained validates config.json as one, naming the file

    def __init__(self, config: S2FGANConfig | dict[str, Any] | None = None) -> None:
        super().__init__()
        self.config = coerce_config(config)
        self._hub_mixin_config = self.config.to_dict()  # what save_pretrained writes as config.json
        c = self.config
        self.sketch_encoder = SketchEncoder(c)
        self.image_encoder = ImageEncoder(c)
        self.attribute_directions = AttributeDirections(c.latent_dim, c.num_attributes)
        self.attribute_mapping = build_editor(c, probe=self.attribute_directions)
        self.decoder = Decoder(c)
        self._precision, self._channels_last = "auto", True
        self._refiner: LatentRefiner | None = None  # set_refinement's (not a submodule: never saved)

    # ------------------------------------------------------------------------------------------------
    # Properties
    @property
    def attribute_names(self) -> tuple[str, ...]:
        return self.config.attribute_names

    @property
    def attribute_range(self) -> tuple[float, float]:
        return self.config.attribute_range  # type: ignore[return-value]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    # ------------------------------------------------------------------------------------------------
    # Inference precision
    def set_inference_precision(self, precision: str | torch.dtype = "auto", channels_last: bool = True) -> S2FGAN:
        """Choose the number format of the inference API (``encode_*``, ``edit``, ``decode``, ``generate``).

        Args:
            precision: ``"auto"`` (bf16 where the hardware runs it natively: CUDA with bf16, or a CPU with
                AVX512-BF16/AMX; fp32 elsewhere), ``"bf16"`` or ``"fp32"`` (or the torch dtypes).
            channels_last: run convolutions on NHWC activations (faster with oneDNN and cuDNN).

        Parameters stay fp32 (training and ``forward`` are unaffected); bf16 copies of the derived weights are
        cached between calls. Outputs are always fp32. The quality cost of bf16 is checked by the test suite
        (PSNR against fp32 >= 35 dB).
        """
        names = {"auto": "auto", "bf16": "bf16", "bfloat16": "bf16", "fp32": "fp32", "float32": "fp32"}
        key = {torch.bfloat16: "bf16", torch.float32: "fp32"}.get(precision, precision)  # type: ignore[arg-type]
        if key not in names:
            raise ValueError(f"precision must be 'auto', 'bf16' or 'fp32', got {precision!r}")
        self._precision = names[key]
        self._channels_last = bool(channels_last)
        return self

    @property
    def inference_dtype(self) -> torch.dtype:
        """The dtype the inference API computes in (see ``set_inference_precision``)."""
        if self._precision == "fp32":
            return torch.float32
        if self._precision == "bf16":
            return torch.bfloat16
        device = self.device
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
        if device.type == "cpu" and torch.backends.mkldnn.is_available():
            return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else torch.float32
        return torch.float32

    def set_refinement(self, critic: nn.Module | None, settings: RefinementSettings | None = None) -> S2FGAN:
        """Refine every sketch latent with the image discriminator ``critic`` (``latent_refinement``; e.g.
        ``loading.load_refinement_critic(folder)``; not saved), or stop (``None``): ``encode_sketch`` then refines."""
        self._refiner = None if critic is None else LatentRefiner(critic, settings)
        return self

    @property
    def refinement(self) -> RefinementSettings | None:
        """The settings of the refinement ``set_refinement`` turned on, or ``None``."""
        return None if self._refiner is None else self._refiner.settings

    def _fast(self, x: torch.Tensor) -> torch.Tensor:
        """Cast an input to the inference dtype/layout (the inference API always runs without autograd)."""
        x = x.to(self.inference_dtype)
        if self._channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    # ------------------------------------------------------------------------------------------------
    # Inputs
    def attribute_vector(self, attributes: Attributes, batch_size: int = 1) -> torch.Tensor:
        """Named or positional attribute shifts -> [batch_size, num_attributes] float tensor on the model's device.

        ``attributes`` may be a mapping ``{"Smiling": 1.5}`` (unnamed attributes stay 0), a sequence or tensor of
        ``num_attributes`` values, a [B, num_attributes] tensor (one row per sketch), a list of mappings (one per
        sketch), or ``None`` (no edit). Every problem is a ``ValueError`` naming the attribute or position: see
        ``s2fgan_hf.attributes.attribute_shifts``, which does the checking.
        """
        return attribute_shifts(attributes, self.attribute_names, self.attribute_range, batch_size).to(self.device)

    def check_latent(self, latent: Any, argument: str = "latent") -> torch.Tensor:
        """``latent`` on the model's device if it is a finite float tensor [B, latent_dim]; else ``ValueError``."""
        d = self.config.latent_dim
        expected = f"a float tensor of shape [B, latent_dim] = [B, {d}] (as encode_sketch returns)"
        if not isinstance(latent, torch.Tensor):
            raise ValueError(f"{argument} must be {expected}, got {type(latent).__name__}")
        if latent.ndim != 2 or latent.shape[1] != d or latent.shape[0] == 0:
            hint = f"; add the batch dimension: {argument}[None]" if tuple(latent.shape) == (d,) else ""
            raise ValueError(f"{argument} must be {expected}, got shape {tuple(latent.shape)}{hint}")
        if not latent.is_floating_point():
            raise ValueError(f"{argument} must be {expected}, got dtype {latent.dtype}")
        if not bool(torch.isfinite(latent).all()):
            raise ValueError(f"{argument} holds NaN or infinite values; encode a sketch again")
        return latent.to(self.device)

    def prepare_sketches(self, sketches: SketchInput | Sequence[SketchInput]) -> torch.Tensor:
        """Any accepted sketch (or list of them) -> [B, 1, size, size] in {-1, +1} on the model's device.

        A 4-D tensor [B, 1, H, W] is treated as a batch. See ``image_processing.sketches.sketch_to_tensor``.
        """
        size = self.config.image_size
        if (
            isinstance(sketches, torch.Tensor)
            and sketches.ndim == 4
            and sketches.is_floating_point()
            and sketches.shape[1] == 1
            and tuple(sketches.shape[-2:]) == (size, size)
            and sketches.shape[0] > 0
        ):
            # A batch in the model's layout and size: normalised in one go on its device (GPU batches stay there).
            normalized = sketch_batch_to_tensor(sketches, normalization=self.config.sketch_normalization)
            return normalized.to(self.device, self.dtype)
        if isinstance(sketches, torch.Tensor) and sketches.ndim == 4:
            items: list[Any] = list(sketches)
        elif isinstance(sketches, (list, tuple)):
            items = list(sketches)
        else:
            items = [sketches]
        if not items:
            raise ValueError("no sketch given: pass one sketch or a non-empty list of sketches")
        mode = self.config.sketch_normalization
        batch = torch.cat([sketch_to_tensor(s, size, normalization=mode) for s in items])
        return batch.to(self.device, self.dtype)

    # ------------------------------------------------------------------------------------------------
    # The four steps (no autograd: see the class docstring)
    @torch.no_grad()
    def encode_sketch(self, sketch: SketchInput | Sequence[SketchInput] | torch.Tensor) -> torch.Tensor:
        """Sketches (any kind ``prepare_sketches`` takes) -> latents [B, latent_dim], read-back corrected (config)"""
        latent = self.sketch_encoder(self._fast(self.prepare_sketches(sketch))).float()
        latent = readback_corrected(self, latent)  # as the config says; then any refinement around it
        if self._refiner is not None:
            latent = self._refiner(self.decoder, self.attribute_directions.directions(), latent)
        return latent

    @torch.no_grad()
    def encode_image(self, image: torch.Tensor | Image.Image | Sequence[Any]) -> torch.Tensor:
        """Photo(s) -> latents [B, latent_dim]. A PIL image, uint8 or float array, path, a list of those, or a
        tensor [B, 3, H, W] / [3, H, W] in [-1, 1]; every photo is centre-cropped and resized to the model's size.
        """
        size = self.config.image_size
        if isinstance(image, (list, tuple)):
            if not image:
                raise ValueError("no photo given: pass one photo or a non-empty list of photos")
            x = torch.cat([image_to_tensor(item, size) for item in image])
        else:
            x = image_to_tensor(image, size)
        return self.image_encoder(self._fast(x.to(self.device))).float()

    @torch.no_grad()
    def edit(self, latent: torch.Tensor, attributes: Attributes) -> torch.Tensor:
        """Apply attribute shifts to latents [B, latent_dim]: M(z, a). ``M(z, 0) == z`` exactly for every editor.

        ``attributes``: see ``attribute_vector``; a [B, n] tensor needs one row per latent.
        """
        latent = self.check_latent(latent)
        return self._edit(latent, self.attribute_vector(attributes, latent.shape[0]).to(latent.dtype))

    def _edit(self, latent: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        return self.attribute_mapping(latent, shifts)

    @torch.no_grad()
    def decode(self, latent: torch.Tensor, look: Look = None) -> torch.Tensor:
        """Latents [B, latent_dim] -> images [B, 3, size, size], roughly in [-1, 1] (not clamped).

        ``look``: rendered under a look (``apply_look``; an editor that keeps the latent should apply the look
        once and cache the result instead)."""
        latent = self.check_latent(latent)
        if look is not None:
            latent = self.apply_look(latent, look)
        return self.decoder(self._fast(latent), channels_last=self._channels_last).float()

    @torch.no_grad()
    def attribute_scores(self, latent: torch.Tensor) -> torch.Tensor:
        """The semantic probe C(z) [B, num_attributes]: about +1 where an attribute is present, -1 where absent."""
        return self.attribute_directions.scores(self.check_latent(latent).float())

    def forward(self, sketch: torch.Tensor, attributes: Attributes = None) -> torch.Tensor:
        """[B, 1, H, W] sketch tensor in [-1, 1] (+ optional shifts) -> [B, 3, size, size] images, with autograd."""
        z = self.sketch_encoder(sketch)
        if attributes is not None:
            z = self._edit(z, self.attribute_vector(attributes, z.shape[0]).to(z.dtype))
        return self.decoder(z)

    @torch.no_grad()
    def generate(
        self,
        sketch: SketchInput | Sequence[SketchInput],
        attributes: Attributes | Sequence[Mapping[str, float]] = None,
        batch_size: int = 16,
        look: Look = None,
    ) -> Image.Image | list[Image.Image]:
        """Sketch(es) to face image(s), with optional named attribute shifts.

        Args:
            sketch: one sketch (PIL image of any mode, numpy array, tensor, or path), a list of them, or a float
                tensor batch [B, 1, H, W] (at the model's size it is normalised in one go on its own device).
            attributes: ``{"Smiling": 1.5, "Male": -1.0}`` applied to every sketch, a list of such dicts (one per
                sketch), ``num_attributes`` numbers for every sketch, a [B, num_attributes] tensor (one row per
                sketch), or ``None``. See ``attribute_vector``.
            batch_size: how many sketches run through the network at once.
            look: ``None`` (the model's own guess of colours; a drawing in colour lends its own when
                ``config.sketch_drawing_colours`` is on: ``sketch_latent``), an int seed (a look drawn from the
                training photos' distribution), a photo that lends its hair colour, skin tone and lighting, or
                looks from ``encode_look`` ([18] for all sketches or [B, 18]). The look is applied before the attribute
                shifts, so sliders edit the face under its look. See ``apply_look``.

        Returns:
            A PIL image for a single sketch, a list of PIL images for a list or a 4-D batch. Deterministic: the
            same input gives the same output.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if isinstance(sketch, torch.Tensor) and sketch.ndim == 4:
            sketches: torch.Tensor | list[Any] = sketch  # a [B, 1, H, W] batch: sliced, never split into items
            single = False
        else:
            single = not isinstance(sketch, (list, tuple))
            sketches = [sketch] if single else list(sketch)
        count = len(sketches)
        if count == 0:
            raise ValueError("no sketch given: pass one sketch or a non-empty list of sketches")
        shifts = self.attribute_vector(attributes, count)
        looks = self.resolve_look(look, count)
        was_training = self.training
        self.eval()
        images: list[Image.Image] = []
        try:
            for start in range(0, count, batch_size):
                chunk = sketches[start : start + batch_size]
                part = looks if looks is None or len(looks) == 1 else looks[start : start + len(chunk)]
                z = self.sketch_latent(chunk, part)
                z = self._edit(z, shifts[start : start + z.shape[0]].to(z.dtype))
                images.extend(signed_batch_to_pils(self.decode(z)))
        finally:
            self.train(was_training)
        return images[0] if single else images

    # ------------------------------------------------------------------------------------------------
    def with_editor(self, variant: str) -> S2FGAN:
        """A copy whose editor is ``variant``'s (``"dis"``, ``"dec"``), new and the identity until trained; E_s, E_i,
        the probe and the decoder keep their weights (a second editor's start: ``--train_editor_only``)."""
        model = self._copy_under(dataclasses.replace(self.config, variant=variant), "attribute_mapping.", False)
        model.attribute_mapping.reset_to_identity()
        return model

    def with_sketch_encoder(self, **settings: Any) -> S2FGAN:
        """A copy under other ``sketch_*`` settings (e.g. ``sketch_reader_width``): weights that still fit are kept,
        what they add to E_s is new (a fresh reader's fusion passes E_s's latent through), what they remove dropped."""
        if any(not name.startswith("sketch_") for name in settings):
            raise ValueError(f"with_sketch_encoder takes sketch_* settings only, got {sorted(settings)}")
        return self._copy_under(dataclasses.replace(self.config, **settings), "sketch_encoder.", True)

    def _copy_under(self, config: S2FGANConfig, network: str, keep_fitting: bool) -> S2FGAN:
        """A copy under ``config`` (this model's device, mode, precision), ``network``'s weights kept if they fit."""
        model, own = type(self)(config), self.state_dict()
        target = model.state_dict()
        kept = {k: v for k, v in own.items() if k in target and v.shape == target[k].shape}
        loaded = {k: v for k, v in kept.items() if keep_fitting or not k.startswith(network)}
        model.load_state_dict(loaded, strict=False)
        if strays := [k for k in {*target, *own} - kept.keys() if not k.startswith(network)]:  # cannot happen (yet)
            raise RuntimeError(f"the config change changed more than {network}*: {strays[:5]}")
        model._precision, model._channels_last = self._precision, self._channels_last
        return model.to(self.device).train(self.training)

    def num_parameters(self, module: str | None = None) -> int:
        """Parameter count of the whole bundle or of one submodule by attribute name."""
        target = self if module is None else getattr(self, module)
        return sum(p.numel() for p in target.parameters()) if target is not None else 0

    def generate_model_card(self, *args: Any, **kwargs: Any):
        c = self.config
        kwargs.setdefault("config", c)
        kwargs.setdefault("attributes", list(c.attribute_names))
        kwargs.setdefault("params_millions", f"{self.num_parameters() / 1e6:.1f}")
        inference = self.num_parameters() - self.num_parameters("image_encoder")
        kwargs.setdefault("inference_params_millions", f"{inference / 1e6:.1f}")
        return super().generate_model_card(*args, **kwargs)
