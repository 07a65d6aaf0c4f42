"""The attribute critic (``--lambda_critic`` / ``--lambda_sketch_critic``): it learns the photos' labels with F in the
discriminator step, judges the faces from sketches in the generator step without learning there, and is checkpointed
on its own."""

from __future__ import annotations

import pytest
import safetensors.torch
import torch
from accelerate import Accelerator

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf.losses import LossWeights, attribute_bce_loss
from s2fgan_hf.networks import AttributeCritic
from s2fgan_hf.training import (
    DiscriminatorSide,
    GeneratorSide,
    StepConfig,
    build_augment,
    build_optimizers,
    discriminator_step,
    generator_step,
    sample_attribute_shifts,
)
from s2fgan_hf.training.train_config import TrainConfig, TrainConfigError

from .conftest import reset_accelerate
from .test_train_script import base_args

CRITIC_WEIGHTS = {"sketch_adv": 1.0, "critic": 1.0, "sketch_critic": 1.0}


def _setup(critic_rate: float | None = None):
    reset_accelerate()
    torch.manual_seed(0)
    config = S2FGANConfig.from_preset("tiny-32", variant="dis")
    generator, discriminator = S2FGAN(config).train(), S2FGANDiscriminator(config).train()
    critic = AttributeCritic(config)
    g_side = GeneratorSide(generator, discriminator, photo_branch_frozen=True)
    d_side = DiscriminatorSide(generator, discriminator, critic)
    opt_g, opt_d = build_optimizers(g_side, d_side, 0.002, 16, critic_learning_rate=critic_rate)
    for frozen in (generator.image_encoder, generator.decoder, generator.attribute_mapping):
        frozen.requires_grad_(False)  # stage 2, as the trainer freezes it
    b = 8
    batch = {
        "image": torch.rand(b, 3, 32, 32) * 2 - 1,
        "sketch": torch.where(torch.rand(b, 1, 32, 32) < 0.1, -1.0, 1.0),
        "attributes": (torch.rand(b, config.num_attributes) < 0.5).float(),
    }
    shifts = sample_attribute_shifts(b, config.num_attributes, 4.0, 1.0, 0.5)
    step = StepConfig(LossWeights.for_variant("dis", **CRITIC_WEIGHTS), 1.0, 16, photo_branch_frozen=True)
    return Accelerator(cpu=True), generator, critic, g_side, d_side, opt_g, opt_d, batch, shifts, step


def _state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in module.state_dict().items()}


def test_the_critic_reads_the_trunk_of_the_same_pass():
    config = S2FGANConfig.from_preset("tiny-32")
    discriminator, critic = S2FGANDiscriminator(config), AttributeCritic(config)
    images = torch.rand(5, 3, 32, 32) * 2 - 1
    logits, trunk = discriminator.image_discriminator.logits_and_trunk(images)
    torch.testing.assert_close(logits, discriminator(images))
    assert critic(trunk).shape == (5, len(config.attribute_names))


def test_the_critic_learns_in_the_discriminator_step_only():
    acc, gen, critic, g_side, d_side, opt_g, opt_d, batch, shifts, step = _setup()
    augment = build_augment("none")
    before = _state(critic)
    metrics = discriminator_step(acc, g_side, d_side, opt_d, batch, shifts, step, augment, False)
    assert "d_critic" in metrics
    moved = _state(critic)
    assert any(not torch.equal(before[k], moved[k]) for k in before)
    encoder_before = _state(gen.sketch_encoder)
    metrics = generator_step(acc, g_side, d_side, opt_g, batch, shifts, step, augment, None)
    assert metrics["g_sketch_critic"] > 0
    assert all(torch.equal(moved[k], v) for k, v in critic.state_dict().items())  # judged, not trained, here
    assert all(p.requires_grad for p in critic.parameters())  # unfrozen again for the next D step
    assert any(not torch.equal(encoder_before[k], v) for k, v in gen.sketch_encoder.state_dict().items())


def test_the_sketch_faces_get_the_critics_gradient():
    acc, gen, critic, g_side, d_side, *_rest, batch, shifts, step = _setup()
    faces = gen.decoder(gen.sketch_encoder(batch["sketch"]))
    out = d_side(faces, critic_rows=slice(-faces.shape[0], None))
    loss = attribute_bce_loss(out.attribute_logits, batch["attributes"])
    loss.backward()
    assert all(p.grad is not None for p in gen.sketch_encoder.parameters() if p.requires_grad)


def test_a_fresh_critic_fits_the_labels_of_a_batch():
    acc, gen, critic, g_side, d_side, opt_g, opt_d, batch, shifts, step = _setup(critic_rate=0.01)
    assert opt_d.param_groups[-1]["lr"] == 0.01 and opt_d.param_groups[-1]["params"] == list(critic.parameters())
    # Labels the images show: each image is one grey level, each attribute "present" above its own threshold.
    level = torch.linspace(-0.9, 0.9, 8)
    batch["image"] = level.view(8, 1, 1, 1).expand(8, 3, 32, 32).contiguous()
    batch["attributes"] = (level[:, None] > torch.linspace(-0.6, 0.6, batch["attributes"].shape[1])).float()
    augment = build_augment("none")
    losses = [discriminator_step(acc, g_side, d_side, opt_d, batch, shifts, step, augment, False)["d_critic"]]
    for _ in range(60):
        losses.append(discriminator_step(acc, g_side, d_side, opt_d, batch, shifts, step, augment, False)["d_critic"])
    assert losses[-1] < 0.6 * losses[0], losses[::10]


def test_settings_that_cannot_work_are_named():
    base = {"train_data_dir": "data", "sketch_styles": ("edges",), "freeze_photo_branch": True}
    with pytest.raises(TrainConfigError, match="loss_weights.critic"):
        TrainConfig(**base, loss_weights={"sketch_adv": 1.0, "sketch_critic": 1.0})
    with pytest.raises(TrainConfigError, match="loss_weights.sketch_adv"):
        TrainConfig(**base, loss_weights={"critic": 1.0, "sketch_critic": 1.0})
    with pytest.raises(TrainConfigError, match="critic_learning_rate"):
        TrainConfig(**base, critic_learning_rate=0.0)
    TrainConfig(**base, loss_weights=CRITIC_WEIGHTS, critic_learning_rate=0.001)


def test_the_critic_is_checkpointed_and_resumed(prepared_dir, tmp_path, run_training):
    out = tmp_path / "critic"
    critic_args = ["--lambda_sketch_adv", "1", "--lambda_critic", "1", "--critic_learning_rate", "0.01"]
    critic_args += ["--checkpointing_steps", "1", "--no-ema_warmup"]
    run_training(base_args(prepared_dir, out, 1) + critic_args + ["--lambda_sketch_critic", "0"])
    saved = out / "checkpoint-1" / "attribute_critic.safetensors"
    marked = {k: v + 5.0 for k, v in safetensors.torch.load_file(saved).items()}  # far from any fresh critic
    safetensors.torch.save_file(marked, saved)
    resume = ["--lambda_sketch_critic", "1", "--resume_from_checkpoint", "latest"]
    result = run_training(base_args(prepared_dir, out, 2) + critic_args + resume)
    assert result["global_step"] == 2
    second = safetensors.torch.load_file(out / "checkpoint-2" / "attribute_critic.safetensors")
    assert marked.keys() == second.keys()
    assert all((second[k] - marked[k]).abs().max() < 0.05 for k in marked)  # resumed, then one Adam step of ~0.01
    opt_d = torch.load(out / "checkpoint-2" / "optimizer_1.bin", weights_only=False)["param_groups"]
    assert opt_d[-1]["lr"] == pytest.approx(0.01)  # the critic's own rate, kept over the resume
