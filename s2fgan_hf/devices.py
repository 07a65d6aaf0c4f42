"""One place that turns a user's device argument (``map_location``, ``device``) into a usable ``torch.device``."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device | int | None, argument: str = "device") -> torch.device:
    """``device`` as a ``torch.device`` this machine can use; ``None`` means CPU.

    Raises ``ValueError`` for something that is no device (``"gpu"``, a list, ...) and ``RuntimeError`` saying
    what is missing when the device does not exist here (``"cuda"`` without CUDA, ``"cuda:3"`` with one GPU,
    ``"mps"`` off Apple silicon). ``argument`` is the parameter name the messages use.
    """
    if device is None:
        return torch.device("cpu")
    if isinstance(device, bool) or not isinstance(device, (str, torch.device, int)):
        raise ValueError(f"{argument} must be a device such as 'cpu' or 'cuda', got {device!r}")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise ValueError(
            f"{argument}={device!r} is not a torch device; use e.g. 'cpu', 'cuda', 'cuda:0' or 'mps'"
        ) from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"{argument}={device!r} asks for CUDA, but CUDA is not available on this machine "
                f"(torch.cuda.is_available() is False; this torch build is {torch.__version__}); "
                f"use {argument}='cpu'"
            )
        count = torch.cuda.device_count()
        if resolved.index is not None and resolved.index >= count:
            raise RuntimeError(f"{argument}={device!r}: this machine has {count} CUDA device(s) (cuda:0..{count - 1})")
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(f"{argument}={device!r} asks for Apple MPS, which is not available here; use 'cpu'")
    return resolved
