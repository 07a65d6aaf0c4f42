"""scripts/share_networks.py: DEC takes a retrained sketch encoder (or decoder) of DIS, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator

from .script_loading import run_script


def main(argv: list[str]) -> None:
    run_script("share_networks", argv)


def _bundles(tmp_path: Path, moved: str = "sketch_encoder") -> tuple[S2FGAN, S2FGAN]:
    torch.manual_seed(0)
    dis = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    dec = dis.with_editor("dec")
    dec.save_pretrained(tmp_path / "dec")
    S2FGANDiscriminator(dis.config).save_pretrained(tmp_path / "dec" / "discriminator")
    with torch.no_grad():  # a stage-2 run moves only E_s, a decoder-stage run only the decoder
        for param in getattr(dis, moved).parameters():
            param.add_(0.01)
    dis.save_pretrained(tmp_path / "dis")
    torch.manual_seed(1)
    S2FGANDiscriminator(dis.config).save_pretrained(tmp_path / "dis" / "discriminator")
    return dis, dec


def _same_weights(folder: Path, reference: Path) -> bool:
    a = S2FGANDiscriminator.from_pretrained(folder).state_dict()
    b = S2FGANDiscriminator.from_pretrained(reference).state_dict()
    return all(torch.equal(a[name], b[name]) for name in a)


def test_dec_gets_the_new_sketch_encoder_and_keeps_its_editor(tmp_path: Path):
    dis, dec = _bundles(tmp_path)
    main([str(tmp_path / "dec"), str(tmp_path / "dis"), str(tmp_path / "out" / "generator_ema")])
    rebuilt = S2FGAN.from_pretrained(tmp_path / "out" / "generator_ema")
    assert rebuilt.config.variant == "dec"
    for name, value in rebuilt.state_dict().items():
        expected = (dis if name.startswith("sketch_encoder.") else dec).state_dict()[name]
        assert torch.equal(value, expected), name
    assert _same_weights(tmp_path / "out" / "discriminator", tmp_path / "dec" / "discriminator")


def test_a_sketch_encoder_with_a_reader_brings_its_settings(tmp_path: Path):
    _, dec = _bundles(tmp_path)
    dis = S2FGAN.from_pretrained(tmp_path / "dis")
    torch.manual_seed(3)
    reader = S2FGAN(S2FGANConfig.from_dict({**dis.config.to_dict(), "sketch_reader_width": 16})).eval()
    reader.load_state_dict({k: v for k, v in dis.state_dict().items() if not k.startswith("sketch_encoder.")},
                           strict=False)  # fmt: skip
    reader.save_pretrained(tmp_path / "reader")
    out = tmp_path / "out" / "generator_ema"
    main([str(tmp_path / "dec"), str(tmp_path / "reader"), str(out)])
    rebuilt = S2FGAN.from_pretrained(out)
    assert rebuilt.config.variant == "dec" and rebuilt.config.sketch_reader_width == 16
    for name, value in rebuilt.state_dict().items():
        expected = (reader if name.startswith("sketch_encoder.") else dec).state_dict()[name]
        assert torch.equal(value, expected), name
    assert S2FGANDiscriminator.from_pretrained(tmp_path / "out" / "discriminator").config == rebuilt.config


def test_a_new_decoder_brings_its_discriminator(tmp_path: Path):
    dis, dec = _bundles(tmp_path, moved="decoder")
    out = tmp_path / "out" / "generator_ema"
    main([str(tmp_path / "dec"), str(tmp_path / "dis"), str(out), "--networks", "decoder"])
    rebuilt = S2FGAN.from_pretrained(out)
    for name, value in rebuilt.state_dict().items():
        expected = (dis if name.startswith("decoder.") else dec).state_dict()[name]
        assert torch.equal(value, expected), name
    assert _same_weights(tmp_path / "out" / "discriminator", tmp_path / "dis" / "discriminator")
    assert S2FGANDiscriminator.from_pretrained(tmp_path / "out" / "discriminator").config == rebuilt.config


def test_refuses_when_the_photo_branch_changed(tmp_path: Path):
    dis, _ = _bundles(tmp_path)
    with torch.no_grad():
        next(dis.decoder.parameters()).add_(0.1)
    dis.save_pretrained(tmp_path / "dis")
    with pytest.raises(SystemExit, match="decoder.*retrain the editor"):
        main([str(tmp_path / "dec"), str(tmp_path / "dis"), str(tmp_path / "out" / "generator_ema")])
