"""Does the app's re-framing keep the faces of drawings that are already framed like the training sketches?

    python scripts/reframing_check.py --model MODEL --data data/celeba128 --limit 500 --tolerances 0 1 1.5 2 \
        --output runs/eval/reframing

The held-out stored edge maps (the test split's, in their photos' framing) go through the app's path
(``FaceEditor.model_sketch``: stroke mask -> re-framing -> the model's sketch), once without re-framing and once
per ``Framing.tolerance`` of the app's framing (``assets/framing.json``; tolerance 0 moves every drawing onto the
mean training box, as the app did until 2026-11-28). Per row, against the source photos: the Fréchet distance and
sharpness of the faces (as ``s2fgan evaluate``) and the ROC AUC of the classifier's Male and Smiling scores against
the photos' labels. A re-framing that loses fidelity here changes faces that needed no change.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.app.canvas import Framing  # noqa: E402
from s2fgan_hf.app.editor import FaceEditor  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import evaluate_branches  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import styled_batches, styled_set  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ATTRIBUTES = ("Male", "Smiling")


@torch.no_grad()
def reframing_rows(
    model: S2FGAN,
    classifier: AttributeClassifier,
    data: str | Path,
    framing: Framing,
    tolerances: list[float],
    limit: int | None,
    batch_size: int,
    split: str | None = "test",
) -> dict[str, dict[str, Any]]:
    """One row per setting (``"not re-framed"``, ``"tolerance T"``): fd, sharpness and ``auc``/``auc_ci95`` per
    attribute of the faces from the split's stored edge maps, as ``evaluate_branches`` measures them."""
    dataset = styled_set(data, "stored", model.config.image_size, list(ATTRIBUTES), split=split, limit=limit)
    editors = {f"tolerance {t:g}": FaceEditor(model, dataclasses.replace(framing, tolerance=t)) for t in tolerances}
    plain = FaceEditor(model, framing)
    batches: dict[str, list[dict[str, Any]]] = {"not re-framed": [], **{name: [] for name in editors}}
    for batch in styled_batches(dataset, batch_size):
        strokes = [(sketch[0] < 0).numpy() for sketch in batch["sketch"]]  # the edge maps' ink as stroke masks
        sketches = {"not re-framed": [plain.model_sketch(s, reframe_strokes=False) for s in strokes]}
        sketches.update(
            {name: [e.model_sketch(s, reframe_strokes=True) for s in strokes] for name, e in editors.items()}
        )
        for name, items in sketches.items():
            batches[name].append({"image": batch["image"], "sketch": torch.cat(items), "labels": batch["labels"]})
    if not batches["not re-framed"]:
        raise ValueError(f"no photos in {data} (split {split!r})")
    rows = {}
    for name, items in batches.items():
        faces = evaluate_branches(model, classifier, items, ATTRIBUTES, progress=False)["from_sketch"]
        rows[name] = {
            "fd": faces["frechet_distance"],
            "sharpness": faces["sharpness"],
            "auc": faces["fidelity_auc"],
            "auc_ci95": faces["fidelity_auc_ci95"],
        }
    return rows


def to_markdown(rows: dict[str, dict[str, Any]]) -> str:
    lines = ["| strokes | FD | sharpness | " + " | ".join(f"{a} AUC" for a in ATTRIBUTES) + " |"]
    lines.append("|---|---|---|" + "---|" * len(ATTRIBUTES))
    for name, r in rows.items():
        aucs = " | ".join(f"{r['auc'][a]:.3f}" for a in ATTRIBUTES)
        lines.append(f"| {name} | {r['fd']:.1f} | {r['sharpness']:.2f} | {aucs} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="a prepare-data folder (its stored edge maps and labels)")
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--classifier", default=None, help="default: the bundled attribute classifier")
    p.add_argument("--framing", type=Path, default=ROOT / "assets" / "framing.json")
    p.add_argument("--tolerances", type=float, nargs="+", default=[0.0, 1.5])
    p.add_argument("--split", default="test", choices=("train", "val", "test", "all"))
    p.add_argument("--limit", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--output", type=Path, default=None, help="folder for reframing.json and reframing.md")
    args = p.parse_args(argv)
    if not (args.classifier or bundled_classifier_path()):
        p.error("no attribute classifier is bundled; pass --classifier")
    framing = Framing.load(args.framing)
    rows = reframing_rows(
        S2FGAN.from_pretrained(args.model).eval(),
        AttributeClassifier.from_pretrained(str(args.classifier or bundled_classifier_path())).eval(),
        args.data,
        framing,
        args.tolerances,
        args.limit,
        args.batch_size,
        None if args.split == "all" else args.split,
    )
    table = to_markdown(rows)
    print(table, end="")
    if args.output is not None:
        args.output.mkdir(parents=True, exist_ok=True)
        record = {"model": args.model, "framing": dataclasses.asdict(framing), "rows": rows}
        (args.output / "reframing.json").write_text(json.dumps(record, indent=2))
        (args.output / "reframing.md").write_text(table)
    return rows


if __name__ == "__main__":
    main()
