"""The S2FGAN networks, named as in the paper."""

from .attribute_critic import AttributeCritic
from .attribute_directions import AttributeDirections, DirectionalEditor
from .attribute_editor import AttributeEditor, EditorOutputs
from .attribute_mapping import AttributeMappingNetwork
from .decoder import Decoder
from .editors import EDITORS, build_editor, editor_class, register_editor
from .encoders import ImageEncoder, SketchEncoder
from .image_discriminator import ImageDiscriminator
from .latent_discriminator import LatentDiscriminator
from .sketch_reader import SketchReader

__all__ = [
    "EDITORS",
    "AttributeCritic",
    "AttributeDirections",
    "AttributeEditor",
    "AttributeMappingNetwork",
    "Decoder",
    "DirectionalEditor",
    "EditorOutputs",
    "ImageDiscriminator",
    "ImageEncoder",
    "LatentDiscriminator",
    "SketchEncoder",
    "SketchReader",
    "build_editor",
    "editor_class",
    "register_editor",
]
