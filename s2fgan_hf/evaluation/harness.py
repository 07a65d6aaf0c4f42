"""The evaluation harness behind ``s2fgan evaluate``: reconstruction, realism, attribute editing, identity.

Given an ``S2FGAN``, the project's ``AttributeClassifier`` and held-out (photo, sketch) pairs, it measures:

* reconstruction of the photo from its sketch and from the photo itself: L1, PSNR, SSIM, plus the L1 of the
  mean-face baseline (the average held-out photo, the best constant guess);
* realism: Fréchet distance and KID between faces generated from sketches and the real held-out photos, on the
  attribute classifier's embedding (not comparable to published Inception FID);
* attribute editing at several slider strengths: how often the classifier sees the attribute present, how often
  it flips (off -> on for positive strengths, on -> off for negative), and the share of the other attributes
  left unchanged;
* identity preservation: cosine similarity of classifier embeddings, and SSIM, between unedited and edited faces;
* the edit in latent space: how far it moves z (``latent_move`` = |M(z, a) - z| / |z|) and how far the latent
  cycle M(M(z, a), -a) lands from z, relative to that move (``cycle_error``; 0 for S2F-DIS's additive edits);
* diversity: mean pairwise L1 between faces from different sketches (vs. the same for the real photos).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from ..modeling_s2fgan import S2FGAN
from ..progress import progress as progress_lines
from .attribute_classifier import AttributeClassifier
from .branches import laplacian_energy
from .metrics import frechet_distance, kernel_inception_distance, l1, psnr, ssim

DEFAULT_STRENGTHS = (-2.0, -1.0, 1.0, 2.0)


@dataclass
class _Accumulator:
    """Running sums and per-sample lists gathered over batches."""

    sums: dict[str, float] = field(default_factory=dict)
    count: int = 0
    real_feats: list[torch.Tensor] = field(default_factory=list)
    fake_feats: list[torch.Tensor] = field(default_factory=list)
    faces: list[torch.Tensor] = field(default_factory=list)
    photos: list[torch.Tensor] = field(default_factory=list)
    edit: dict[tuple[str, float], dict[str, float]] = field(default_factory=dict)
    edited_feats: dict[float, list[torch.Tensor]] = field(default_factory=dict)  # per strength, all attributes
    edit_feats: dict[tuple[str, float], list[torch.Tensor]] = field(default_factory=dict)  # per slider and strength
    real_present: list[torch.Tensor] = field(default_factory=list)  # [B, n] the classifier on the real photos

    def add(self, key: str, values: torch.Tensor) -> None:
        self.sums[key] = self.sums.get(key, 0.0) + float(values.double().sum())

    def add_edit(self, name: str, strength: float, key: str, value: float, n: float = 1.0) -> None:
        slot = self.edit.setdefault((name, strength), {})
        slot[key] = slot.get(key, 0.0) + value
        slot[key + "_n"] = slot.get(key + "_n", 0.0) + n


def _mean_pairwise_l1(x: torch.Tensor, max_items: int = 256) -> float:
    x = x[:max_items].flatten(1)
    if x.shape[0] < 2:
        return float("nan")
    d = torch.cdist(x, x, p=1) / x.shape[1]
    n = x.shape[0]
    return float(d.sum() / (n * (n - 1)))


@torch.no_grad()
def evaluate(
    model: S2FGAN,
    classifier: AttributeClassifier,
    batches: Iterable[dict[str, torch.Tensor]],
    attributes: Sequence[str] | None = None,
    strengths: Sequence[float] = DEFAULT_STRENGTHS,
    progress: bool = True,
    total: int | None = None,
) -> dict[str, Any]:
    """Run every metric over ``batches`` of ``{"image": [B,3,H,W] in [-1,1], "sketch": [B,1,H,W] in [-1,1]}``.

    Returns a JSON-able dict (see the module docstring for what each entry means).
    """
    model.eval()
    classifier.eval()
    device = model.device
    names = list(attributes or model.attribute_names)
    for n in names:
        model.config.attribute_index(n)  # ValueError listing valid names if unknown
    cls_index = classifier.select(names)
    acc = _Accumulator()
    size = model.config.image_size

    for batch in progress_lines(batches, desc="evaluate", total=total, unit="batch", enabled=progress):
        photo = batch["image"].to(device, torch.float32)
        if photo.shape[-1] != size:
            photo = F.interpolate(photo, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        z_s = model.encode_sketch(batch["sketch"].to(device))
        z_i = model.encode_image(photo)
        face_s, face_i = model.decode(z_s).clamp(-1, 1), model.decode(z_i).clamp(-1, 1)
        b = photo.shape[0]
        acc.count += b
        for tag, face in (("sketch", face_s), ("photo", face_i)):
            acc.add(f"{tag}_l1", l1(face, photo))
            acc.add(f"{tag}_psnr", psnr(face, photo))
            acc.add(f"{tag}_ssim", ssim(face, photo))
        acc.photos.append(photo.cpu())
        acc.add("photo_energy", laplacian_energy(photo))
        acc.add("sketch_face_energy", laplacian_energy(face_s))
        acc.faces.append(face_s.cpu())
        feats_unedited = classifier.features(face_s)
        feats_real = classifier.features(photo)
        acc.real_feats.append(feats_real.cpu())
        acc.fake_feats.append(feats_unedited.cpu())
        real_present = (torch.sigmoid(classifier.head(feats_real))[:, cls_index] > 0.5).cpu()  # [B, n]
        acc.real_present.append(real_present)
        prob0 = torch.sigmoid(classifier.head(feats_unedited))[:, cls_index].cpu()  # [B, n]
        present0 = prob0 > 0.5
        for k, name in enumerate(names):
            acc.add_edit(name, 0.0, "present", float(present0[:, k].sum()), b)
            acc.add_edit(name, 0.0, "prob", float(prob0[:, k].sum()), b)
            acc.add_edit(name, 0.0, "real_present", float(real_present[:, k].sum()), b)
            for s in strengths:
                z_edit = model.edit(z_s, {name: float(s)})
                z_back = model.edit(z_edit, {name: -float(s)})  # the latent cycle M(M(z, a), -a)
                move = (z_edit - z_s).norm(dim=1)
                acc.add_edit(name, s, "latent_move", float((move / z_s.norm(dim=1)).sum()), b)
                cycle = (z_back - z_s).norm(dim=1) / move.clamp_min(1e-12)
                acc.add_edit(name, s, "cycle_error", float(cycle.sum()), b)
                edited = model.decode(z_edit).clamp(-1, 1)
                feats = classifier.features(edited)
                acc.edited_feats.setdefault(s, []).append(feats.cpu())
                acc.edit_feats.setdefault((name, s), []).append(feats.cpu())
                acc.add_edit(name, s, "energy", float(laplacian_energy(edited).sum()), b)
                prob = torch.sigmoid(classifier.head(feats))[:, cls_index].cpu()
                present = prob > 0.5
                acc.add_edit(name, s, "present", float(present[:, k].sum()), b)
                acc.add_edit(name, s, "prob", float(prob[:, k].sum()), b)
                eligible = ~present0[:, k] if s > 0 else present0[:, k]  # could flip in the asked direction
                flipped = eligible & (present[:, k] != present0[:, k])
                acc.add_edit(name, s, "flip", float(flipped.sum()), float(eligible.sum()))
                others = [j for j in range(len(names)) if j != k]
                kept = (present[:, others] == present0[:, others]).float()
                acc.add_edit(name, s, "others_kept", float(kept.sum()), float(kept.numel()))
                acc.add_edit(name, s, "identity_cos", float(F.cosine_similarity(feats, feats_unedited).sum()), b)
                acc.add_edit(name, s, "identity_ssim", float(ssim(edited, face_s).sum()), b)

    if acc.count == 0:
        raise ValueError("no evaluation data: the dataset yielded no batches")
    n = acc.count
    photos = torch.cat(acc.photos)
    mean_face = photos.mean(0, keepdim=True)
    real, fake = torch.cat(acc.real_feats), torch.cat(acc.fake_feats)
    kid_mean, kid_std = kernel_inception_distance(real, fake, subset_size=min(100, n))
    results: dict[str, Any] = {
        "num_images": n,
        "image_size": size,
        "reconstruction": {
            "from_sketch": {m: acc.sums[f"sketch_{m}"] / n for m in ("l1", "psnr", "ssim")},
            "from_photo": {m: acc.sums[f"photo_{m}"] / n for m in ("l1", "psnr", "ssim")},
            "mean_face_baseline": {
                "l1": float(l1(mean_face.expand_as(photos), photos).mean()),
                "psnr": float(psnr(mean_face.expand_as(photos), photos).mean()),
                "ssim": float(ssim(mean_face.expand_as(photos), photos).mean()),
            },
        },
        "realism": {
            "feature_network": "s2fgan-hf AttributeClassifier embedding (not Inception; not comparable to FID)",
            "frechet_distance": frechet_distance(real, fake) if n > 2 else float("nan"),
            "kid": kid_mean,
            "kid_std": kid_std,
        },
        "realism_edited": {  # the edited faces, pooled over the attributes, at each strength
            f"{s:+g}": {
                "frechet_distance": frechet_distance(real, torch.cat(acc.edited_feats[s])) if n > 2 else float("nan"),
                "sharpness": _edited_energy(acc, names, s) / max(acc.sums["photo_energy"] / n, 1e-12),
            }
            for s in strengths
        },
        "sharpness_unedited": acc.sums["sketch_face_energy"] / max(acc.sums["photo_energy"], 1e-12),
        "diversity": {
            "generated_pairwise_l1": _mean_pairwise_l1(torch.cat(acc.faces)),
            "real_pairwise_l1": _mean_pairwise_l1(photos),
        },
        "editing": {},
    }
    real_present = torch.cat(acc.real_present)  # [N, n] the classifier on the real photos
    for name in names:
        per = {}
        for s in (0.0, *strengths):
            slot = acc.edit[(name, s)]
            entry = {
                "present_rate": slot["present"] / slot["present_n"],
                "mean_probability": slot["prob"] / slot["prob_n"],
            }
            if s == 0.0:  # the classifier on the held-out photos themselves, for reference
                entry["real_photo_present_rate"] = slot["real_present"] / slot["real_present_n"]
            else:
                entry["flip_rate"] = slot["flip"] / slot["flip_n"] if slot["flip_n"] else float("nan")
                kept_n = slot["others_kept_n"]  # 0 when a single attribute is evaluated
                entry["others_unchanged"] = slot["others_kept"] / kept_n if kept_n else float("nan")
                entry["identity_cosine"] = slot["identity_cos"] / slot["identity_cos_n"]
                entry["identity_ssim"] = slot["identity_ssim"] / slot["identity_ssim_n"]
                entry["latent_move"] = slot["latent_move"] / slot["latent_move_n"]
                entry["cycle_error"] = slot["cycle_error"] / slot["cycle_error_n"]
                entry |= _target_realism(acc, real, real_present[:, names.index(name)], name, s)
            per[f"{s:+g}"] = entry
        results["editing"][name] = per
    return results


MIN_TARGET_PHOTOS = 200  # fewer photos than the 256-d embedding has dimensions: a rank-deficient, unreliable distance


def _target_realism(
    acc: _Accumulator, real: torch.Tensor, present: torch.Tensor, name: str, strength: float
) -> dict[str, Any]:
    """Realism of one slider's edit against the real photos it should look like: the Fréchet distance between the
    faces edited to ``strength`` and the held-out photos the classifier sees the attribute on (``present`` [N] bool;
    ``strength`` > 0) or not on (< 0). A successful edit makes every face e.g. a man, so the pooled distance to all
    photos (half of them women) grows with the edit's success; this one does not. ``nan`` below
    ``MIN_TARGET_PHOTOS`` such photos."""
    target = present if strength > 0 else ~present
    n = int(target.sum())
    fd = float("nan")
    if n >= MIN_TARGET_PHOTOS:
        fd = frechet_distance(real[target], torch.cat(acc.edit_feats[(name, strength)]))
    return {"target_frechet_distance": fd, "target_photos": n}


def _edited_energy(acc: _Accumulator, names: Sequence[str], strength: float) -> float:
    """Mean Laplacian energy of the faces edited at ``strength``, over every attribute."""
    slots = [acc.edit[(name, strength)] for name in names]
    return sum(slot["energy"] for slot in slots) / sum(slot["energy_n"] for slot in slots)


def _fmt(v: float, digits: int = 3) -> str:
    return "n/a" if v != v else f"{v:.{digits}f}"  # NaN -> n/a


def results_to_markdown(results: dict[str, Any]) -> str:
    """Render ``evaluate`` results as markdown tables."""
    rec = results["reconstruction"]
    lines = [
        f"Held-out images: {results['num_images']} at {results['image_size']} px.",
        "",
        "| reconstruction | L1 (lower is better) | PSNR dB | SSIM |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("from_sketch", "from sketch"),
        ("from_photo", "from photo"),
        ("mean_face_baseline", "mean face"),
    ):
        r = rec[key]
        lines.append(f"| {label} | {_fmt(r['l1'])} | {r['psnr']:.2f} | {_fmt(r['ssim'])} |")
    real = results["realism"]
    div = results["diversity"]
    lines += [
        "",
        f"Realism on the {real['feature_network']}: Fréchet distance {real['frechet_distance']:.3f}, "
        f"KID {real['kid']:.4f} ± {real['kid_std']:.4f}.",
        f"Sharpness (high-frequency energy over the photos'): {_fmt(results['sharpness_unedited'])} unedited; "
        "edited faces (every attribute pooled): "
        + ", ".join(
            f"{s}: sharpness {_fmt(r['sharpness'])}, Fréchet distance {r['frechet_distance']:.3f}"
            for s, r in results["realism_edited"].items()
        )
        + ".",
        f"Diversity: mean pairwise L1 between faces from different sketches {_fmt(div['generated_pairwise_l1'])} "
        f"(real photos: {_fmt(div['real_pairwise_l1'])}).",
        "",
        "How often the classifier sees each attribute on the real held-out photos and on the unedited faces made",
        "from their sketches (a generator that renders an attribute on every face leaves nothing to switch on):",
        "",
        "| attribute | real photos | faces from sketches |",
        "|---|---|---|",
    ]
    for name, per in results["editing"].items():
        e0 = per["+0"]
        lines.append(f"| {name} | {_fmt(e0['real_photo_present_rate'])} | {_fmt(e0['present_rate'])} |")
    lines += [
        "",
        "Editing, at each slider strength: present rate, mean classifier probability, flip rate (share of the faces",
        "that could flip in the asked direction that did), other attributes unchanged, identity similarity, in",
        "latent space the move |M(z, a) - z| / |z| and the cycle error |M(M(z, a), -a) - z| / |M(z, a) - z|, and",
        "the realism of the edited faces against the real photos with the asked value (Fréchet distance to the",
        f"held-out photos the classifier sees it on, or not on; n/a below {MIN_TARGET_PHOTOS} such photos).",
        "",
        "| attribute | strength | present rate | mean p | flip rate | others unchanged | identity cos "
        "| identity SSIM | latent move | cycle error | FD to target photos |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, per in results["editing"].items():
        for s, e in per.items():
            lines.append(
                f"| {name} | {s} | {_fmt(e['present_rate'])} | {_fmt(e['mean_probability'])} | "
                f"{_fmt(e.get('flip_rate', float('nan')))} | {_fmt(e.get('others_unchanged', float('nan')))} | "
                f"{_fmt(e.get('identity_cosine', float('nan')))} | {_fmt(e.get('identity_ssim', float('nan')))} | "
                f"{_fmt(e.get('latent_move', float('nan')))} | {_fmt(e.get('cycle_error', float('nan')))} | "
                f"{_fmt(e.get('target_frechet_distance', float('nan')), 1)} |"
            )
    return "\n".join(lines) + "\n"
