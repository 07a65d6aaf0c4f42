"""A second editor on a trained model: ``S2FGAN.with_editor`` and the editor stage (``--train_editor_only``)."""

from __future__ import annotations

import json

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf import losses as L
from s2fgan_hf.networks import AttributeMappingNetwork
from s2fgan_hf.training.modules import GeneratorSide
from s2fgan_hf.training.train_config import TrainConfig, TrainConfigError

from .test_train_script import assert_unchanged, base_args


def test_with_editor_keeps_every_other_weight_and_starts_an_identity_editor():
    torch.manual_seed(0)
    dis = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    dec = dis.with_editor("dec")
    assert dec.config.variant == "dec" and dis.config.variant == "dis" and not dec.training
    assert isinstance(dec.attribute_mapping, AttributeMappingNetwork)
    assert dec.attribute_mapping.probe is dec.attribute_directions  # the editor scores with the copy's own C
    shared = {k: v for k, v in dis.state_dict().items() if not k.startswith("attribute_mapping.")}
    for key, value in shared.items():
        assert torch.equal(value, dec.state_dict()[key]), key
    z = torch.randn(3, dis.config.latent_dim)
    edited = dec.edit(z, {"Smiling": 2.0})
    assert torch.equal(edited, z)  # reset_to_identity: an untrained editor moves nothing
    assert dec.with_editor("dis").config.variant == "dis"


def test_edit_offset_loss_is_the_mean_absolute_move():
    z = torch.zeros(2, 4)
    assert float(L.edit_offset_loss(z + 0.5, z)) == 0.5
    assert L.LossWeights.for_variant("dec").offset == 0.0  # off unless asked for (--lambda_offset)


def test_editor_stage_settings_are_checked():
    with pytest.raises(TrainConfigError, match="different stages"):
        TrainConfig(train_data_dir="d", train_editor_only=True, freeze_photo_branch=True)
    with pytest.raises(TrainConfigError, match="sketch_adv.*not used there"):
        TrainConfig(train_data_dir="d", train_editor_only=True, loss_weights={"sketch_adv": 1.0})
    with pytest.raises(TrainConfigError, match="reencoded_edit.*frozen image encoder.*train_editor_only"):
        TrainConfig(train_data_dir="d", loss_weights={"reencoded_edit": 1.0})
    TrainConfig(train_data_dir="d", train_editor_only=True, loss_weights={"reencoded_edit": 1.0})


def test_the_edit_read_back_by_the_frozen_image_encoder_trains_only_the_editor():
    """``reencode_edits``: z_reencoded = E_i(D(M(z_i, a))); its loss reaches M, never E_i, D or C."""
    torch.manual_seed(0)
    cfg = S2FGANConfig.from_preset("tiny-32", variant="dec")
    model = S2FGAN(cfg)
    with pytest.raises(ValueError, match="reencode_edits.*editor or decoder stage"):
        GeneratorSide(model, S2FGANDiscriminator(cfg), reencode_edits=True)
    side = GeneratorSide(model, S2FGANDiscriminator(cfg), editor_only=True, reencode_edits=True)
    for network in (side.image_encoder, side.decoder, side.sketch_encoder, model.attribute_directions):
        network.requires_grad_(False)  # as the trainer freezes them in the editor stage
    torch.nn.init.normal_(side.attribute_mapping.head.weight)  # a new editor is the identity; make it move
    image, sketch = torch.rand(2, 3, 32, 32) * 2 - 1, torch.ones(2, 1, 32, 32)
    shifts = torch.zeros(2, cfg.num_attributes)
    shifts[:, 1] = 2.0
    out = side(image, sketch, shifts)
    with torch.no_grad():
        expected = side.image_encoder(side.decoder(side.attribute_mapping(out.z_image, shifts)))
    assert torch.allclose(out.z_reencoded, expected, atol=1e-5)
    directions = model.attribute_directions.directions()
    loss = L.decomposition_edit_loss(out.z_reencoded @ directions, out.z_image @ directions, shifts)
    loss.backward()
    assert side.attribute_mapping.embeddings.grad.abs().sum() > 0
    assert all(p.grad is None for p in side.decoder.parameters())
    assert L.LossWeights.for_variant("dec").reencoded_edit == 0.0  # off unless asked for


def test_editor_stage_trains_a_dec_editor_on_a_trained_dis_model(prepared_dir, tmp_path, run_training):
    first = run_training(base_args(prepared_dir, tmp_path / "dis", 1) + ["--checkpointing_steps", "0"])
    base = S2FGAN.from_pretrained(first["final_dir"])
    argv = base_args(prepared_dir, tmp_path / "dec", 3) + [
        "--pretrained_model_name_or_path", first["final_dir"], "--variant", "dec", "--train_editor_only",
        "--attr_shift_prob", "1", "--lambda_offset", "0.1", "--lambda_reencoded_edit", "1",
        "--checkpointing_steps", "0",
    ]  # fmt: skip
    result = run_training(argv)
    tuned = S2FGAN.from_pretrained(result["final_dir"])
    assert tuned.config.variant == "dec"
    assert_unchanged(
        base, tuned, ("sketch_encoder", "image_encoder", "decoder", "attribute_directions"), "the editor stage"
    )
    assert tuned.attribute_mapping.embeddings.abs().sum() > 0  # the editor learned
    rows = [json.loads(line) for line in (tmp_path / "dec" / "metrics.jsonl").read_text().splitlines()]
    assert {"g_adv", "g_edit", "g_cycle", "g_offset", "g_domain", "g_reencoded_edit"} <= rows[-1].keys()
    assert "g_l1" not in rows[-1] and "g_align" not in rows[-1]  # frozen networks: no constant terms logged
    saved = json.loads((tmp_path / "dec" / "final" / "training_args.json").read_text())
    assert saved["variant"] == "dec" and saved["train_editor_only"] is True


def test_editor_stage_refuses_an_editor_that_does_not_edit_in_training(prepared_dir, tmp_path, run_training):
    with pytest.raises(ValueError, match="train_editor_only.*dis"):
        run_training(base_args(prepared_dir, tmp_path / "run", 1) + ["--train_editor_only"])
