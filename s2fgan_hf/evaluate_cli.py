"""``s2fgan evaluate --model PATH_OR_ID --data DIR``: metrics as JSON + markdown, and an attribute-sweep grid."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

from .cli_inputs import (
    InputError,
    check_device,
    check_input_folder,
    load_model_checked,
    one_line,
    writable_folder,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="measure reconstruction, realism, attribute editing and identity")
    p.add_argument("--model", default=None, help="S2FGAN folder or Hub id (default: $S2FGAN_MODEL or bundled)")
    p.add_argument("--data", type=Path, required=True, help="a folder written by `s2fgan prepare-data`")
    p.add_argument("--split", default="test", help="split of the folder to use: train, test or all (default: test)")
    p.add_argument("--classifier", default=None, help="AttributeClassifier folder or Hub id (default: bundled)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N images")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--strengths", type=float, nargs="+", default=[-2.0, -1.0, 1.0, 2.0])
    p.add_argument("--attributes", nargs="+", default=None, help="attributes to edit (default: all of the model's)")
    p.add_argument("--grid-attributes", nargs="+", default=["Smiling", "Male", "Young", "Eyeglasses"])
    p.add_argument("--device", default="cpu")
    p.add_argument("-o", "--output", type=Path, default=Path("evaluation"), help="output folder")
    p.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """The ``s2fgan evaluate`` command that reproduces this run (every setting that changes the numbers)."""
    parts = ["s2fgan", "evaluate"]
    for flag, value in (("--model", args.model), ("--classifier", args.classifier), ("--data", args.data)):
        if value is not None:
            parts += [flag, str(value)]
    parts += ["--split", args.split]
    if args.limit:
        parts += ["--limit", str(args.limit)]
    parts += ["--batch-size", str(args.batch_size), "--strengths", *(f"{s:g}" for s in args.strengths)]
    if args.attributes:
        parts += ["--attributes", *args.attributes]
    parts += ["-o", str(args.output)]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    import torch
    from torch.utils.data import DataLoader, Subset

    from .data import PreparedSketchFaceDataset
    from .evaluation.attribute_classifier import AttributeClassifier
    from .evaluation.grids import attribute_sweep_grid
    from .evaluation.harness import evaluate, results_to_markdown
    from .loading import bundled_classifier_path

    # Checks that need no model first, and the output folder before an evaluation that can take hours.
    check_input_folder(args.data, "--data")
    check_device(args.device)
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1, got {args.limit}")
    if args.batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {args.batch_size}")
    classifier_source = args.classifier or bundled_classifier_path()
    if classifier_source is None:
        raise InputError("no attribute classifier given and none is bundled; pass --classifier")
    writable_folder(args.output, "-o")
    model = load_model_checked(args.model, args.device)
    try:
        classifier = AttributeClassifier.from_pretrained(str(classifier_source)).to(args.device)
    except (OSError, ValueError) as error:
        raise InputError(f"--classifier {str(classifier_source)!r}: {one_line(error)}") from error
    dataset = PreparedSketchFaceDataset(
        args.data,
        attribute_names=model.attribute_names,
        split=None if args.split == "all" else args.split,
        image_size=model.config.image_size,
    )
    if len(dataset) == 0:
        raise InputError(f"--data {str(args.data)!r} has no images in split {args.split!r} (try --split all)")
    if args.limit:
        dataset = Subset(dataset, range(min(args.limit, len(dataset))))
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=False)
    torch.manual_seed(0)
    results = evaluate(
        model, classifier, loader, attributes=args.attributes, strengths=args.strengths, total=len(loader)
    )
    results["model"] = str(args.model or "default")
    results["command"] = command_line(args)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(results, indent=2))
    (args.output / "results.md").write_text(results_to_markdown(results))
    first = next(iter(DataLoader(dataset, batch_size=8, shuffle=False)))
    grid_attrs = [a for a in args.grid_attributes if a in model.attribute_names]
    grid = attribute_sweep_grid(model, first["sketch"], grid_attrs, photos=first["image"])
    grid.save(args.output / "sweep.png")
    print(results_to_markdown(results))
    print(f"wrote {args.output / 'results.json'}, results.md and sweep.png")
    return 0
