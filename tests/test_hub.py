"""save_pretrained / from_pretrained: bit-identical round trip and clear errors for broken checkpoints."""

from __future__ import annotations

import json

import pytest
import safetensors.torch
import torch

from s2fgan_hf import S2FGAN, CheckpointError, S2FGANConfig, S2FGANDiscriminator


@pytest.mark.parametrize("variant", ["dis", "dec"])
def test_round_trip_is_bit_identical(tmp_path, stroke_sketch, variant):
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32", variant=variant)).eval()
    model.save_pretrained(tmp_path)
    assert {"config.json", "model.safetensors", "README.md"} <= {p.name for p in tmp_path.iterdir()}
    loaded = S2FGAN.from_pretrained(tmp_path)
    assert loaded.config == model.config
    assert not loaded.training
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k
    with torch.no_grad():
        a = model(stroke_sketch, {"Smiling": 2.0})
        b = loaded(stroke_sketch, {"Smiling": 2.0})
    assert torch.equal(a, b)


def test_saved_files_get_the_usual_permissions(tmp_path, tiny_model):
    """The atomic weight file has the mode any new file gets (safetensors alone makes it owner-only, 0o600)."""
    from s2fgan_hf.atomic_io import atomic_write_text, default_file_mode

    tiny_model.save_pretrained(tmp_path / "model")
    atomic_write_text("x", tmp_path / "note.txt")
    for path in (tmp_path / "model" / "model.safetensors", tmp_path / "note.txt"):
        assert path.stat().st_mode & 0o777 == default_file_mode(), path


def test_config_json_is_plain_and_complete(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    data = json.loads((tmp_path / "config.json").read_text())
    assert data["attribute_names"][:2] == ["Smiling", "Male"]
    assert data["image_size"] == 32 and data["variant"] == "dis"
    assert S2FGANConfig.from_dict(data) == tiny_model.config


def test_discriminator_round_trip(tmp_path):
    torch.manual_seed(0)
    disc = S2FGANDiscriminator(S2FGANConfig.from_preset("tiny-32"))
    disc.save_pretrained(tmp_path / "discriminator")
    loaded = S2FGANDiscriminator.from_pretrained_subfolder(tmp_path)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.equal(disc(x), loaded(x))


def test_missing_tensor_is_named(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    state = safetensors.torch.load_file(tmp_path / "model.safetensors")
    del state["decoder.to_rgb1.bias"]
    safetensors.torch.save_file(state, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"missing tensors \(1\): decoder.to_rgb1.bias"):
        S2FGAN.from_pretrained(tmp_path)


def test_unexpected_tensor_is_named(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    state = safetensors.torch.load_file(tmp_path / "model.safetensors")
    state["decoder.extra_layer.weight"] = torch.zeros(2)
    safetensors.torch.save_file(state, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match="unexpected tensors.*decoder.extra_layer.weight"):
        S2FGAN.from_pretrained(tmp_path)


def test_wrong_shape_is_named(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["latent_dim"] = 48  # weights were saved for 32
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="shape mismatches.*attribute_directions.weight: checkpoint"):
        S2FGAN.from_pretrained(tmp_path)


def test_truncated_file_is_a_clear_error(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    path = tmp_path / "model.safetensors"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        S2FGAN.from_pretrained(tmp_path)


def test_unknown_config_field_and_missing_folder(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["num_heads"] = 4
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="unknown S2FGANConfig field.*num_heads"):
        S2FGAN.from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="no model folder"):
        S2FGAN.from_pretrained(tmp_path / "does-not-exist")


def test_save_leaves_no_temporary_file(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    assert not list(tmp_path.glob("*.tmp"))
    assert not list(tmp_path.glob(".tmp-*"))


def test_config_validation_messages():
    with pytest.raises(ValueError, match="image_size must be a power of two"):
        S2FGANConfig(image_size=100)
    with pytest.raises(ValueError, match="variant must be the name of an attribute editor"):
        S2FGANConfig(variant=["dis"])
    with pytest.raises(ValueError, match=r"variant must be one of \('dis', 'dec'\), got 'fancy'"):
        S2FGAN(S2FGANConfig(variant="fancy"))  # any name is a config; building checks the editor registry
    with pytest.raises(ValueError, match="unknown preset"):
        S2FGANConfig.from_preset("huge")
    assert S2FGANConfig.from_dict(S2FGANConfig().to_dict()) == S2FGANConfig()
