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

SKETCH_DOWNSAMPLERS = ("bilinear", "min_pool")
SKETCH_NORMALIZATIONS = ("binary", "grey")


# Upper bounds of ``S2FGANConfig.validate`` (see its docstring). Every preset is well inside them.
MAX_IMAGE_SIZE = 1024
MAX_ATTRIBUTES = 256
MAX_ATTRIBUTE_SHIFT = 100.0
MAX_LR_MUL = 10.0
MAX_GRL_BETA = 100.0
MAX_BLUR_TAPS = 16
MAX_BLUR_TAP = 2**16
MAX_CHANNELS = 2048
MAX_READBACK_STEPS = 16
# Settings of inference alone: no weight depends on them and training never reads them, so a run may resume from a
# checkpoint saved under other values (``training.checkpointing.check_resume_compatible``).
INFERENCE_SETTINGS = ("sketch_readback_steps", "sketch_readback_strength", "sketch_drawing_colours")
INT_BOUNDS: dict[str, int] = {
    "latent_dim": 4096,
    "sketch_encoder_channels": MAX_CHANNELS,
    "image_encoder_channels": MAX_CHANNELS,
    "encoder_max_channels": MAX_CHANNELS,
    "head_mlp_layers": 32,
    "refine_mlp_layers": 32,
    "decoder_channel_base": 2**20,
    "decoder_max_channels": MAX_CHANNELS,
    "discriminator_channel_base": 2**20,
    "discriminator_max_channels": MAX_CHANNELS,
    "mapping_hidden": MAX_CHANNELS,
    "mapping_blocks": 32,
    "latent_discriminator_hidden": MAX_CHANNELS,
}


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and (n & (n - 1)) == 0


def _is_int(value: Any) -> bool:
    """A real ``int`` (``bool`` is an ``int`` subclass in Python, but ``True`` is no channel count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_number(name: str, value: Any, low: float, high: float, low_inclusive: bool = True) -> None:
    """``ValueError`` naming ``name`` unless ``value`` is a finite number in [low, high] (or (low, high])."""
    valid = _is_number(value) and math.isfinite(value) and (value >= low if low_inclusive else value > low)
    if not valid or value > high:
        bracket = "[" if low_inclusive else "("
        raise ValueError(f"{name} must be a finite number in {bracket}{low:g}, {high:g}], got {value!r}")


def _sequence(name: str, value: Any, kind: type) -> list[Any]:
    """The elements of a list/tuple field as ``kind``; ``ValueError`` naming the field for anything else.

    ``kind`` is ``str`` (names), ``int`` (taps; bools and floats rejected) or ``float`` (ints and floats; bools
    rejected; finiteness is checked by ``validate``).
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of {kind.__name__} values, got {value!r:.80}")
    checks = {str: lambda v: isinstance(v, str), int: _is_int, float: _is_number}
    for position, item in enumerate(value):
        if not checks[kind](item):
            raise ValueError(f"{name}[{position}] must be of type {kind.__name__}, got {item!r}")
    return [kind(v) for v in value]


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
        sketch_normalization: how an input drawing is turned into the encoder's input (``image_processing.sketches``):
            ``"binary"`` (binarise, thin to 1 px: models trained on extracted edge maps only; the default, so
            older config.json files load unchanged) or ``"grey"`` (keep grey shading and stroke widths: models
            trained on drawing styles, ``image_processing/sketch_normalization.py``). No tensor shape depends on it.
        latent_dim: size of the single style vector z shared by the whole decoder.
        attribute_names: the editable attributes, in vector order.
        variant: the attribute editor, a name in ``networks.editors.EDITORS``: ``"dis"`` (S2F-DIS: additive,
            unit attribute directions), ``"dec"`` (S2F-DEC: the attribute mapping network M of semantic
            decomposition) or a registered one. Any name is a valid config; building a model checks that it is
            registered (this module may not import the networks).
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
        sketch_reader_width: 0 (the paper's sketch encoder; the default, so older config.json files load
            unchanged) or the feature count of a ``SketchReader`` whose features the sketch encoder fuses into its
            latent with one linear layer (``networks/sketch_reader.py``; not in the paper).
        sketch_readback_steps, sketch_readback_strength: the read-back correction of sketch latents at inference
            (``readback_correction``; not in the paper): steps in [0, 16] (0, the default, is off, so older
            config.json files load unchanged) of a strength in (0, 2]. No weight depends on them.
        sketch_drawing_colours: whether a drawing in colour lends its colours to its face as a look
            (``S2FGAN.sketch_latent``; ``looks.is_coloured_drawing`` decides; not in the paper). ``False``, the
            default, so older config.json files load unchanged. No weight depends on it.
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
    sketch_reader_width: int = 0
    sketch_readback_steps: int = 0
    sketch_readback_strength: float = 0.5
    sketch_drawing_colours: bool = False
    preset: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # JSON has no tuples: config.json gives lists back, so normalise them here (each element checked first).
        self.attribute_names = tuple(_sequence("attribute_names", self.attribute_names, str))
        self.attribute_range = tuple(_sequence("attribute_range", self.attribute_range, float))  # type: ignore[assignment]
        self.blur_kernel = tuple(_sequence("blur_kernel", self.blur_kernel, int))
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field that is out of its accepted range.

        Bounds (every preset, ``paper-256`` included, is well inside them; they stop a config that would load but
        render noise, or allocate absurd memory, e.g. from a hand-edited config.json):

        * ``image_size``, ``sketch_input_size``: powers of two in [8, 1024], ``sketch_input_size <= image_size``;
        * ``latent_dim``: [1, 4096]; encoder/decoder/discriminator channel widths and caps, ``mapping_hidden``,
          ``latent_discriminator_hidden``: [1, 2048]; ``*_channel_base``: [1, 2**20];
        * ``head_mlp_layers``, ``refine_mlp_layers``, ``mapping_blocks``: [1, 32];
        * ``mlp_lr_mul``: a finite number in (0, 10]; ``grl_beta``: a finite number in [0, 100];
        * ``attribute_range``: two finite numbers ``low < 0 < high`` with ``|v| <= 100``;
        * ``attribute_names``: 1 to 256 distinct, non-empty names;
        * ``blur_kernel``: 2 to 16 non-negative integer taps (each <= 2**16) with a positive sum.

        Integer fields must be ``int`` (``True``/``False`` and floats are rejected).
        """
        for name in ("image_size", "sketch_input_size"):
            value = getattr(self, name)
            if not _is_int(value) or not _is_power_of_two(value) or not 8 <= value <= MAX_IMAGE_SIZE:
                raise ValueError(f"{name} must be a power of two in [8, {MAX_IMAGE_SIZE}], got {value!r}")
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
        if not isinstance(self.variant, str) or not self.variant.strip():
            raise ValueError(f"variant must be the name of an attribute editor (e.g. 'dis'), got {self.variant!r}")
        if self.preset is not None and not isinstance(self.preset, str):
            raise ValueError(f"preset must be a preset name or None, got {self.preset!r}")
        self._validate_attributes()
        for name, high in INT_BOUNDS.items():
            value = getattr(self, name)
            if not _is_int(value) or not 1 <= value <= high:
                raise ValueError(f"{name} must be an integer in [1, {high}], got {value!r}")
        if not _is_int(self.sketch_reader_width) or not 0 <= self.sketch_reader_width <= MAX_CHANNELS:
            raise ValueError(
                f"sketch_reader_width must be 0 (no reader) or an integer in [1, {MAX_CHANNELS}], "
                f"got {self.sketch_reader_width!r}"
            )
        if not _is_int(self.sketch_readback_steps) or not 0 <= self.sketch_readback_steps <= MAX_READBACK_STEPS:
            raise ValueError(
                f"sketch_readback_steps must be an integer in [0, {MAX_READBACK_STEPS}] (0: no read-back correction), "
                f"got {self.sketch_readback_steps!r}"
            )
        _check_number("sketch_readback_strength", self.sketch_readback_strength, 0.0, 2.0, low_inclusive=False)
        if not isinstance(self.sketch_drawing_colours, bool):
            raise ValueError(f"sketch_drawing_colours must be true or false, got {self.sketch_drawing_colours!r}")
        _check_number("mlp_lr_mul", self.mlp_lr_mul, 0.0, MAX_LR_MUL, low_inclusive=False)
        _check_number("grl_beta", self.grl_beta, 0.0, MAX_GRL_BETA)
        taps = self.blur_kernel
        if not 2 <= len(taps) <= MAX_BLUR_TAPS:
            raise ValueError(f"blur_kernel must have 2 to {MAX_BLUR_TAPS} taps, got {len(taps)} taps")
        if any(t < 0 or t > MAX_BLUR_TAP for t in taps) or sum(taps) <= 0:
            raise ValueError(
                f"blur_kernel taps must be integers in [0, {MAX_BLUR_TAP}] with a positive sum "
                f"(e.g. [1, 3, 3, 1]), got {list(taps)}"
            )

    def _validate_attributes(self) -> None:
        names = self.attribute_names
        if not 1 <= len(names) <= MAX_ATTRIBUTES:
            raise ValueError(f"attribute_names must name 1 to {MAX_ATTRIBUTES} attributes, got {len(names)}")
        if any(not name.strip() for name in names):
            raise ValueError(f"attribute_names must be non-empty strings, got {list(names)}")
        if len(set(names)) != len(names):
            raise ValueError(f"attribute_names has duplicates: {list(names)}")
        bound = MAX_ATTRIBUTE_SHIFT
        low_high = self.attribute_range
        if (
            len(low_high) != 2
            or not all(math.isfinite(v) and abs(v) <= bound for v in low_high)
            or not low_high[0] < 0 < low_high[1]
        ):
            raise ValueError(
                f"attribute_range must be (low, high), finite, with -{bound:g} <= low < 0 < high <= {bound:g}, "
                f"got {list(low_high)}"
            )

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
