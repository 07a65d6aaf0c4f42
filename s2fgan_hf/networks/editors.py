"""The attribute editors by ``S2FGANConfig.variant``: the one place that maps a variant name to its editor class.

Add an editor with one line here (or ``register_editor`` from your own code, before building a model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .attribute_directions import DirectionalEditor
from .attribute_editor import AttributeEditor
from .attribute_mapping import AttributeMappingNetwork

if TYPE_CHECKING:
    from ..config import S2FGANConfig
    from .attribute_directions import AttributeDirections

EDITORS: dict[str, type[AttributeEditor]] = {
    "dis": DirectionalEditor,  # S2F-DIS: additive edits along C's orthonormal directions
    "dec": AttributeMappingNetwork,  # S2F-DEC: the semantic-decomposition network M
}


def register_editor(name: str, editor: type[AttributeEditor]) -> type[AttributeEditor]:
    """Make ``editor`` the editor of ``S2FGANConfig(variant=name)`` (replacing any of that name); returns it."""
    if not isinstance(editor, type) or not issubclass(editor, AttributeEditor):
        raise TypeError(f"an editor must be an AttributeEditor subclass, got {editor!r}")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"an editor name must be a non-empty string, got {name!r}")
    EDITORS[name] = editor
    return editor


def editor_class(variant: str) -> type[AttributeEditor]:
    """The editor class registered as ``variant``; ``ValueError`` naming the registered ones otherwise."""
    if variant not in EDITORS:
        raise ValueError(
            f"variant must be one of {tuple(EDITORS)}, got {variant!r}; an editor of your own must be registered "
            "(networks.register_editor) before a model that uses it is built or loaded"
        )
    return EDITORS[variant]


def build_editor(config: S2FGANConfig, probe: AttributeDirections) -> AttributeEditor:
    """The editor of ``config.variant``, built for ``config`` around the bundle's probe C."""
    return editor_class(config.variant).from_config(config, probe)
