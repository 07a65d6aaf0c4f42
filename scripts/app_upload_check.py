"""Are faces from drawings uploaded to the app as good as faces from the same drawings through the API?

    python scripts/app_upload_check.py --drawings ../shared/data/celebahq_avatarhq_200/avatars_512 \
        --photos ../shared/data/celebahq_avatarhq_200/photos_512 \
        --attributes ../shared/data/celebahq_avatarhq_200/attributes.csv --output runs/eval/app-upload

Each drawing goes through the app's upload path (``strokes_on_canvas`` at the canvas size, the look a drawing in
colour lends, ``look_after_upload``, and ``FaceEditor.render`` with and without re-framing) and through the API
(``S2FGAN.generate``). Per row, against the matched photos (whole frame): Fréchet distance and sharpness as
``s2fgan evaluate`` scores a drawing set, Male / Smiling AUC against the photos' labels, and how many drawings that
path refused (their faces are left out of its row).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from s2fgan_hf import S2FGAN  # noqa: E402
from s2fgan_hf.app.canvas import Framing, SketchError, strokes_on_canvas  # noqa: E402
from s2fgan_hf.app.editor import FaceEditor, look_after_upload  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import laplacian_energy, roc_auc  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import DrawingSet  # noqa: E402
from s2fgan_hf.evaluation.metrics import frechet_distance  # noqa: E402
from s2fgan_hf.image_processing import pil_to_unit_tensor  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path, bundled_model_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ATTRIBUTES = ("Male", "Smiling")
CANVAS = 256  # app.py's canvas


def _face(image) -> torch.Tensor:
    return pil_to_unit_tensor(image.convert("RGB"))[None] * 2 - 1


@torch.no_grad()
def upload_rows(model: S2FGAN, classifier: AttributeClassifier, drawings: DrawingSet, framing: Framing) -> dict:
    """{"API (generate)", "app upload, re-framed", "app upload, as drawn"}: fd, sharpness, auc, refused."""
    size = model.config.image_size
    editor = FaceEditor(model, framing)
    paths = {"API (generate)": None, "app upload, re-framed": True, "app upload, as drawn": False}  # re-framing
    faces: dict[str, list[torch.Tensor | None]] = {name: [] for name in paths}
    photos, labels = [], []
    for i in range(len(drawings)):
        drawing = drawings.drawing(i)
        photos.append(drawings.photo(i)[None])
        labels.append(torch.as_tensor(drawings.labels[drawings.files[i].stem]))
        try:
            strokes = strokes_on_canvas(drawing, CANVAS)
            state = look_after_upload(editor, drawing, None)
        except SketchError:
            strokes = None  # the app refuses the upload
        look = None if strokes is None or state is None else torch.tensor([state["values"]])
        for name, reframe in paths.items():
            face = None  # refused: the upload, or a blank or black page the API refuses too
            try:
                if reframe is None:
                    face = model.generate(drawing)
                elif strokes is not None:
                    face = editor.render(strokes, {}, reframe, look).face
            except ValueError:  # SketchError is one
                pass
            faces[name].append(None if face is None else _face(face))
    real = torch.cat(photos)
    real = F.interpolate(real, size=(size, size), mode="bilinear", antialias=True) if real.shape[-1] != size else real
    y = torch.stack(labels)
    index = classifier.select(list(drawings.attributes))
    real_feats, real_energy = classifier.features(real), laplacian_energy(real)
    rows = {}
    for name, items in faces.items():
        keep = [k for k, f in enumerate(items) if f is not None]
        images = torch.cat([items[k] for k in keep])
        feats = classifier.features(images)
        scores = classifier.head(feats)[:, index]
        rows[name] = {
            "images": len(keep),
            "refused": len(items) - len(keep),
            "fd": frechet_distance(real_feats[keep], feats) if len(keep) > 2 else float("nan"),
            "sharpness": float(laplacian_energy(images).mean() / real_energy[keep].mean()),
            "auc": {a: roc_auc(scores[:, k], y[keep, k]) for k, a in enumerate(drawings.attributes)},
        }
    return rows


def to_markdown(rows: dict[str, dict[str, Any]]) -> str:
    lines = ["| path | faces | refused | FD | sharpness | " + " | ".join(f"{a} AUC" for a in ATTRIBUTES) + " |"]
    lines.append("|---|---|---|---|---|" + "---|" * len(ATTRIBUTES))
    for name, r in rows.items():
        aucs = " | ".join(f"{r['auc'][a]:.3f}" for a in ATTRIBUTES)
        lines.append(f"| {name} | {r['images']} | {r['refused']} | {r['fd']:.1f} | {r['sharpness']:.2f} | {aucs} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--drawings", type=Path, required=True)
    p.add_argument("--photos", type=Path, required=True, help="the photos matched to the drawings (same stems)")
    p.add_argument("--attributes", type=Path, required=True, help="CelebA-style attribute CSV of the photos")
    p.add_argument("--model", default=None, help="default: the bundled checkpoint")
    p.add_argument("--classifier", default=None, help="default: the bundled attribute classifier")
    p.add_argument("--framing", type=Path, default=ROOT / "assets" / "framing.json")
    p.add_argument("--output", type=Path, default=None, help="folder for app_upload.json and app_upload.md")
    args = p.parse_args(argv)
    model = S2FGAN.from_pretrained(args.model or str(bundled_model_path())).eval()
    classifier = AttributeClassifier.from_pretrained(str(args.classifier or bundled_classifier_path())).eval()
    size = model.config.image_size
    drawings = DrawingSet(args.drawings, size, ATTRIBUTES, args.photos, args.attributes, 1.0)
    rows = upload_rows(model, classifier, drawings, Framing.load(args.framing))
    table = to_markdown(rows)
    print(table, end="")
    if args.output is not None:
        args.output.mkdir(parents=True, exist_ok=True)
        (args.output / "app_upload.json").write_text(json.dumps({"model": args.model, "rows": rows}, indent=2))
        (args.output / "app_upload.md").write_text(table)
    return rows


if __name__ == "__main__":
    main()
