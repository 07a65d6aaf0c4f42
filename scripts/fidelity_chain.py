"""Where does a face from a drawing lose an attribute: in the sketch latent, or when the latent is rendered?

    python scripts/fidelity_chain.py --model MODEL --data data/celeba128 --style edges --limit 1000 \
        --output runs/eval/fidelity-chain

For each held-out photo of the split drawn in ``--style`` (``s2fgan evaluate``'s held-out sets, seeded the same way),
the ROC AUC against the photo's label of four scores of the same attribute, for each branch:

* ``latent``: the probe C's score of the latent itself, C(z) (z = E_s(sketch) or E_i(photo));
* ``read back``: the face D(z) read back by the image encoder, C(E_i(D(z))): what the model itself sees in the face
  (``--lambda_sketch_reencoded`` trains on this score);
* ``face``: the attribute classifier's score on the face D(z), the figure ``s2fgan evaluate`` reports;
* and, once, ``photo``: the classifier on the photo itself (how well the judge reads the truth).

A large step from ``latent`` to ``face`` on the sketch branch, where the photo branch loses little, says the sketch
latent carries the attribute but the decoder does not render it from there. The correlation of ``read back`` with
``face`` says whether the model's own read-back sees what the classifier sees. The first half of the rows is the
reported half of ``s2fgan evaluate --limit 500``; the second is the selection half (``--skip 500``).

The sketch latent is ``encode_sketch``'s, read-back corrected as the model's config says (``readback_correction``);
``--readback-steps 0`` gives the encoder's own latent, as in every figure before the correction shipped, and
``--readback-steps`` / ``--readback-strength`` try other settings.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import roc_auc  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import SET_STYLES, styled_batches, styled_set  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path  # noqa: E402

SCORES = ("latent", "read back", "face")


@torch.no_grad()
def chain_scores(
    model: S2FGAN,
    classifier: AttributeClassifier,
    batches: Any,
    attributes: list[str],
) -> dict[str, torch.Tensor]:
    """Scores [N, len(attributes)] by name (``sketch latent``, ``photo face``, ... and ``photo``) plus ``labels``,
    over ``styled_batches`` of a ``styled_set`` (photos already at the model's size)."""
    model.eval()
    classifier.eval()
    probe = [model.attribute_names.index(a) for a in attributes]
    judge = classifier.select(attributes)
    out: dict[str, list[torch.Tensor]] = {}

    def add(name: str, value: torch.Tensor) -> None:
        out.setdefault(name, []).append(value.float().cpu())

    for batch in batches:
        photo = batch["image"].to(model.device, torch.float32)
        latents = {"sketch": model.encode_sketch(batch["sketch"]), "photo": model.encode_image(photo)}
        for branch, z in latents.items():
            face = model.decode(z).clamp(-1, 1)
            add(f"{branch} latent", model.attribute_scores(z)[:, probe])
            add(f"{branch} read back", model.attribute_scores(model.encode_image(face))[:, probe])
            add(f"{branch} face", classifier.head(classifier.features(face))[:, judge])
        add("photo", classifier.head(classifier.features(photo))[:, judge])
        add("labels", torch.as_tensor(batch["labels"]))
    if not out:
        raise ValueError("no evaluation data: the set yielded no batches")
    return {name: torch.cat(values) for name, values in out.items()}


def chain_table(scores: dict[str, torch.Tensor], attributes: list[str], rows: slice = slice(None)) -> dict[str, Any]:
    """Per attribute: the AUC of each score on ``rows`` and the correlation of the sketch faces' read-back with the
    classifier's score on them."""
    y = scores["labels"][rows]
    table: dict[str, Any] = {}
    for k, name in enumerate(attributes):
        entry = {key: roc_auc(s[rows, k], y[:, k]) for key, s in scores.items() if key != "labels"}
        pair = torch.stack([scores["sketch read back"][rows, k], scores["sketch face"][rows, k]])
        entry["read back ~ face (sketch)"] = float(torch.corrcoef(pair)[0, 1]) if pair.shape[1] > 1 else float("nan")
        table[name] = entry
    return table


def to_markdown(table: dict[str, Any]) -> str:
    columns = [f"{b} {s}" for b in ("sketch", "photo") for s in SCORES] + ["photo", "read back ~ face (sketch)"]
    lines = ["| attribute | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for name, entry in table.items():
        lines.append(f"| {name} | " + " | ".join(f"{entry[c]:.3f}" for c in columns) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="a prepare-data folder (prepared at twice the model's size)")
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--classifier", default=None, help="default: the bundled attribute classifier")
    p.add_argument("--style", default="edges", choices=SET_STYLES)
    p.add_argument("--attributes", nargs="+", default=["Male", "Smiling", "Young"])
    p.add_argument("--split", default="test", choices=("train", "test", "all"))
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--output", type=Path, default=None, help="folder for fidelity_chain.json and .md")
    p.add_argument(
        "--readback-steps", type=int, default=None, help="read-back correction steps (default: the model's)"
    )
    p.add_argument("--readback-strength", type=float, default=None, help="its strength (default: the model's)")
    args = p.parse_args(argv)
    if not (args.classifier or bundled_classifier_path()):
        p.error("no attribute classifier is bundled; pass --classifier")
    model = S2FGAN.from_pretrained(args.model).eval()
    model.set_inference_precision("fp32")  # as s2fgan evaluate measures (bf16 on some CPUs moves the figures)
    readback = {"sketch_readback_steps": args.readback_steps, "sketch_readback_strength": args.readback_strength}
    if readback := {k: v for k, v in readback.items() if v is not None}:
        try:
            model = model.with_sketch_encoder(**readback)
        except ValueError as error:
            p.error(str(error))
    unknown = [a for a in args.attributes if a not in model.attribute_names]
    if unknown:
        p.error(f"--attributes {unknown} are not the model's; it has {', '.join(model.attribute_names)}")
    classifier = AttributeClassifier.from_pretrained(str(args.classifier or bundled_classifier_path())).eval()
    split = None if args.split == "all" else args.split
    dataset = styled_set(
        args.data, args.style, model.config.image_size, args.attributes, split=split, limit=args.limit
    )
    scores = chain_scores(model, classifier, styled_batches(dataset, args.batch_size), args.attributes)
    n = scores["labels"].shape[0]
    halves = {"all": slice(None)}
    if n >= 4:
        halves |= {"first half": slice(0, n // 2), "second half": slice(n // 2, n)}
    tables = {name: chain_table(scores, args.attributes, rows) for name, rows in halves.items()}
    text = "".join(
        f"{name} ({len(range(n)[rows])} photos):\n\n{to_markdown(tables[name])}\n" for name, rows in halves.items()
    )
    print(text, end="")
    if args.output is not None:
        args.output.mkdir(parents=True, exist_ok=True)
        record = {"model": args.model, "style": args.style, "split": args.split, "num_images": n}
        c = model.config
        record |= {"readback": [c.sketch_readback_steps, c.sketch_readback_strength], "tables": tables}
        (args.output / "fidelity_chain.json").write_text(json.dumps(record, indent=2))
        (args.output / "fidelity_chain.md").write_text(text)
    return tables


if __name__ == "__main__":
    main()
