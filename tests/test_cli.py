"""``s2fgan generate`` end to end on a tiny saved model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from s2fgan_hf.commands import main
from tests.app_helpers import save_tiny_model


@pytest.fixture
def sketch_files(tmp_path):
    paths = []
    for i in range(2):
        arr = np.full((64, 64), 255, dtype=np.uint8)
        arr[10 + 10 * i, 5:60] = 0
        p = tmp_path / f"s{i}.png"
        Image.fromarray(arr).save(p)
        paths.append(p)
    return paths


def test_generate_single_file(saved_model, sketch_files, tmp_path):
    out = tmp_path / "face.png"
    code = main(
        ["generate", str(sketch_files[0]), "--attr", "Smiling=1.5", "--model", str(saved_model), "-o", str(out)]
    )
    assert code == 0
    assert Image.open(out).size == (32, 32)


def test_generate_many_into_folder(saved_model, sketch_files, tmp_path):
    out = tmp_path / "faces"
    args = ["generate", *map(str, sketch_files), "--attr", "Male=-1", "--attr", "Young=2", "--model", str(saved_model)]
    assert main([*args, "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["s0_face.png", "s1_face.png"]


def test_unknown_attribute_is_reported(saved_model, sketch_files, tmp_path, capsys):
    code = main(["generate", str(sketch_files[0]), "--attr", "Smile=1", "--model", str(saved_model), "-o", "x.png"])
    assert code == 2
    assert "unknown attribute 'Smile'" in capsys.readouterr().err


def test_malformed_attribute_is_an_argparse_error(saved_model, sketch_files):
    with pytest.raises(SystemExit):
        main(["generate", str(sketch_files[0]), "--attr", "Smiling", "--model", str(saved_model), "-o", "x.png"])


def test_generate_with_a_look_seed_or_photo(saved_model, sketch_files, tmp_path, capsys):
    base = ["generate", str(sketch_files[0]), "--model", str(saved_model), "-o"]
    assert main([*base, str(tmp_path / "plain.png")]) == 0
    assert main([*base, str(tmp_path / "seed.png"), "--look", "3"]) == 0
    assert main([*base, str(tmp_path / "seed-again.png"), "--look", "3"]) == 0
    seeded = np.asarray(Image.open(tmp_path / "seed.png"))
    assert np.array_equal(seeded, np.asarray(Image.open(tmp_path / "seed-again.png")))
    assert not np.array_equal(seeded, np.asarray(Image.open(tmp_path / "plain.png")))
    photo = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(photo)
    assert main([*base, str(tmp_path / "photo_look.png"), "--look", str(photo)]) == 0
    assert main([*base, str(tmp_path / "x.png"), "--look", "missing.jpg"]) == 2
    assert "--look photo not found: missing.jpg" in capsys.readouterr().err


@pytest.fixture
def saved_dec_model(tmp_path):
    """A tiny S2F-DEC checkpoint: the tiny model's networks with a random (not identity) S2F-DEC editor."""
    return save_tiny_model(tmp_path / "dec", "dec")


def test_generate_with_an_editor(saved_model, saved_dec_model, sketch_files, tmp_path, capsys, monkeypatch):
    base = ["generate", str(sketch_files[0]), "--attr", "Smiling=2", "-o"]
    assert main([*base, str(tmp_path / "dis.png"), "--model", str(saved_model), "--editor", "dis"]) == 0
    assert main([*base, str(tmp_path / "dec.png"), "--model", str(saved_dec_model), "--editor", "dec"]) == 0
    dis, dec = (np.asarray(Image.open(tmp_path / f"{name}.png")) for name in ("dis", "dec"))
    assert not np.array_equal(dis, dec)  # same networks, another editor
    assert main([*base, str(tmp_path / "x.png"), "--model", str(saved_model), "--editor", "dec"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --model ") and "is an S2F-DIS checkpoint" in err
    assert "editor 'dec' needs an S2F-DEC one" in err and "\n" not in err.strip()
    monkeypatch.setenv("S2FGAN_MODEL", str(saved_dec_model))
    assert main([*base, str(tmp_path / "env.png"), "--editor", "dec"]) == 0  # $S2FGAN_MODEL is checked the same way
    assert np.array_equal(np.asarray(Image.open(tmp_path / "env.png")), dec)
    with pytest.raises(SystemExit):
        main([*base, str(tmp_path / "x.png"), "--editor", "S2F-DEC"])  # argparse names the choices


def test_the_editor_picks_the_bundled_checkpoint(saved_model, saved_dec_model, sketch_files, tmp_path, monkeypatch):
    import s2fgan_hf.loading as loading

    monkeypatch.delenv("S2FGAN_MODEL", raising=False)
    monkeypatch.setattr(loading, "_bundled", {"default": saved_model}.get)  # a build without S2F-DEC
    base = ["generate", str(sketch_files[0]), "-o", str(tmp_path / "face.png")]
    assert main(base) == 0
    assert main([*base, "--editor", "dec"]) == 2
    monkeypatch.setattr(loading, "_bundled", {"default": saved_model, "dec": saved_dec_model}.get)
    assert main([*base, "--editor", "dec"]) == 0


def test_evaluate_accepts_an_editor(saved_model, tmp_path, capsys):
    from s2fgan_hf.commands.dispatch import build_parser

    args = build_parser().parse_args(["evaluate", "--data", "d", "--editor", "dec", "--model", str(saved_model)])
    assert args.editor == "dec"
    code = main(["evaluate", "--data", str(tmp_path), "--model", str(saved_model), "--editor", "dec", "-o", "x"])
    assert code == 2 and "is an S2F-DIS checkpoint" in capsys.readouterr().err


def test_generate_lends_a_coloured_drawings_colours_and_says_so(saved_model, sketch_files, tmp_path, capsys):
    from .test_drawing_colours import coloured_drawing

    drawing = tmp_path / "coloured.png"
    coloured_drawing().save(drawing)
    base = ["generate", str(drawing), str(sketch_files[0]), "--model", str(saved_model)]
    assert main([*base, "-o", str(tmp_path / "off")]) == 0  # the tiny checkpoint's config: off
    assert "drawn in colour" not in capsys.readouterr().err
    assert main([*base, "-o", str(tmp_path / "on"), "--drawing-colours", "on"]) == 0
    err = capsys.readouterr().err
    assert f"{drawing} is drawn in colour" in err and "s0.png" not in err
    faces = {k: {p.name: np.asarray(Image.open(p)) for p in (tmp_path / k).iterdir()} for k in ("off", "on")}
    assert not np.array_equal(faces["off"]["coloured_face.png"], faces["on"]["coloured_face.png"])
    assert np.array_equal(faces["off"]["s0_face.png"], faces["on"]["s0_face.png"])  # a grey drawing: the same face
    assert main([*base, "-o", str(tmp_path / "seed"), "--drawing-colours", "on", "--look", "3"]) == 0
    assert "drawn in colour" not in capsys.readouterr().err  # a given look wins, and nothing is said
