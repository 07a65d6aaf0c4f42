"""Every bad input to the ``s2fgan`` CLI is one ``error: ...`` line naming it (exit 2, no traceback).

Also: outputs never overwrite each other, prepare-data refuses a folder made with other settings, reports rows
without a photo, and progress written to a file or a log is plain lines (no carriage returns).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from s2fgan_hf.commands import inputs as cli_inputs
from s2fgan_hf.commands import main
from s2fgan_hf.data.prepare import prepare_dataset
from s2fgan_hf.progress import PlainProgress, progress

FIXTURES = Path(__file__).parent / "fixtures" / "data"
REPO = Path(__file__).resolve().parent.parent


def run_cli(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """``main(argv)`` in-process: exit code, stdout, stderr (argparse errors exit through SystemExit)."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error_line(code: int, err: str, *named: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for value in named:
        assert value in lines[0], (value, lines[0])
    return lines[0]


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    """These tests check the default behaviour, whatever the calling shell sets."""
    for name in ("S2FGAN_DEBUG", "S2FGAN_PROGRESS", "S2FGAN_MODEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sketch(tmp_path):
    arr = np.full((64, 64), 255, dtype=np.uint8)
    arr[20, 5:60] = 0
    path = tmp_path / "sketch.png"
    Image.fromarray(arr).save(path)
    return path


@pytest.fixture
def not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    return path


# ---- generate: (case, arguments after `generate`, values the error must name); {x} are filled in per test ----
GENERATE_CASES = [
    ("missing sketch", ["{tmp}/nothere.png", "--model", "{model}", "-o", "{tmp}/f.png"], ["nothere.png"]),
    ("sketch is a folder", ["{tmp}", "--model", "{model}", "-o", "{tmp}/f.png"], ["not folders"]),
    ("not an image", ["{bad}", "--model", "{model}", "-o", "{tmp}/f.png"], ["notes.png", "could not read"]),
    ("bad device", ["{sketch}", "--model", "{model}", "--device", "gpu0", "-o", "{tmp}/f.png"], ["'gpu0'"]),
    ("missing model", ["{sketch}", "--model", "path/or/hub-id", "-o", "{tmp}/f.png"], ["--model", "path/or/hub-id"]),
    ("model without config", ["{sketch}", "--model", "{tmp}", "-o", "{tmp}/f.png"], ["--model", "config.json"]),
    ("unknown attribute", ["{sketch}", "--model", "{model}", "--attr", "Smile=1", "-o", "{tmp}/f.png"], ["'Smile'"]),
    ("malformed attribute", ["{sketch}", "--model", "{model}", "--attr", "Smiling", "-o", "{tmp}/f.png"], ["Smiling"]),
    ("one file, two sketches", ["{sketch}", "{sketch}", "--model", "{model}", "-o", "{tmp}/two.png"], ["two.png"]),
    ("output under a file", ["{sketch}", "--model", "{model}", "-o", "{bad}/f.png"], ["notes.png"]),
]


@pytest.mark.parametrize("case, argv, named", GENERATE_CASES, ids=[c[0] for c in GENERATE_CASES])
def test_generate_bad_input_is_one_error_line(case, argv, named, tmp_path, saved_model, sketch, not_an_image, capsys):
    values = {"tmp": tmp_path, "model": saved_model, "sketch": sketch, "bad": not_an_image}
    code, out, err = run_cli(["generate", *(a.format(**values) for a in argv)], capsys)
    assert_one_error_line(code, err, *named)
    assert not (tmp_path / "two.png").exists()  # the old behaviour made a folder named two.png
    assert not (tmp_path / "f.png").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_generate_cuda_without_cuda(sketch, saved_model, tmp_path, capsys):
    argv = ["generate", str(sketch), "--model", str(saved_model), "--device", "cuda", "-o", str(tmp_path / "out")]
    code, _, err = run_cli(argv, capsys)
    assert_one_error_line(code, err, "'cuda'", "not available")
    assert not (tmp_path / "out").exists()  # a failed check leaves nothing behind


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write into a 0o500 folder")
def test_generate_read_only_output_folder(sketch, saved_model, tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run_cli(["generate", str(sketch), "--model", str(saved_model), "-o", str(folder)], capsys)
    finally:
        folder.chmod(0o700)
    assert_one_error_line(code, err, str(folder), "cannot write")


def test_unwritable_output_folder_is_one_line(sketch, saved_model, tmp_path, capsys, monkeypatch):
    """A folder that refuses writes (read-only mount, ACL; simulated here so it also runs as root)."""

    def refuse(prefix: str, dir: Path) -> tuple[int, str]:  # noqa: A002 - mkstemp's keyword
        raise PermissionError(13, "Permission denied", str(Path(dir) / prefix))

    monkeypatch.setattr(cli_inputs.tempfile, "mkstemp", refuse)
    out = tmp_path / "faces"
    code, _, err = run_cli(["generate", str(sketch), "--model", str(saved_model), "-o", str(out)], capsys)
    assert_one_error_line(code, err, str(out), "Permission denied")


def test_same_file_names_get_distinct_outputs(tmp_path, saved_model, sketch, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(sketch, tmp_path / folder / "x.png")
    # b's sketch differs so the two faces are different files with different content.
    with Image.open(tmp_path / "b" / "x.png") as image:
        arr = np.array(image)
    arr[40, 5:60] = 0
    Image.fromarray(arr).save(tmp_path / "b" / "x.png")
    out = tmp_path / "faces"
    code, stdout, err = run_cli(
        ["generate", str(tmp_path / "a" / "x.png"), str(tmp_path / "b" / "x.png"), "--model", str(saved_model)]
        + ["-o", str(out)],
        capsys,
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["x_face-2.png", "x_face.png"]
    assert stdout.split() == [str(out / "x_face.png"), str(out / "x_face-2.png")]
    assert "x_face-2.png" in err  # a note says why the name changed
    assert (out / "x_face.png").read_bytes() != (out / "x_face-2.png").read_bytes()


# ---- evaluate ----
def test_evaluate_bad_inputs(tmp_path, saved_model, capsys):
    data = tmp_path / "data"
    data.mkdir()
    code, _, err = run_cli(["evaluate", "--data", str(tmp_path / "nodata"), "--model", str(saved_model)], capsys)
    assert_one_error_line(code, err, "--data", "nodata")
    code, _, err = run_cli(["evaluate", "--data", str(data), "-o", str(saved_model / "config.json")], capsys)
    assert_one_error_line(code, err, "config.json", "not a folder")
    out = ["-o", str(tmp_path / "ev")]
    code, _, err = run_cli(["evaluate", "--data", str(data), "--device", "tpu9", *out], capsys)
    assert_one_error_line(code, err, "'tpu9'")
    code, _, err = run_cli(["evaluate", "--data", str(data), "--framing-jitter", "0.5", *out], capsys)
    assert_one_error_line(code, err, "--framing-jitter", "0.5")
    code, _, err = run_cli(
        ["evaluate", "--data", str(data), "--framing-jitter", "0.1", "--styles", "stored", "edges", *out], capsys
    )
    assert_one_error_line(code, err, "--framing-jitter", "stored")
    nothing = tmp_path / "none"
    code, _, err = run_cli(["evaluate", "--data", str(data), "--model", str(nothing), *out], capsys)
    assert_one_error_line(code, err, "--model", str(nothing))
    code, _, err = run_cli(["evaluate", "--data", str(data), "--model", str(saved_model), *out], capsys)
    assert_one_error_line(code, err, "metadata.jsonl")  # an empty folder: not prepared


# ---- prepare-data ----
def prepare_cli(src: Path, dst: Path, *extra: str) -> list[str]:
    return ["prepare-data", str(src), str(dst), "--format", "celebamask-hq", "--size", "16", *extra]


def test_prepare_data_bad_inputs(tmp_path, capsys):
    cases = [
        (prepare_cli(tmp_path / "nowhere", tmp_path / "out"), ["nowhere", "does not exist"]),
        (prepare_cli(FIXTURES / "celebamask_hq", tmp_path / "out", "--device", "quantum"), ["'quantum'"]),
        (prepare_cli(FIXTURES / "celebamask_hq", tmp_path / "out", "--size", "4"), ["size", "4"]),
        (prepare_cli(FIXTURES / "celeba", tmp_path / "out"), ["CelebAMask-HQ-attribute-anno.txt"]),  # wrong --format
    ]
    (tmp_path / "file").write_text("x")
    cases.append((prepare_cli(FIXTURES / "celebamask_hq", tmp_path / "file" / "out"), ["file"]))
    for argv, named in cases:
        code, _, err = run_cli(argv, capsys)
        assert_one_error_line(code, err, *named)


def test_prepare_data_other_size_is_refused_then_overwrite_rebuilds(tmp_path, capsys):
    dst = tmp_path / "out"
    assert run_cli(prepare_cli(FIXTURES / "celebamask_hq", dst, "--limit", "3", "--no-progress"), capsys)[0] == 0
    settings = json.loads((dst / "prepare_settings.json").read_text())
    assert settings["size"] == 16 and settings["image_format"] == "png" and settings["extractor"]["sigma"] == 2.0
    code, _, err = run_cli(prepare_cli(FIXTURES / "celebamask_hq", dst, "--limit", "3", "--size", "32"), capsys)
    line = assert_one_error_line(code, err, "size=16 (asked: 32)", "--overwrite", "new output folder")
    assert "--dataset-sketches" not in line
    with Image.open(dst / "images" / "0.png") as image:
        assert image.size == (16, 16)  # untouched
    argv = prepare_cli(FIXTURES / "celebamask_hq", dst, "--limit", "3", "--size", "32", "--overwrite", "--no-progress")
    code, out, err = run_cli(argv, capsys)
    assert code == 0 and "3 processed, 0 already done" in out, err
    with Image.open(dst / "images" / "0.png") as image:
        assert image.size == (32, 32)


def test_prepare_data_image_format_switch_leaves_no_stale_files(tmp_path, capsys):
    dst = tmp_path / "out"
    base = prepare_cli(FIXTURES / "celebamask_hq", dst, "--limit", "3", "--no-progress")
    assert run_cli(base, capsys)[0] == 0
    code, _, err = run_cli([*base, "--image-format", "jpg"], capsys)
    assert_one_error_line(code, err, "image_format='png' (asked: 'jpg')")
    assert run_cli([*base, "--image-format", "jpg", "--overwrite"], capsys)[0] == 0
    assert sorted(p.name for p in (dst / "images").iterdir()) == ["0.jpg", "1.jpg", "2.jpg"]
    code, _, err = run_cli([*base, "--dataset-sketches", "--image-format", "jpg"], capsys)
    assert_one_error_line(code, err, "sketch_source")


def test_prepare_data_folder_without_settings_file_resumes_with_a_warning(tmp_path, capsys):
    dst = tmp_path / "out"
    base = prepare_cli(FIXTURES / "celebamask_hq", dst, "--limit", "3", "--no-progress")
    assert run_cli(base, capsys)[0] == 0
    (dst / "prepare_settings.json").unlink()  # as written by the code before settings were recorded
    code, out, err = run_cli(base, capsys)
    assert code == 0 and "0 processed, 3 already done" in out
    assert "no prepare_settings.json" in err and "size 16" in err
    assert (dst / "prepare_settings.json").is_file()
    (dst / "prepare_settings.json").unlink()
    code, _, err = run_cli([*base, "--size", "64"], capsys)
    assert_one_error_line(code, err, "size=16 (asked: 64)")


def test_prepare_data_reports_rows_without_a_photo(tmp_path, capsys):
    dst = tmp_path / "out"
    code, _, err = run_cli(prepare_cli(FIXTURES / "celebamask_hq", dst, "--limit", "2", "--no-progress"), capsys)
    assert code == 0
    report = json.loads((dst / "prepare_report.json").read_text())
    missing = report["rows_without_image"]
    # The fixture's annotation file has 24 rows and 10 photos (0.jpg ... 9.jpg).
    assert missing["count"] == 14 and missing["names"][:2] == ["10.jpg", "11.jpg"] and not missing["truncated"]
    assert report["images_without_row"]["count"] == 0
    assert "warning: 14 attribute row(s) have no photo file" in err and "10.jpg" in err


def test_prepare_data_reports_photos_without_a_row(tmp_path):
    src = tmp_path / "celeba"
    shutil.copytree(FIXTURES / "celeba", src)
    shutil.copy(src / "images" / "000001.jpg", src / "images" / "999999.jpg")
    (src / "images" / "000002.jpg").unlink()
    report = prepare_dataset(src, tmp_path / "out", "celeba", size=16, limit=1, progress=False)
    assert report["rows_without_image"]["names"] == ["000002.jpg"]
    assert report["images_without_row"]["names"] == ["999999.jpg"]
    assert len(report["warnings"]) == 2


# ---- progress ----
def test_progress_off_a_tty_is_plain_lines():
    stream = io.StringIO()
    items = list(progress(range(100), desc="work", unit="img", stream=stream))
    assert items == list(range(100))
    text = stream.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == 10  # 10 %, 20 %, ..., 90 % and the final line
    assert lines[0].startswith("work: 10/100 (10%)") and lines[-1].startswith("work: 100/100 (100%)")
    assert "done in" in lines[-1]


def test_progress_update_and_time_based_lines():
    stream = io.StringIO()
    with PlainProgress(total=None, desc="x", stream=stream, every_seconds=0.0) as bar:
        bar.update(3)
        bar.update(2)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[0].startswith("x: 3,") and lines[1].startswith("x: 5,") and "done in" in lines[2]
    quiet = io.StringIO()
    with progress(total=5, stream=quiet, enabled=False) as bar:
        bar.update(5)
    assert quiet.getvalue() == ""


def test_prepare_data_progress_in_a_log_has_no_carriage_returns(tmp_path, capsys):
    code, _, err = run_cli(prepare_cli(FIXTURES / "celebamask_hq", tmp_path / "out", "--batch-size", "1"), capsys)
    assert code == 0
    assert "\r" not in err
    progress_lines = [line for line in err.splitlines() if line.startswith("prepare-data:")]
    assert 2 <= len(progress_lines) <= 11 and "10/10 (100%)" in progress_lines[-1]


# ---- the real process: no traceback by default, the traceback with --debug or S2FGAN_DEBUG=1 ----
def _run_process(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {key: value for key, value in os.environ.items() if key != "S2FGAN_DEBUG"}
    full_env.update({"OMP_NUM_THREADS": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "s2fgan_hf.commands", *args], cwd=REPO, env=full_env, capture_output=True, text=True
    )


def test_process_error_and_debug_traceback(tmp_path, not_an_image):
    argv = ["generate", str(not_an_image), "-o", str(tmp_path / "f.png")]
    plain = _run_process(argv)
    assert_one_error_line(plain.returncode, plain.stderr, "notes.png")
    flagged = _run_process(["--debug", *argv])
    assert flagged.returncode == 2 and "Traceback" in flagged.stderr
    assert flagged.stderr.strip().splitlines()[-1].startswith("error: ")
    from_env = _run_process(argv, env={"S2FGAN_DEBUG": "1"})
    assert from_env.returncode == 2 and "Traceback" in from_env.stderr
