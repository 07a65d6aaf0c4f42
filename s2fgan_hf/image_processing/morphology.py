"""Batched binary morphology on stroke maps: hysteresis, Zhang-Suen thinning, small-component removal.

All functions take and return boolean tensors ``[B, 1, H, W]`` where ``True`` marks a stroke (edge) pixel, and
work on CPU or GPU with plain PyTorch ops (shifted slices, elementwise maxima and table lookups). Loops run until
nothing changes; convergence is tested every few iterations to limit device synchronisation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Neighbour offsets (dy, dx) in Zhang-Suen order P2..P9: N, NE, E, SE, S, SW, W, NW.
_NEIGHBOURS: tuple[tuple[int, int], ...] = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _max_filter(values: torch.Tensor, outside: float = 0.0) -> torch.Tensor:
    """3×3 maximum filter of ``[B, 1, H, W]`` (``outside`` beyond the border); shifted slices beat ``max_pool2d``."""
    height, width = values.shape[-2:]
    padded = F.pad(values, (1, 1, 1, 1), value=outside)
    out = values.clone()
    for dy, dx in _NEIGHBOURS:
        out = torch.maximum(out, padded[..., 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width])
    return out


def _dilate(mask: torch.Tensor) -> torch.Tensor:
    """8-connected one-pixel dilation of a boolean ``[B, 1, H, W]`` mask."""
    height, width = mask.shape[-2:]
    padded = F.pad(mask, (1, 1, 1, 1))
    grown = mask.clone()
    for dy, dx in _NEIGHBOURS:
        grown |= padded[..., 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
    return grown


def hysteresis(
    strong: torch.Tensor, weak: torch.Tensor, check_every: int = 8, max_iterations: int = 4096
) -> torch.Tensor:
    """Keep the ``weak`` pixels 8-connected (through weak pixels) to a ``strong`` one.

    Args:
        strong: ``[B, 1, H, W]`` bool, seeds (must be a subset of ``weak`` for the usual meaning).
        weak: ``[B, 1, H, W]`` bool, pixels that may be kept.
        check_every: iterations between convergence checks.
        max_iterations: safety cap on growth steps.
    """
    kept = strong & weak
    for step in range(max_iterations):
        grown = _dilate(kept) & weak
        if step % check_every == 0 and torch.equal(grown, kept):
            return grown
        kept = grown
    return kept


def _zhang_suen_tables(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Two 256-entry tables: may the centre pixel be deleted in sub-iteration 1 / 2, given its neighbour code."""
    first, second = torch.zeros(256, dtype=torch.bool), torch.zeros(256, dtype=torch.bool)
    for code in range(256):
        p = [(code >> k) & 1 for k in range(8)]  # p[0] = P2 (north) ... p[7] = P9 (north-west)
        count = sum(p)
        transitions = sum(1 for k in range(8) if p[k] == 0 and p[(k + 1) % 8] == 1)
        if not (2 <= count <= 6 and transitions == 1):
            continue
        p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
        first[code] = p2 * p4 * p6 == 0 and p4 * p6 * p8 == 0
        second[code] = p2 * p4 * p8 == 0 and p2 * p6 * p8 == 0
    return first.to(device), second.to(device)


def _neighbour_code(mask: torch.Tensor) -> torch.Tensor:
    """``[B, 1, H, W]`` uint8 tensor: bit k set when neighbour P(k+2) is a stroke pixel."""
    height, width = mask.shape[-2:]
    padded = F.pad(mask.to(torch.uint8), (1, 1, 1, 1))
    code = torch.zeros(mask.shape, dtype=torch.uint8, device=mask.device)
    for bit, (dy, dx) in enumerate(_NEIGHBOURS):
        code |= padded[..., 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width] << bit
    return code


def thin(mask: torch.Tensor, max_iterations: int = 64) -> torch.Tensor:
    """Zhang-Suen thinning of a batch of binary stroke maps to (about) one-pixel-wide skeletons.

    Each sub-iteration computes every pixel's 8-neighbour code with one convolution and looks the deletion rule up
    in a 256-entry table, so a whole batch thins in parallel.
    """
    first, second = _zhang_suen_tables(mask.device)
    current = mask.clone()
    for _ in range(max_iterations):
        before = current
        for table in (first, second):
            current = current & ~table[_neighbour_code(current).long()]
        if torch.equal(before, current):
            break
    return current


def remove_small_components(mask: torch.Tensor, min_size: int) -> torch.Tensor:
    """Drop 8-connected components with fewer than ``min_size`` pixels (like MATLAB ``bwareaopen``).

    Exact, with only ``min_size - 1`` propagation steps: every stroke pixel starts with its own label and takes the
    largest label among its stroke neighbours, ``min_size - 1`` times (masked 3×3 maximum filters). A component with
    fewer than ``min_size`` pixels has a geodesic diameter of at most ``min_size - 2``, so it ends with one label, and
    that label group touches no other group. A larger component either still carries one label on at least
    ``min_size`` pixels, or is split into several groups that touch each other. So a pixel is removed exactly when
    its label group is smaller than ``min_size`` and touches no other group.
    """
    if min_size <= 1:
        return mask
    batch, _, height, width = mask.shape
    foreground = mask.float()
    # Labels 1..H*W (exact in float32 up to 2**24 pixels per image); 0 = background.
    index = torch.arange(1, height * width + 1, device=mask.device, dtype=torch.float32).view(1, 1, height, width)
    labels = index * foreground
    for _ in range(min_size - 1):
        labels = _max_filter(labels) * foreground
    # A stroke pixel "touches" another group when a stroke neighbour carries a different label.
    largest = _max_filter(labels)
    masked = torch.where(mask, labels, torch.full_like(labels, float(height * width + 1)))
    smallest = -_max_filter(-masked, outside=-float(height * width + 1))
    touches = mask & ((largest != labels) | (smallest != labels))
    flat = labels.view(batch, -1).long()  # [B, H*W], 0 = background
    sizes = torch.zeros(batch, height * width + 1, device=mask.device, dtype=torch.long)
    sizes.scatter_add_(1, flat, torch.ones_like(flat))
    touching = torch.zeros_like(sizes)
    touching.scatter_add_(1, flat, touches.view(batch, -1).long())
    small = (torch.gather(sizes, 1, flat) < min_size) & (torch.gather(touching, 1, flat) == 0)
    return mask & ~small.view_as(mask)
