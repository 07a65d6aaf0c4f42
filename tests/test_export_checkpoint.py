"""scripts/export_checkpoint.py: the rendered card (notes, evaluation, the weights' licence) reaches the Hub as is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch
from huggingface_hub import ModelCard

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator

from .fake_hub import FakeHub

ROOT = Path(__file__).resolve().parents[1]


def test_export_writes_the_card_and_pushes_the_folder_as_written(tmp_path: Path):
    torch.manual_seed(0)
    S2FGAN(S2FGANConfig.from_preset("tiny-32")).save_pretrained(tmp_path / "run" / "generator_ema")
    discriminator = S2FGANDiscriminator(S2FGANConfig.from_preset("tiny-32"))
    discriminator.save_pretrained(tmp_path / "run" / "discriminator")  # shipped beside it (fine-tuning keeps it)
    (tmp_path / "training.md").write_text("Trained for 3 steps on nothing at all.\n")
    (tmp_path / "evaluation.md").write_text("| reconstruction | L1 |\n|---|---|\n| from sketch | 0.9 |\n")
    out, card_copy = tmp_path / "export", tmp_path / "model_card.md"
    card_copy.symlink_to(tmp_path / "training.md")  # replaced, not written through
    args = [
        sys.executable,
        str(ROOT / "scripts" / "export_checkpoint.py"),
        str(tmp_path / "run" / "generator_ema"),
        "--output",
        str(out),
        "--training",
        str(tmp_path / "training.md"),
        "--evaluation",
        str(tmp_path / "evaluation.md"),
        "--weights-license",
        "celeba",
        "--card-copy",
        str(card_copy),
        "--push-to-hub",
        "user/s2fgan-export",
    ]
    with FakeHub() as hub:
        env = hub.client_env(tmp_path / "hf_home")
        proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        files = hub.repos["user/s2fgan-export"]

    card_text = (out / "README.md").read_text()
    assert not card_copy.is_symlink() and card_copy.read_text() == card_text
    assert (tmp_path / "training.md").read_text() == "Trained for 3 steps on nothing at all.\n"
    assert files["README.md"].decode() == card_text
    assert files["model.safetensors"] == (out / "model.safetensors").read_bytes()
    assert "discriminator/model.safetensors" in files
    shipped = S2FGANDiscriminator.from_pretrained_subfolder(out)
    for a, b in zip(shipped.state_dict().values(), discriminator.state_dict().values()):
        assert torch.equal(a, b)
    card = ModelCard(card_text)
    assert card.data.license == "other" and card.data.license_name == "celeba-non-commercial-research"
    assert "Trained for 3 steps on nothing at all." in card.text and "| from sketch | 0.9 |" in card.text


def test_export_in_float16_halves_the_weights_and_loads_back_as_float32(tmp_path: Path):
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32", variant="dec"))
    model.save_pretrained(tmp_path / "run" / "generator_ema")
    S2FGANDiscriminator(model.config).save_pretrained(tmp_path / "run" / "discriminator")
    script = str(ROOT / "scripts" / "export_checkpoint.py")
    for dtype in ("float32", "float16"):
        args = [sys.executable, script, str(tmp_path / "run" / "generator_ema"), "--output", str(tmp_path / dtype)]
        proc = subprocess.run([*args, "--dtype", dtype], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    full, half = (tmp_path / d / "model.safetensors" for d in ("float32", "float16"))
    assert half.stat().st_size < 0.6 * full.stat().st_size
    loaded = S2FGAN.from_pretrained(tmp_path / "float16")
    assert loaded.dtype == torch.float32 and loaded.config.variant == "dec"
    for (key, a), b in zip(loaded.state_dict().items(), model.state_dict().values()):
        assert torch.allclose(a, b, rtol=1e-3, atol=1e-4), key
    assert S2FGANDiscriminator.from_pretrained_subfolder(tmp_path / "float16").image_discriminator is not None
