"""Average the weights of several checkpoints of one run (stochastic weight averaging after the fact).

    python scripts/average_checkpoints.py runs/stage2-moments-rb0 --steps 500 1100 --output runs/avg/generator_ema

A fine-tuning stage that starts from a trained model (stage 2, the editor or decoder stage) wanders between
checkpoints: on held-out edge maps the sketch faces' Fréchet distance moved by 5 points between two checkpoints 200
steps apart while every face looked the same. Its EMA does not smooth this early on, because the EMA's warm-up
(``--ema_warmup``) shortens its memory to a few dozen steps at the start of a run. The mean of the checkpoints'
weights from the same trajectory (same start, same frozen networks) lies in the same basin and averages the wander
out, as stochastic weight averaging does (Izmailov et al. 2018).

Takes ``RUN/checkpoint-N/generator_ema`` for every N in ``[first, last]`` (``--steps``) found in ``RUN``, checks that
all share one config and that the weights that did not train in the run (all but ``--trained``, default: the sketch
encoder alone, as in a stage-2 run) are equal, averages the rest in float64, and writes a float32
``save_pretrained`` folder, plus ``OUTPUT/../discriminator`` copied from the last checkpoint (the discriminator is
not averaged: it is only a starting point for further training).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402


def checkpoint_folders(run: Path, first: int, last: int) -> list[Path]:
    """``run/checkpoint-N`` for first <= N <= last, in step order."""
    found = []
    for folder in run.iterdir():
        match = re.fullmatch(r"checkpoint-(\d+)", folder.name)
        if match and first <= int(match.group(1)) <= last and (folder / "generator_ema").is_dir():
            found.append((int(match.group(1)), folder))
    return [folder for _, folder in sorted(found)]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", type=Path, help="a training output folder with checkpoint-N subfolders")
    p.add_argument("--steps", type=int, nargs=2, metavar=("FIRST", "LAST"), required=True)
    p.add_argument("--output", type=Path, required=True, help="the averaged save_pretrained folder to write")
    p.add_argument(
        "--trained", nargs="+", default=["sketch_encoder"], help="the networks the run trained (the rest must match)"
    )
    args = p.parse_args(argv)
    folders = checkpoint_folders(args.run, *args.steps)
    if len(folders) < 2:
        raise SystemExit(f"error: fewer than two checkpoints between steps {args.steps} in {args.run}")
    models = [S2FGAN.from_pretrained(folder / "generator_ema").float() for folder in folders]
    if any(m.config.to_dict() != models[0].config.to_dict() for m in models):
        raise SystemExit("error: the checkpoints have different configs")
    trained = tuple(f"{name}." for name in args.trained)
    states = [m.state_dict() for m in models]
    averaged = {}
    for name, first in states[0].items():
        values = [state[name] for state in states]
        if not name.startswith(trained):
            if any(not torch.equal(v, first) for v in values):
                raise SystemExit(f"error: {name} changed during the run, but only {args.trained} should have")
            averaged[name] = first
        elif first.is_floating_point():
            averaged[name] = torch.stack([v.double() for v in values]).mean(0).to(first.dtype)
        else:
            averaged[name] = values[-1]  # counters and other integer buffers: the last one's
    models[-1].load_state_dict(averaged)
    models[-1].save_pretrained(args.output)
    discriminator = folders[-1] / "discriminator"
    if discriminator.is_dir():
        shutil.copytree(discriminator, args.output.parent / "discriminator", dirs_exist_ok=True)
    steps = ", ".join(f.name.removeprefix("checkpoint-") for f in folders)
    print(f"averaged {len(folders)} checkpoints (steps {steps}) into {args.output}")


if __name__ == "__main__":
    main()
