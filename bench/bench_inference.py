"""Inference benchmark: latency of each API step per preset, against an fp32 eager reference, with roofline ratios.

Prints one JSON document. Run on a quiet machine (nothing else using the cores):

    python bench/bench_inference.py                       # all presets, CPU
    python bench/bench_inference.py --presets paper-256 --repeats 20
    python bench/bench_inference.py --device cuda         # adds batch-8/32 throughput

What is measured, in the same run:
* the machine's 3x3 convolution throughput (256 channels at 64x64, batch 1, NHWC) in fp32 and bf16: the practical
  peak the decoder's convolutions could reach;
* for each preset, batch 1: p50/p90 latency of encode_sketch, edit, decode, a slider move (edit + decode) and
  generate (PIL sketch in, PIL face out), on the default fast path and on the fp32 eager reference (fp32, NCHW,
  derived weights rebuilt every call: what the official code does);
* the decoder's FLOPs (torch's flop counter) and its achieved GFLOP/s, as a fraction of the measured bf16 peak;
* peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf import S2FGAN, S2FGANConfig  # noqa: E402
from s2fgan_hf.layers.weight_cache import weight_cache_disabled  # noqa: E402
from s2fgan_hf.loading import bundled_model_path  # noqa: E402


def timed(fn, repeats: int, warmup: int = 2, sync=lambda: None) -> dict[str, float]:
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


def conv_peak_gflops(device: str, dtype: torch.dtype, repeats: int, sync) -> float:
    x = torch.randn(1, 256, 64, 64, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(256, 256, 3, 3, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    flops = 2 * 256 * 256 * 9 * 64 * 64
    with torch.no_grad():
        t = timed(lambda: F.conv2d(x, w, padding=1), repeats * 3, warmup=3, sync=sync)
    return flops / (t["p50_ms"] / 1000) / 1e9


def sketch_image(size: int) -> Image.Image:
    arr = np.full((size, size), 255, dtype=np.uint8)
    s = size // 32
    arr[8 * s : 9 * s, 6 * s : 26 * s] = 0
    arr[12 * s : 14 * s, 10 * s : 13 * s] = 0
    arr[12 * s : 14 * s, 19 * s : 22 * s] = 0
    arr[22 * s : 23 * s, 11 * s : 21 * s] = 0
    arr[4 * s : 28 * s, 4 * s : 5 * s] = 0
    arr[4 * s : 28 * s, 27 * s : 28 * s] = 0
    return Image.fromarray(arr)


def bench_model(model: S2FGAN, device: str, repeats: int, sync, bf16_peak: float) -> dict:
    size = model.config.image_size
    sketch = sketch_image(size)
    edit = {model.attribute_names[0]: 1.5}
    out: dict = {}
    with torch.no_grad():
        for path in ("fast", "reference"):
            if path == "fast":
                model.set_inference_precision("auto", channels_last=True)
                ctx = torch.no_grad()
            else:
                model.set_inference_precision("fp32", channels_last=False)
                ctx = weight_cache_disabled()
            with ctx:
                z = model.encode_sketch(sketch)
                steps = {
                    "encode_sketch": lambda: model.encode_sketch(sketch),
                    "edit": lambda z=z: model.edit(z, edit),
                    "decode": lambda z=z: model.decode(z),
                    "slider_move": lambda z=z: model.decode(model.edit(z, edit)),
                    "generate": lambda: model.generate(sketch, attributes=edit),
                }
                r = {name: timed(fn, repeats, sync=sync) for name, fn in steps.items()}
            r["dtype"] = str(model.inference_dtype).replace("torch.", "")
            out[path] = r
        model.set_inference_precision("auto", channels_last=True)
    with torch.inference_mode():
        with FlopCounterMode(display=False) as counter:
            model.decode(z.clone())
        decoder_flops = counter.get_total_flops()
        with FlopCounterMode(display=False) as counter:
            model.generate(sketch)
        total_flops = counter.get_total_flops()
    fast, ref = out["fast"], out["reference"]
    decoder_gflops = decoder_flops / (fast["decode"]["p50_ms"] / 1000) / 1e9
    out["flops"] = {"decoder_gflop": round(decoder_flops / 1e9, 2), "generate_gflop": round(total_flops / 1e9, 2)}
    out["ratios"] = {
        "slider_move_speedup": round(ref["slider_move"]["p50_ms"] / fast["slider_move"]["p50_ms"], 2),
        "generate_speedup": round(ref["generate"]["p50_ms"] / fast["generate"]["p50_ms"], 2),
        "decoder_achieved_gflops": round(decoder_gflops, 1),
        "decoder_fraction_of_bf16_conv_peak": round(decoder_gflops / bf16_peak, 3) if bf16_peak else None,
    }
    return out


def fast_vs_fp32_psnr(model: S2FGAN, sketches: list[Image.Image], attributes: dict | None) -> float:
    """PSNR (dB, images in [-1, 1]) of the default fast path against the fp32 NCHW path on the same sketches."""
    with torch.no_grad():
        model.set_inference_precision("fp32", channels_last=False)
        ref = model.decode(model.edit(model.encode_sketch(sketches), attributes)).clamp(-1, 1)
        model.set_inference_precision("auto", channels_last=True)
        fast = model.decode(model.edit(model.encode_sketch(sketches), attributes)).clamp(-1, 1)
    mse = (fast - ref).pow(2).mean().clamp_min(1e-12)
    return round(float(10 * torch.log10(4.0 / mse)), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["paper-256", "fast-128", "fast-64"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--no-bundled", action="store_true", help="skip the shipped checkpoint")
    args = parser.parse_args()
    device = args.device
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    torch.manual_seed(0)
    report: dict = {
        "command": "python " + " ".join(sys.argv),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "device": torch.cuda.get_device_name() if device.startswith("cuda") else "cpu",
        },
    }
    peak32 = conv_peak_gflops(device, torch.float32, args.repeats, sync)
    peak16 = conv_peak_gflops(device, torch.bfloat16, args.repeats, sync)
    report["conv3x3_gflops"] = {"fp32": round(peak32, 1), "bf16": round(peak16, 1)}
    report["presets"] = {}
    for preset in args.presets:
        model = S2FGAN(S2FGANConfig.from_preset(preset)).to(device).eval()
        report["presets"][preset] = bench_model(model, device, args.repeats, sync, peak16)
        if device.startswith("cuda"):
            thr = {}
            for b in (8, 32):
                z = torch.randn(b, model.config.latent_dim, device=device)
                with torch.no_grad():
                    t = timed(lambda z=z, m=model: m.decode(m.edit(z, None)), args.repeats, sync=sync)
                thr[f"batch{b}_images_per_s"] = round(b / (t["p50_ms"] / 1000), 1)
            report["presets"][preset]["throughput"] = thr
        del model
    bundled = bundled_model_path()
    if bundled is not None and not args.no_bundled:
        model = S2FGAN.from_pretrained(bundled).to(device).eval()
        report["bundled_checkpoint"] = {"path": str(bundled), **bench_model(model, device, args.repeats, sync, peak16)}
        # Quality guard on real sketches: the HED edge maps of the CelebAMask-HQ test fixtures.
        hed = sorted(
            (Path(__file__).resolve().parents[1] / "tests/fixtures/data/celebamask_hq/hed_edge_256").glob("*.png")
        )
        sketches = [Image.open(p).convert("L") for p in hed]
        if sketches:
            report["bundled_checkpoint"]["fast_vs_fp32_psnr_db"] = {
                "num_sketches": len(sketches),
                "no_edit": fast_vs_fp32_psnr(model, sketches, None),
                "Smiling+2": fast_vs_fp32_psnr(model, sketches, {"Smiling": 2.0}),
                "Male+2_Young-2": fast_vs_fp32_psnr(model, sketches, {"Male": 2.0, "Young": -2.0}),
            }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
