"""scripts/average_checkpoints.py: the mean of a run's checkpoints, only over the networks the run trained."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator

from .script_loading import run_script


def main(argv: list[str]) -> None:
    run_script("average_checkpoints", argv)


def _run(tmp_path: Path) -> Path:
    """A fake stage-2 run: checkpoints 100-300 whose sketch encoders moved by 1, 2 and 3 x 0.01."""
    torch.manual_seed(0)
    base = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    run = tmp_path / "run"
    for k, step in enumerate((100, 200, 300), start=1):
        model = S2FGAN(base.config).eval()
        model.load_state_dict(base.state_dict())
        with torch.no_grad():
            for param in model.sketch_encoder.parameters():
                param.add_(0.01 * k)
        model.save_pretrained(run / f"checkpoint-{step}" / "generator_ema")
        S2FGANDiscriminator(base.config).save_pretrained(run / f"checkpoint-{step}" / "discriminator")
    return run


def test_average_of_the_trained_network_and_nothing_else(tmp_path):
    run = _run(tmp_path)
    main([str(run), "--steps", "100", "300", "--output", str(tmp_path / "avg" / "generator_ema")])
    averaged = S2FGAN.from_pretrained(tmp_path / "avg" / "generator_ema")
    middle = S2FGAN.from_pretrained(run / "checkpoint-200" / "generator_ema")  # the mean of +1, +2, +3 is +2
    for (name, a), b in zip(averaged.state_dict().items(), middle.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name
    assert (tmp_path / "avg" / "discriminator" / "model.safetensors").is_file()
    # Two of them: the range picks the checkpoints.
    main([str(run), "--steps", "200", "300", "--output", str(tmp_path / "late")])
    late = S2FGAN.from_pretrained(tmp_path / "late").sketch_encoder.state_dict()
    first, last = (S2FGAN.from_pretrained(run / f"checkpoint-{s}" / "generator_ema") for s in (200, 300))
    for name, value in late.items():
        expected = (first.sketch_encoder.state_dict()[name] + last.sketch_encoder.state_dict()[name]) / 2
        assert torch.allclose(value, expected, atol=1e-6), name


def test_refuses_what_the_run_did_not_train_or_too_few_checkpoints(tmp_path):
    run = _run(tmp_path)
    with pytest.raises(SystemExit, match="changed during the run"):
        main([str(run), "--steps", "100", "300", "--output", str(tmp_path / "x"), "--trained", "decoder"])
    with pytest.raises(SystemExit, match="fewer than two checkpoints"):
        main([str(run), "--steps", "300", "900", "--output", str(tmp_path / "y")])
