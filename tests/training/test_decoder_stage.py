"""The decoder stage (``--train_decoder_only``): only the decoder learns, from reconstructions and edited faces."""

from __future__ import annotations

import json

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf import losses as L
from s2fgan_hf.training.modules import GeneratorSide
from s2fgan_hf.training.train_config import TrainConfig, TrainConfigError

from .test_train_script import assert_unchanged, base_args, weights_moved


def test_decoder_stage_settings_are_checked():
    with pytest.raises(TrainConfigError, match="different stages"):
        TrainConfig(train_data_dir="d", train_decoder_only=True, train_editor_only=True)
    with pytest.raises(TrainConfigError, match="different stages"):
        TrainConfig(train_data_dir="d", train_decoder_only=True, freeze_photo_branch=True)
    with pytest.raises(TrainConfigError, match="train_decoder_only.*sketch_l1.*not used there"):
        TrainConfig(train_data_dir="d", train_decoder_only=True, loss_weights={"sketch_l1": 1.0})
    TrainConfig(train_data_dir="d", train_decoder_only=True, loss_weights={"reencoded_edit": 1.0})
    with pytest.raises(TrainConfigError, match="decoder_anchor.*belongs to.*train_decoder_only"):
        TrainConfig(train_data_dir="d", loss_weights={"decoder_anchor": 1.0})
    TrainConfig(train_data_dir="d", train_decoder_only=True, loss_weights={"decoder_anchor": 1.0})
    cfg = S2FGANConfig.from_preset("tiny-32")
    with pytest.raises(ValueError, match="stage of its own"):
        GeneratorSide(S2FGAN(cfg), S2FGANDiscriminator(cfg), editor_only=True, decoder_only=True)
    with pytest.raises(ValueError, match="anchor_decoder belongs to the decoder stage"):
        GeneratorSide(S2FGAN(cfg), S2FGANDiscriminator(cfg), anchor_decoder=True)


def test_decoder_stage_decodes_reconstructions_and_edits_and_reads_the_edit_back():
    torch.manual_seed(0)
    cfg = S2FGANConfig.from_preset("tiny-32")  # S2F-DIS: an editor without weights of its own
    model = S2FGAN(cfg)
    side = GeneratorSide(model, S2FGANDiscriminator(cfg), decoder_only=True, reencode_edits=True, anchor_decoder=True)
    for network in (side.image_encoder, side.sketch_encoder, model.attribute_directions):
        network.requires_grad_(False)  # as the trainer freezes them in the decoder stage
    image, sketch = torch.rand(2, 3, 32, 32) * 2 - 1, torch.ones(2, 1, 32, 32)
    shifts = torch.zeros(2, cfg.num_attributes)
    shifts[0, 1] = 2.0
    out = side(image, sketch, shifts)
    with torch.no_grad():
        z = side.image_encoder(image)
        assert torch.allclose(out.reconstruction, side.decoder(z), atol=1e-5)
        assert torch.allclose(out.fake, side.decoder(model.edit(z, shifts)), atol=1e-5)
        assert torch.allclose(out.z_reencoded, side.image_encoder(out.fake), atol=1e-5)
        # The anchor: [D(z_i), D(z_s)] against the starting decoder's faces of the same latents (equal at the start).
        z_s = side.sketch_encoder(sketch)
        assert torch.allclose(out.anchor_faces, side.decoder(torch.cat([z, z_s])), atol=1e-5)
        assert torch.allclose(out.anchor_targets, out.anchor_faces, atol=1e-5)
        assert not out.anchor_targets.requires_grad
    directions = model.attribute_directions.directions()
    L.decomposition_edit_loss(out.z_reencoded @ directions, out.z_image @ directions, shifts).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in side.decoder.parameters())
    assert all(p.grad is None for p in side.image_encoder.parameters())
    assert all(p.grad is None and not p.requires_grad for p in side.reference_decoder.parameters())
    with torch.no_grad():  # the reference is a copy: training the decoder leaves it as it was
        next(side.decoder.parameters()).add_(1.0)
    assert not torch.equal(next(side.decoder.parameters()), next(side.reference_decoder.parameters()))


@pytest.mark.parametrize("anchored", [False, True])
def test_decoder_stage_reads_the_faces_from_sketches_back_and_trains_only_the_decoder_with_it(anchored):
    """``reencode_sketch_faces`` in the decoder stage: z_sketch_reencoded = E_i(D(z_s)) with E_s, E_i and C frozen,
    so its loss teaches the decoder to render what the sketch latent says (and nothing else learns)."""
    TrainConfig(train_data_dir="d", train_decoder_only=True, loss_weights={"sketch_reencoded": 1.0})
    torch.manual_seed(0)
    cfg = S2FGANConfig.from_preset("tiny-32")
    model = S2FGAN(cfg)
    side = GeneratorSide(
        model, S2FGANDiscriminator(cfg), decoder_only=True, reencode_sketch_faces=True, anchor_decoder=anchored
    )
    for network in (side.image_encoder, side.sketch_encoder, model.attribute_directions):
        network.requires_grad_(False)  # as the trainer freezes them in the decoder stage
    image, sketch = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 1, 32, 32)
    out = side(image, sketch, torch.zeros(2, cfg.num_attributes))
    with torch.no_grad():
        expected = side.image_encoder(side.decoder(side.sketch_encoder(sketch)))
    assert torch.allclose(out.z_sketch_reencoded, expected, atol=1e-5)
    assert out.sketch_reconstruction is None  # no pixel or adversarial sketch terms in this stage
    assert (out.anchor_faces is not None) == anchored
    labels = torch.randint(0, 2, (2, cfg.num_attributes)).float()
    L.semantic_loss(out.z_sketch_reencoded @ model.attribute_directions.directions(), labels).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in side.decoder.parameters())
    frozen = (
        *side.sketch_encoder.parameters(),
        *side.image_encoder.parameters(),
        *model.attribute_directions.parameters(),
    )
    assert all(p.grad is None for p in frozen)


def test_decoder_stage_trains_only_the_decoder(prepared_dir, tmp_path, run_training):
    first = run_training(base_args(prepared_dir, tmp_path / "base", 1) + ["--checkpointing_steps", "0"])
    base = S2FGAN.from_pretrained(first["final_dir"])
    argv = base_args(prepared_dir, tmp_path / "decoder", 2) + [
        "--pretrained_model_name_or_path", first["final_dir"], "--train_decoder_only", "--attr_shift_prob", "1",
        "--lambda_reencoded_edit", "1", "--lambda_decoder_anchor", "5", "--lambda_l1", "0",
        "--lambda_perceptual", "0", "--checkpointing_steps", "0",
    ]  # fmt: skip
    tuned = S2FGAN.from_pretrained(run_training(argv)["final_dir"])
    assert_unchanged(base, tuned, ("sketch_encoder", "image_encoder", "attribute_directions"), "the decoder stage")
    assert weights_moved(base.decoder, tuned.decoder)  # the decoder learned
    rows = [json.loads(line) for line in (tmp_path / "decoder" / "metrics.jsonl").read_text().splitlines()]
    assert {"g_adv", "g_reencoded_edit", "g_decoder_anchor", "g_domain"} <= rows[-1].keys()
    assert rows[0]["g_decoder_anchor"] == 0.0  # the first step's faces are the starting decoder's
    assert rows[-1]["g_decoder_anchor"] > 0.0
    # frozen networks: no constant terms logged; weight 0: no photo L1 or perceptual term
    assert not {"g_align", "g_sem", "g_ortho", "g_l1", "g_perceptual"} & rows[-1].keys()
    saved = json.loads((tmp_path / "decoder" / "final" / "training_args.json").read_text())
    assert saved["train_decoder_only"] is True
