"""The S2FGAN networks, named as in the paper."""

from .attribute_directions import AttributeDirections
from .attribute_mapping import AttributeMappingNetwork
from .decoder import Decoder
from .encoders import ImageEncoder, SketchEncoder
from .image_discriminator import ImageDiscriminator
from .latent_discriminator import LatentDiscriminator

__all__ = [
    "AttributeDirections",
    "AttributeMappingNetwork",
    "Decoder",
    "ImageDiscriminator",
    "ImageEncoder",
    "LatentDiscriminator",
    "SketchEncoder",
]
