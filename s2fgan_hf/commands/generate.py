"""``s2fgan generate SKETCH [SKETCH...] --attr Smiling=1.5 --look SEED|PHOTO --model PATH_OR_HUB_ID --editor dis|dec
-o OUT``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .inputs import (
    InputError,
    add_model_arguments,
    add_refinement_argument,
    check_device,
    check_input_files,
    check_refine_steps,
    enable_refinement_checked,
    load_model_checked,
    with_drawing_colours,
    with_readback_checked,
    writable_folder,
)

# An -o ending in one of these names a single image file; anything else is a folder.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def parse_attribute(text: str) -> tuple[str, float]:
    """``"Smiling=1.5"`` -> ``("Smiling", 1.5)``; a clear argparse error otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. Smiling=1.5), got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"value of {name!r} must be a number, got {value!r}") from None


def parse_look(text: str) -> int | Path:
    """``"7"`` -> the seed 7; anything else is a photo path (checked before the model loads)."""
    try:
        return int(text)
    except ValueError:
        return Path(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("generate", help="turn sketches into faces, with optional attribute edits")
    p.add_argument("sketches", nargs="+", type=Path, metavar="SKETCH", help="sketch image file(s)")
    p.add_argument(
        "--attr", action="append", type=parse_attribute, default=[], metavar="NAME=VALUE", help="attribute shift"
    )
    p.add_argument(
        "--look",
        type=parse_look,
        default=None,
        metavar="SEED|PHOTO",
        help="hair colour, skin tone and lighting: an integer seed (a look drawn from the training photos) or a "
        "face photo that lends its look; the lines still follow the sketch",
    )
    add_model_arguments(p, "local folder or Hub id")
    add_refinement_argument(p)
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output image file (.png/.jpg, one sketch only) or folder (gets <sketch name>_face.png per sketch)",
    )
    p.set_defaults(func=run)


def output_paths(sketches: Sequence[Path], output: Path) -> list[Path]:
    """Where each sketch's face goes: ``output`` itself for one sketch and an image-file name, else files in it.

    Two sketches with the same name (``a/x.png``, ``b/x.png``) get distinct files (``x_face.png``,
    ``x_face-2.png``), so no output overwrites another.
    """
    is_file = output.suffix.lower() in IMAGE_SUFFIXES and not output.is_dir()
    if is_file:
        if len(sketches) != 1:
            raise InputError(
                f"-o {str(output)!r} names one image file but {len(sketches)} sketches were given; "
                "pass a folder (e.g. -o faces/)"
            )
        return [output]
    targets: list[Path] = []
    taken: set[str] = set()
    for sketch in sketches:
        name, number = f"{sketch.stem}_face.png", 1
        while name in taken:
            number += 1
            name = f"{sketch.stem}_face-{number}.png"
        taken.add(name)
        targets.append(output / name)
    return targets


def run(args: argparse.Namespace) -> int:
    # Every check that needs no model runs first, so a typo fails in a second, not after loading.
    check_input_files(args.sketches, "sketch file(s)")
    if isinstance(args.look, Path):
        check_input_files([args.look], "--look photo")
    targets = output_paths(args.sketches, args.output)
    check_device(args.device)
    writable_folder(targets[0].parent, "-o")
    check_refine_steps(args.refine_steps)
    model = with_readback_checked(load_model_checked(args.model, args.device, editor=args.editor), args.readback_steps)
    model = with_drawing_colours(model, args.drawing_colours)
    enable_refinement_checked(model, args.model, args.refine_steps, args.editor)
    attributes = dict(args.attr)
    try:
        model.attribute_vector(attributes)
    except ValueError as error:
        raise InputError(f"--attr: {error}") from None
    look = str(args.look) if isinstance(args.look, Path) else args.look
    images = model.generate([str(s) for s in args.sketches], attributes=attributes, look=look)
    if look is None and model.config.sketch_drawing_colours:
        coloured = model.drawing_looks([str(s) for s in args.sketches])[1]
        for sketch in (s for s, c in zip(args.sketches, coloured.tolist()) if c):
            print(
                f"note: {sketch} is drawn in colour; its face takes those colours (--drawing-colours off: not)",
                file=sys.stderr,
            )
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    for sketch, target, image in zip(args.sketches, targets, images):
        image.save(target)
        print(target)
        if len(targets) > 1 and target.name != f"{sketch.stem}_face.png":
            print(f"note: {sketch} was written as {target.name}: another sketch has the same name", file=sys.stderr)
    return 0
