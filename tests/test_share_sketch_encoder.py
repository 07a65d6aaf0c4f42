"""scripts/share_sketch_encoder.py: DEC takes a retrained sketch encoder of DIS, and nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "share_sketch_encoder.py"


def main(argv: list[str]) -> None:
    """The script's ``main``, loaded from its file (scripts/ is not a package; sys.path stays as it is)."""
    spec = importlib.util.spec_from_file_location("share_sketch_encoder", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(argv)


def _bundles(tmp_path: Path) -> tuple[S2FGAN, S2FGAN]:
    torch.manual_seed(0)
    dis = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    dec = dis.with_editor("dec")
    dec.save_pretrained(tmp_path / "dec")
    S2FGANDiscriminator(dis.config).save_pretrained(tmp_path / "dec" / "discriminator")
    with torch.no_grad():  # a stage-2 run: only E_s moves
        for param in dis.sketch_encoder.parameters():
            param.add_(0.01)
    dis.save_pretrained(tmp_path / "dis")
    return dis, dec


def test_dec_gets_the_new_sketch_encoder_and_keeps_its_editor(tmp_path: Path):
    dis, dec = _bundles(tmp_path)
    main([str(tmp_path / "dec"), str(tmp_path / "dis"), str(tmp_path / "out" / "generator_ema")])
    rebuilt = S2FGAN.from_pretrained(tmp_path / "out" / "generator_ema")
    assert rebuilt.config.variant == "dec"
    for name, value in rebuilt.state_dict().items():
        expected = (dis if name.startswith("sketch_encoder.") else dec).state_dict()[name]
        assert torch.equal(value, expected), name
    assert (tmp_path / "out" / "discriminator" / "config.json").is_file()


def test_refuses_when_the_photo_branch_changed(tmp_path: Path):
    dis, _ = _bundles(tmp_path)
    with torch.no_grad():
        next(dis.decoder.parameters()).add_(0.1)
    dis.save_pretrained(tmp_path / "dis")
    with pytest.raises(SystemExit, match="decoder.*retrain the editor"):
        main([str(tmp_path / "dec"), str(tmp_path / "dis"), str(tmp_path / "out" / "generator_ema")])
