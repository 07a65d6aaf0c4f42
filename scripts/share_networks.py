"""Give a bundle networks of another bundle, checking that nothing else differs.

    # DEC takes the retrained sketch encoder of DIS (a stage-2 run with --freeze_photo_branch):
    python scripts/share_networks.py s2fgan_hf/pretrained/dec s2fgan_hf/pretrained/default \
        runs/dec-shared/generator_ema
    # DEC's editor on the decoder of a decoder-stage run, as the start of a new DEC editor stage:
    python scripts/share_networks.py s2fgan_hf/pretrained/dec runs/dis-decoder-1755 \
        runs/dec-start-1755/generator_ema --networks decoder

The shipped S2F-DEC is the shipped S2F-DIS with a second editor trained on the frozen photo branch (E_i, the
decoder and the probe C; docs/checkpoint/dec/training.md). A stage-2 run that trains only the sketch encoder E_s of
the DIS model leaves everything the DEC editor stage saw unchanged, so DEC takes the new E_s as it is. A new
decoder is different: the DEC editor was fitted to the old one, so the folder this writes is only the start of a new
editor stage (``train_accelerate.py --train_editor_only --pretrained_model_name_or_path OUTPUT``).

The script refuses when any weight outside the shared networks (and outside the editor, which is what makes the two
bundles differ) differs between the two bundles. A sketch encoder with other ``sketch_*`` settings (a drawing
reader, ``sketch_reader_width``) brings them into the target's config. Writes OUTPUT as a float32
``save_pretrained`` folder plus ``OUTPUT/../discriminator``: the source's when the decoder is shared (it was trained
against that decoder's faces), the target's otherwise (under the written config).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANDiscriminator  # noqa: E402

SHAREABLE = ("sketch_encoder", "decoder")  # the networks a bundle's editor stage does not train
EDITOR = "attribute_mapping."  # what makes a DIS and a DEC bundle differ


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", type=Path, help="the bundle that receives the networks (e.g. the DEC bundle)")
    p.add_argument("source", type=Path, help="the bundle whose networks it gets (e.g. the new default)")
    p.add_argument("output", type=Path, help="folder to write (its parent gets discriminator/)")
    p.add_argument("--networks", nargs="+", choices=SHAREABLE, default=["sketch_encoder"], help="what to take")
    p.add_argument("--tolerance", type=float, default=1e-3, help="rtol and atol of 'unchanged' (float16 rounds)")
    args = p.parse_args(argv)
    target = S2FGAN.from_pretrained(args.target).eval()
    source = S2FGAN.from_pretrained(args.source).eval()
    if target.config.image_size != source.config.image_size or target.config.latent_dim != source.config.latent_dim:
        raise SystemExit("error: the two bundles have different architectures")
    if "sketch_encoder" in args.networks:  # e.g. a drawing reader that the target lacks: its config takes it
        settings = {k: v for k, v in source.config.to_dict().items() if k.startswith("sketch_")}
        target = target.with_sketch_encoder(**settings)
    own = tuple(f"{name}." for name in args.networks) + (EDITOR,)
    target_state = target.state_dict()
    for name, value in source.state_dict().items():
        if name.startswith(own) or name not in target_state:
            continue
        if not torch.allclose(target_state[name].float(), value.float(), rtol=args.tolerance, atol=args.tolerance):
            shared = ", ".join(f"{n}.*" for n in args.networks)
            raise SystemExit(f"error: {name} differs between the bundles; only {shared} may (retrain the editor)")
    for name in args.networks:
        getattr(target, name).load_state_dict(getattr(source, name).state_dict())
    if args.output.exists():
        shutil.rmtree(args.output)
    target.float().save_pretrained(args.output)
    owner = args.source if "decoder" in args.networks else args.target
    if (owner / "discriminator" / "config.json").is_file():
        # the weights as they are, under the target's config
        discriminator = S2FGANDiscriminator.from_pretrained(owner / "discriminator").with_config(target.config)
        folder = args.output.parent / "discriminator"
        if folder.exists():
            shutil.rmtree(folder)
        discriminator.float().save_pretrained(folder)
    print(f"{args.output}: {', '.join(args.networks)} of {args.source}, the rest of {args.target}")


if __name__ == "__main__":
    main()
