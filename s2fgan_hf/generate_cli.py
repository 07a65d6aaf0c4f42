"""``s2fgan generate SKETCH [SKETCH...] --attr Smiling=1.5 --model PATH_OR_HUB_ID -o OUT``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_MODEL_ENV = "S2FGAN_MODEL"


def parse_attribute(text: str) -> tuple[str, float]:
    """``"Smiling=1.5"`` -> ``("Smiling", 1.5)``; a clear argparse error otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. Smiling=1.5), got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"value of {name!r} must be a number, got {value!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("generate", help="turn sketches into faces, with optional attribute edits")
    p.add_argument("sketches", nargs="+", type=Path, metavar="SKETCH", help="sketch image file(s)")
    p.add_argument(
        "--attr", action="append", type=parse_attribute, default=[], metavar="NAME=VALUE", help="attribute shift"
    )
    p.add_argument("--model", default=None, help=f"local folder or Hub id (default: ${DEFAULT_MODEL_ENV} or bundled)")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file (one sketch) or folder")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .loading import load_model

    model = load_model(args.model, device=args.device)
    attributes = dict(args.attr)
    try:
        model.attribute_vector(attributes)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    missing = [str(s) for s in args.sketches if not s.is_file()]
    if missing:
        print(f"error: sketch file(s) not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    images = model.generate([str(s) for s in args.sketches], attributes=attributes)
    out: Path = args.output
    if len(images) == 1 and out.suffix:
        out.parent.mkdir(parents=True, exist_ok=True)
        images[0].save(out)
        print(out)
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for sketch, image in zip(args.sketches, images):
        target = out / f"{sketch.stem}_face.png"
        image.save(target)
        print(target)
    return 0
