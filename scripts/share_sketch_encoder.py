"""Give a bundle the sketch encoder of another bundle, checking that nothing else differs.

    python scripts/share_sketch_encoder.py s2fgan_hf/pretrained/dec s2fgan_hf/pretrained/default \
        runs/dec-shared/generator_ema

The shipped S2F-DEC is the shipped S2F-DIS with a second editor trained on the frozen photo branch (E_i, the
decoder and the probe C; docs/checkpoint/dec/training.md). A stage-2 run that trains only the sketch encoder E_s of
the DIS model (``--freeze_photo_branch``) leaves everything the DEC editor stage saw unchanged, so DEC takes the new
E_s as it is instead of a new editor stage. This script refuses when any weight outside E_s (and outside the editor,
which is what makes the two bundles differ) differs between the two bundles.

Writes OUTPUT as a float32 ``save_pretrained`` folder plus ``OUTPUT/../discriminator`` copied from TARGET, ready for
``scripts/export_checkpoint.py OUTPUT --dtype float16``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402

OWN = ("sketch_encoder.", "attribute_mapping.")  # what may differ: the new E_s, and the editor


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", type=Path, help="the bundle that receives the sketch encoder (e.g. the DEC bundle)")
    p.add_argument("source", type=Path, help="the bundle whose sketch encoder it gets (e.g. the new default)")
    p.add_argument("output", type=Path, help="folder to write (its parent gets discriminator/)")
    p.add_argument("--tolerance", type=float, default=1e-3, help="rtol and atol of 'unchanged' (float16 rounds)")
    args = p.parse_args(argv)
    target = S2FGAN.from_pretrained(args.target).eval()
    source = S2FGAN.from_pretrained(args.source).eval()
    if target.config.image_size != source.config.image_size or target.config.latent_dim != source.config.latent_dim:
        raise SystemExit("error: the two bundles have different architectures")
    target_state = target.state_dict()
    for name, value in source.state_dict().items():
        if name.startswith(OWN) or name not in target_state:
            continue
        if not torch.allclose(target_state[name].float(), value.float(), rtol=args.tolerance, atol=args.tolerance):
            raise SystemExit(f"error: {name} differs between the bundles; only {OWN[0]}* may (retrain the editor)")
    target.sketch_encoder.load_state_dict(source.sketch_encoder.state_dict())
    if args.output.exists():
        shutil.rmtree(args.output)
    target.save_pretrained(args.output)
    discriminator = args.output.parent / "discriminator"
    if (args.target / "discriminator").is_dir():
        if discriminator.exists():
            shutil.rmtree(discriminator)
        shutil.copytree(args.target / "discriminator", discriminator)
    print(f"{args.output}: the sketch encoder of {args.source}, the rest of {args.target}")


if __name__ == "__main__":
    main()
