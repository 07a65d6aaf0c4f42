"""scripts/sketch_encoder_transplant.py: a sketch encoder carried alone rebuilds the whole checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator

from .script_loading import load_script


def _script():
    return load_script("sketch_encoder_transplant")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32"))
    model.save_pretrained(tmp_path / "base")
    torch.manual_seed(1)
    S2FGANDiscriminator(model.config).save_pretrained(tmp_path / "base" / "discriminator")
    return tmp_path / "base"


def test_extract_then_build_gives_the_model_back(base: Path, tmp_path: Path):
    script = _script()
    torch.manual_seed(2)  # a reader model: the base's networks, another (randomly trained) sketch encoder
    reader = S2FGAN.from_pretrained(base)
    reader = S2FGAN(S2FGANConfig.from_dict({**reader.config.to_dict(), "sketch_reader_width": 16}))
    reader.load_state_dict(
        {k: v for k, v in S2FGAN.from_pretrained(base).state_dict().items() if not k.startswith("sketch_encoder.")},
        strict=False,
    )
    reader.save_pretrained(tmp_path / "reader")
    script.main(["extract", str(tmp_path / "reader"), str(tmp_path / "carry" / "encoder.safetensors")])
    script.main(
        ["build", str(base), str(tmp_path / "reader" / "config.json"), str(tmp_path / "carry" / "encoder.safetensors"),
         str(tmp_path / "rebuilt")]
    )  # fmt: skip
    rebuilt = S2FGAN.from_pretrained(tmp_path / "rebuilt")
    assert rebuilt.config == reader.config
    expected = reader.state_dict()
    for name, tensor in rebuilt.state_dict().items():
        assert torch.equal(tensor, expected[name]), name
    # The discriminator: the base's weights under the new config, as the trainer requires.
    critic = S2FGANDiscriminator.from_pretrained_subfolder(tmp_path / "rebuilt")
    assert critic.config == rebuilt.config
    base_critic = S2FGANDiscriminator.from_pretrained(base / "discriminator").state_dict()
    assert all(torch.equal(v, base_critic[k]) for k, v in critic.state_dict().items())


def test_build_refuses_a_config_that_changes_more_than_the_sketch_encoder(base: Path, tmp_path: Path):
    script = _script()
    script.main(["extract", str(base), str(tmp_path / "encoder.safetensors")])
    config = json.loads((base / "config.json").read_text())
    (tmp_path / "other.json").write_text(json.dumps({**config, "latent_dim": config["latent_dim"] * 2}))
    with pytest.raises(SystemExit, match="latent_dim"):
        script.main(["build", str(base), str(tmp_path / "other.json"), str(tmp_path / "encoder.safetensors"),
                     str(tmp_path / "out")])  # fmt: skip
    (tmp_path / "empty").mkdir()
    S2FGANDiscriminator(S2FGANConfig.from_preset("tiny-32")).save_pretrained(tmp_path / "empty")  # no generator
    with pytest.raises(SystemExit, match="holds no sketch_encoder"):
        script.main(["extract", str(tmp_path / "empty"), str(tmp_path / "x.safetensors")])
