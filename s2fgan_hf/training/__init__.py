"""Training building blocks for ``train_accelerate.py``: settings, steps, EMA, augmentation, checkpoints, samples.

Importing this package needs ``accelerate`` only for ``tracking``; everything else is plain PyTorch.
"""

from .augment import AdaptiveAugment, DiffAugment, NoAugment, build_augment
from .ema import DEFAULT_EMA_DECAY, GeneratorEMA
from .modules import DiscriminatorOutputs, DiscriminatorSide, GeneratorOutputs, GeneratorSide
from .steps import StepConfig, build_optimizers, discriminator_step, generator_step, sample_attribute_shifts
from .train_config import TrainConfig, TrainConfigError, run_record

__all__ = [
    "DEFAULT_EMA_DECAY",
    "AdaptiveAugment",
    "DiffAugment",
    "DiscriminatorOutputs",
    "DiscriminatorSide",
    "GeneratorEMA",
    "GeneratorOutputs",
    "GeneratorSide",
    "NoAugment",
    "StepConfig",
    "TrainConfig",
    "TrainConfigError",
    "build_augment",
    "build_optimizers",
    "discriminator_step",
    "generator_step",
    "run_record",
    "sample_attribute_shifts",
]
