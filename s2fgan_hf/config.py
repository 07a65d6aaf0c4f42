"""Typed, serialisable architecture config for S2FGAN, plus named presets.

Everything that decides a tensor shape lives here and is saved as ``config.json`` next to the weights.
Training knobs (learning rates, loss weights, intervals) live in ``train_accelerate.py``, not here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

# The 12 CelebA attributes S2FGAN edits, in the order of the official code (vector index = position).
PAPER_ATTRIBUTES: tuple[str, ...] = (
    "Smiling",
    "Male",
    "No_Beard",
    "Eyeglasses",
    "Young",
    "Bangs",
    "Narrow_Eyes",
    "Pale_Skin",
    "Big_Lips",
    "Big_Nose",
    "Mustache",
    "Chubby",
)

VARIANTS = ("dis", "dec")
SKETCH_DOWNSAMPLERS = ("bilinear", "min_pool")
SKETCH_NORMALIZATIONS = ("binary", "grey")


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and (n & (n - 1)) == 0


@dataclass
class S2FGANConfig:
    """Architecture of an S2FGAN model.

    Args:
        image_size: output (and photo) resolution in pixels; a power of two, at least 8.
        sketch_input_size: resolution the sketch encoder sees. The official model downsamples its 256 px sketch
            to 128 px before encoding.
        sketch_downsample: how the sketch is brought from ``image_size`` to ``sketch_input_size``:
            ``"bilinear"`` then binarise at 0 (the official choice; it drops about half of 1 px strokes), or
            ``"min_pool"`` (keeps every stroke pixel; recommended for new training runs).
        sketch_normalization: how an input drawing is turned into the encoder's input (``image_processing``):
            ``"binary"`` (binarise, thin to 1 px: models trained on extracted edge maps only; the default, so
            older config.json files load unchanged) or ``"grey"`` (keep grey shading and stroke widths: models
            trained on drawing styles, ``sketch_normalization.py``). No tensor shape depends on it.
        latent_dim: size of the single style vector z shared by the whole decoder.
        attribute_names: the editable attributes, in vector order.
        variant: ``"dis"`` (S2F-DIS: additive, unit attribute directions) or ``"dec"`` (S2F-DEC: the attribute
            mapping network M of semantic decomposition).
        attribute_range: the slider range ``(low, high)`` an attribute shift may take; the official code
            trains with shifts drawn from U(-4, 4).
        sketch_encoder_channels: channels of the sketch encoder's stem; each stage doubles it up to
            ``encoder_max_channels``.
        image_encoder_channels: same for the image encoder.
        encoder_max_channels: cap on encoder channels.
        head_mlp_layers: layers of each multi-scale head MLP (1 projection + the rest latent->latent).
        refine_mlp_layers: layers of the MLP that refines the averaged head outputs.
        mlp_lr_mul: learning-rate multiplier of the encoder MLPs (they play StyleGAN's mapping network role).
        decoder_channel_base / decoder_max_channels: decoder channels at resolution r are
            ``min(decoder_max_channels, decoder_channel_base // r)`` (official: 16384 and 512).
        discriminator_channel_base / discriminator_max_channels: same rule for the image discriminator.
        blur_kernel: the separable FIR kernel of every blur / up / down step.
        mapping_hidden: channels of the S2F-DEC attribute mapping network blocks.
        mapping_blocks: number of blocks in the attribute mapping network.
        latent_discriminator_hidden: width of the latent discriminator's hidden layer.
        grl_beta: gradient-reversal factor in front of the latent discriminator.
    """

    image_size: int = 256
    sketch_input_size: int = 128
    sketch_downsample: str = "bilinear"
    sketch_normalization: str = "binary"
    latent_dim: int = 512
    attribute_names: tuple[str, ...] = PAPER_ATTRIBUTES
    variant: str = "dis"
    attribute_range: tuple[float, float] = (-4.0, 4.0)
    sketch_encoder_channels: int = 128
    image_encoder_channels: int = 64
    encoder_max_channels: int = 512
    head_mlp_layers: int = 4
    refine_mlp_layers: int = 5
    mlp_lr_mul: float = 0.01
    decoder_channel_base: int = 16384
    decoder_max_channels: int = 512
    discriminator_channel_base: int = 16384
    discriminator_max_channels: int = 512
    blur_kernel: tuple[int, ...] = (1, 3, 3, 1)
    mapping_hidden: int = 64
    mapping_blocks: int = 4
    latent_discriminator_hidden: int = 512
    grl_beta: float = 1.0
    preset: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # JSON has no tuples: config.json gives lists back, so normalise them here.
        self.attribute_names = tuple(str(a) for a in self.attribute_names)
        self.attribute_range = tuple(float(v) for v in self.attribute_range)  # type: ignore[assignment]
        self.blur_kernel = tuple(int(v) for v in self.blur_kernel)
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field that is out of its accepted range."""
        for name in ("image_size", "sketch_input_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or not _is_power_of_two(value) or value < 8:
                raise ValueError(f"{name} must be a power of two >= 8, got {value!r}")
        if self.sketch_input_size > self.image_size:
            raise ValueError(
                f"sketch_input_size ({self.sketch_input_size}) cannot exceed image_size ({self.image_size})"
            )
        if self.sketch_downsample not in SKETCH_DOWNSAMPLERS:
            raise ValueError(f"sketch_downsample must be one of {SKETCH_DOWNSAMPLERS}, got {self.sketch_downsample!r}")
        if self.sketch_normalization not in SKETCH_NORMALIZATIONS:
            raise ValueError(
                f"sketch_normalization must be one of {SKETCH_NORMALIZATIONS}, got {self.sketch_normalization!r}"
            )
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if len(self.attribute_names) == 0:
            raise ValueError("attribute_names must name at least one attribute")
        if len(set(self.attribute_names)) != len(self.attribute_names):
            raise ValueError(f"attribute_names has duplicates: {list(self.attribute_names)}")
        if len(self.attribute_range) != 2 or not self.attribute_range[0] < 0 < self.attribute_range[1]:
            raise ValueError(f"attribute_range must be (low, high) with low < 0 < high, got {self.attribute_range}")
        for name in (
            "latent_dim",
            "sketch_encoder_channels",
            "image_encoder_channels",
            "encoder_max_channels",
            "head_mlp_layers",
            "refine_mlp_layers",
            "decoder_channel_base",
            "decoder_max_channels",
            "discriminator_channel_base",
            "discriminator_max_channels",
            "mapping_hidden",
            "mapping_blocks",
            "latent_discriminator_hidden",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if len(self.blur_kernel) < 2:
            raise ValueError(f"blur_kernel needs at least 2 taps, got {self.blur_kernel}")

    # ----------------------------------------------------------------------------------------------
    # Derived sizes
    @property
    def num_attributes(self) -> int:
        return len(self.attribute_names)

    @property
    def log_size(self) -> int:
        return int(math.log2(self.image_size))

    def decoder_channels(self, resolution: int) -> int:
        return min(self.decoder_max_channels, max(1, self.decoder_channel_base // resolution))

    def discriminator_channels(self, resolution: int) -> int:
        return min(self.discriminator_max_channels, max(1, self.discriminator_channel_base // resolution))

    def attribute_index(self, name: str) -> int:
        """Position of ``name`` in the attribute vector; ``ValueError`` listing valid names otherwise."""
        try:
            return self.attribute_names.index(name)
        except ValueError:
            raise ValueError(
                f"unknown attribute {name!r}; this model knows: {', '.join(self.attribute_names)}"
            ) from None

    # ----------------------------------------------------------------------------------------------
    # Serialisation
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> S2FGANConfig:
        """Build a config from a dict (e.g. a parsed config.json); unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown S2FGANConfig field(s): {unknown}; accepted: {sorted(known)}")
        return cls(**data)

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> S2FGANConfig:
        """A named preset (see ``PRESETS``), optionally with some fields overridden."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; available: {', '.join(PRESETS)}")
        data = {**PRESETS[name], **overrides, "preset": name}
        return cls(**data)


# Named presets. ``paper-256`` reproduces the official network sizes; the smaller ones train and run on a CPU.
PRESETS: dict[str, dict[str, Any]] = {
    "paper-256": {},
    "fast-128": dict(
        image_size=128,
        sketch_input_size=128,
        sketch_downsample="min_pool",
        latent_dim=256,
        sketch_encoder_channels=32,
        image_encoder_channels=32,
        encoder_max_channels=256,
        decoder_channel_base=8192,
        decoder_max_channels=256,
        discriminator_channel_base=4096,
        discriminator_max_channels=256,
        latent_discriminator_hidden=256,
    ),
    "fast-64": dict(
        image_size=64,
        sketch_input_size=64,
        sketch_downsample="min_pool",
        latent_dim=256,
        sketch_encoder_channels=32,
        image_encoder_channels=32,
        encoder_max_channels=256,
        decoder_channel_base=4096,
        decoder_max_channels=256,
        discriminator_channel_base=2048,
        discriminator_max_channels=256,
        latent_discriminator_hidden=256,
    ),
    # What a 2-core CPU can train in about an hour (the bundled default checkpoint's architecture).
    "cpu-64": dict(
        image_size=64,
        sketch_input_size=64,
        sketch_downsample="min_pool",
        latent_dim=128,
        sketch_encoder_channels=16,
        image_encoder_channels=16,
        encoder_max_channels=128,
        head_mlp_layers=2,
        refine_mlp_layers=3,
        mlp_lr_mul=0.1,  # 0.01 leaves the encoders' MLPs nearly frozen over a one-hour run
        decoder_channel_base=2048,
        decoder_max_channels=128,
        discriminator_channel_base=1024,
        discriminator_max_channels=128,
        mapping_hidden=32,
        latent_discriminator_hidden=128,
    ),
    # For unit tests only: runs a forward pass in milliseconds.
    "tiny-32": dict(
        image_size=32,
        sketch_input_size=32,
        sketch_downsample="min_pool",
        latent_dim=32,
        sketch_encoder_channels=8,
        image_encoder_channels=8,
        encoder_max_channels=32,
        head_mlp_layers=2,
        refine_mlp_layers=2,
        decoder_channel_base=256,
        decoder_max_channels=32,
        discriminator_channel_base=256,
        discriminator_max_channels=32,
        mapping_hidden=8,
        mapping_blocks=2,
        latent_discriminator_hidden=32,
    ),
}
