"""How far can a drawing bring the sketch branch towards a set of real photos? The realism gap of real drawings,
split into what the drawing lacks and what the photos' domain adds; and which crop frames them as the model learned.

    python scripts/drawing_domain_check.py --drawings ../shared/data/celebahq_avatarhq_200/avatars_512 \
        --photos ../shared/data/celebahq_avatarhq_200/photos_512 \
        --attributes ../shared/data/celebahq_avatarhq_200/attributes.csv --data data/celeba128 \
        --crop 1 --crops 0.75 0.8 0.85 0.9 0.95 --output runs/eval/avatar-domain

Every row is the Fréchet distance of 64 px faces to the matched photos on the bundled classifier's embedding, and
their sharpness (Laplacian energy over the photos'), as ``s2fgan evaluate`` scores a drawing set:

* ``photo -> face``: E_i(photo) decoded, the photo branch: the reference of the realism bar (1.5x this);
* ``drawings -> face``: the real drawings through the sketch branch (the ``sketch -> face`` row of the evaluation);
* ``drawings + the photo's look -> face``: the same latents moved to the matched photo's colour statistics
  (``S2FGAN.apply_look``): the drawing plus colours it cannot carry;
* ``<style> drawn from the photo -> face``: each matched photo itself drawn in a training style (edges extracted by
  ``SketchExtractor`` at twice the model's size, then ``SketchStyleSampler``), i.e. a drawing that is exact to the
  very photo it is scored against. ``edges`` carries the photo's lines only; ``pencil`` and ``shaded`` also carry its
  shading.

If the exact drawings of the photos land as far from them as the real drawings do, the gap is not in how the
drawings are drawn but in what any drawing leaves out (colour, lighting, the photos' own look) and how far the
photos' domain is from the training photos'. ``--data`` adds the distance of as many held-out CelebA photos (the
training photos' domain, no model involved) to the same photos.

``--attributes`` adds the AUC of the classifier's Male, Smiling and Young scores against the photos' labels for each
row, and a row for *the photos themselves*. That row checks the framing without the sketch branch: the classifier
learned these attributes on the training photos' framing, so it reads the photos best at the crop that frames them
that way (on the avatars' CelebA-HQ photos: the whole frame, crop 1; the evaluation used 0.75 until 2026-11-28, where
the faces are a third larger than the training faces). ``--crops`` repeats the photo-branch, drawing and photo rows
at other centre crops.
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
from s2fgan_hf.data.sketch_extraction import extract_sketch  # noqa: E402
from s2fgan_hf.data.sketch_styles import STYLES, SketchStyleSampler  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import laplacian_energy, roc_auc  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import DrawingSet, styled_set  # noqa: E402
from s2fgan_hf.evaluation.metrics import frechet_distance  # noqa: E402
from s2fgan_hf.loading import bundled_classifier_path  # noqa: E402
from s2fgan_hf.progress import progress as progress_bar  # noqa: E402


def _chunks(x: torch.Tensor | list, size: int):
    return (x[k : k + size] for k in range(0, len(x), size))


FRAMING_ATTRIBUTES = ("Male", "Smiling", "Young")


class _Scorer:
    """FD, sharpness and (with labels) attribute AUCs of face sets against one set of real photos [N, 3, S, S]."""

    def __init__(
        self, classifier: AttributeClassifier, photos: torch.Tensor, batch_size: int, labels: torch.Tensor | None
    ) -> None:
        self.classifier, self.batch_size, self.labels = classifier, batch_size, labels
        self.index = classifier.select(list(FRAMING_ATTRIBUTES))
        self.real = self._features(photos)
        self.real_energy = float(laplacian_energy(photos).mean())

    def of_the_photos(self) -> dict[str, Any]:
        """The row of the real photos themselves (FD 0, sharpness 1), from the features already computed."""
        return self._row(self.real, 0.0, 1.0)

    def _features(self, images: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.classifier.features(x.clamp(-1, 1)) for x in _chunks(images, self.batch_size)])

    def __call__(self, faces: torch.Tensor, matched: bool = True) -> dict[str, Any]:
        """``matched``: the faces are of the labelled photos, in order (their AUCs mean something)."""
        faces = faces.clamp(-1, 1)
        features = self._features(faces)
        sharpness = float(laplacian_energy(faces).mean()) / max(self.real_energy, 1e-12)
        return self._row(features, frechet_distance(self.real, features), sharpness, matched)

    def _row(self, features: torch.Tensor, fd: float, sharpness: float, matched: bool = True) -> dict[str, Any]:
        row: dict[str, Any] = {"frechet_distance": fd, "sharpness": sharpness}
        if self.labels is not None and matched:
            scores = self.classifier.head(features)[:, self.index]
            row["auc"] = {a: roc_auc(scores[:, k], self.labels[:, k]) for k, a in enumerate(FRAMING_ATTRIBUTES)}
        return row


def _decode(model: S2FGAN, z: torch.Tensor, batch_size: int) -> torch.Tensor:
    return torch.cat([model.decode(chunk).clamp(-1, 1) for chunk in _chunks(z, batch_size)])


def _encode_drawings(model: S2FGAN, drawings: list, batch_size: int) -> torch.Tensor:
    return torch.cat([model.encode_sketch(chunk) for chunk in _chunks(drawings, batch_size)])


def drawn_from_photos(photos: torch.Tensor, size: int, style: str, seed: int = 0) -> torch.Tensor:
    """Photos [N, 3, S, S] in [-1, 1] drawn in a training ``style`` as the trainer draws its photos: edges
    extracted at ``2 * size``, then the style -> sketches [N, 1, size, size] in [-1, 1] (-1 = ink)."""
    double = F.interpolate((photos + 1) / 2, size=(2 * size, 2 * size), mode="bilinear", antialias=True)
    edges = extract_sketch(double.clamp(0, 1))
    sampler, generator = SketchStyleSampler(size, (style,)), torch.Generator().manual_seed(seed)
    return torch.stack([sampler(p, e, generator) for p, e in zip(double, edges)])


@torch.no_grad()
def domain_rows(
    model: S2FGAN,
    classifier: AttributeClassifier,
    drawing_set: DrawingSet,
    styles: list[str],
    batch_size: int = 50,
    look: bool = True,
    seed: int = 0,
    progress: bool = True,
    other_photos: torch.Tensor | None = None,
) -> list[dict[str, Any]]:
    """The rows above for one crop of a drawing set: ``[{"faces": label, "frechet_distance", "sharpness"}]``, plus
    ``"auc"`` ({attribute: AUC} for :data:`FRAMING_ATTRIBUTES`) when the set has labels for them; then the row of the
    photos themselves, whose AUCs check the framing: the classifier, trained on the training photos' framing, reads
    the photos best where the crop frames them as it learned. ``other_photos`` [M, 3, S, S] in [-1, 1] (e.g.
    held-out training-domain photos) adds their own row, last."""
    size = model.config.image_size
    if drawing_set.image_size != size:
        raise ValueError(f"the drawing set is at {drawing_set.image_size} px, the model at {size} px")
    photos = torch.stack([drawing_set.photo(i) for i in range(len(drawing_set))])
    drawings = [drawing_set.drawing(i) for i in range(len(drawing_set))]
    labels = None
    if drawing_set.labels is not None and drawing_set.attributes == FRAMING_ATTRIBUTES:
        labels = torch.tensor([drawing_set.labels[f.stem] for f in drawing_set.files])
    score = _Scorer(classifier, photos, batch_size, labels)
    rows: list[dict[str, Any]] = []
    bar = progress_bar(total=2 + look + len(styles), desc=f"crop {drawing_set.crop:g}", enabled=progress)

    def add(label: str, z: torch.Tensor) -> None:
        rows.append({"faces": label, **score(_decode(model, z, batch_size))})
        bar.update(1)

    add("photo -> face", torch.cat([model.encode_image(p) for p in _chunks(photos, batch_size)]))
    z_drawings = _encode_drawings(model, drawings, batch_size)
    add("drawings -> face", z_drawings)
    if look:
        pairs = zip(_chunks(z_drawings, batch_size), _chunks(photos, batch_size))
        add("drawings + the photo's look -> face", torch.cat([model.apply_look(z, photo) for z, photo in pairs]))
    for style in styles:
        drawn = drawn_from_photos(photos, size, style, seed)
        add(f"{style} drawn from the photo -> face", _encode_drawings(model, drawn, batch_size))
    bar.close()
    rows.append({"faces": "the photos themselves", **score.of_the_photos()})
    if other_photos is not None:
        rows.append({"faces": "held-out training-domain photos (no model)", **score(other_photos, matched=False)})
    return rows


def to_markdown(per_crop: dict[str, list[dict[str, Any]]]) -> str:
    auc_head = " / ".join(FRAMING_ATTRIBUTES) + " AUC"
    lines = [f"| crop | faces | FD | FD / photo branch | sharpness | {auc_head} |", "|---|---|---|---|---|---|"]
    for crop, rows in per_crop.items():
        reference = rows[0]["frechet_distance"]
        for r in rows:
            ratio = r["frechet_distance"] / reference
            aucs = " / ".join(f"{v:.3f}" for v in r["auc"].values()) if "auc" in r else "n/a"
            cells = f"{r['frechet_distance']:.1f} | {ratio:.2f} | {r['sharpness']:.3f} | {aucs}"
            lines.append(f"| {crop} | {r['faces']} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--classifier", default=None, help="AttributeClassifier folder (default: the bundled one)")
    p.add_argument("--drawings", type=Path, required=True, help="folder of real drawings")
    p.add_argument("--photos", type=Path, required=True, help="folder of the matched photos (same file stems)")
    p.add_argument("--crop", type=float, default=1.0, help="centre crop of drawings and photos (as the evaluation)")
    p.add_argument("--crops", type=float, nargs="*", default=[], help="other crops: photo and drawing rows only")
    p.add_argument("--styles", nargs="*", default=["edges", "pencil", "shaded"], choices=STYLES)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--no-look", action="store_true", help="leave out the row with the photo's look (30 steps each)")
    p.add_argument("--attributes", type=Path, default=None, help="CSV of the photos' labels: adds the AUC column")
    p.add_argument("--data", type=Path, default=None, help="a prepared folder: add its held-out photos as a row")
    p.add_argument("--output", type=Path, default=None, help="folder for domain.json and domain.md")
    args = p.parse_args(argv)
    # fp32 as in `s2fgan evaluate`: "auto" would compute in bf16 on CPUs with AVX512-BF16 and shift the figures.
    model = S2FGAN.from_pretrained(args.model).eval().set_inference_precision("fp32")
    classifier = AttributeClassifier.from_pretrained(str(args.classifier or bundled_classifier_path())).eval()
    size = model.config.image_size
    attributes = FRAMING_ATTRIBUTES if args.attributes else ()
    crops = [args.crop, *args.crops]
    sets = [DrawingSet(args.drawings, size, attributes, args.photos, args.attributes, crop) for crop in crops]
    other = None
    if args.data is not None:  # as many held-out training-domain photos as there are drawings
        held_out = styled_set(args.data, "stored", size, [], limit=len(sets[0]))
        other = torch.stack([held_out[i]["image"] for i in range(len(held_out))])
    per_crop = {}
    for k, (crop, drawing_set) in enumerate(zip(crops, sets)):
        first = k == 0  # the style, look and training-domain rows at the main crop only
        per_crop[f"{crop:g}"] = domain_rows(
            model,
            classifier,
            drawing_set,
            args.styles if first else [],
            args.batch_size,
            first and not args.no_look,
            other_photos=other if first else None,
        )
    text = to_markdown(per_crop)
    print(text)
    if args.output is not None:
        args.output.mkdir(parents=True, exist_ok=True)
        (args.output / "domain.json").write_text(json.dumps(per_crop, indent=2) + "\n")
        (args.output / "domain.md").write_text(text)


if __name__ == "__main__":
    main()
