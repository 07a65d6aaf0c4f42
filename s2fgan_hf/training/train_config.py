"""``TrainConfig``: every setting of a training run that is not architecture (that is ``S2FGANConfig``).

``train_accelerate.py``'s flags fill it (one flag per field, named like it; ``loss_weights`` from the
``--lambda_<term>`` flags), the defaults live here only, and it is saved as ``training_args.json`` in each
checkpoint and in ``final/`` (``run_record``: the model's real preset, variant and resolution, and the loss weights
actually used). Errors name fields, not flags: ``TrainConfigError`` says which, so the script can name its flags.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config import PRESETS, S2FGANConfig
from ..data.sketch_styles import MAX_FRAMING_JITTER, STYLES
from ..losses import LossWeights
from ..networks.editors import EDITORS
from .augment import AUGMENT_KINDS
from .data import PHOTO_FORMATS
from .ema import DEFAULT_EMA_DECAY
from .perceptual import PERCEPTUAL_KINDS
from .steps import StepConfig

MIXED_PRECISIONS = ("no", "fp16", "bf16")
REPORT_TO = ("all", "jsonl", "tensorboard", "none")


def _literal(value: Any) -> str:
    """``repr(value)`` safe inside a ``TrainConfigError`` problem (its braces are not placeholders)."""
    return repr(value).replace("{", "{{").replace("}", "}}")


class TrainConfigError(ValueError):
    """A ``TrainConfig`` setting that cannot work. ``problem`` names the settings with ``{0}``, ``{1}``, ...
    placeholders for ``fields``, so that a command line can put its own names in (``message(names)``)."""

    def __init__(self, fields: Sequence[str], problem: str) -> None:
        self.fields, self.problem = tuple(fields), problem
        super().__init__(self.message())

    def message(self, names: dict[str, str] | None = None) -> str:
        """The problem with each field written as ``names[field]`` (default: the field name)."""
        return self.problem.format(*[(names or {}).get(f, f) for f in self.fields])


def _style_ids(styles: tuple[str, ...] | None) -> tuple[int, ...] | None:
    """Style names -> their ``STYLES`` indices (``None`` stays ``None``: every style)."""
    return None if styles is None else tuple(STYLES.index(s) for s in styles)


@dataclass
class TrainConfig:
    """The settings of one training run (see ``docs/training.md`` for what each does).

    Groups: the model (a new one from ``preset``/``resolution``/``variant``, or ``pretrained_model_name_or_path``);
    the data (``train_data_dir`` or ``photo_dir``); optimisation (batch, steps, precision, R1, augmentation,
    training edits, EMA, ``loss_weights``: overrides of the editor's default weights by ``LossWeights`` term name,
    perceptual loss); logging, checkpoints and the Hub. ``choices()`` lists the accepted values of the enumerated
    fields.
    """

    # model
    pretrained_model_name_or_path: str | None = None
    preset: str = "fast-128"
    resolution: int | None = None
    variant: str | None = None  # None: the pretrained model's editor, or "dis" for a new model
    # data
    train_data_dir: str | None = None
    photo_dir: str | None = None
    photo_format: str = "celeba"
    data_augment: bool = True
    sketch_styles: tuple[str, ...] | None = None
    style_weights: tuple[float, ...] | None = None
    style_moment_styles: tuple[str, ...] | None = None  # the styles --lambda_style_moments covers (None: all)
    sketch_anchor_styles: tuple[str, ...] | None = None  # the styles --lambda_sketch_anchor holds (None: all)
    sketch_framing_jitter: float = 0.0  # move each training drawing in its frame by up to this (0: aligned)
    freeze_photo_branch: bool = False
    freeze_sketch_reader: bool = False
    train_editor_only: bool = False
    train_decoder_only: bool = False
    dataloader_num_workers: int = 0
    # optimisation
    output_dir: str = "s2fgan-out"
    seed: int = 0
    train_batch_size: int = 4
    max_train_steps: int = 10000
    max_train_minutes: float | None = None
    gradient_accumulation_steps: int = 1
    learning_rate: float = 0.002
    critic_learning_rate: float | None = None  # the attribute critic's (None: learning_rate)
    # Linear ramp of both optimizers' rates from 0 over the first N steps of the run (0: none). For fine-tuning a
    # converged model with a fresh optimizer, whose first full-rate Adam steps shake it (docs/training.md §12).
    lr_warmup_steps: int = 0
    mixed_precision: str | None = None
    cpu: bool = False
    allow_tf32: bool = False
    find_unused_parameters: bool = False
    r1_gamma: float = 1.0
    d_reg_every: int = 16
    d_augment: str = "ada"
    ada_target: float = 0.6
    ada_kimg: float = 500.0
    attr_shift_max: float = 4.0
    attr_shift_prob: float = 0.5
    attr_one_hot_prob: float = 0.5
    ema_decay: float = DEFAULT_EMA_DECAY
    ema_warmup: bool = True
    loss_weights: dict[str, float] = field(default_factory=dict)
    perceptual_loss: str = "auto"
    perceptual_weights: str | None = None
    perceptual_weights_filename: str = "model.safetensors"
    # logging, checkpoints, Hub
    logging_steps: int = 10
    report_to: str = "all"
    validation_steps: int = 500
    num_validation_images: int = 4
    checkpointing_steps: int = 1000
    checkpoints_total_limit: int | None = None
    resume_from_checkpoint: str | None = None
    push_to_hub: bool = False
    hub_model_id: str | None = None
    hub_token: str | None = field(default=None, repr=False)
    hub_private_repo: bool = False

    @staticmethod
    def choices() -> dict[str, tuple[Any, ...]]:
        """The accepted values of the enumerated fields (``variant``: the editors registered now)."""
        return {
            "preset": tuple(sorted(PRESETS)),
            "variant": tuple(EDITORS),
            "photo_format": PHOTO_FORMATS,
            "sketch_styles": STYLES,
            "style_moment_styles": STYLES,
            "sketch_anchor_styles": STYLES,
            "mixed_precision": MIXED_PRECISIONS,
            "d_augment": AUGMENT_KINDS,
            "perceptual_loss": PERCEPTUAL_KINDS,
            "report_to": REPORT_TO,
        }

    def __post_init__(self) -> None:
        for name in (
            "sketch_styles",
            "style_weights",
            "style_moment_styles",
            "sketch_anchor_styles",
        ):  # argparse gives lists, JSON too
            if getattr(self, name) is not None:
                setattr(self, name, tuple(getattr(self, name)))
        self.loss_weights = dict(self.loss_weights)
        self.validate()

    def validate(self) -> None:
        """Raise ``TrainConfigError`` for the first setting that cannot work."""
        for name, accepted in self.choices().items():
            values = getattr(self, name)
            for value in values if isinstance(values, tuple) else (values,):
                if value is not None and value not in accepted:
                    raise TrainConfigError([name], f"{{0}} must be one of {accepted}, got {_literal(value)}")
        if bool(self.train_data_dir) == bool(self.photo_dir):
            raise TrainConfigError(
                ["train_data_dir", "photo_dir"], "give exactly one of {0} (a prepared folder) or {1} (raw photos)"
            )
        if self.push_to_hub and not self.hub_model_id:
            raise TrainConfigError(["push_to_hub", "hub_model_id"], "{0} needs {1}")
        for name in ("train_batch_size", "max_train_steps", "gradient_accumulation_steps"):
            if getattr(self, name) < 1:
                raise TrainConfigError([name], f"{{0}} must be >= 1, got {getattr(self, name)}")
        for name in ("max_train_minutes", "critic_learning_rate"):
            value = getattr(self, name)
            if value is not None and not value > 0:  # also refuses nan
                raise TrainConfigError([name], f"{{0}} must be > 0, got {value}")
        for name in ("style_moment_styles", "sketch_anchor_styles"):
            chosen = getattr(self, name)
            if chosen is not None and not set(chosen) <= set(self.sketch_styles or ()):
                raise TrainConfigError(
                    [name, "sketch_styles"], "{0} must be some of the styles of {1}, which draws them"
                )
        if not 0.0 <= self.sketch_framing_jitter <= MAX_FRAMING_JITTER:  # also refuses nan
            raise TrainConfigError(
                ["sketch_framing_jitter"],
                f"{{0}} must be in [0, {MAX_FRAMING_JITTER}] (a fraction of the frame), "
                f"got {self.sketch_framing_jitter}",
            )
        if self.sketch_framing_jitter and not self.sketch_styles:
            raise TrainConfigError(
                ["sketch_framing_jitter", "sketch_styles"], "{0} moves the drawings of {1}: give both"
            )
        if self.lr_warmup_steps < 0:
            raise TrainConfigError(
                ["lr_warmup_steps"], f"{{0}} must be >= 0 (0: no warm-up), got {self.lr_warmup_steps}"
            )
        if self.d_reg_every < 0:
            raise TrainConfigError(["d_reg_every"], f"{{0}} must be >= 0 (0: no R1), got {self.d_reg_every}")
        for term, weight in self.loss_weights.items():
            if term not in LossWeights.names():
                raise TrainConfigError(
                    ["loss_weights"], f"{{0}} has an unknown term {_literal(term)}; accepted: {LossWeights.names()}"
                )
            if not (isinstance(weight, (int, float)) and math.isfinite(weight) and weight >= 0):
                raise TrainConfigError(
                    [f"loss_weights.{term}"], f"{{0}} must be a finite number >= 0, got {_literal(weight)}"
                )
        stages = [s for s in ("freeze_photo_branch", "train_editor_only", "train_decoder_only") if getattr(self, s)]
        if len(stages) > 1:
            raise TrainConfigError(stages, "{0} and {1} are different stages: give one of them")
        sketch_terms = [t for t in ("sketch_l1", "sketch_sem", "sketch_adv", "sketch_fm", "latent_moments",
                                       "style_moments", "sketch_anchor", "sketch_critic")
                        if self.loss_weights.get(t)]  # fmt: skip
        frozen_sketch_encoder = "train_editor_only" if self.train_editor_only else "train_decoder_only"
        if (self.train_editor_only or self.train_decoder_only) and sketch_terms:
            raise TrainConfigError(
                [frozen_sketch_encoder, *[f"loss_weights.{t}" for t in sketch_terms]],
                "{0} keeps the sketch encoder frozen and does not decode sketches: its sketch-branch terms ("
                + ", ".join(f"{{{i + 1}}}" for i in range(len(sketch_terms)))
                + ") are not used there; leave them at 0",
            )
        if self.loss_weights.get("reencoded_edit") and not (self.train_editor_only or self.train_decoder_only):
            raise TrainConfigError(
                ["loss_weights.reencoded_edit", "train_editor_only", "train_decoder_only"],
                "{0} reads edited faces back with a frozen image encoder, which only {1} and {2} have; leave it at 0",
            )
        if self.loss_weights.get("sketch_reencoded") and not (self.freeze_photo_branch or self.train_decoder_only):
            raise TrainConfigError(
                ["loss_weights.sketch_reencoded", "freeze_photo_branch", "train_decoder_only"],
                "{0} reads faces from sketches back with a frozen image encoder, which only {1} (training the sketch "
                "encoder) and {2} (training the decoder) have; leave it at 0",
            )
        if self.loss_weights.get("sketch_critic") and not (
            self.loss_weights.get("critic") and self.loss_weights.get("sketch_adv")
        ):
            raise TrainConfigError(
                ["loss_weights.sketch_critic", "loss_weights.critic", "loss_weights.sketch_adv"],
                "{0} judges the faces from sketches with the attribute critic, which learns only with {1} > 0 and "
                "reads only the faces the discriminator judges ({2} > 0); set both or leave {0} at 0",
            )
        if self.loss_weights.get("decoder_anchor") and not self.train_decoder_only:
            raise TrainConfigError(
                ["loss_weights.decoder_anchor", "train_decoder_only"], "{0} belongs to {1}; leave it at 0"
            )
        if self.perceptual_loss == "vgg19" and not self.perceptual_weights:
            raise TrainConfigError(
                ["perceptual_loss", "perceptual_weights"],
                "{0} 'vgg19' needs ImageNet VGG19 weights in {1} (a file or Hub id, torchvision vgg19 layout); "
                "or use {0} 'structural' or 'none'",
            )
        if self.perceptual_weights and self.perceptual_loss not in ("vgg19", "auto"):
            raise TrainConfigError(
                ["perceptual_weights", "perceptual_loss"], "{0} is only used by {1} 'vgg19' or 'auto'"
            )

    def resolve_loss_weights(self, variant: str) -> LossWeights:
        """The loss weights of a run of a ``variant`` model: its editor's defaults with ``loss_weights`` on top."""
        return LossWeights.for_variant(variant, **self.loss_weights)

    def step_config(self, weights: LossWeights) -> StepConfig:
        """The settings of the training steps, with ``weights`` (``resolve_loss_weights``)."""
        return StepConfig(
            weights,
            self.r1_gamma,
            self.d_reg_every,
            photo_branch_frozen=self.freeze_photo_branch,
            editor_only=self.train_editor_only,
            decoder_only=self.train_decoder_only,
            style_moment_styles=_style_ids(self.style_moment_styles),
            sketch_anchor_styles=_style_ids(self.sketch_anchor_styles),
        )

    def to_dict(self) -> dict[str, Any]:
        """All fields as JSON-ready values (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Inverse of ``to_dict`` (also of a ``run_record``); unknown keys are a ``TrainConfigError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise TrainConfigError([], f"unknown training settings {_literal(unknown)}")
        return cls(**data)


def run_record(config: TrainConfig, model_config: S2FGANConfig, weights: LossWeights) -> dict[str, Any]:
    """What a run writes as ``config.json`` and ``training_args.json``: ``config`` without the Hub token, with the
    trained model's own ``preset``, ``variant`` and ``resolution`` (a fine-tune takes them from the pretrained
    model, whatever ``preset`` defaulted to) and every loss weight used. ``TrainConfig.from_dict`` reads it back.
    """
    record = config.to_dict()
    record.update(
        preset=model_config.preset,
        variant=model_config.variant,
        resolution=model_config.image_size,
        loss_weights=weights.to_dict(),
        hub_token=None,
    )
    return record
