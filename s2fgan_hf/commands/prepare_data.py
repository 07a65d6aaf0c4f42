"""``s2fgan prepare-data SRC DST --format {celebamask-hq,celeba,imagefolder} --size N``.

Crops and resizes photos, extracts their sketches and writes an image folder with ``metadata.jsonl``; the work is
``s2fgan_hf.data.prepare.prepare_dataset``, whose docstring describes the output folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from ..data.prepare import IMAGE_FORMATS, prepare_dataset
from ..data.readers import READERS
from .inputs import check_device, check_input_folder, writable_folder


def _run(args: argparse.Namespace) -> int:
    check_input_folder(Path(args.src), "source folder")
    check_device(args.device)
    writable_folder(Path(args.dst), "output folder")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    report = prepare_dataset(
        args.src,
        args.dst,
        args.format,
        size=args.size,
        limit=args.limit,
        batch_size=args.batch_size,
        device=args.device,
        image_format=args.image_format,
        use_dataset_sketches=args.dataset_sketches,
        progress=not args.no_progress,
        overwrite=args.overwrite,
    )
    for warning in report["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"prepare-data: {report['processed']} processed, {report['skipped_existing']} already done, "
        f"{report['num_failed']} failed, {report['seconds']:.1f} s; report: {Path(args.dst) / 'prepare_report.json'}"
    )
    return 0


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("src", help="dataset folder (layout given by --format)")
    parser.add_argument("dst", help="output image folder (created; a rerun resumes)")
    parser.add_argument("--format", required=True, choices=sorted(READERS), help="layout of SRC")
    parser.add_argument("--size", type=int, default=256, help="output resolution in pixels (default 256)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N photos (quick runs)")
    parser.add_argument("--batch-size", type=int, default=16, help="photos per extraction batch (default 16)")
    parser.add_argument("--device", default="cpu", help="torch device for sketch extraction (default cpu)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default 1: extraction is many small ops, and on a busy machine extra threads "
        "mostly wait on each other; measured 11x faster than 2 threads on a loaded 2-core box)",
    )
    parser.add_argument("--image-format", choices=IMAGE_FORMATS, default="png", help="photo file format")
    parser.add_argument(
        "--dataset-sketches", action="store_true", help="use the dataset's own sketches (e.g. HED maps) when present"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the photos, sketches and metadata of an earlier run in DST and rebuild (needed to change "
        "--size, --image-format, --format or --dataset-sketches for an existing DST)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress display")
    parser.set_defaults(func=_run)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``prepare-data`` subcommand to the ``s2fgan`` CLI."""
    parser = subparsers.add_parser(
        "prepare-data",
        help="crop/resize photos, extract sketches, write an image folder with metadata.jsonl",
        description=__doc__.split("\n\n")[0],
    )
    _add_arguments(parser)
