"""Image-quality and distribution metrics in plain PyTorch: L1, PSNR, SSIM, Fréchet distance, KID.

Images are [B, 3, H, W] tensors in [-1, 1]. Distribution metrics take feature matrices [N, D]; which network
produced the features is the caller's choice and must be reported with the numbers (here: the project's own
attribute classifier, so values are not comparable to published Inception-based FID/KID).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean absolute error per image, in [-1, 1] units: [B]."""
    return (a - b).abs().flatten(1).mean(1)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """PSNR in dB per image for images in [-1, 1] (peak-to-peak 2): [B]."""
    mse = (a.clamp(-1, 1) - b.clamp(-1, 1)).pow(2).flatten(1).mean(1)
    return 10.0 * torch.log10(4.0 / mse.clamp_min(1e-10))


def gaussian_window(
    size: int,
    sigma: float,
    channels: int,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Normalised 2-D Gaussian window for a depthwise convolution: [channels, 1, size, size]."""
    x = torch.arange(size, device=device, dtype=dtype) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def ssim_map(x: torch.Tensor, y: torch.Tensor, window: torch.Tensor, padding: str = "valid") -> torch.Tensor:
    """Per-pixel structural similarity (Wang et al. 2004) of [B, C, H, W] images in [0, 1]: [B, C, H', W'].

    ``window`` is a ``gaussian_window`` with C channels. ``padding="valid"`` keeps only windows inside the image
    (the metric); ``"reflect"`` pads by half a window so the map keeps the image size (the structural loss).
    The constants are those of a dynamic range of 1.
    """
    if padding not in ("valid", "reflect"):
        raise ValueError(f"padding must be 'valid' or 'reflect', got {padding!r}")
    channels, pad = x.shape[1], window.shape[-1] // 2

    def local_mean(t: torch.Tensor) -> torch.Tensor:
        if padding == "reflect":
            t = F.pad(t, [pad] * 4, mode="reflect")
        return F.conv2d(t, window, groups=channels)

    mu_x, mu_y = local_mean(x), local_mean(y)
    sxx = local_mean(x * x) - mu_x**2
    syy = local_mean(y * y) - mu_y**2
    sxy = local_mean(x * y) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    return ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2))


def ssim(a: torch.Tensor, b: torch.Tensor, window: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Structural similarity per image of [B, C, H, W] images in [-1, 1] (Gaussian window 11 / 1.5): [B].

    The window shrinks for images smaller than 11 px.
    """
    x, y = (a.clamp(-1, 1) + 1) / 2, (b.clamp(-1, 1) + 1) / 2
    size = min(window, x.shape[-1], x.shape[-2])
    return ssim_map(x, y, gaussian_window(size, sigma, x.shape[1], x.device, x.dtype)).flatten(1).mean(1)


def _sqrtm_psd(m: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(m)
    return (vecs * vals.clamp_min(0).sqrt()) @ vecs.t()


def frechet_distance(feats_a: torch.Tensor, feats_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N, D] (float64 eigen-decompositions)."""
    a, b = feats_a.detach().double(), feats_b.detach().double()  # a figure, never a loss: no autograd history
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.t()), torch.cov(b.t())
    root_a = _sqrtm_psd(cov_a)
    cross = _sqrtm_psd(root_a @ cov_b @ root_a)  # sqrt(A^1/2 B A^1/2) has the trace of sqrt(A B)
    value = (mu_a - mu_b).pow(2).sum() + torch.trace(cov_a) + torch.trace(cov_b) - 2 * torch.trace(cross)
    return float(value.clamp_min(0))


def kernel_inception_distance(
    feats_a: torch.Tensor, feats_b: torch.Tensor, subsets: int = 10, subset_size: int = 100, seed: int = 0
) -> tuple[float, float]:
    """KID (Bińkowski et al.): unbiased MMD^2 with the cubic polynomial kernel, mean and std over random subsets."""
    a, b = feats_a.double(), feats_b.double()
    n = min(subset_size, a.shape[0], b.shape[0])
    d = a.shape[1]
    gen = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        x = a[torch.randperm(a.shape[0], generator=gen)[:n]]
        y = b[torch.randperm(b.shape[0], generator=gen)[:n]]
        kxx = (x @ x.t() / d + 1) ** 3
        kyy = (y @ y.t() / d + 1) ** 3
        kxy = (x @ y.t() / d + 1) ** 3
        mmd = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
        mmd += (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1))
        mmd -= 2 * kxy.mean()
        values.append(float(mmd))
    t = torch.tensor(values)
    return float(t.mean()), float(t.std()) if len(values) > 1 else 0.0
