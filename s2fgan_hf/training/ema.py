"""Exponential moving average of the generator (the weights that get published, as StyleGAN's G_ema)."""

from __future__ import annotations

import copy

import torch
from torch import nn

# Official S2FGAN / rosinality: half-life of 10k images at batch 32, per iteration.
DEFAULT_EMA_DECAY = 0.5 ** (32 / 10000)


class GeneratorEMA:
    """A frozen copy of ``model`` updated as ema = decay * ema + (1 - decay) * model after every optimizer step.

    Args:
        model: the live (unwrapped) generator; it is deep-copied, so wrap it with DDP only afterwards or pass the
            unwrapped module.
        decay: the target decay per update.
        warmup: if ``True`` the decay used at update t is ``min(decay, (1 + t) / (10 + t))``, so the average is not
            dominated by the random initialisation early in training.

    The weights are saved by the checkpoint hooks as a ``save_pretrained`` folder (``generator_ema/``);
    ``state_dict`` holds only the update counter and settings.
    """

    def __init__(self, model: nn.Module, decay: float = DEFAULT_EMA_DECAY, warmup: bool = True) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.decay = float(decay)
        self.warmup = warmup
        self.num_updates = 0

    def current_decay(self) -> float:
        if not self.warmup:
            return self.decay
        return min(self.decay, (1.0 + self.num_updates) / (10.0 + self.num_updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average towards ``model``'s parameters; buffers are copied."""
        decay = self.current_decay()
        ema_params = dict(self.model.named_parameters())
        for name, param in model.named_parameters():
            ema_params[name].lerp_(param.detach().to(ema_params[name].dtype), 1.0 - decay)
        ema_buffers = dict(self.model.named_buffers())
        for name, buf in model.named_buffers():
            ema_buffers[name].copy_(buf)
        self.num_updates += 1

    def state_dict(self) -> dict:
        return {"num_updates": self.num_updates, "decay": self.decay, "warmup": self.warmup}

    def load_state_dict(self, state: dict) -> None:
        self.num_updates = int(state["num_updates"])
        self.decay = float(state["decay"])
        self.warmup = bool(state["warmup"])
