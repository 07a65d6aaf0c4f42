"""Export a training run's EMA generator as the bundled default checkpoint (config.json + safetensors + card).

    python scripts/export_checkpoint.py /path/to/run/checkpoint-2000/generator_ema \
        --output s2fgan_hf/pretrained/default --training docs/default_checkpoint_training.md

The model card (README.md) is rendered from the package's model_card.md template with the training notes and,
if given, an evaluation table (``--evaluation results.md`` from ``s2fgan evaluate``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2fgan_hf import S2FGAN  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=Path, help="a save_pretrained folder (e.g. checkpoint-N/generator_ema)")
    p.add_argument("--output", type=Path, required=True)
    p.add_argument("--training", type=Path, default=None, help="markdown with the training notes")
    p.add_argument("--evaluation", type=Path, default=None, help="markdown with the evaluation table")
    args = p.parse_args()
    model = S2FGAN.from_pretrained(args.source).eval()
    if args.output.exists():
        shutil.rmtree(args.output)
    kwargs = {}
    if args.training:
        kwargs["training"] = args.training.read_text()
    if args.evaluation:
        kwargs["evaluation"] = args.evaluation.read_text()
    model.save_pretrained(args.output, model_card_kwargs=kwargs)
    size = sum(f.stat().st_size for f in args.output.iterdir()) / 1e6
    print(f"exported {args.source} -> {args.output} ({size:.1f} MB)")


if __name__ == "__main__":
    main()
