"""Does a second network that reads the drawing make the faces follow it? A linear fusion of its features with E_s's.

    python scripts/sketch_reader_fusion.py --model s2fgan_hf/pretrained/default --data data/celeba128 \
        --drawings ../shared/data/celebahq_avatarhq_200/avatars_512 \
        --drawing-photos ../shared/data/celebahq_avatarhq_200/photos_512 \
        --drawing-attributes ../shared/data/celebahq_avatarhq_200/attributes.csv

1. Draws every training photo ``--variants`` times in the stage-2 styles (crop/flip, the stage-2 style weights) and
   keeps each drawing's 64 px input, its photo's latent E_i(photo) and its labels.
2. Trains a reader on those drawings: the 5-block CNN of ``sketch_attribute_ceiling.py`` and its training loop, with
   one output per attribute of the model, binary cross-entropy against the labels.
3. Fits a ridge regression from [reader features, E_s(sketch), 1] to E_i(photo) on the same drawings: the best
   linear estimate of the photo's latent from both views of the drawing.
4. Renders held-out drawings with the fused latent, its deviation from the photo latents' mean optionally rescaled
   (``none``; ``dim``: each dimension's deviation times the photo latents' spread over the fit's spread on the
   training drawings; ``half``: the square root of that factor; ``cov``: the affine map that gives the fit's
   output on the training drawings the photo latents' mean and full covariance; ``cap``: each eigen-direction of
   the fit's covariance scaled towards the photo latents' spread along it, by at most ``--cap``, which keeps the
   colouring from stretching directions the fit barely predicts), and prints the sketch branch's
   figures of ``s2fgan evaluate`` (Fréchet distance, sharpness, attribute AUCs) beside the shipped encoder's;
   ``--refine-steps N`` refines every latent, both encoders', as ``s2fgan evaluate --refine-steps N`` does.

About 30 minutes on two CPU cores with the defaults. ``--save-fit`` keeps the reader and the fusion for a later
``--load-fit``; ``--save-model DIR`` writes the model with both inside its sketch encoder (``sketch_reader_width``,
the ``cov`` fusion as one linear layer), loadable with ``S2FGAN.from_pretrained`` and fine-tunable with
``train_accelerate.py`` (docs/checkpoint/training.md, "The reader inside the sketch encoder").
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the ceiling script's CNN

import torch  # noqa: E402
from sketch_attribute_ceiling import attribute_cnn, one_cycle, train_epoch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANDiscriminator  # noqa: E402
from s2fgan_hf.data.dataset import PreparedSketchFaceDataset  # noqa: E402
from s2fgan_hf.data.sketch_styles import SketchStyleSampler  # noqa: E402
from s2fgan_hf.evaluation.attribute_classifier import AttributeClassifier  # noqa: E402
from s2fgan_hf.evaluation.branches import evaluate_branches  # noqa: E402
from s2fgan_hf.evaluation.harness import evaluate, results_to_markdown  # noqa: E402
from s2fgan_hf.evaluation.held_out_sets import DrawingSet, styled_batches, styled_set  # noqa: E402
from s2fgan_hf.image_processing.image_io import load_grey, signed_batch_to_pils  # noqa: E402
from s2fgan_hf.latent_refinement import LatentRefiner, RefinementSettings  # noqa: E402
from s2fgan_hf.loading import load_refinement_critic  # noqa: E402

TRAIN_STYLES = ("edges", "marker", "pencil", "sparse", "shaded", "clean")
TRAIN_WEIGHTS = (2.0, 2.0, 1.0, 3.0, 1.0, 1.0)  # the shipped stage 2's --style_weights
ATTRIBUTES = ("Male", "Smiling", "Young", "Eyeglasses", "Bangs")
RESCALES = ("none", "half", "dim", "cov", "cap")


def ridge_fit(x: torch.Tensor, y: torch.Tensor, strength: float) -> torch.Tensor:
    """Least squares [x, 1] @ B ~ y with an L2 penalty on all but the bias row: B [D + 1, K] (float64 solve)."""
    x1 = torch.cat([x, torch.ones(len(x), 1)], 1).double()
    penalty = strength * torch.eye(x1.shape[1], dtype=torch.float64)
    penalty[-1, -1] = 0.0
    return torch.linalg.solve(x1.T @ x1 + penalty, x1.T @ y.double()).float()


def ridge_apply(weights: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x, torch.ones(len(x), 1)], 1) @ weights


def rescaled(fused: torch.Tensor, mean: torch.Tensor, factor: torch.Tensor, mode: str) -> torch.Tensor:
    """``fused`` latents [B, d] with their deviation from ``mean`` scaled per dimension: ``factor`` (``dim``), its
    square root (``half``) or not at all (``none``)."""
    power = {"none": 0.0, "half": 0.5, "dim": 1.0}[mode]
    return mean + (fused - mean) * factor.pow(power)


def latent_moments(fitted: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """``fit_mean``, ``fit_cov``, ``target_mean``, ``target_cov`` of the fit's output and the targets [N, d] (float64):
    what ``colouring`` and ``capped_colouring`` are computed from (and what ``--save-fit`` keeps)."""
    fitted, target = fitted.double(), target.double()
    return {"fit_mean": fitted.mean(0), "fit_cov": torch.cov(fitted.T), "target_mean": target.mean(0),
            "target_cov": torch.cov(target.T)}  # fmt: skip


def capped_colouring(moments: dict[str, torch.Tensor], cap: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The affine map (``T`` [d, d], ``shift`` [d]) that scales the fit's output along each eigenvector of its
    covariance by the target's spread over the fit's along it, at most ``cap``, and moves its mean onto the target's.

    ``moments``: ``latent_moments`` on the training drawings. Unlike
    ``colouring`` it never amplifies a direction more than ``cap`` times (the full colouring's gains reach 50).
    """
    values, vectors = torch.linalg.eigh(moments["fit_cov"].double())
    target = torch.einsum("di,de,ei->i", vectors, moments["target_cov"].double(), vectors)
    gain = (target.clamp_min(0.0) / values.clamp_min(1e-12)).sqrt().clamp(max=cap)  # rounding: no negative spread
    transform = (vectors * gain) @ vectors.T
    shift = moments["target_mean"].double() - moments["fit_mean"].double() @ transform
    return transform.float(), shift.float()


def _sqrtm(covariance: torch.Tensor, inverse: bool = False) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(covariance.double())
    values = values.clamp_min(1e-8)  # a floor, not a division by zero, where there are fewer samples than dimensions
    return (vectors * (values.rsqrt() if inverse else values.sqrt())) @ vectors.T


def colouring(moments: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """The affine map (``T`` [d, d], ``shift`` [d]) with ``fitted @ T + shift`` taking the target's mean and
    covariance (``moments``: ``latent_moments``): whitening by the fit's covariance, then colouring with the
    target's (``cov``)."""
    transform = _sqrtm(moments["fit_cov"], inverse=True) @ _sqrtm(moments["target_cov"])
    shift = moments["target_mean"].double() - moments["fit_mean"].double() @ transform
    return transform.float(), shift.float()


@torch.no_grad()
def training_drawings(model: S2FGAN, data: Path, variants: int, workers: int) -> dict[str, torch.Tensor]:
    """x [N, 1, 64, 64] float16 model inputs, z [N, d] photo latents, y [N, n] labels of the training drawings."""
    sampler = SketchStyleSampler(model.config.image_size, TRAIN_STYLES, weights=TRAIN_WEIGHTS)
    xs, zs, ys = [], [], []
    for variant in range(variants):
        dataset = PreparedSketchFaceDataset(
            data, attribute_names=model.attribute_names, split="train", image_size=model.config.image_size,
            augment=True, sketch_styles=sampler, style_seed=200 + variant,
        )  # fmt: skip
        for batch in DataLoader(dataset, batch_size=250, num_workers=workers):
            xs.append(model.prepare_sketches(batch["sketch"]).half())
            zs.append(model.image_encoder(batch["image"]))
            ys.append(batch["attributes"])
    return {"x": torch.cat(xs), "z": torch.cat(zs), "y": torch.cat(ys)}


def train_reader(x: torch.Tensor, y: torch.Tensor, epochs: int, seed: int) -> nn.Sequential:
    """The reader, trained on drawings ``x`` [N, 1, 64, 64] for 0/1 labels ``y`` [N, n] as the ceiling CNN is."""
    torch.manual_seed(seed)
    reader = attribute_cnn(y.shape[1], x.shape[-1])
    optimizer, schedule = one_cycle(reader, epochs, len(x))
    for epoch in range(epochs):
        loss = train_epoch(reader, x, y, optimizer, schedule)
        print(f"reader epoch {epoch + 1}/{epochs}: loss {loss:.3f}", flush=True)
    return reader


@torch.no_grad()
def views(model: S2FGAN, reader: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """[reader features, E_s(x)] [N, 128 + d] for model inputs ``x`` (batches of 500)."""
    parts = []
    for k in range(0, len(x), 500):
        batch = x[k : k + 500].float()
        drawing = model.sketch_encoder.resize(batch)  # what the fused model's reader sees
        parts.append(torch.cat([reader[:-2](drawing), model.sketch_encoder(batch).float()], 1))
    return torch.cat(parts)


def fold_batch_norm(block: nn.Sequential) -> tuple[torch.Tensor, torch.Tensor]:
    """The weight and bias of one convolution that computes ``block``'s conv and eval-mode batch norm."""
    conv, norm = block[0], block[1]
    scale = norm.weight / (norm.running_var + norm.eps).sqrt()
    return conv.weight * scale[:, None, None, None], (conv.bias - norm.running_mean) * scale + norm.bias


@torch.no_grad()
def fused_model(model: S2FGAN, reader: nn.Sequential, weights, transform, shift) -> S2FGAN:
    """``model`` with the reader and the fusion (``cov``) inside its sketch encoder (``sketch_reader_width``).

    The reader's batch norms are folded into its convolutions; ridge and colouring compose into one linear layer:
    ([r, e, 1] @ weights) @ transform + shift. Its ``encode_sketch`` is the script's ``fused-cov`` encoder.
    """
    if model.config.sketch_reader_width:
        raise ValueError("the model already fuses a reader into its sketch encoder; fit the fusion on one without")
    fused = model.with_sketch_encoder(sketch_reader_width=reader[-1].in_features)
    convs = [m for m in fused.sketch_encoder.reader.blocks if isinstance(m, nn.Conv2d)]
    cnn_blocks = [m for m in reader if isinstance(m, nn.Sequential)]
    if len(convs) != len(cnn_blocks):
        raise ValueError(f"the reader has {len(cnn_blocks)} blocks, the model's SketchReader {len(convs)}")
    for conv, block in zip(convs, cnn_blocks):
        conv.weight[:], conv.bias[:] = fold_batch_norm(block.eval())
    composed = weights @ transform  # [width + d + 1, d]
    fused.sketch_encoder.fusion.weight[:] = composed[:-1].T
    fused.sketch_encoder.fusion.bias[:] = composed[-1] + shift
    return fused.eval()


def _first_drawings(args: argparse.Namespace, model: S2FGAN, name: str, count: int = 8):
    """The first ``count`` drawings of a held-out style, of --drawings or of --freehand (None when not given)."""
    size = model.config.image_size
    if name == "freehand":
        if args.freehand is None:
            return None
        return [load_grey(path) for path in sorted(args.freehand.glob("*.jpg"))[:count]]
    if name == "drawings":
        if args.drawings is None:
            return None
        drawings = DrawingSet(args.drawings, size, crop=args.drawing_crop)
        return [drawings.drawing(k) for k in range(count)]
    held_out = styled_set(args.data, name, size, ATTRIBUTES, split="test", limit=count)
    return next(iter(styled_batches(held_out, count)))["sketch"]


def _write_figure(rows: list[tuple[str, torch.Tensor]], path: Path) -> None:
    """Rows of [B, 3, H, W] images in [-1, 1], each 2x enlarged, with its label on the left; a JPEG at ``path``."""
    from PIL import Image, ImageDraw

    side, label_width = 2 * rows[0][1].shape[-1], 150
    columns = max(images.shape[0] for _, images in rows)
    canvas = Image.new("RGB", (label_width + columns * side, len(rows) * side), "white")
    draw = ImageDraw.Draw(canvas)
    for r, (label, images) in enumerate(rows):
        draw.text((4, r * side + side // 2 - 6), label, fill="black")
        for c, image in enumerate(signed_batch_to_pils(images.float())):
            canvas.paste(image.resize((side, side), Image.LANCZOS), (label_width + c * side, r * side))
    canvas.save(path, quality=80)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="s2fgan_hf/pretrained/default")
    p.add_argument("--classifier", default="s2fgan_hf/pretrained/attribute-classifier")
    p.add_argument("--data", type=Path, required=True, help="a folder prepared at 128 px")
    p.add_argument("--variants", type=int, default=3, help="drawings per training photo")
    p.add_argument("--epochs", type=int, default=6, help="reader training epochs")
    p.add_argument("--ridge", type=float, default=1000.0, help="L2 strength of the fusion's ridge regression")
    p.add_argument("--rescale", nargs="+", default=list(RESCALES[:-1]), choices=RESCALES, help="cap: opt-in")
    p.add_argument("--cap", type=float, default=2.0, help="the largest gain of the cap rescale")
    p.add_argument("--model-rescale", choices=("cov", "cap"), default="cov", help="the fusion --save-model writes")
    p.add_argument("--styles", nargs="*", default=["edges", "stored", "pencil"], help="held-out styles to render")
    p.add_argument("--limit", type=int, default=500, help="held-out photos per style")
    p.add_argument("--drawings", type=Path, help="a folder of real drawings (e.g. the avatars), optional")
    p.add_argument("--drawing-photos", type=Path)
    p.add_argument("--drawing-attributes", type=Path)
    p.add_argument("--drawing-crop", type=float, default=1.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", type=Path, help="write the figures as JSON here")
    p.add_argument(
        "--refine-steps", type=int, default=0, help="discriminator-guided refinement of every latent (both encoders')"
    )
    p.add_argument(
        "--sliders", action="store_true", help="also the slider figures at -2 / +2 on held-out edge maps, fused (cov)"
    )
    p.add_argument("--figure", type=Path, help="write a picture: sketch, shipped face, fused faces (first 8 per set)")
    p.add_argument("--freehand", type=Path, help="a folder of freehand sketches for --figure")
    p.add_argument(
        "--figure-model",
        nargs="*",
        default=[],
        metavar="LABEL=FOLDER",
        help="more rows for --figure: the faces of other saved models (e.g. one fine-tuned from --save-model's)",
    )
    p.add_argument("--save-fit", type=Path, help="save the reader and the fusion (torch.save) for a later --load-fit")
    p.add_argument("--load-fit", type=Path, help="take the reader and the fusion from --save-fit instead of fitting")
    p.add_argument(
        "--save-model",
        type=Path,
        help="write the model with the reader and the fusion (cov) in its sketch encoder here (save_pretrained, and "
        "--model's discriminator/ beside it)",
    )
    args = p.parse_args(argv)
    start = time.time()
    model = S2FGAN.from_pretrained(args.model).eval().set_inference_precision("fp32")
    classifier = AttributeClassifier.from_pretrained(args.classifier).eval()
    if args.load_fit:
        fit = torch.load(args.load_fit)
        reader = attribute_cnn(len(model.attribute_names), model.config.sketch_input_size)
        reader.load_state_dict(fit["reader"])
        reader.eval()
        weights, mean, factor = fit["weights"], fit["mean"], fit["factor"]
        transform, shift, moments = fit["transform"], fit["shift"], fit.get("moments")
    else:
        train = training_drawings(model, args.data, args.variants, args.workers)
        print(f"{len(train['x'])} training drawings ({time.time() - start:.0f} s)", flush=True)
        reader = train_reader(train["x"], train["y"], args.epochs, args.seed)
        both = views(model, reader, train["x"])
        weights = ridge_fit(both, train["z"], args.ridge)
        mean = train["z"].mean(0)
        fitted = ridge_apply(weights, both)
        factor = train["z"].std(0) / fitted.std(0)  # the fit's shrinkage, per dimension
        moments = latent_moments(fitted, train["z"])
        transform, shift = colouring(moments)
        print(f"fit done ({time.time() - start:.0f} s); mean spread factor {factor.mean():.2f}", flush=True)
    if args.save_fit:
        fit = {"reader": reader.state_dict(), "weights": weights, "mean": mean, "factor": factor}
        fit |= {"transform": transform, "shift": shift, "moments": moments}
        torch.save(fit, args.save_fit)
    affine = {"cov": (transform, shift)}
    if "cap" in args.rescale or args.model_rescale == "cap":
        if moments is None:
            raise SystemExit(f"error: {args.load_fit} has no moments for the cap rescale (saved by an older version)")
        affine["cap"] = capped_colouring(moments, args.cap)
    if args.save_model:
        fused = fused_model(model, reader, weights, *affine[args.model_rescale])
        fused.save_pretrained(args.save_model)
        if (Path(args.model) / "discriminator" / "config.json").is_file():  # the same weights under the new config,
            discriminator = S2FGANDiscriminator.from_pretrained_subfolder(args.model)  # as the trainer expects
            discriminator.with_config(fused.config).save_pretrained(args.save_model / "discriminator")
        print(f"saved the fused model to {args.save_model}")

    refiner = None
    if args.refine_steps:
        refiner = LatentRefiner(load_refinement_critic(args.model), RefinementSettings(steps=args.refine_steps))
    directions = model.attribute_directions.directions()

    def refined(latent: torch.Tensor) -> torch.Tensor:
        return latent if refiner is None else refiner(model.decoder, directions, latent)

    @torch.no_grad()
    def shipped(sketch):
        return refined(model.sketch_encoder(model.prepare_sketches(sketch)).float())

    @torch.no_grad()
    def fused(sketch, mode: str):
        latent = ridge_apply(weights, views(model, reader, model.prepare_sketches(sketch)))
        if mode in affine:
            return refined(latent @ affine[mode][0] + affine[mode][1])
        return refined(rescaled(latent, mean, factor, mode))

    def encoder(label: str):
        """The encode_sketch of a row label: ``shipped`` or ``fused-<mode>``."""
        return shipped if label == "shipped" else functools.partial(fused, mode=label.removeprefix("fused-"))

    labels = ["shipped"] + [f"fused-{m}" for m in args.rescale]
    results: dict[str, dict[str, dict]] = {}
    for name in list(args.styles) + (["drawings"] if args.drawings else []):
        for label in labels:
            if name == "drawings":
                drawings = DrawingSet(
                    args.drawings, model.config.image_size, ATTRIBUTES, photos=args.drawing_photos,
                    attribute_table=args.drawing_attributes, crop=args.drawing_crop,
                )  # fmt: skip
                batches = drawings.batches(50)
            else:
                held_out = styled_set(
                    args.data, name, model.config.image_size, ATTRIBUTES, split="test", limit=args.limit
                )
                batches = styled_batches(held_out, 50)
            model.encode_sketch = encoder(label)  # an instance attribute, for this call
            figures = evaluate_branches(model, classifier, batches, attributes=ATTRIBUTES, progress=False)
            del model.encode_sketch
            r = figures["from_sketch"]
            results.setdefault(name, {})[label] = r
            aucs = " ".join(f"{a} {v:.3f}" for a, v in r["fidelity_auc"].items())
            print(f"{name:9s} {label:11s} FD {r['frechet_distance']:6.1f} sharpness {r['sharpness']:.3f} {aucs}")
    if args.sliders:  # as `s2fgan evaluate --strengths -2 2 --slider-style edges` measures them
        size, names = model.config.image_size, model.attribute_names
        held_out = styled_set(args.data, "edges", size, names, split="test", limit=args.limit)
        model.encode_sketch = encoder("fused-cov")
        sliders = evaluate(model, classifier, styled_batches(held_out, 50), strengths=(-2.0, 2.0), progress=False)
        del model.encode_sketch
        results["sliders_fused_cov"] = sliders
        print(results_to_markdown(sliders))
    if args.figure:
        figure_models = {
            label: S2FGAN.from_pretrained(path).eval().set_inference_precision("fp32")
            for label, path in (item.split("=", 1) for item in args.figure_model)
        }
        sets = {name: _first_drawings(args, model, name) for name in list(args.styles) + ["drawings", "freehand"]}
        rows = []
        for name, sketches in sets.items():
            if sketches is None:
                continue
            x = model.prepare_sketches(sketches)
            rows.append((name, x.repeat(1, 3, 1, 1)))
            for label in labels:
                rows.append((label, model.decode(encoder(label)(sketches)).clamp(-1, 1)))
            for label, other in figure_models.items():
                rows.append((label, other.decode(other.encode_sketch(sketches)).clamp(-1, 1)))
        _write_figure(rows, args.figure)
    print(f"done in {time.time() - start:.0f} s")
    if args.output:
        args.output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
