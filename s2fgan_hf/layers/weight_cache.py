"""Reuse weights derived from parameters (scaled, cast, squared) across inference calls.

Equalized-lr layers multiply their stored weights by a constant in every forward pass, and a bf16 path needs
them cast too. During training that work must be redone each step (the graph needs it), but at inference the
parameters do not change between calls, so the derived tensor is cached. The cache key holds the parameter's
storage pointer and its in-place version counter, so an optimizer step, ``load_state_dict`` or ``.to()``
invalidates it automatically.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch
from torch import nn

_ENABLED = True


@contextlib.contextmanager
def weight_cache_disabled() -> Iterator[None]:
    """Rebuild derived weights on every call (the plain eager behaviour; used as the benchmark reference)."""
    global _ENABLED
    previous, _ENABLED = _ENABLED, False
    try:
        yield
    finally:
        _ENABLED = previous


def derived_weight(
    module: nn.Module, name: str, source: torch.Tensor, dtype: torch.dtype, build: Callable[[], torch.Tensor]
) -> torch.Tensor:
    """``build().to(dtype)``, cached on ``module`` while gradients are off (fresh, with autograd, otherwise)."""
    if not _ENABLED or (torch.is_grad_enabled() and source.requires_grad):
        return build().to(dtype)
    key = (source.data_ptr(), source._version, source.device, dtype)
    cache: dict = module.__dict__.setdefault("_derived_weight_cache", {})
    hit = cache.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = build().detach().to(dtype)
    cache[name] = (key, value)
    return value
