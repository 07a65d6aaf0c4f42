#!/usr/bin/env python
"""Training throughput of S2FGAN (images/s) per preset, on the device Accelerate picks (or the CPU).

    python bench/bench_training.py                       # paper-256 (batch 2) and fast-64 (batch 8), 2 steps each
    python bench/bench_training.py --presets fast-128 --batch_size 16 --steps 20 --threads 4

One training iteration = one discriminator step + one generator step, exactly as in ``train_accelerate.py``
(ADA pipeline at p = 0.5, structural perceptual loss, no R1; the R1 step is timed separately and the amortised
figure counts it once per ``d_reg_every`` iterations). Data are the 32 px CelebA test fixture faces resized to the
preset's size, so the numbers do not depend on disk speed. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench/roofline.py

from accelerate import Accelerator  # noqa: E402
from roofline import conv_peak_gflops, gpu_peaks  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator  # noqa: E402
from s2fgan_hf.data import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.losses import LossWeights  # noqa: E402
from s2fgan_hf.networks import EDITORS  # noqa: E402
from s2fgan_hf.training import (  # noqa: E402
    DiscriminatorSide,
    GeneratorSide,
    StepConfig,
    build_augment,
    build_optimizers,
    discriminator_step,
    generator_step,
    sample_attribute_shifts,
)
from s2fgan_hf.training.perceptual import StructuralLoss  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "train" / "prepared"


def bench_preset(
    accelerator, preset: str, batch_size: int, steps: int, variant: str, d_reg_every: int,
    profile_r1: Path | None = None,
) -> dict:  # fmt: skip
    torch.manual_seed(0)
    config = S2FGANConfig.from_preset(preset, variant=variant)
    generator, discriminator = S2FGAN(config).train(), S2FGANDiscriminator(config).train()
    g_side, d_side = GeneratorSide(generator, discriminator), DiscriminatorSide(generator, discriminator)
    opt_g, opt_d = build_optimizers(g_side, d_side, learning_rate=0.002, d_reg_every=d_reg_every)
    g_side, d_side, opt_g, opt_d = accelerator.prepare(g_side, d_side, opt_g, opt_d)
    data = PreparedSketchFaceDataset(FIXTURE, config.attribute_names, split=None, image_size=config.image_size)
    items = [data[i % len(data)] for i in range(batch_size)]
    device = accelerator.device
    batch = {k: torch.stack([it[k] for it in items]).to(device) for k in ("image", "sketch", "attributes")}
    step_config = StepConfig(LossWeights.for_variant(variant), r1_gamma=1.0, d_reg_every=d_reg_every)
    augment = build_augment("ada")
    augment.p = 0.5
    perceptual = StructuralLoss().to(device)

    def iteration(r1: bool) -> float:
        shifts = sample_attribute_shifts(batch_size, config.num_attributes, 4.0, 0.5, 0.5, device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        discriminator_step(accelerator, g_side, d_side, opt_d, batch, shifts, step_config, augment, r1)
        generator_step(accelerator, g_side, d_side, opt_g, batch, shifts, step_config, augment, perceptual)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    warmup = iteration(False)
    times = [iteration(False) for _ in range(steps)]
    iteration(True)  # the first double backward pass picks its kernels: a warm-up of its own (9.9 s on an H200)
    r1_time = sum(iteration(True) for _ in range(2)) / 2
    if profile_r1 is not None:  # where an R1 iteration's time goes, op by op (on CUDA: 30x a plain one, CPU 1.3x)
        write_r1_profile(profile_r1, preset, device, lambda: iteration(True))
    with FlopCounterMode(display=False) as counter:  # forward and backward of both steps, one plain iteration
        iteration(False)
    flops = counter.get_total_flops()
    plain = sum(times) / len(times)
    amortised = (plain * (d_reg_every - 1) + r1_time) / d_reg_every
    return {
        "preset": preset,
        "variant": variant,
        "image_size": config.image_size,
        "batch_size": batch_size,
        "generator_params_M": round(generator.num_parameters() / 1e6, 2),
        "discriminator_params_M": round(sum(p.numel() for p in discriminator.parameters()) / 1e6, 2),
        "warmup_s": round(warmup, 3),
        "sec_per_iteration": round(plain, 3),
        "sec_r1_iteration": round(r1_time, 3),
        "images_per_sec": round(batch_size / plain, 3),
        "images_per_sec_with_r1": round(batch_size / amortised, 3),
        "gflop_per_iteration": round(flops / 1e9, 1),
        "achieved_tflops": round(flops / plain / 1e12, 4),
        "timed_iterations": steps,
    }


def write_r1_profile(path: Path, preset: str, device: torch.device, run) -> None:
    """Append to ``path`` the profiler's table of one R1 iteration (``run``), the 25 ops with the most self time."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        run()
    key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    with path.open("a") as f:
        f.write(f"# {preset}: one R1 iteration, sorted by {key}\n")
        f.write(prof.key_averages().table(sort_by=key, row_limit=25) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--presets", nargs="+", default=["paper-256", "fast-64"])
    p.add_argument("--batch_size", type=int, nargs="+", default=None, help="One per preset (default 2 / 8).")
    p.add_argument("--steps", type=int, default=2, help="Timed iterations per preset (after one warm-up).")
    p.add_argument("--variant", default="dis", choices=tuple(EDITORS))
    p.add_argument("--d_reg_every", type=int, default=16)
    p.add_argument("--mixed_precision", default="no", choices=("no", "fp16", "bf16"))
    p.add_argument("--cpu", action="store_true")
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads on CPU (default: torch's).")
    p.add_argument("--profile_r1", type=Path, default=None, help="append one R1 iteration's op profile to this file")
    p.add_argument(
        "--cudnn_benchmark",
        action="store_true",
        help="let cuDNN time its convolution algorithms (the H200 profile of 2026-11-28 spent 93 %% of an R1 "
        "iteration in one slow fallback kernel)",
    )
    args = p.parse_args()
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = args.batch_size or [2 if name == "paper-256" else 8 for name in args.presets]
    if len(sizes) != len(args.presets):
        p.error("give one --batch_size per preset")
    accelerator = Accelerator(cpu=args.cpu, mixed_precision=args.mixed_precision)
    results = [
        bench_preset(accelerator, name, size, args.steps, args.variant, args.d_reg_every, args.profile_r1)
        for name, size in zip(args.presets, sizes)
    ]
    device = accelerator.device
    # Peak to compare with: the bf16 matmul on a GPU, the measured 3x3 conv rate in the training dtype on a CPU.
    if device.type == "cuda":
        peak = gpu_peaks(str(device))
        peak_tflops = peak["matmul_bf16_tflops"] if args.mixed_precision != "no" else peak["matmul_tf32_tflops"]
    else:
        dtype = torch.bfloat16 if args.mixed_precision == "bf16" else torch.float32
        peak = {"conv3x3_gflops": round(conv_peak_gflops("cpu", dtype, 5), 1), "dtype": str(dtype)}
        peak_tflops = peak["conv3x3_gflops"] / 1000
    for r in results:
        r["fraction_of_peak"] = round(r["achieved_tflops"] / peak_tflops, 3)
    print(
        json.dumps(
            {
                "command": "python " + " ".join(shlex.quote(a) for a in [str(Path(sys.argv[0]))] + sys.argv[1:]),
                "device": torch.cuda.get_device_name(device)
                if device.type == "cuda"
                else platform.processor() or "cpu",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "cpu_count": os.cpu_count(),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "mixed_precision": args.mixed_precision,
                "cudnn_benchmark": args.cudnn_benchmark,
                "peak": peak,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
