"""Side-by-side tables of two ``s2fgan evaluate`` runs, e.g. the S2F-DIS and S2F-DEC checkpoints.

    bash scripts/evaluate_sketch_branch.sh s2fgan_hf/pretrained/default runs/eval/dis
    bash scripts/evaluate_sketch_branch.sh s2fgan_hf/pretrained/dec runs/eval/dec
    python scripts/compare_editors.py runs/eval/dis runs/eval/dec --labels S2F-DIS S2F-DEC -o docs/editors

Reads each folder's ``results.json`` (sliders on held-out sketches) and ``branches.json`` (both branches per
drawing style) and writes ``comparison.md`` and ``comparison.json``: the edits (present rates at the extreme
strengths, switch-on/off rates, other attributes kept, identity, latent move and cycle error), the realism and
sharpness of edited faces, and the unedited sketch faces per style; and ``freehand.jpg``, the folders'
``grid_freehand.png`` stacked in the same order (the freehand sketches edited by each model), when they all have one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from s2fgan_hf.evaluation.harness import MIN_TARGET_PHOTOS

EDIT_ATTRIBUTES = ("Smiling", "Male", "Young", "Eyeglasses", "Bangs", "No_Beard")
FIDELITY = ("Male", "Smiling", "Young")


def _f(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{100 * value:.0f} %"


def load(folder: Path) -> dict[str, Any]:
    """``results.json`` and (if present) ``branches.json`` of one evaluation folder."""
    results = json.loads((folder / "results.json").read_text())
    branches = folder / "branches.json"
    return {"results": results, "branches": json.loads(branches.read_text()) if branches.is_file() else {}}


def slider_entries(runs: dict[str, dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(slider, model label, that model's results for the slider) for each of ``EDIT_ATTRIBUTES`` evaluated, models
    in order under each slider."""
    first = next(iter(runs.values()))["results"]["editing"]
    return [
        (name, label, run["results"]["editing"][name])
        for name in EDIT_ATTRIBUTES
        if name in first
        for label, run in runs.items()
    ]


def edit_rows(runs: dict[str, dict[str, Any]], low: str, high: str) -> list[str]:
    """One row per (attribute, model): present at low/high, switched on/off, others kept, identity, cycle."""
    lines = [
        f"| attribute | model | present at {low} | present at 0 | present at {high} | switched on at {high} "
        f"| switched off at {low} | others unchanged ({high}) | identity cos ({high}) | latent move ({high}) "
        f"| cycle error ({high}) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label, e in slider_entries(runs):
        lo, zero, hi = e[low], e["+0"], e[high]
        lines.append(
            f"| {name} | {label} | {_pct(lo['present_rate'])} | {_pct(zero['present_rate'])} | "
            f"{_pct(hi['present_rate'])} | {_pct(hi.get('flip_rate'))} | {_pct(lo.get('flip_rate'))} | "
            f"{_pct(hi.get('others_unchanged'))} | {_f(hi.get('identity_cosine'), 3)} | "
            f"{_f(hi.get('latent_move'), 3)} | {_f(hi.get('cycle_error'), 4)} |"
        )
    return lines


def realism_rows(runs: dict[str, dict[str, Any]]) -> list[str]:
    """Realism (Fréchet distance on the classifier embedding) and sharpness of unedited and edited faces."""
    lines = [
        "| model | unedited: Fréchet distance | unedited: sharpness | "
        + " | ".join(
            f"edited {s}: {m}"
            for s in next(iter(runs.values()))["results"]["realism_edited"]
            for m in ("Fréchet distance", "sharpness")
        )
        + " |",
    ]
    lines.append("|" + "---|" * (lines[0].count("|") - 1))
    for label, run in runs.items():
        r = run["results"]
        cells = [f"{r['realism']['frechet_distance']:.2f}", _f(r.get("sharpness_unedited"))]
        for entry in r["realism_edited"].values():
            cells += [f"{entry['frechet_distance']:.2f}", _f(entry["sharpness"])]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def target_realism_rows(runs: dict[str, dict[str, Any]], low: str, high: str) -> list[str]:
    """Per slider: the Fréchet distance of the faces edited to low/high to the held-out photos with the asked value
    (``target_frechet_distance``; n/a in evaluations made before it existed and below ``MIN_TARGET_PHOTOS``)."""
    lines = [
        f"| attribute | model | edited to {low}: FD to photos without it | edited to {high}: FD to photos with it |",
        "|---|---|---|---|",
    ]
    for name, label, e in slider_entries(runs):
        # the harness's rule, also for results written under an older, lower threshold
        enough = [e[s].get("target_photos", 0) >= MIN_TARGET_PHOTOS for s in (low, high)]
        cells = [_f(e[s].get("target_frechet_distance"), 1) if ok else "n/a" for s, ok in zip((low, high), enough)]
        lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
    return lines


def style_rows(runs: dict[str, dict[str, Any]]) -> list[str]:
    """Unedited faces from sketches per drawing style: sharpness, Fréchet distance, fidelity AUCs."""
    lines = [
        "| set | model | sharpness | Fréchet distance | " + " | ".join(f"{a} AUC" for a in FIDELITY) + " |",
        "|---|---|---|---|" + "---|" * len(FIDELITY),
    ]
    sets = next(iter(runs.values()))["branches"]
    for name in sets:
        for label, run in runs.items():
            r = run["branches"].get(name, {}).get("from_sketch")
            if r is None:
                continue
            aucs = " | ".join(_f(r["fidelity_auc"].get(a)) for a in FIDELITY)
            lines.append(f"| {name} | {label} | {_f(r['sharpness'])} | {r['frechet_distance']:.1f} | {aucs} |")
    return lines


def stack_grids(folders: list[Path], name: str, out: Path) -> bool:
    """Stack each folder's ``name`` image top to bottom into ``out`` (JPEG); ``False`` if a folder lacks it."""
    from PIL import Image

    paths = [folder / name for folder in folders]
    if not all(p.is_file() for p in paths):
        return False
    grids = [Image.open(p).convert("RGB") for p in paths]
    canvas = Image.new("RGB", (max(g.width for g in grids), sum(g.height for g in grids)), "white")
    top = 0
    for grid in grids:
        canvas.paste(grid, (0, top))
        top += grid.height
    canvas.save(out, quality=85)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", type=Path, nargs="+", help="`s2fgan evaluate` output folders")
    parser.add_argument("--labels", nargs="+", default=None, help="a name per folder (default: the folder names)")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    labels = args.labels or [f.name for f in args.folders]
    if len(labels) != len(args.folders):
        parser.error(f"{len(args.folders)} folders but {len(labels)} labels")
    runs = {label: load(folder) for label, folder in zip(labels, args.folders)}
    strengths = [k for k in next(iter(runs.values()))["results"]["editing"]["Smiling"] if k != "+0"]
    low, high = min(strengths, key=float), max(strengths, key=float)
    commands = [f"- {label}: `{run['results'].get('command', '?')}`" for label, run in runs.items()]
    text = "\n".join(
        [
            "## Edits of faces from held-out sketches",
            "",
            *edit_rows(runs, low, high),
            "",
            "## Realism and sharpness, unedited and edited (every attribute pooled)",
            "",
            *realism_rows(runs),
            "",
            "## Realism of each slider's edits against the real photos with the asked value",
            "",
            "A slider that works turns (nearly) every face into, say, a man, and the distance to *all* photos",
            "(half of them women) grows with that success; this one compares like with like (n/a: too few photos).",
            "",
            *target_realism_rows(runs, low, high),
            "",
            "## Unedited faces from sketches, per drawing style",
            "",
            *style_rows(runs),
            "",
            "Commands:",
            "",
            *commands,
            "",
        ]
    )
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "comparison.md").write_text(text)
    (args.output / "comparison.json").write_text(json.dumps(runs, indent=2))
    stack_grids(args.folders, "grid_freehand.png", args.output / "freehand.jpg")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
