"""Perceptual losses for training: a VGG19 feature loss (pix2pixHD style) or a download-free structural loss.

* ``VGG19PerceptualLoss``: the official S2FGAN loss. VGG19 ``features[:30]`` split into five slices ending at
  relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1; loss = sum_l w_l * L1(phi_l(fake), phi_l(real)) with
  w = (1/32, 1/16, 1/8, 1/4, 1). Weights are never downloaded implicitly: the user passes a local file or a Hub
  repo holding an ImageNet VGG19 state dict in torchvision's layout (``features.N.weight`` / ``features.N.bias``,
  a bare ``N.weight`` layout is accepted too). Inputs in [-1, 1] are mapped to [0, 1] and normalised with the
  ImageNet mean and std, which is what torchvision's VGG19 was trained on. (The official code fed [-1, 1]
  straight in; that is a documented difference.)
* ``StructuralLoss``: needs no pretrained network. Multi-scale SSIM (mean of per-scale SSIM on an average-pool
  pyramid, 5-tap Gaussian window) plus L1 between image gradients (finite differences) at every scale.
  It rewards matching local structure and edges, which is the part of a perceptual loss that matters most for
  sketch-faithful faces; it does not know about textures the way VGG features do.

``build_perceptual_loss`` picks one and logs which; a randomly initialised VGG is never used silently.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..evaluation.metrics import gaussian_window, ssim_map

logger = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# torchvision vgg19 ``features`` up to relu5_1 (index 29): ints are 3x3 conv widths (each followed by a ReLU),
# "M" is a 2x2 max-pool. Indices of the resulting nn.Sequential match torchvision's, so state dicts load as is.
_VGG19_LAYOUT: tuple[int | str, ...] = (
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
)
# Slice ends (exclusive indices into features) at relu1_1, relu2_1, relu3_1, relu4_1, relu5_1.
_VGG19_SLICE_ENDS = (2, 7, 12, 21, 30)
VGG19_LAYER_WEIGHTS = (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0)
PERCEPTUAL_KINDS = ("auto", "vgg19", "structural", "none")


def _vgg19_features() -> nn.Sequential:
    layers: list[nn.Module] = []
    in_channels = 3
    for item in _VGG19_LAYOUT:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(in_channels, int(item), 3, padding=1), nn.ReLU(inplace=False)]
            in_channels = int(item)
    assert len(layers) == _VGG19_SLICE_ENDS[-1]
    return nn.Sequential(*layers)


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        import safetensors.torch

        return safetensors.torch.load_file(str(path))
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict (got {type(state).__name__})")
    return state


def resolve_weights_file(source: str | os.PathLike, filename: str = "model.safetensors") -> Path:
    """A local file, or ``filename`` in the Hub repo ``source`` (``user/name``), as a local path."""
    path = Path(source).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        candidate = path / filename
        if candidate.is_file():
            return candidate
        raise FileNotFoundError(f"no {filename} in folder {path}; pass the weights file itself")
    if str(source).count("/") != 1 or str(source).startswith((".", "/", "~")):
        raise FileNotFoundError(f"perceptual weights not found: {source} is neither a file nor a Hub repo id")
    from huggingface_hub import hf_hub_download

    return Path(hf_hub_download(repo_id=str(source), filename=filename))


class VGG19PerceptualLoss(nn.Module):
    """pix2pixHD-style VGG19 feature loss; frozen, always in eval mode.

    Args:
        state_dict: ImageNet VGG19 weights in torchvision layout (``features.N.weight``/``.bias`` or ``N.weight``).
            Extra keys (the classifier, deeper layers) are ignored; missing or mis-shaped ones are an error.
        layer_weights: weights of the five slices (default 1/32, 1/16, 1/8, 1/4, 1).
        imagenet_normalize: map [-1, 1] inputs to ImageNet statistics (default ``True``).
    """

    name = "vgg19"

    def __init__(
        self,
        state_dict: dict[str, torch.Tensor],
        layer_weights: tuple[float, ...] = VGG19_LAYER_WEIGHTS,
        imagenet_normalize: bool = True,
    ) -> None:
        super().__init__()
        features = _vgg19_features()
        wanted = features.state_dict()
        cleaned = {}
        for key, value in state_dict.items():
            k = key.removeprefix("module.").removeprefix("vgg.")
            k = k.removeprefix("features.")
            cleaned[k] = value
        missing = [k for k in wanted if k not in cleaned]
        if missing:
            raise ValueError(
                "VGG19 weights are missing tensors "
                f"{', '.join('features.' + k for k in missing[:8])}; expected torchvision's vgg19 layout "
                "(features.N.weight / features.N.bias)"
            )
        bad = [
            f"features.{k}: {tuple(cleaned[k].shape)} vs {tuple(v.shape)}"
            for k, v in wanted.items()
            if cleaned[k].shape != v.shape
        ]
        if bad:
            raise ValueError(f"VGG19 weights have the wrong shapes: {'; '.join(bad[:8])}")
        features.load_state_dict({k: cleaned[k].float() for k in wanted}, strict=True)
        starts = (0,) + _VGG19_SLICE_ENDS[:-1]
        self.slices = nn.ModuleList(nn.Sequential(*features[a:b]) for a, b in zip(starts, _VGG19_SLICE_ENDS))
        if len(layer_weights) != len(self.slices):
            raise ValueError(f"layer_weights needs {len(self.slices)} values, got {len(layer_weights)}")
        self.layer_weights = tuple(float(w) for w in layer_weights)
        self.imagenet_normalize = imagenet_normalize
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_file(
        cls, source: str | os.PathLike, filename: str = "model.safetensors", **kwargs
    ) -> VGG19PerceptualLoss:
        """Load from a ``.safetensors`` / ``.pth`` file, a folder holding ``filename``, or a Hub repo id."""
        return cls(_read_state_dict(resolve_weights_file(source, filename)), **kwargs)

    def train(self, mode: bool = True) -> VGG19PerceptualLoss:  # noqa: ARG002 - frozen network stays in eval
        return super().train(False)

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        if self.imagenet_normalize:
            x = ((x + 1.0) * 0.5 - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        return x

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """Weighted L1 between VGG19 features of ``fake`` and ``real`` ([B, 3, H, W] in [-1, 1]) -> []."""
        x = self._prepare(torch.cat([fake, real.detach()]))  # one pass for both: [2B, 3, H, W]
        loss = x.new_zeros((), dtype=torch.float32)
        for weight, block in zip(self.layer_weights, self.slices):
            x = block(x)
            f_fake, f_real = x.chunk(2)
            loss = loss + weight * F.l1_loss(f_fake.float(), f_real.detach().float())
        return loss


class StructuralLoss(nn.Module):
    """Download-free perceptual substitute: (1 - multi-scale SSIM) + image-gradient L1, averaged over scales.

    Args:
        num_scales: pyramid levels (each halves the size; levels below 8 px are skipped).
        window_size: side of the Gaussian SSIM window (sigma 1.5 for 11, scaled down for smaller windows).
        gradient_weight: weight of the gradient L1 term relative to the SSIM term.
    """

    name = "structural"

    def __init__(self, num_scales: int = 3, window_size: int = 5, gradient_weight: float = 1.0) -> None:
        super().__init__()
        self.num_scales = num_scales
        self.window_size = window_size
        self.gradient_weight = gradient_weight
        self.register_buffer("window", gaussian_window(window_size, 1.5 * window_size / 11, 3), persistent=False)

    def _ssim(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # x, y: [B, 3, H, W] mapped to [0, 1]; reflect padding keeps the border pixels in the loss.
        return ssim_map(x, y, self.window.to(x.dtype), padding="reflect").mean()

    @staticmethod
    def _gradient_l1(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        dx = (x[..., :, 1:] - x[..., :, :-1]) - (y[..., :, 1:] - y[..., :, :-1])
        dy = (x[..., 1:, :] - x[..., :-1, :]) - (y[..., 1:, :] - y[..., :-1, :])
        return dx.abs().mean() + dy.abs().mean()

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """Structural distance of ``fake`` to ``real`` ([B, 3, H, W] in [-1, 1]) -> [] (0 when identical)."""
        x = (fake.float() + 1.0) * 0.5
        y = (real.detach().float() + 1.0) * 0.5
        # Always fp32: SSIM's variances are E[x^2] - E[x]^2, which cancel catastrophically in bf16/fp16 and gave
        # negative denominators and NaN losses in a bf16 run.
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self._structural(x, y)

    def _structural(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        total, scales = x.new_zeros(()), 0
        for level in range(self.num_scales):
            if level > 0:
                if min(x.shape[-2:]) < 16:
                    break
                x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
            total = total + (1.0 - self._ssim(x, y)) + self.gradient_weight * self._gradient_l1(x, y)
            scales += 1
        return total / scales


def build_perceptual_loss(
    kind: str = "auto", weights: str | os.PathLike | None = None, weights_filename: str = "model.safetensors"
) -> nn.Module | None:
    """The perceptual loss to train with, logged by name.

    Args:
        kind: ``"vgg19"`` (needs ``weights``), ``"structural"``, ``"none"`` (returns ``None``) or ``"auto"``
            (VGG19 when ``weights`` is given, the structural loss otherwise).
        weights: VGG19 weights: a local ``.safetensors`` / ``.pth`` file, a folder, or a Hub repo id.
        weights_filename: file to fetch from a Hub repo or folder.
    """
    if kind not in PERCEPTUAL_KINDS:
        raise ValueError(f"perceptual loss must be one of {PERCEPTUAL_KINDS}, got {kind!r}")
    if kind == "auto":
        kind = "vgg19" if weights else "structural"
    if kind == "vgg19":
        if not weights:
            raise ValueError(
                "the vgg19 perceptual loss needs ImageNet VGG19 weights: pass weights (a file or Hub id, "
                "torchvision vgg19 layout), or use kind 'structural' or 'none'"
            )
        loss = VGG19PerceptualLoss.from_file(weights, weights_filename)
        logger.info("perceptual loss: VGG19 (relu1_1..relu5_1, pix2pixHD weights) from %s", weights)
        return loss
    if kind == "structural":
        if weights:
            raise ValueError("weights are only used by the 'vgg19' perceptual loss (kind 'vgg19' or 'auto')")
        logger.info("perceptual loss: structural (multi-scale SSIM + image-gradient L1); no VGG weights given")
        return StructuralLoss()
    logger.info("perceptual loss: none")
    return None
