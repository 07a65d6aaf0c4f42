"""What the discriminator-guided refinement, the read-back correction and a drawing's colours cost at inference.

Prints one JSON document. Run on a quiet machine:

    python bench/bench_refinement.py                          # the bundled checkpoint, CPU, batch 1 (the app)
    python bench/bench_refinement.py --steps 0 10 --batch-size 8 --device cuda

For each step count: p50/p90 latency of ``encode_sketch`` on one drawn sketch (batch ``--batch-size``) with
``set_refinement`` at that many steps (0 = off: the encoder alone), and the same plus ``decode``: sketch in, face
out; then ``encode_sketch`` per read-back correction step count (``--readback-steps``, refinement off; the
refinement rows run with the checkpoint's own read-back setting); last, ``sketch_latent`` (what ``generate``
renders) with drawing colours on, for the grey sketch and for the same lines over colour fills (the colour check,
then the look fit of docs/looks.md).
``--model`` takes any folder with a ``discriminator/`` subfolder; ``--preset`` a random model of a preset
with a random discriminator (for a smoke test: the figures then say nothing about the shipped model's cost).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import torch
from PIL import Image, ImageChops, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/roofline.py

from bench_inference import sketch_image  # noqa: E402
from roofline import device_sync, timed  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator  # noqa: E402
from s2fgan_hf.latent_refinement import RefinementSettings  # noqa: E402
from s2fgan_hf.loading import bundled_model_path, load_refinement_critic  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="save_pretrained folder with discriminator/ (default: bundled)")
    p.add_argument("--preset", default=None, help="a random model of this preset instead (smoke test)")
    p.add_argument("--steps", type=int, nargs="+", default=[0, 5, 10, 20])
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--readback-steps", type=int, nargs="+", default=[0, 2])
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    torch.manual_seed(0)
    if args.preset:
        model = S2FGAN(S2FGANConfig.from_preset(args.preset))
        critic = S2FGANDiscriminator(model.config)
        source = f"random {args.preset}"
    else:
        folder = args.model or str(bundled_model_path())
        model, critic = S2FGAN.from_pretrained(folder), load_refinement_critic(folder)
        source = folder
    model = model.to(args.device).eval()
    sync = device_sync(args.device)
    sketches = [sketch_image(model.config.image_size)] * args.batch_size
    report: dict = {
        "model": source,
        "device": args.device,
        "platform": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "batch_size": args.batch_size,
        "inference_dtype": str(model.inference_dtype).removeprefix("torch."),
        "steps": {},
    }
    for steps in args.steps:
        model.set_refinement(critic if steps else None, RefinementSettings(steps=steps))
        encode = timed(lambda: model.encode_sketch(sketches), args.repeats, sync=sync)
        face = timed(lambda: model.decode(model.encode_sketch(sketches)), args.repeats, sync=sync)
        report["steps"][str(steps)] = {"encode_sketch": encode, "sketch_to_face": face}
    model.set_refinement(None)
    report["readback_steps"] = {}
    for steps in args.readback_steps:
        encode = model.with_sketch_encoder(sketch_readback_steps=steps).encode_sketch
        figures = timed(lambda encode=encode: encode(sketches), args.repeats, sync=sync)
        report["readback_steps"][str(steps)] = {"encode_sketch": figures}
    lend = model.with_sketch_encoder(sketch_drawing_colours=True).eval()
    coloured = [coloured_drawing(sketch) for sketch in sketches]
    report["drawing_colours"] = {
        name: {"sketch_latent": timed(lambda items=items: lend.sketch_latent(items), args.repeats, sync=sync)}
        for name, items in (("grey", sketches), ("in_colour", coloured))
    }
    print(json.dumps(report, indent=2))


def coloured_drawing(sketch: Image.Image) -> Image.Image:
    """The sketch's lines over flat colour fills (hair above, skin in the middle, white paper around)."""
    size = sketch.width
    page = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(page)
    draw.ellipse((size * 0.15, 0, size * 0.85, size * 0.45), fill=(200, 150, 60))
    draw.ellipse((size * 0.2, size * 0.2, size * 0.8, size * 0.9), fill=(230, 180, 150))
    return ImageChops.multiply(page, sketch.convert("RGB"))


if __name__ == "__main__":
    main()
