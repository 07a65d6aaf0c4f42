"""s2fgan-hf: S2FGAN sketch-to-face translation with attribute sliders (Yang et al., WACV 2022), Hub-ready."""

from .config import PAPER_ATTRIBUTES, PRESETS, S2FGANConfig
from .hub import CheckpointError
from .modeling_discriminator import S2FGANDiscriminator
from .modeling_s2fgan import S2FGAN

__version__ = "0.1.0"

__all__ = ["PAPER_ATTRIBUTES", "PRESETS", "CheckpointError", "S2FGAN", "S2FGANConfig", "S2FGANDiscriminator"]
