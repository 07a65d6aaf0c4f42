"""The benchmark scripts run end to end on a tiny preset and print the figures the performance notes quote.

Timings are never asserted (they belong to the benchmarks); these tests only keep the scripts working, so a
session with a GPU can produce its figures in one command (``bench/gpu_session.sh``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_json(*args: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_inference_bench_reports_latency_ratios_and_batch_throughput():
    report = run_json(
        "bench/bench_inference.py",
        "--presets",
        "tiny-32",
        "--repeats",
        "1",
        "--throughput-batches",
        "2",
        "--no-bundled",
    )
    assert report["conv3x3_gflops"]["fp32"] > 0 and report["conv3x3_gflops"]["bf16"] > 0
    tiny = report["presets"]["tiny-32"]
    for path in ("fast", "reference"):
        assert set(tiny[path]) >= {"encode_sketch", "edit", "decode", "slider_move", "generate", "dtype"}
    assert tiny["reference"]["dtype"] == "float32"
    assert tiny["ratios"]["slider_move_speedup"] > 0 and tiny["ratios"]["decoder_fraction_of_bf16_conv_peak"] > 0
    (throughput,) = tiny["throughput"]
    assert throughput["batch_size"] == 2
    for name in ("sketch_to_face", "slider_move"):
        assert throughput[name]["images_per_s"] > 0
        assert throughput[name]["gflop_per_image"] > 0
        assert throughput[name]["achieved_tflops"] > 0
    assert report["peak_rss_mb"] > 0


def test_training_bench_reports_images_per_second_and_tflops(tmp_path):
    profile = tmp_path / "r1.txt"
    report = run_json(
        "bench/bench_training.py",
        "--profile_r1",
        str(profile),
        "--presets",
        "tiny-32",
        "--batch_size",
        "2",
        "--steps",
        "1",
        "--cpu",
        "--threads",
        "1",
        "--cudnn_benchmark",
    )
    assert report["cudnn_benchmark"] is True  # recorded, so a GPU figure says which algorithm search it ran under
    (result,) = report["results"]
    assert result["images_per_sec"] > 0 and result["images_per_sec_with_r1"] > 0
    assert result["gflop_per_iteration"] > 0 and result["achieved_tflops"] > 0
    assert 0 < result["fraction_of_peak"] < 1.5
    table = profile.read_text()  # where one R1 iteration's time goes, op by op
    assert table.startswith("# tiny-32: one R1 iteration") and "convolution_backward" in table
    assert report["peak"]["conv3x3_gflops"] > 0


def test_winograd_experiment_is_exact_in_fp32_and_reports_errors():
    report = run_json("bench/bench_winograd.py", "--repeats", "1", "--shapes", "32x8")
    (shape,) = report["shapes"]
    # bf16 rounding bounds the errors: direct ~0.3 %, F(2, 3) ~0.7 %, F(4, 3) with bf16 operands ~3 %.
    assert shape["direct_bf16"]["rel_error"] < 0.01
    assert shape["winograd_f2_bf16"]["rel_error"] < 0.02
    assert shape["gemm_only_f4_bf16"]["rel_error"] < 0.1
    assert shape["gemm_only_f4_fp32"]["rel_error"] < 1e-4  # the transforms are right


def test_winograd_f2_matches_direct_convolution():
    import torch
    import torch.nn.functional as F

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_winograd import G2, filter_transform, winograd_f2
    finally:
        sys.path.remove(str(ROOT / "bench"))
    torch.manual_seed(0)
    x, w = torch.randn(1, 6, 10, 12), torch.randn(5, 6, 3, 3)
    y = winograd_f2(x.permute(0, 2, 3, 1).contiguous(), filter_transform(w, G2, torch.float32))
    assert torch.allclose(y.permute(0, 3, 1, 2), F.conv2d(x, w, padding=1), atol=1e-4)


def test_gpu_session_script_is_valid_bash_and_refuses_without_cuda(tmp_path):
    script = ROOT / "bench" / "gpu_session.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    import torch

    if torch.cuda.is_available():
        pytest.skip("has CUDA: the script would run the real benchmarks")
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(script), str(tmp_path / "out")], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "no CUDA device" in done.stderr


def test_refinement_bench_reports_latency_per_step_count():
    report = run_json("bench/bench_refinement.py", "--preset", "tiny-32", "--steps", "0", "2", "--repeats", "1")
    assert set(report["steps"]) == {"0", "2"}
    assert set(report["readback_steps"]) == {"0", "2"}
    assert all(f["encode_sketch"]["p50_ms"] > 0 for f in report["readback_steps"].values())
    assert set(report["drawing_colours"]) == {"grey", "in_colour"}
    assert all(f["sketch_latent"]["p50_ms"] > 0 for f in report["drawing_colours"].values())
    for figures in report["steps"].values():
        assert figures["encode_sketch"]["p50_ms"] > 0 and figures["sketch_to_face"]["p50_ms"] > 0
