"""Gradient-reversal layer (Ganin & Lempitsky): identity forward, gradient times -beta backward."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, beta: float) -> torch.Tensor:
        ctx.beta = beta
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.beta * grad_output, None


class GradientReversal(nn.Module):
    """Pass ``x`` through unchanged; in the backward pass multiply its gradient by ``-beta``.

    Put in front of the latent discriminator, it lets one optimizer step train the discriminator to tell
    sketch latents from image latents while pushing the sketch encoder to make them indistinguishable.
    """

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _ReverseGradient.apply(x, self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"
