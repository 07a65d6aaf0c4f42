"""prepare-data: completes, resumes without work, reports corrupt files, leaves no half-written files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from s2fgan_hf import atomic_io
from s2fgan_hf.commands import main
from s2fgan_hf.data import prepare as prepare_module
from s2fgan_hf.data.prepare import prepare_dataset

FIXTURES = Path(__file__).parent / "fixtures" / "data"


def _files(dst: Path) -> dict[str, int]:
    """Every output file (not the report) with its mtime in ns."""
    paths = [p for p in dst.rglob("*") if p.is_file() and p.name != "prepare_report.json"]
    return {str(p.relative_to(dst)): p.stat().st_mtime_ns for p in paths}


def test_prepare_celeba_then_resume_does_no_work(tmp_path):
    dst = tmp_path / "out"
    report = prepare_dataset(FIXTURES / "celeba", dst, "celeba", size=32, batch_size=5, progress=False)
    assert report["processed"] == 16 and report["num_failed"] == 0
    assert report["split_counts"] == {"train": 15, "test": 1}  # 000010 → test (number % 10 rule)
    rows = [json.loads(line) for line in (dst / "metadata.jsonl").read_text().splitlines()]
    assert len(rows) == 16 and len(rows[0]) == 3 + 40  # file_name, sketch_file_name, split + all 40 attributes
    assert rows[0]["file_name"] == "images/000001.png" and rows[0]["Smiling"] == 1 and rows[0]["Male"] == 0
    with Image.open(dst / rows[0]["file_name"]) as image, Image.open(dst / rows[0]["sketch_file_name"]) as sketch:
        assert image.size == (32, 32) and image.mode == "RGB" and sketch.size == (32, 32) and sketch.mode == "L"
    before = _files(dst)
    again = prepare_dataset(FIXTURES / "celeba", dst, "celeba", size=32, progress=False)
    assert again["processed"] == 0 and again["skipped_existing"] == 16 and not again["metadata_written"]
    assert _files(dst) == before  # nothing rewritten


def test_corrupt_files_are_reported_and_skipped(tmp_path):
    src = tmp_path / "celeba"
    shutil.copytree(FIXTURES / "celeba", src)
    data = (src / "images" / "000005.jpg").read_bytes()
    (src / "images" / "000005.jpg").write_bytes(data[: len(data) // 2])  # truncated JPEG
    (src / "images" / "000006.jpg").write_bytes(b"not an image at all")
    report = prepare_dataset(src, tmp_path / "out", "celeba", size=32, limit=8, progress=False)
    assert report["total"] == 8 and report["processed"] == 6 and report["num_failed"] == 2
    assert sorted(f["name"] for f in report["failed"]) == ["000005", "000006"]
    on_disk = json.loads((tmp_path / "out" / "prepare_report.json").read_text())
    assert on_disk["num_failed"] == 2 and "error" in on_disk["failed"][0]
    names = [json.loads(line)["file_name"] for line in (tmp_path / "out" / "metadata.jsonl").read_text().splitlines()]
    assert len(names) == 6 and "images/000005.png" not in names


def test_interrupted_run_leaves_no_partial_files_and_resumes(tmp_path, monkeypatch):
    dst = tmp_path / "out"
    real_save = prepare_module.atomic_save_image
    calls = {"n": 0}

    def dying_save(image, path, **options):
        calls["n"] += 1
        if calls["n"] == 7:  # killed in the middle of writing a file

            def half_write(temporary):
                Path(temporary).write_bytes(b"\x89PNG half")
                raise KeyboardInterrupt

            atomic_io.atomic_write(Path(path), half_write)
        real_save(image, path, **options)

    monkeypatch.setattr(prepare_module, "atomic_save_image", dying_save)
    with pytest.raises(KeyboardInterrupt):
        prepare_dataset(FIXTURES / "celeba", dst, "celeba", size=32, batch_size=4, progress=False)
    monkeypatch.undo()
    leftovers = [p for p in dst.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []
    assert not (dst / "metadata.jsonl").exists()  # metadata only at the end
    written = [p for p in dst.rglob("*.png")]
    assert len(written) == 6
    for path in written:  # every visible file is complete
        with Image.open(path) as image:
            image.load()
    # A hard kill can leave a temporary behind: the next run removes it, then finishes the job.
    (dst / "images" / ".tmp-stale.png").write_bytes(b"partial")
    report = prepare_dataset(FIXTURES / "celeba", dst, "celeba", size=32, progress=False)
    assert report["stale_temporaries_removed"] == 1
    assert report["processed"] == 16 - 3 and report["skipped_existing"] == 3  # 3 photos had image + sketch
    assert len((dst / "metadata.jsonl").read_text().splitlines()) == 16


def test_celebamask_hq_dataset_sketches_and_cli(tmp_path, monkeypatch, capsys):
    code = main(
        [
            "prepare-data",
            str(FIXTURES / "celebamask_hq"),
            str(tmp_path / "hq"),
            "--format",
            "celebamask-hq",
            "--size",
            "64",
            "--limit",
            "4",
            "--dataset-sketches",
            "--image-format",
            "jpg",
            "--no-progress",
        ]
    )
    assert code == 0 and "4 processed" in capsys.readouterr().out
    rows = [json.loads(line) for line in (tmp_path / "hq" / "metadata.jsonl").read_text().splitlines()]
    assert [r["split"] for r in rows] == ["test", "train", "train", "train"]  # index 0 is in the official test set
    assert rows[0]["file_name"] == "images/0.jpg"
    # Through the `s2fgan` dispatcher (only this branch's subcommand module registered).
    from s2fgan_hf.commands import dispatch as dispatcher

    monkeypatch.setattr(dispatcher, "SUBCOMMAND_MODULES", ("s2fgan_hf.commands.prepare_data",))
    code = dispatcher.main(
        [
            "prepare-data",
            str(FIXTURES / "celeba"),
            str(tmp_path / "c"),
            "--format",
            "celeba",
            "--size",
            "16",
            "--limit",
            "2",
            "--no-progress",
        ]
    )
    assert code == 0 and len((tmp_path / "c" / "metadata.jsonl").read_text().splitlines()) == 2


def test_bad_options_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="dataset format"):
        prepare_dataset(FIXTURES / "celeba", tmp_path, "lsun", progress=False)
    with pytest.raises(ValueError, match="image_format"):
        prepare_dataset(FIXTURES / "celeba", tmp_path, "celeba", image_format="gif", progress=False)
