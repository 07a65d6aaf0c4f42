"""Would Winograd convolutions make the paper-256 decoder faster on this CPU? Prints one JSON document.

    python bench/bench_winograd.py [--repeats 15]

The decoder's stride-1 3x3 convolutions already run near the CPU's bf16 peak (see docs/performance.md), so only
fewer multiplications could make them faster. Winograd F(m x m, 3 x 3) computes an m x m output tile from an
(m + 2)^2 input tile with (m + 2)^2 multiplications per channel pair instead of 9 m^2: 2.25x fewer for m = 2,
4x fewer for m = 4. For each of those convolution shapes (batch 1, NHWC) this measures, against oneDNN's direct
bf16 convolution:

* F(2x2, 3x3) in bf16, complete (input transform, 16 batched GEMMs, output transform), in plain PyTorch with
  separable transforms written into preallocated buffers;
* the batched GEMMs alone of F(2x2, 3x3) and F(4x4, 3x3) (bf16 and fp32): the bound if the transforms were free;
* each method's error relative to an fp32 direct convolution (RMS error / RMS output).

It is an experiment for the performance notes, not a code path of the package.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/roofline.py

from roofline import timed  # noqa: E402

# Winograd matrices (Lavin & Gray 2016). F(2, 3): points 0, 1, -1, infinity.
G2 = torch.tensor([[1.0, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
# F(4, 3): points 0, 1, -1, 2, -2, infinity.
BT4 = torch.tensor(
    [
        [4.0, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ]
)
G4 = torch.tensor(
    [
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1.0],
    ]
)
AT4 = torch.tensor([[1.0, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]])

# The stride-1 3x3 convolutions of the paper-256 decoder: (channels, resolution).
DECODER_SHAPES = [(512, 32), (256, 64), (128, 128), (64, 256)]


def filter_transform(weight: torch.Tensor, g: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """[Cout, Cin, 3, 3] -> U [a * a, Cin, Cout] = G w G^T per channel pair (done once per weight)."""
    a = g.shape[0]
    u = torch.einsum("ak,oikl,bl->abio", g, weight, g)
    return u.reshape(a * a, weight.shape[1], weight.shape[0]).to(dtype).contiguous()


def _bt2(d0, d1, d2, d3, out: torch.Tensor) -> None:
    # B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]] along one axis.
    torch.sub(d0, d2, out=out[0])
    torch.add(d1, d2, out=out[1])
    torch.sub(d2, d1, out=out[2])
    torch.sub(d1, d3, out=out[3])


def winograd_f2(x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """3x3 'same' convolution of one NHWC image x [1, H, W, C] (H, W even) by F(2x2, 3x3); u from G2.

    Returns [1, H, W, Cout] NHWC.
    """
    _, h, w, c = x.shape
    th, tw, cout = h // 2, w // 2, u.shape[-1]
    xp = F.pad(x, (0, 0, 1, 1, 1, 1))[0]  # [H + 2, W + 2, C]
    rows = torch.empty(4, th, w + 2, c, dtype=x.dtype)
    _bt2(*(xp[k : k + 2 * th : 2] for k in range(4)), rows)  # along H: 4 x [th, W + 2, C]
    v = torch.empty(4, 4, th, tw, c, dtype=x.dtype)
    for i in range(4):  # along W
        _bt2(*(rows[i][:, k : k + 2 * tw : 2] for k in range(4)), v[i])
    m = torch.bmm(v.view(16, th * tw, c), u).view(4, 4, th, tw, cout)  # the multiplications
    # A^T = [[1, 1, 1, 0], [0, 1, -1, -1]] along both axes, written straight into the interleaved output.
    t = torch.empty(2, 4, th, tw, cout, dtype=m.dtype)
    torch.add(m[0], m[1], out=t[0]).add_(m[2])
    torch.sub(m[1], m[2], out=t[1]).sub_(m[3])
    y = torch.empty(th, 2, tw, 2, cout, dtype=m.dtype)
    for i in range(2):
        y[:, i, :, 0] = t[i, 0] + t[i, 1] + t[i, 2]
        y[:, i, :, 1] = t[i, 1] - t[i, 2] - t[i, 3]
    return y.view(1, h, w, cout)


def winograd_f4_reference(x: torch.Tensor, weight: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """F(4x4, 3x3) with the GEMM operands rounded to ``dtype`` (transforms in fp32): for its error only.

    x [1, C, H, W] fp32 (H, W multiples of 4) -> [1, Cout, H, W] fp32.
    """
    _, c, h, w = x.shape
    th, tw = h // 4, w // 4
    d = F.pad(x, (1, 1, 1, 1))[0].unfold(1, 6, 4).unfold(2, 6, 4)  # [C, th, tw, 6, 6]
    v = torch.einsum("ak,cyxkl,bl->abyxc", BT4, d, BT4).reshape(36, th * tw, c)
    u = filter_transform(weight, G4, dtype)
    m = torch.bmm(v.to(dtype), u).float().view(6, 6, th, tw, -1)
    y = torch.einsum("ia,abyxo,jb->oyixj", AT4, m, AT4)  # [Cout, th, 4, tw, 4]
    return y.reshape(1, -1, h, w)


def relative_error(y: torch.Tensor, ref: torch.Tensor) -> float:
    """RMS error over RMS of the fp32 reference, to 3 significant digits."""
    return float(f"{float((y.float() - ref).pow(2).mean().sqrt() / ref.pow(2).mean().sqrt()):.3g}")


def bench_shape(channels: int, size: int, repeats: int) -> dict:
    torch.manual_seed(0)
    x = torch.randn(1, channels, size, size)
    weight = torch.randn(channels, channels, 3, 3) / (9 * channels) ** 0.5
    ref = F.conv2d(x, weight, padding=1)
    xb = x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    wb = weight.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    x_nhwc = xb.permute(0, 2, 3, 1)  # a view: channels_last memory is NHWC-contiguous
    u2 = filter_transform(weight, G2, torch.bfloat16)
    out: dict = {
        "channels": channels,
        "resolution": size,
        "gflop_direct": round(2 * channels**2 * 9 * size**2 / 1e9, 2),
    }
    with torch.no_grad():
        out["direct_bf16"] = {
            **timed(lambda: F.conv2d(xb, wb, padding=1), repeats),
            "rel_error": relative_error(F.conv2d(xb, wb, padding=1), ref),
        }
        out["winograd_f2_bf16"] = {
            **timed(lambda: winograd_f2(x_nhwc, u2), repeats),
            "rel_error": relative_error(winograd_f2(x_nhwc, u2).permute(0, 3, 1, 2), ref),
        }
        for name, tiles, a, dtype in (
            ("gemm_only_f2_bf16", size // 2, 4, torch.bfloat16),
            ("gemm_only_f4_bf16", size // 4, 6, torch.bfloat16),
            ("gemm_only_f4_fp32", size // 4, 6, torch.float32),
        ):
            v = torch.randn(a * a, tiles * tiles, channels, dtype=dtype)
            u = torch.randn(a * a, channels, channels, dtype=dtype)
            out[name] = timed(lambda v=v, u=u: torch.bmm(v, u), repeats)
        out["gemm_only_f4_bf16"]["rel_error"] = relative_error(winograd_f4_reference(x, weight, torch.bfloat16), ref)
        out["gemm_only_f4_fp32"]["rel_error"] = relative_error(winograd_f4_reference(x, weight, torch.float32), ref)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--shapes", nargs="*", default=None, help="CHANNELSxRESOLUTION, e.g. 256x64 (default: decoder)"
    )
    args = parser.parse_args()
    shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes] if args.shapes else DECODER_SHAPES
    report = {
        "command": "python " + " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "torch": torch.__version__, "threads": torch.get_num_threads()},
        "shapes": [bench_shape(c, r, args.repeats) for c, r in shapes],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
