"""Checks on checkpoint files that run before (or right after) their tensors are read.

``read_safetensors_header`` parses only the JSON header of a ``.safetensors`` file (a few kB), so the names,
shapes and dtypes of the stored tensors can be compared with what the config implies (``tensor_specs`` of a model
built on the ``meta`` device) before anything large is allocated. ``check_specs`` names every missing,
unexpected, mis-shaped or wrongly typed tensor; ``check_finite`` names tensors holding NaN or infinity.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

# safetensors caps its own header at 100 MB; a larger length prefix is a corrupt file, not something to read.
MAX_HEADER_BYTES = 100 * 1024 * 1024

# safetensors dtype codes -> bytes per element.
SAFETENSORS_ITEMSIZE: dict[str, int] = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U64": 8,
    "U32": 4,
    "U16": 2,
    "U8": 1,
    "BOOL": 1,
}
FLOAT_CODES = frozenset({"F64", "F32", "F16", "BF16"})
TORCH_CODES: dict[torch.dtype, str] = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be loaded into the model as it is configured."""


@dataclass(frozen=True)
class TensorSpec:
    """Shape and safetensors dtype code (``"F32"``, ``"I32"``, ...) of one stored or expected tensor."""

    shape: tuple[int, ...]
    dtype: str


def _corrupt(path: str, why: str) -> CheckpointError:
    return CheckpointError(
        f"could not read {path}: {why}. The file is truncated or corrupt; save or download it again."
    )


def read_safetensors_header(path: str | os.PathLike) -> dict[str, TensorSpec]:
    """Names -> ``TensorSpec`` of the tensors in a safetensors file, from its header only (no tensor data read).

    Raises ``CheckpointError`` ("truncated or corrupt") when the header is unreadable or the data it describes
    does not fit the file.
    """
    path = os.fspath(path)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise _corrupt(path, f"the file has {size} bytes, too few for a safetensors header")
        (length,) = struct.unpack("<Q", prefix)
        if length > min(MAX_HEADER_BYTES, size - 8):
            raise _corrupt(path, f"its header claims {length} bytes but the file has {size}")
        raw = f.read(length)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _corrupt(path, f"its header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise _corrupt(path, "its header is not a JSON object")
    data_bytes = size - 8 - length
    specs: dict[str, TensorSpec] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = entry["dtype"], tuple(entry["shape"]), entry["data_offsets"]
            valid = dtype in SAFETENSORS_ITEMSIZE and all(isinstance(d, int) and d >= 0 for d in shape)
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid:
            raise _corrupt(path, f"the header entry of tensor {name!r} is malformed: {entry!r:.200}")
        numel = 1
        for d in shape:
            numel *= d
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= data_bytes):
            raise _corrupt(path, f"tensor {name!r} lies outside the file's {data_bytes} data bytes")
        if end - begin != numel * SAFETENSORS_ITEMSIZE[dtype]:
            raise _corrupt(path, f"tensor {name!r} {dtype}{list(shape)} does not match its byte range")
        specs[name] = TensorSpec(shape, dtype)
    return specs


def tensor_specs(state: Mapping[str, torch.Tensor]) -> dict[str, TensorSpec]:
    """``TensorSpec`` of every tensor of a state dict (works on ``meta`` tensors: no data is touched)."""
    return {k: TensorSpec(tuple(v.shape), TORCH_CODES.get(v.dtype, str(v.dtype))) for k, v in state.items()}


class _ShapesOnly(TorchFunctionMode):
    """Tensor factories with a size (``empty``, ``zeros``, ``ones``, ``full``, ``randn``, ``rand``) make ``meta``
    tensors, and in-place operations on ``meta`` tensors (initialisers, ``div_``, ``fill_``: they never change a
    shape) are skipped; everything else runs as usual.

    ``torch.device("meta")`` would allocate nothing either, but computing on ``meta`` tensors (even a ``div_``)
    imports torch's Python decompositions (sympy and about 500 modules: 1-4 s on the first load of a process).
    """

    FACTORIES = (torch.empty, torch.zeros, torch.ones, torch.full)
    RANDOM_FACTORIES = (torch.randn, torch.rand)

    def __torch_function__(self, func: Callable, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = dict(kwargs or {})
        if func in self.RANDOM_FACTORIES:
            func = torch.empty
        if func in self.FACTORIES:
            kwargs["device"] = "meta"
        name = getattr(func, "__name__", "")
        if name.endswith("_") and not name.endswith("__") and args and getattr(args[0], "is_meta", False):
            return args[0]
        return func(*args, **kwargs)


def expected_specs(build: Callable[[], nn.Module]) -> dict[str, TensorSpec]:
    """``TensorSpec`` of the state dict of the module ``build()`` makes, with every sized tensor on ``meta``.

    Nothing large is allocated, whatever the config: compare the result with ``read_safetensors_header`` before
    building the real model.
    """
    with _ShapesOnly():
        return tensor_specs(build().state_dict())


def check_specs(
    expected: Mapping[str, TensorSpec],
    found: Mapping[str, TensorSpec],
    source: str,
    model_name: str,
    check_dtypes: bool = True,
) -> None:
    """``CheckpointError`` listing missing, unexpected, mis-shaped and (optionally) wrongly typed tensors.

    A floating-point tensor may be stored in any floating format (F16/BF16/F32/F64: loading casts it); an
    integer or boolean tensor where the model has a float one, or the reverse, is an error.
    """
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    common = sorted(set(expected) & set(found))
    mismatched = [
        f"{k}: checkpoint {found[k].shape} vs model {expected[k].shape}"
        for k in common
        if found[k].shape != expected[k].shape
    ]
    wrong_type = []
    if check_dtypes:
        for k in common:
            want, got = expected[k].dtype, found[k].dtype
            if (want in FLOAT_CODES and got not in FLOAT_CODES) or (want not in FLOAT_CODES and got != want):
                kind = "floating-point" if want in FLOAT_CODES else want
                wrong_type.append(f"{k}: checkpoint {got} vs model {want} ({kind} expected)")
    problems = []
    if missing:
        problems.append(f"missing tensors ({len(missing)}): {', '.join(missing[:20])}")
    if unexpected:
        problems.append(f"unexpected tensors ({len(unexpected)}): {', '.join(unexpected[:20])}")
    if mismatched:
        problems.append(f"shape mismatches ({len(mismatched)}): {'; '.join(mismatched[:20])}")
    if wrong_type:
        problems.append(f"dtype mismatches ({len(wrong_type)}): {'; '.join(wrong_type[:20])}")
    if problems:
        raise CheckpointError(
            f"weights in {source} do not fit {model_name} as configured by its config.json: " + " | ".join(problems)
        )


def check_finite(state: Mapping[str, torch.Tensor], source: str) -> None:
    """``CheckpointError`` naming the floating-point tensors of ``state`` that hold NaN or infinity."""
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(
            f"weights in {source} hold NaN or infinite values in {len(bad)} tensor(s): {', '.join(bad[:20])}. "
            "The checkpoint is broken (e.g. saved after training diverged); use an earlier one."
        )
