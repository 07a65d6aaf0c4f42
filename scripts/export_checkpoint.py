"""Export a training run's EMA generator as the bundled default checkpoint (config.json + safetensors + card).

    python scripts/export_checkpoint.py /path/to/run/checkpoint-N/generator_ema \
        --output s2fgan_hf/pretrained/default --training docs/checkpoint/training.md \
        --evaluation docs/checkpoint/evaluation.md --weights-license celeba --card-copy model_card.md \
        --readback-steps 2 --drawing-colours on [--dtype float16] [--push-to-hub user/s2fgan-cpu64]

The model card (README.md) is rendered from the package's template ``s2fgan_hf/model_card.md`` with the training
notes and, if given, the evaluation (``--evaluation``, e.g. a page around ``s2fgan evaluate``'s results.md).
The code is MIT; weights trained on CelebA-derived data are not: ``--weights-license celeba`` marks the card's
``license`` as ``other`` with the CelebA terms. ``--card-copy`` also writes the rendered card elsewhere (the repo's
root ``model_card.md`` is the card of the bundled checkpoint). ``--push-to-hub`` uploads the folder as written, so
the Hub card is this card.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from huggingface_hub import HfApi, ModelCard  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANDiscriminator  # noqa: E402
from s2fgan_hf.atomic_io import atomic_write_text  # noqa: E402
from s2fgan_hf.config import INFERENCE_SETTINGS  # noqa: E402

# Card metadata for weights trained on CelebA / CelebA-HQ / CelebAMask-HQ (their agreements: non-commercial research).
WEIGHTS_LICENSES = {
    "celeba": {
        "license": "other",
        "license_name": "celeba-non-commercial-research",
        "license_link": "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
    },
}


def _architecture(config) -> dict:
    """The config fields that decide tensor shapes (not the inference-time sketch normalisation and read-back)."""
    fields = config.to_dict()
    for name in ("sketch_normalization", *INFERENCE_SETTINGS):
        fields.pop(name, None)
    return fields


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=Path, help="a save_pretrained folder (e.g. checkpoint-N/generator_ema)")
    p.add_argument("--output", type=Path, required=True)
    p.add_argument("--training", type=Path, default=None, help="markdown with the training notes")
    p.add_argument("--evaluation", type=Path, default=None, help="markdown with the evaluation table")
    p.add_argument(
        "--weights-license",
        choices=sorted(WEIGHTS_LICENSES),
        default=None,
        help="terms the weights inherit from their training data (default: the code's MIT)",
    )
    p.add_argument("--card-copy", type=Path, default=None, help="also write the rendered card here")
    p.add_argument(
        "--discriminator",
        type=Path,
        default=None,
        help="the discriminator to ship in OUTPUT/discriminator, so fine-tuning does not start a new one (default: "
        "SOURCE/../discriminator when it exists; pass 'none' to leave it out)",
    )
    p.add_argument(
        "--dtype",
        choices=("float32", "float16"),
        default="float32",
        help="precision of the stored weights; float16 halves the folder and loads back as float32 (the package's "
        "second bundled checkpoint uses it to stay lean)",
    )
    p.add_argument(
        "--push-to-hub",
        metavar="REPO_ID",
        default=None,
        help="upload the exported folder, card included, to this Hub model repo (created if missing)",
    )
    p.add_argument("--private", action="store_true", help="create the Hub repo as private")
    p.add_argument(
        "--readback-steps",
        type=int,
        default=None,
        help="set the exported config's read-back correction steps (s2fgan_hf/readback_correction.py; the bundled "
        "checkpoints: 2); default: SOURCE's",
    )
    p.add_argument(
        "--drawing-colours",
        choices=("on", "off"),
        default=None,
        help="set whether the exported config lets a drawing in colour lend its colours to its face (docs/looks.md; "
        "the bundled checkpoints: on); default: SOURCE's",
    )
    args = p.parse_args(argv)
    model = S2FGAN.from_pretrained(args.source).eval()
    if args.readback_steps is not None:
        model = model.with_sketch_encoder(sketch_readback_steps=args.readback_steps)
    if args.drawing_colours is not None:
        model = model.with_sketch_encoder(sketch_drawing_colours=args.drawing_colours == "on")
    if args.output.exists():
        shutil.rmtree(args.output)
    kwargs = {}
    if args.training:
        kwargs["training"] = args.training.read_text()
    if args.evaluation:
        kwargs["evaluation"] = args.evaluation.read_text()
    store = getattr(torch, args.dtype)
    model.to(store).save_pretrained(args.output, model_card_kwargs=kwargs)
    discriminator_dir = args.discriminator or args.source.parent / "discriminator"
    if str(discriminator_dir) != "none" and (discriminator_dir / "config.json").is_file():
        discriminator = S2FGANDiscriminator.from_pretrained(discriminator_dir)
        if _architecture(discriminator.config) != _architecture(model.config):
            raise SystemExit(f"error: {discriminator_dir} was trained for another architecture than {args.source}")
        discriminator.config = model.config  # the same architecture; keep one config in the folder
        discriminator._hub_mixin_config = model.config.to_dict()
        discriminator.to(store).save_pretrained(args.output / "discriminator")
    elif args.discriminator is not None and str(args.discriminator) != "none":
        raise SystemExit(f"error: no discriminator (config.json) in {args.discriminator}")
    card_path = args.output / "README.md"
    if args.weights_license:
        card = ModelCard.load(card_path)
        for key, value in WEIGHTS_LICENSES[args.weights_license].items():
            setattr(card.data, key, value)
        atomic_write_text(str(card).rstrip("\n") + "\n", card_path)
    if args.card_copy:
        args.card_copy.unlink(missing_ok=True)  # may be a symlink to the template
        shutil.copyfile(card_path, args.card_copy)
    size = sum(f.stat().st_size for f in args.output.rglob("*") if f.is_file()) / 1e6
    print(f"exported {args.source} -> {args.output} ({size:.1f} MB)")
    if args.push_to_hub:
        # Upload the folder as written: `model.push_to_hub` would re-render the card without the training notes,
        # the evaluation and the weights' licence.
        api = HfApi()
        api.create_repo(args.push_to_hub, repo_type="model", private=args.private, exist_ok=True)
        commit = api.upload_folder(
            repo_id=args.push_to_hub, folder_path=args.output, commit_message=f"Export {args.source.name}"
        )
        print(f"pushed {args.output} -> {getattr(commit, 'commit_url', commit)}")


if __name__ == "__main__":
    main()
