"""``s2fgan evaluate --model PATH_OR_ID --data DIR``: metrics as JSON + markdown, and an attribute-sweep grid."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

from .inputs import (
    InputError,
    add_model_arguments,
    add_refinement_argument,
    check_device,
    check_input_folder,
    check_refine_steps,
    enable_refinement_checked,
    load_model_checked,
    one_line,
    with_drawing_colours,
    with_readback_checked,
    writable_folder,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="measure reconstruction, realism, attribute editing and identity")
    add_model_arguments(p)
    p.add_argument("--data", type=Path, required=True, help="a folder written by `s2fgan prepare-data`")
    p.add_argument("--split", default="test", help="split of the folder to use: train, test or all (default: test)")
    p.add_argument("--classifier", default=None, help="AttributeClassifier folder or Hub id (default: bundled)")
    p.add_argument(
        "--precision",
        choices=("fp32", "bf16", "auto"),
        default="fp32",
        help="number format of the model while it is measured (default fp32, so that figures agree across machines: "
        "'auto' computes in bf16 on CPUs with AVX512-BF16 and moves the Fréchet distances by up to half a point)",
    )
    add_refinement_argument(p)
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N images")
    p.add_argument(
        "--skip",
        type=int,
        default=0,
        help="leave out the first N images of the split (e.g. --skip 500 --limit 500: choose between checkpoints "
        "on images that the reported figures, made with --limit 500, never use)",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--strengths", type=float, nargs="+", default=[-2.0, -1.0, 1.0, 2.0])
    p.add_argument("--attributes", nargs="+", default=None, help="attributes to edit (default: all of the model's)")
    p.add_argument("--grid-attributes", nargs="+", default=["Smiling", "Male", "Young", "Eyeglasses"])
    p.add_argument(
        "--styles",
        nargs="+",
        default=None,
        help="also compare both branches on --split (the test split unless told) drawn in these styles (stored, "
        "edges, marker, pencil, sparse, shaded, clean): sharpness, Fréchet distance, fidelity AUCs (needs --data "
        "prepared at 2x the model size)",
    )
    p.add_argument(
        "--framing-jitter",
        type=float,
        default=0.0,
        help="move each drawing of --styles within its frame (scale 1 +- x, shift and turn up to x / 2; seeded) while "
        "its photo stays aligned: how robust the faces are to where a drawing sits (default 0; not for 'stored')",
    )
    p.add_argument("--slider-style", default="stored", help="sketch style of the slider evaluation (default: stored)")
    p.add_argument("--drawings", type=Path, default=None, help="a folder of real drawings to compare branches on")
    p.add_argument("--drawing-photos", type=Path, default=None, help="the photos matched to --drawings (same stems)")
    p.add_argument("--drawing-attributes", type=Path, default=None, help="CelebA-style attribute CSV of the photos")
    p.add_argument("--drawing-crop", type=float, default=1.0, help="centred fraction of drawings/photos to keep")
    p.add_argument("--freehand", type=Path, default=None, help="a folder of unlabelled drawings: grid only")
    p.add_argument("-o", "--output", type=Path, default=Path("evaluation"), help="output folder")
    p.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """The ``s2fgan evaluate`` command that reproduces this run (every setting that changes the numbers)."""
    parts = ["s2fgan", "evaluate"]
    for flag, value in (
        ("--model", args.model),
        ("--editor", args.editor),
        ("--classifier", args.classifier),
        ("--data", args.data),
    ):
        if value is not None:
            parts += [flag, str(value)]
    parts += ["--split", args.split]
    if args.precision != "fp32":
        parts += ["--precision", args.precision]
    if args.refine_steps:
        parts += ["--refine-steps", str(args.refine_steps)]
    if args.readback_steps is not None:
        parts += ["--readback-steps", str(args.readback_steps)]
    if args.drawing_colours is not None:
        parts += ["--drawing-colours", args.drawing_colours]
    if args.skip:
        parts += ["--skip", str(args.skip)]
    if args.limit:
        parts += ["--limit", str(args.limit)]
    parts += ["--batch-size", str(args.batch_size), "--strengths", *(f"{s:g}" for s in args.strengths)]
    if args.attributes:
        parts += ["--attributes", *args.attributes]
    if args.styles:
        parts += ["--styles", *args.styles]
    if args.framing_jitter:
        parts += ["--framing-jitter", f"{args.framing_jitter:g}"]
    if args.slider_style != "stored":
        parts += ["--slider-style", args.slider_style]
    for flag, value in (
        ("--drawings", args.drawings),
        ("--drawing-photos", args.drawing_photos),
        ("--drawing-attributes", args.drawing_attributes),
        ("--freehand", args.freehand),
    ):
        if value is not None:
            parts += [flag, str(value)]
    if args.drawing_crop != 1.0:
        parts += ["--drawing-crop", f"{args.drawing_crop:g}"]
    parts += ["-o", str(args.output)]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    import torch
    from torch.utils.data import DataLoader

    from ..data import PreparedSketchFaceDataset
    from ..evaluation.attribute_classifier import AttributeClassifier
    from ..evaluation.grids import attribute_sweep_grid
    from ..evaluation.harness import evaluate, results_to_markdown
    from ..evaluation.held_out_sets import SET_STYLES, item_window, styled_set
    from ..loading import BUNDLED_EDITORS, DEFAULT_EDITOR, bundled_classifier_path

    # Checks that need no model first, and the output folder before an evaluation that can take hours.
    check_input_folder(args.data, "--data")
    check_device(args.device)
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1, got {args.limit}")
    if args.skip < 0:
        raise InputError(f"--skip must be at least 0, got {args.skip}")
    check_refine_steps(args.refine_steps)
    from ..data.sketch_styles import MAX_FRAMING_JITTER

    if not 0.0 <= args.framing_jitter <= MAX_FRAMING_JITTER:  # also refuses nan
        raise InputError(
            f"--framing-jitter must be in [0, {MAX_FRAMING_JITTER}] (a fraction of the frame), "
            f"got {args.framing_jitter}"
        )
    if args.framing_jitter and "stored" in (args.styles or []):
        raise InputError("--framing-jitter moves drawn styles only: leave 'stored' out of --styles")
    if args.batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {args.batch_size}")
    classifier_source = args.classifier or bundled_classifier_path()
    if classifier_source is None:
        raise InputError("no attribute classifier given and none is bundled; pass --classifier")
    writable_folder(args.output, "-o")
    model = load_model_checked(args.model, args.device, editor=args.editor)
    model.set_inference_precision(args.precision)
    model = with_drawing_colours(with_readback_checked(model, args.readback_steps), args.drawing_colours)
    enable_refinement_checked(model, args.model, args.refine_steps, args.editor)
    try:
        classifier = AttributeClassifier.from_pretrained(str(classifier_source)).to(args.device)
    except (OSError, ValueError) as error:
        raise InputError(f"--classifier {str(classifier_source)!r}: {one_line(error)}") from error
    for style in [*(args.styles or []), args.slider_style]:
        if style not in SET_STYLES:
            raise InputError(f"unknown sketch style {style!r}; accepted: {', '.join(SET_STYLES)}")
    split = None if args.split == "all" else args.split
    if args.slider_style == "stored":
        dataset = PreparedSketchFaceDataset(
            args.data, attribute_names=model.attribute_names, split=split, image_size=model.config.image_size
        )
    else:
        dataset = styled_set(args.data, args.slider_style, model.config.image_size, model.attribute_names, split)
    if len(dataset) <= args.skip:
        raise InputError(
            f"--data {str(args.data)!r} has {len(dataset)} images in split {args.split!r}, none left after "
            f"--skip {args.skip} (try --split all or a smaller --skip)"
        )
    dataset = item_window(dataset, args.skip, args.limit)
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=False)
    torch.manual_seed(0)
    results = evaluate(
        model, classifier, loader, attributes=args.attributes, strengths=args.strengths, total=len(loader)
    )
    results["model"] = str(args.model or BUNDLED_EDITORS[args.editor or DEFAULT_EDITOR])  # the bundled folder
    results["command"] = command_line(args)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(results, indent=2))
    (args.output / "results.md").write_text(results_to_markdown(results))
    first = next(iter(DataLoader(dataset, batch_size=8, shuffle=False)))
    grid_attrs = [a for a in args.grid_attributes if a in model.attribute_names]
    grid = attribute_sweep_grid(model, first["sketch"], grid_attrs, photos=first["image"])
    grid.save(args.output / "sweep.png")
    print(results_to_markdown(results))
    if args.styles or args.drawings or args.freehand:
        run_branch_sets(args, model, classifier, split)
    print(f"wrote {args.output / 'results.json'}, results.md and sweep.png")
    return 0


def run_branch_sets(args: argparse.Namespace, model, classifier, split: str | None) -> None:
    """Both branches side by side on each style and drawing set: ``branches.json``, ``branches.md``, grids."""
    import torch

    from ..evaluation.branches import FIDELITY_ATTRIBUTES, branches_to_markdown, evaluate_branches
    from ..evaluation.grids import attribute_sweep_grid
    from ..evaluation.held_out_sets import DrawingSet, styled_batches, styled_set

    size, per_set = model.config.image_size, {}
    grid_attrs = [a for a in ("Smiling", "Male", "Young") if a in model.attribute_names]
    for style in args.styles or []:
        dataset = styled_set(
            args.data,
            style,
            size,
            FIDELITY_ATTRIBUTES,
            split,
            args.limit,
            skip=args.skip,
            framing_jitter=args.framing_jitter,
        )
        batches = styled_batches(dataset, args.batch_size)
        total = -(-len(dataset) // args.batch_size)
        per_set[style] = evaluate_branches(model, classifier, batches, total=total, desc=style)
        first = next(styled_batches(dataset, 6))
        attribute_sweep_grid(model, first["sketch"], grid_attrs, photos=first["image"]).save(
            args.output / f"grid_{style}.png"
        )
    if args.drawings:
        drawings = DrawingSet(
            args.drawings, size, FIDELITY_ATTRIBUTES, args.drawing_photos, args.drawing_attributes, args.drawing_crop
        )
        name = args.drawings.name
        if drawings.photos is not None and drawings.labels is not None:
            per_set[name] = evaluate_branches(model, classifier, drawings.batches(args.batch_size), desc=name)
        sketches = [drawings.drawing(i) for i in range(min(6, len(drawings)))]
        photos = [drawings.photo(i) for i in range(len(sketches))] if drawings.photos is not None else None
        photos_tensor = torch.stack(photos) if photos else None
        attribute_sweep_grid(model, sketches, grid_attrs, photos=photos_tensor).save(args.output / f"grid_{name}.png")
    if args.freehand:
        freehand = DrawingSet(args.freehand, size)
        sketches = [freehand.drawing(i) for i in range(len(freehand))]
        attribute_sweep_grid(model, sketches, grid_attrs).save(args.output / "grid_freehand.png")
    if per_set:
        (args.output / "branches.json").write_text(json.dumps(per_set, indent=2))
        (args.output / "branches.md").write_text(branches_to_markdown(per_set))
        print(branches_to_markdown(per_set))
