"""Inference benchmark: latency of each API step per preset, against an fp32 eager reference, with roofline ratios.

Prints one JSON document. Run on a quiet machine (nothing else using the cores):

    python bench/bench_inference.py                       # all presets, CPU
    python bench/bench_inference.py --presets paper-256 --repeats 20
    python bench/bench_inference.py --device cuda         # adds batch-8/32 throughput and TFLOP/s

What is measured, in the same run:
* the machine's 3x3 convolution throughput (256 channels at 64x64, batch 1, NHWC) in fp32 and bf16: the practical
  peak the decoder's convolutions could reach;
* for each preset, batch 1: p50/p90 latency of encode_sketch, edit, decode, a slider move (edit + decode) and
  generate (PIL sketch in, PIL face out), on the default fast path and on the fp32 eager reference (fp32, NCHW,
  derived weights rebuilt every call: what the official code does);
* the decoder's FLOPs (torch's flop counter) and its achieved GFLOP/s, as a fraction of the measured bf16 peak;
* with ``--throughput-batches`` (default 8 and 32 on a GPU): images/s of sketch-to-face and of a slider move at
  those batch sizes, with achieved TFLOP/s against the measured bf16 matmul peak (GPU; the datasheet figure too)
  or the bf16 conv peak (CPU);
* peak resident memory of the process (and peak GPU memory).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/roofline.py

from roofline import conv_peak_gflops, device_sync, gpu_peaks, timed  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANConfig  # noqa: E402
from s2fgan_hf.layers.weight_cache import weight_cache_disabled  # noqa: E402
from s2fgan_hf.loading import bundled_model_path  # noqa: E402


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


def batch_throughput(model: S2FGAN, device: str, batch: int, repeats: int, sync, peak_tflops: float | None) -> dict:
    """Images/s and achieved TFLOP/s of the whole sketch-to-face path and of a slider move at one batch size.

    Sketches go in as a [B, 1, H, W] tensor already on the device and faces come out as a tensor, so the figure is
    the networks' throughput (PIL conversion is per image and on the CPU, the same for every batch size).
    """
    size = model.config.image_size
    sketch = torch.from_numpy(np.asarray(sketch_image(size), dtype=np.float32) / 127.5 - 1.0)
    sketches = sketch[None, None].repeat(batch, 1, 1, 1).to(device)
    edit = {model.attribute_names[0]: 1.5}
    model.set_inference_precision("auto", channels_last=True)
    with torch.no_grad():
        z = model.encode_sketch(sketches)
        paths = {
            "sketch_to_face": lambda: model.decode(model.edit(model.encode_sketch(sketches), edit)),
            "slider_move": lambda: model.decode(model.edit(z, edit)),
        }
        out: dict = {"batch_size": batch}
        for name, fn in paths.items():
            t = timed(fn, repeats, sync=sync)
            with FlopCounterMode(display=False) as counter:
                fn()
            images_per_s = batch / (t["p50_ms"] / 1000)
            tflops = counter.get_total_flops() / batch * images_per_s / 1e12
            out[name] = {
                **t,
                "images_per_s": round(images_per_s, 1),
                "gflop_per_image": round(counter.get_total_flops() / batch / 1e9, 2),
                "achieved_tflops": round(tflops, 3),
                "fraction_of_measured_bf16_peak": round(tflops / peak_tflops, 3) if peak_tflops else None,
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["paper-256", "fast-128", "fast-64"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument(
        "--throughput-batches",
        type=int,
        nargs="*",
        default=None,
        help="batch sizes for the throughput figures (default: 8 32 on a GPU, none on the CPU)",
    )
    parser.add_argument("--no-bundled", action="store_true", help="skip the shipped checkpoint")
    args = parser.parse_args()
    device = args.device
    cuda = torch.device(device).type == "cuda"
    batches = args.throughput_batches if args.throughput_batches is not None else ([8, 32] if cuda else [])
    sync = device_sync(device)
    torch.manual_seed(0)
    report: dict = {
        "command": "python " + " ".join(sys.argv),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        },
    }
    peak32 = conv_peak_gflops(device, torch.float32, args.repeats)
    peak16 = conv_peak_gflops(device, torch.bfloat16, args.repeats)
    report["conv3x3_gflops"] = {"fp32": round(peak32, 1), "bf16": round(peak16, 1)}
    # The throughput figures compare with the bf16 matmul peak on a GPU and with the bf16 conv peak on a CPU.
    if cuda:
        report["gpu_peak"] = gpu_peaks(device, args.repeats)
        peak_tflops = report["gpu_peak"]["matmul_bf16_tflops"]
    else:
        peak_tflops = peak16 / 1000
    report["presets"] = {}
    for preset in args.presets:
        model = S2FGAN(S2FGANConfig.from_preset(preset)).to(device).eval()
        report["presets"][preset] = bench_model(model, device, args.repeats, sync, peak16)
        if batches:
            report["presets"][preset]["throughput"] = [
                batch_throughput(model, device, b, args.repeats, sync, peak_tflops) for b in batches
            ]
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
    if cuda:
        report["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
