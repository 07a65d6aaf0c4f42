"""Attribute shifts: every accepted form -> one validated [B, n] tensor, or a ``ValueError`` that names the problem.

``attribute_shifts`` is the single place that checks attribute input for the Python API (``S2FGAN.attribute_vector``,
``edit``, ``generate``, ``forward``); it is public so that other front ends (the app) can validate slider values
with the same rules and messages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

# A mapping {"Smiling": 1.5}, n numbers, a [B, n] tensor/array/nested list, a list of mappings (one per row), None.
Attributes = Mapping[str, float] | Sequence[float] | Sequence[Mapping[str, float]] | torch.Tensor | np.ndarray | None

_FORMS = (
    "a mapping like {{'Smiling': 1.5}}, a sequence of {n} numbers, a [B, {n}] tensor (one row per sketch), "
    "a list of mappings (one per sketch) or None"
)


def _number(value: Any, label: str, value_range: tuple[float, float]) -> float:
    """``value`` as a float (ints, floats, numpy scalars, one-element tensors, numeric strings), else ValueError.

    Booleans are refused: ``True`` is no slider value (JSON ``true`` from an API caller is a mistake, not 1).
    """
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError("a boolean is no number")
        return float(value)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        low, high = value_range
        raise ValueError(
            f"{label} must be a number in this model's slider range [{low:g}, {high:g}], got {value!r:.60}"
        ) from None


def _row_from_mapping(
    values: Mapping[Any, Any], names: Sequence[str], value_range: tuple[float, float]
) -> list[float]:
    row = [0.0] * len(names)
    for name, value in values.items():
        if name not in names:
            raise ValueError(f"unknown attribute {name!r}; this model knows: {', '.join(names)}")
        row[names.index(name)] = _number(value, f"attribute {name!r}", value_range)
    return row


def _named(attributes: Any) -> bool:
    """Whether ``attributes`` names its values (a mapping or a list of mappings), so positions mean nothing."""
    if isinstance(attributes, Mapping):
        return True
    return isinstance(attributes, (list, tuple)) and bool(attributes) and isinstance(attributes[0], Mapping)


def _rows(attributes: Any, names: Sequence[str], value_range: tuple[float, float]) -> torch.Tensor:
    """Any accepted form except ``None`` -> float64 CPU tensor [rows, n] (values not yet range-checked).

    float64, so that a huge value such as 1e300 is reported as itself, not as the ``inf`` float32 would make it.
    """
    n = len(names)
    if isinstance(attributes, (str, bytes)):
        raise ValueError(f"attributes must be {_FORMS.format(n=n)}; got the string {attributes!r:.60}")
    if isinstance(attributes, Mapping):
        return torch.tensor([_row_from_mapping(attributes, names, value_range)], dtype=torch.float64)
    if isinstance(attributes, np.ndarray) and attributes.dtype.kind in "biuf":
        attributes = torch.from_numpy(attributes)
    if isinstance(attributes, torch.Tensor):
        if attributes.is_complex() or attributes.ndim not in (1, 2):
            raise ValueError(
                f"attribute shifts must be a real tensor of {n} values or [B, {n}], "
                f"got {attributes.dtype} of shape {tuple(attributes.shape)}"
            )
        vec = attributes.detach().to("cpu", torch.float64)
        return vec[None] if vec.ndim == 1 else vec
    if isinstance(attributes, np.ndarray):
        attributes = attributes.tolist()
    if not isinstance(attributes, Sequence):
        raise ValueError(f"attributes must be {_FORMS.format(n=n)}; got {type(attributes).__name__}")
    items = list(attributes)
    if items and all(isinstance(item, Mapping) for item in items):
        return torch.tensor([_row_from_mapping(item, names, value_range) for item in items], dtype=torch.float64)
    nested = [isinstance(item, (Sequence, np.ndarray, torch.Tensor)) and not isinstance(item, str) for item in items]
    if any(nested) and not all(nested):
        raise ValueError(f"attributes mixes numbers and rows; pass {_FORMS.format(n=n)}")
    rows = [list(item) for item in items] if items and all(nested) else [items]
    table = []
    for r, row in enumerate(rows):
        where = f"row {r}, " if len(rows) > 1 else ""
        labels = [f"attribute {names[i]!r} ({where}position {i})" if i < n else "" for i in range(len(row))]
        table.append([_number(v, labels[i] or f"attribute position {i}", value_range) for i, v in enumerate(row)])
    if any(len(row) != len(table[0]) for row in table):
        raise ValueError(f"attribute rows have different lengths: {[len(row) for row in table]}")
    return torch.tensor(table, dtype=torch.float64)


def attribute_shifts(
    attributes: Attributes,
    names: Sequence[str],
    value_range: tuple[float, float],
    batch_size: int = 1,
) -> torch.Tensor:
    """Validate attribute shifts and return them as a float32 CPU tensor [batch_size, len(names)].

    Args:
        attributes: a mapping ``{"Smiling": 1.5}`` (unnamed attributes stay 0), a sequence (or 1-D tensor/array)
            of ``len(names)`` numbers, a [B, len(names)] tensor/array/nested list with one row per sketch, a list
            of mappings (one per sketch), or ``None`` (no edit).
        names: the model's attribute names, in vector order.
        value_range: the accepted ``(low, high)`` of every shift (the model's slider range).
        batch_size: rows wanted; a single row is repeated, otherwise the row count must equal ``batch_size``.

    Raises:
        ValueError: naming the attribute (and its position/row) for a value that is not a number, not finite or
            outside ``value_range``; listing the valid names for an unknown one; giving the expected shape for a
            wrong number of values or rows, and the accepted forms for anything else (a bare string, ...).
    """
    n = len(names)
    if attributes is None:
        return torch.zeros(batch_size, n)
    vec = _rows(attributes, tuple(names), value_range)
    if vec.shape[1] != n:
        raise ValueError(f"attribute shifts must have {n} values ({', '.join(names)}), got shape {tuple(vec.shape)}")
    low, high = value_range
    bad = ~torch.isfinite(vec) | (vec < low) | (vec > high)
    if bad.any():
        r, i = (int(v) for v in bad.nonzero()[0])
        value = vec[r, i].item()
        where = f"row {r}" if vec.shape[0] > 1 else ""
        if not _named(attributes):
            where = f"{where}, position {i}" if where else f"position {i}"
        label = f"attribute {names[i]!r}" + (f" ({where})" if where else "")
        if not math.isfinite(value):
            raise ValueError(f"{label} must be a finite number, got {value}; slider range [{low:g}, {high:g}]")
        raise ValueError(f"{label} = {value:g} is outside this model's slider range [{low:g}, {high:g}]")
    vec, rows = vec.float(), vec.shape[0]
    if rows == 1:
        return vec.expand(batch_size, n).clone()
    if rows != batch_size:
        form = "attribute dicts" if _named(attributes) else "rows of attribute shifts"
        raise ValueError(
            f"got {rows} {form} for {batch_size} sketches; pass one row (applied to every sketch) or one per sketch"
        )
    return vec
