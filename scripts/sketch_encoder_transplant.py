"""Move a sketch encoder between checkpoints that share everything else (a leased GPU carries 64 MiB at most).

    python scripts/sketch_encoder_transplant.py extract MODEL_DIR ENCODER.safetensors
    python scripts/sketch_encoder_transplant.py build BASE_DIR CONFIG.json ENCODER.safetensors OUTPUT_DIR

A stage-2 run trains the sketch encoder alone: the image encoder, mapping and decoder stay those of the model it
started from. ``extract`` writes the ``sketch_encoder.*`` tensors of a ``save_pretrained`` folder (7 MB for the
reader model, against 17 MB for the whole generator); ``build`` puts such a file into BASE_DIR's other weights under
CONFIG.json (which may differ from BASE's in the sketch encoder's settings alone, e.g. ``sketch_reader_width``),
copies BASE's discriminator beside it, loads the result to check that every tensor fits, and saves it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safetensors.torch import load_file, save_file  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANConfig  # noqa: E402
from s2fgan_hf.modeling_discriminator import S2FGANDiscriminator  # noqa: E402

PREFIX = "sketch_encoder."


def extract(model_dir: Path, output: Path) -> int:
    """Write MODEL_DIR's sketch-encoder tensors to OUTPUT; returns how many there were."""
    weights = load_file(str(model_dir / "model.safetensors"))
    encoder = {k: v.contiguous() for k, v in weights.items() if k.startswith(PREFIX)}
    if not encoder:
        raise SystemExit(f"{model_dir} holds no {PREFIX}* tensors")
    output.parent.mkdir(parents=True, exist_ok=True)
    save_file(encoder, str(output))
    return len(encoder)


def build(base_dir: Path, config_file: Path, encoder_file: Path, output: Path) -> None:
    """BASE's weights with ENCODER's sketch encoder, under CONFIG, saved to OUTPUT (plus the discriminator)."""
    base_config = json.loads((base_dir / "config.json").read_text())
    config = json.loads(config_file.read_text())
    differing = sorted(k for k in set(base_config) | set(config) if base_config.get(k) != config.get(k))
    outside = [k for k in differing if not k.startswith("sketch_")]
    if outside:
        raise SystemExit(f"{config_file} differs from {base_dir} outside the sketch encoder: {outside}")
    weights = {k: v for k, v in load_file(str(base_dir / "model.safetensors")).items() if not k.startswith(PREFIX)}
    weights.update(load_file(str(encoder_file)))
    model = S2FGAN(S2FGANConfig.from_dict(config))
    model.load_state_dict(weights, strict=True)
    model.save_pretrained(output)
    if (base_dir / "discriminator").is_dir():  # the same weights, under the new config (the trainer checks it)
        discriminator = S2FGANDiscriminator.from_pretrained(base_dir / "discriminator")
        discriminator.with_config(model.config).save_pretrained(output / "discriminator")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("extract", help="write a model folder's sketch encoder to one safetensors file")
    e.add_argument("model", type=Path)
    e.add_argument("output", type=Path)
    b = sub.add_parser("build", help="a base model folder with another sketch encoder, saved as a new folder")
    b.add_argument("base", type=Path)
    b.add_argument("config", type=Path)
    b.add_argument("encoder", type=Path)
    b.add_argument("output", type=Path)
    args = p.parse_args(argv)
    if args.command == "extract":
        print(f"{extract(args.model, args.output)} tensors -> {args.output}")
    else:
        build(args.base, args.config, args.encoder, args.output)
        print(f"{args.output}: {args.base} with the sketch encoder of {args.encoder}")


if __name__ == "__main__":
    main()
