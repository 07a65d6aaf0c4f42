"""Shared benchmark helpers: latency statistics and the machine's measured compute peak.

The peaks are measured in the same run as the figures they are compared with, so a ratio never mixes machines:

* on a CPU, a 3x3 convolution (256 channels at 64x64, batch 1, NHWC) in fp32 and bf16: what a decoder
  convolution could reach;
* on a GPU, a large dense bf16 (and fp32/TF32) matrix product: the practical tensor-core peak. The vendor's
  datasheet figure is added for the GPUs listed in ``GPU_DATASHEET_BF16_TFLOPS``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

# Dense (no sparsity) bf16 tensor-core peak from NVIDIA's datasheets, TFLOP/s, matched on the device name.
GPU_DATASHEET_BF16_TFLOPS: dict[str, float] = {
    "H200": 989.0,
    "H100 SXM": 989.0,
    "H100 80GB HBM3": 989.0,  # the SXM part reports itself under this name
    "H100 PCIe": 756.0,
    "H100 NVL": 835.0,
    "A100": 312.0,
    "L4": 121.0,
}


def device_sync(device: str | torch.device) -> Callable[[], None]:
    """A function that waits for queued work on ``device`` (a no-op on the CPU)."""
    return torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)


def timed(fn: Callable[[], object], repeats: int, warmup: int = 2, sync: Callable[[], None] = lambda: None) -> dict:
    """p50/p90 wall time of ``fn`` in ms over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[min(len(times) - 1, int(0.9 * len(times)))], 2),
    }


def conv_peak_gflops(device: str, dtype: torch.dtype, repeats: int) -> float:
    """GFLOP/s of one 3x3, 256 -> 256 channel convolution on a 64x64 NHWC input at batch 1."""
    x = torch.randn(1, 256, 64, 64, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(256, 256, 3, 3, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    flops = 2 * 256 * 256 * 9 * 64 * 64
    with torch.no_grad():
        t = timed(lambda: F.conv2d(x, w, padding=1), repeats * 3, warmup=3, sync=device_sync(device))
    return flops / (t["p50_ms"] / 1000) / 1e9


def matmul_peak_tflops(device: str, dtype: torch.dtype, size: int = 8192, repeats: int = 10) -> float:
    """TFLOP/s of a dense ``size``-cubed matrix product (the practical tensor-core peak on a GPU)."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    with torch.no_grad():
        t = timed(lambda: a @ b, repeats, warmup=3, sync=device_sync(device))
    return 2 * size**3 / (t["p50_ms"] / 1000) / 1e12


def gpu_peaks(device: str, repeats: int = 10) -> dict:
    """Measured bf16 and fp32 (TF32 allowed, as PyTorch's default convolutions use it) matmul peaks, plus the
    datasheet bf16 figure when the GPU is one we know."""
    name = torch.cuda.get_device_name(device)
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        tf32 = matmul_peak_tflops(device, torch.float32, repeats=repeats)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous
    datasheet = next((v for k, v in GPU_DATASHEET_BF16_TFLOPS.items() if k in name), None)
    return {
        "device": name,
        "matmul_bf16_tflops": round(matmul_peak_tflops(device, torch.bfloat16, repeats=repeats), 1),
        "matmul_tf32_tflops": round(tf32, 1),
        "datasheet_bf16_dense_tflops": datasheet,
    }
