#!/usr/bin/env python
"""Train S2FGAN (S2F-DIS or S2F-DEC) with Hugging Face Accelerate: CPU, one GPU, many GPUs or many machines.

    accelerate launch train_accelerate.py --train_data_dir data/prepared --preset fast-128 --output_dir s2fgan-out

Reads top to bottom: arguments -> accelerator -> models, data, losses -> prepare -> (resume) -> loop -> save.
The step bodies live in ``s2fgan_hf/training/steps.py``; see ``docs/training.md`` for commands and numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import time
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.logging import get_logger
from accelerate.utils import (
    DataLoaderConfiguration,
    DistributedDataParallelKwargs,
    ProjectConfiguration,
    is_tensorboard_available,
    set_seed,
)
from torch.utils.data import DataLoader

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf.atomic_io import atomic_write_folder
from s2fgan_hf.data.sketch_styles import SketchStyleSampler
from s2fgan_hf.losses import LossWeights, RunningMoments
from s2fgan_hf.networks import AttributeCritic
from s2fgan_hf.progress import progress as progress_bar
from s2fgan_hf.training import (
    DiscriminatorSide,
    GeneratorEMA,
    GeneratorSide,
    TrainConfig,
    TrainConfigError,
    build_augment,
    build_optimizers,
    discriminator_step,
    generator_step,
    run_record,
    sample_attribute_shifts,
)
from s2fgan_hf.training.checkpointing import (
    TRAINING_ARGS_FILE,
    ResumeMismatchError,
    learning_rates,
    register_checkpoint_hooks,
    resolve_resume_checkpoint,
    restore_learning_rates,
    save_checkpoint,
    warm_up_learning_rates,
)
from s2fgan_hf.training.data import build_dataset
from s2fgan_hf.training.perceptual import build_perceptual_loss
from s2fgan_hf.training.samples import save_sample_grid
from s2fgan_hf.training.tracking import JSONLTracker, drop_rows_after, flatten_for_trackers

logger = get_logger(__name__, log_level="INFO")


def flag(setting: str) -> str:
    """The flag of a ``TrainConfig`` setting: ``--<field>``, or ``--lambda_<term>`` for ``loss_weights.<term>``."""
    if setting.startswith("loss_weights."):
        return f"--lambda_{setting.removeprefix('loss_weights.')}"
    return "--lambda_<term>" if setting == "loss_weights" else f"--{setting}"


def build_parser() -> argparse.ArgumentParser:
    """One flag per ``TrainConfig`` field; the defaults and accepted values are ``TrainConfig``'s (an unset flag
    leaves the field at its default)."""
    p = argparse.ArgumentParser(description="Train S2FGAN with Accelerate.", argument_default=argparse.SUPPRESS)
    choices = TrainConfig.choices()
    g = p.add_argument_group("model")
    g.add_argument(
        "--pretrained_model_name_or_path",
        help="Fine-tune: save_pretrained folder or Hub id "
        "(its discriminator/ subfolder is loaded when present). Without it a new model is built.",
    )
    g.add_argument("--preset", choices=choices["preset"], help="Architecture of a new model (default fast-128).")
    g.add_argument("--resolution", type=int, help="Override the preset's image_size (power of two).")
    g.add_argument(
        "--variant",
        choices=choices["variant"],
        help="Attribute editor (default: the pretrained model's, or dis for a new model). With "
        "--pretrained_model_name_or_path of another editor's model, every other network keeps its trained weights and "
        "the new editor starts untrained (pair it with --train_editor_only).",
    )
    g = p.add_argument_group("data")
    g.add_argument("--train_data_dir", help="Folder made by `s2fgan prepare-data`.")
    g.add_argument("--photo_dir", help="Raw photos; sketches are extracted on the fly.")
    g.add_argument("--photo_format", choices=choices["photo_format"], help="Layout of --photo_dir.")
    g.add_argument(
        "--data_augment",
        action=argparse.BooleanOptionalAction,
        help="Dataset-level crop/flip (when the dataset class supports it; default on).",
    )
    g.add_argument(
        "--sketch_styles",
        nargs="+",
        choices=choices["sketch_styles"],
        help="Draw each training photo in one of these drawing styles (docs/training.md §12) instead of using the "
        "stored edge map; the model then uses the grey sketch normalisation. Needs --train_data_dir prepared at "
        "twice the model's size.",
    )
    g.add_argument("--style_weights", type=float, nargs="+", help="Relative frequency per style.")
    g.add_argument(
        "--style_moment_styles",
        nargs="+",
        choices=choices["style_moment_styles"],
        help="The styles whose sketch latents --lambda_style_moments matches to the photos' (default: all).",
    )
    g.add_argument(
        "--sketch_framing_jitter",
        type=float,
        help="Move each drawn training sketch within its frame (scale 1 +- x, shift and turn up to x / 2) while its "
        "photo stays aligned, so the sketch encoder learns to place the face itself (default 0: aligned drawings).",
    )
    g.add_argument(
        "--sketch_anchor_styles",
        nargs="+",
        choices=choices["sketch_anchor_styles"],
        help="The styles whose sketch latents --lambda_sketch_anchor holds where the run's starting encoder put them "
        "(default: all).",
    )
    g.add_argument(
        "--freeze_photo_branch",
        action="store_true",
        help="Stage 2 of the sketch-branch schedule (docs/training.md §12): fine-tune only the sketch encoder (and "
        "the latent discriminator) against the trained decoder; E_i, the decoder and C stay as they are.",
    )
    g.add_argument(
        "--freeze_sketch_reader",
        action="store_true",
        help="With a model whose sketch encoder fuses a SketchReader (config sketch_reader_width > 0): keep the "
        "reader and the fusion layer as they are and train the encoder's ResNet beneath them.",
    )
    g.add_argument(
        "--train_editor_only",
        action="store_true",
        help="The editor stage (docs/training.md §13): train only the attribute editor M of an editor that edits in "
        "training (dec), with the discriminators, against the trained encoders, decoder and C; e.g. "
        "--variant dec on the shipped dis model.",
    )
    g.add_argument(
        "--train_decoder_only",
        action="store_true",
        help="The decoder stage (docs/training.md §14): train only the decoder (and the latent discriminator), with "
        "the discriminators, on reconstructions D(E_i(x)) and edited faces D(M(E_i(x), a)); E_s, E_i, C and the "
        "editor stay as they are. Pair it with --lambda_reencoded_edit so that the faces show the slider edits.",
    )
    g.add_argument("--dataloader_num_workers", type=int)
    g = p.add_argument_group("optimisation")
    g.add_argument("--output_dir")
    g.add_argument("--seed", type=int)
    g.add_argument("--train_batch_size", type=int, help="Per process.")
    g.add_argument("--max_train_steps", type=int, help="Optimizer steps (after accumulation).")
    g.add_argument(
        "--max_train_minutes",
        type=float,
        help="Also stop once this segment has trained this long (wall clock), with a checkpoint and final/ as at "
        "the last step: for leased or pre-emptible machines. Rerun with --resume_from_checkpoint latest to go on.",
    )
    g.add_argument("--gradient_accumulation_steps", type=int)
    g.add_argument("--learning_rate", type=float)
    g.add_argument(
        "--critic_learning_rate",
        type=float,
        help="The attribute critic's rate (--lambda_critic; default: --learning_rate). A new critic beside a "
        "fine-tuned discriminator learns its labels sooner at a higher rate.",
    )
    g.add_argument(
        "--lr_warmup_steps",
        type=int,
        help="Ramp the learning rates linearly from 0 over the run's first N steps (default 0: none); for "
        "fine-tuning a trained model with a new optimizer, whose first full-rate steps shake it.",
    )
    g.add_argument(
        "--mixed_precision", choices=choices["mixed_precision"], help="Default: the accelerate config's value."
    )
    g.add_argument("--cpu", action="store_true", help="Force CPU even when a GPU is present.")
    g.add_argument("--allow_tf32", action="store_true")
    g.add_argument("--find_unused_parameters", action="store_true", help="DDP option; not needed by this script.")
    g.add_argument("--r1_gamma", type=float)
    g.add_argument("--d_reg_every", type=int, help="Lazy R1 interval; 0 disables R1.")
    g.add_argument("--d_augment", choices=choices["d_augment"])
    g.add_argument("--ada_target", type=float)
    g.add_argument("--ada_kimg", type=float)
    g.add_argument("--attr_shift_max", type=float)
    g.add_argument("--attr_shift_prob", type=float, help="Share of samples that get an edit.")
    g.add_argument(
        "--attr_one_hot_prob", type=float, help="Share of edited samples that move one attribute only (0 = dense)."
    )
    g.add_argument("--ema_decay", type=float)
    g.add_argument("--ema_warmup", action=argparse.BooleanOptionalAction)
    for name in LossWeights.names():
        g.add_argument(f"--lambda_{name}", type=float, help="Default: the editor's official weight.")
    g.add_argument(
        "--perceptual_loss",
        choices=choices["perceptual_loss"],
        help="auto = vgg19 with --perceptual_weights, else the structural loss.",
    )
    g.add_argument("--perceptual_weights", help="VGG19 state dict (torchvision layout): file or Hub id.")
    g.add_argument("--perceptual_weights_filename")
    g = p.add_argument_group("logging and checkpoints")
    g.add_argument("--logging_steps", type=int)
    g.add_argument("--report_to", choices=choices["report_to"], help="all = jsonl plus tensorboard when installed.")
    g.add_argument("--validation_steps", type=int, help="Sample grid every N steps (0: only at the end).")
    g.add_argument("--num_validation_images", type=int)
    g.add_argument("--checkpointing_steps", type=int, help="0 disables checkpoints.")
    g.add_argument("--checkpoints_total_limit", type=int)
    g.add_argument("--resume_from_checkpoint", help="'latest' or a checkpoint-<step> folder.")
    g.add_argument("--push_to_hub", action="store_true")
    g.add_argument("--hub_model_id")
    g.add_argument("--hub_token")
    g.add_argument("--hub_private_repo", action="store_true")
    return p


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    """The command line as a ``TrainConfig``; a setting that cannot work is a usage error naming its flags."""
    p = build_parser()
    given = vars(p.parse_args(argv))
    weights = {n: given.pop(f"lambda_{n}") for n in LossWeights.names() if f"lambda_{n}" in given}
    try:
        return TrainConfig(**given, loss_weights=weights)
    except TrainConfigError as e:
        p.error(e.message({s: flag(s) for s in e.fields}))


def build_models(config: TrainConfig) -> tuple[S2FGAN, S2FGANDiscriminator]:
    """A new model from preset/resolution/variant, or the pretrained one (plus its discriminator if any)."""
    if config.pretrained_model_name_or_path:
        generator = S2FGAN.from_pretrained(config.pretrained_model_name_or_path)
        try:
            discriminator = S2FGANDiscriminator.from_pretrained_subfolder(config.pretrained_model_name_or_path)
        except (FileNotFoundError, OSError) as e:
            if resolve_resume_checkpoint(config.resume_from_checkpoint, config.output_dir) is None:
                logger.warning(f"no discriminator/ next to the pretrained model ({e}); starting a new discriminator")
            discriminator = S2FGANDiscriminator(generator.config)
        if discriminator.config != generator.config:
            raise ValueError("the pretrained discriminator/ config does not match the generator's config")
        if config.variant and config.variant != generator.config.variant:  # a second editor on the trained networks
            logger.info(f"switching the editor {generator.config.variant} -> {config.variant} (new, untrained)")
            generator = generator.with_editor(config.variant)
            discriminator = discriminator.with_config(generator.config)
    else:
        overrides = {"variant": config.variant or "dis"}
        if config.resolution:
            base = S2FGANConfig.from_preset(config.preset)
            overrides.update(
                image_size=config.resolution, sketch_input_size=min(base.sketch_input_size, config.resolution)
            )
        model_config = S2FGANConfig.from_preset(config.preset, **overrides)
        generator, discriminator = S2FGAN(model_config), S2FGANDiscriminator(model_config)
    if config.sketch_styles:  # trained on drawing styles: inference keeps grey levels (no tensor shape changes)
        for model in (generator, discriminator):
            model.config = dataclasses.replace(model.config, sketch_normalization="grey")
            model._hub_mixin_config = model.config.to_dict()
    return generator.train(), discriminator.train()


def main(argv: list[str] | TrainConfig | None = None) -> dict:
    """Train with the settings of the command line ``argv`` (``None``: ``sys.argv``) or of a ``TrainConfig``."""
    args = argv if isinstance(argv, TrainConfig) else parse_args(argv)
    output_dir = Path(args.output_dir)
    trackers: list = []
    if args.report_to in ("all", "jsonl"):
        trackers.append(JSONLTracker(output_dir / "metrics.jsonl"))
    if args.report_to in ("all", "tensorboard") and is_tensorboard_available():
        trackers.append("tensorboard")
    accelerator = Accelerator(
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        mixed_precision=args.mixed_precision,
        cpu=args.cpu,
        log_with=trackers or None,
        project_config=ProjectConfiguration(project_dir=str(output_dir), logging_dir=str(output_dir / "logs")),
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True, data_seed=args.seed),
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=args.find_unused_parameters)],
    )
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logger.info(accelerator.state, main_process_only=False)
    if args.allow_tf32:
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    if accelerator.is_main_process:
        output_dir.mkdir(parents=True, exist_ok=True)
    if args.push_to_hub and accelerator.is_main_process:
        from huggingface_hub import create_repo

        create_repo(args.hub_model_id, exist_ok=True, token=args.hub_token, private=args.hub_private_repo)

    # ---- models, losses, data (same seed on every rank for the init; DDP also broadcasts rank 0's weights)
    set_seed(args.seed)
    generator, discriminator = build_models(args)
    config = generator.config
    set_seed(args.seed, device_specific=True)  # then per-rank randomness (attribute shifts, augmentation)
    weights = args.resolve_loss_weights(config.variant)
    step_config = args.step_config(weights)
    record = run_record(args, config, weights)  # training_args.json of every checkpoint and of final/
    frozen: tuple[torch.nn.Module, ...] = ()  # the networks a stage keeps as they are (TrainConfig: one stage at most)
    if args.freeze_photo_branch:
        if not generator.attribute_mapping.supports_frozen_photo_branch:
            raise ValueError(f"--freeze_photo_branch: the {config.variant!r} editor has no frozen-photo-branch stage")
        frozen = (
            generator.image_encoder,
            generator.decoder,
            generator.attribute_directions,
            generator.attribute_mapping,
        )
    if args.train_editor_only:
        if not generator.attribute_mapping.edits_in_training:
            raise ValueError(
                f"--train_editor_only: the {config.variant!r} editor does not edit in training (it learns with C in "
                "the full schedule); use it with --variant dec"
            )
        frozen = (generator.sketch_encoder, generator.image_encoder, generator.decoder, generator.attribute_directions)
    if args.train_decoder_only:
        frozen = (
            generator.sketch_encoder,
            generator.image_encoder,
            generator.attribute_directions,
            generator.attribute_mapping,
        )
    for module in frozen:
        module.requires_grad_(False)
    if args.freeze_sketch_reader:
        if generator.sketch_encoder.reader is None or generator.sketch_encoder.fusion is None:
            raise ValueError("--freeze_sketch_reader: the sketch encoder has no reader (sketch_reader_width 0)")
        generator.sketch_encoder.reader.requires_grad_(False)
        generator.sketch_encoder.fusion.requires_grad_(False)
    perceptual = build_perceptual_loss(
        args.perceptual_loss if weights.perceptual > 0 and not args.train_editor_only else "none",
        args.perceptual_weights,
        args.perceptual_weights_filename,
    )
    logger.info(f"perceptual loss: {getattr(perceptual, 'name', 'none')}; loss weights: {weights.to_dict()}")
    if perceptual is not None:
        perceptual = perceptual.to(accelerator.device)

    styles = None
    if args.sketch_styles:
        styles = SketchStyleSampler(
            config.image_size, tuple(args.sketch_styles), args.style_weights, args.sketch_framing_jitter
        )
    data_kwargs = dict(
        train_data_dir=args.train_data_dir,
        photo_dir=args.photo_dir,
        attribute_names=config.attribute_names,
        image_size=config.image_size,
        photo_format=args.photo_format,
        sketch_styles=styles,
    )
    dataset = build_dataset(split="train", augment=args.data_augment, **data_kwargs)
    if styles is not None:  # the held-out grid faces are drawn in the photos' own framing
        data_kwargs["sketch_styles"] = dataclasses.replace(styles, framing_jitter=0.0)
    sample_set = build_dataset(split="test", augment=False, style_seed=0, **data_kwargs)  # held-out grid faces
    if len(sample_set) == 0:
        sample_set = build_dataset(split="train", augment=False, **data_kwargs)
    if len(dataset) < args.train_batch_size * accelerator.num_processes:
        raise ValueError(f"{len(dataset)} training items is fewer than one global batch")
    loader = DataLoader(
        dataset,
        batch_size=args.train_batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=args.dataloader_num_workers,
        generator=torch.Generator().manual_seed(args.seed),  # keeps the global RNG untouched by the loader
    )

    generator_side = GeneratorSide(
        generator,
        discriminator,
        decode_sketch=weights.sketch_branch_decoded or args.freeze_photo_branch,
        photo_branch_frozen=args.freeze_photo_branch,
        editor_only=args.train_editor_only,
        decoder_only=args.train_decoder_only,
        reencode_edits=weights.reencoded_edit > 0,
        anchor_decoder=weights.decoder_anchor > 0,
        reencode_sketch_faces=weights.sketch_reencoded > 0,
        anchor_sketch_encoder=weights.sketch_anchor > 0,
    )
    critic = AttributeCritic(config) if weights.critic > 0 or weights.sketch_critic > 0 else None
    discriminator_side = DiscriminatorSide(generator, discriminator, critic)
    opt_g, opt_d = build_optimizers(
        generator_side, discriminator_side, args.learning_rate, step_config.d_reg_every, args.critic_learning_rate
    )
    generator_side, discriminator_side, opt_g, opt_d, loader = accelerator.prepare(
        generator_side, discriminator_side, opt_g, opt_d, loader
    )
    ema = GeneratorEMA(generator, decay=args.ema_decay, warmup=args.ema_warmup)  # after prepare: synced weights
    augment = build_augment(args.d_augment, args.ada_target, args.ada_kimg, lambda t: accelerator.reduce(t, "sum"))
    style_moments = RunningMoments() if weights.style_moments > 0 else None  # running statistics, per process
    register_checkpoint_hooks(accelerator, generator, discriminator, ema, record, style_moments, critic)
    accelerator.register_for_checkpointing(ema, augment)

    steps_per_epoch = math.ceil(len(loader) / args.gradient_accumulation_steps)
    num_epochs = math.ceil(args.max_train_steps / steps_per_epoch)
    global_batch = args.train_batch_size * accelerator.num_processes * args.gradient_accumulation_steps
    logger.info(
        f"{len(dataset)} training items, {config.preset or 'custom'} {config.variant} model at {config.image_size}px "
        f"({generator.num_parameters() / 1e6:.1f} M generator params), global batch {global_batch}, "
        f"{args.max_train_steps} steps, augment={args.d_augment}"
    )

    # ---- resume
    configured = learning_rates((opt_g, opt_d))  # this run's rates (the warm-up scales them; resuming restores them)
    global_step, first_epoch, skip_batches, last_saved_step = 0, 0, 0, -1
    resume = resolve_resume_checkpoint(args.resume_from_checkpoint, output_dir)
    if args.resume_from_checkpoint and resume is None:
        logger.info(f"no checkpoint in {output_dir} (--resume_from_checkpoint latest); starting a new training run")
    elif resume is not None:
        global_step, path = resume
        logger.info(f"resuming from {path} (step {global_step})")
        try:
            accelerator.load_state(str(path))  # checks first that the checkpoint fits the model built above
        except ResumeMismatchError as e:
            flags = " ".join(f"{flag(k)} {v}" for k, v in e.arguments.items())
            raise ValueError(
                f"{e.reason}. Resume with the same model arguments as the run that made it: {flags}"
            ) from None
        if restore_learning_rates((opt_g, opt_d), configured):  # the Adam moments stay; the rate is this run's
            logger.info(f"resumed with --learning_rate {args.learning_rate}, not the checkpoint's rate")
        if accelerator.is_main_process:
            drop_rows_after(output_dir / "metrics.jsonl", global_step)  # they are logged again from here
        last_saved_step = global_step
        first_epoch = global_step // steps_per_epoch
        skip_batches = (global_step % steps_per_epoch) * args.gradient_accumulation_steps

    if accelerator.is_main_process and trackers:
        accelerator.init_trackers("s2fgan", config=flatten_for_trackers(record))
    sample_batch = [sample_set[i] for i in range(min(args.num_validation_images, len(sample_set)))]
    sample_sketches = torch.stack([item["sketch"] for item in sample_batch])
    sample_images = torch.stack([item["image"] for item in sample_batch])

    # ---- loop
    # A bar on a terminal; plain lines in a log file or CI (no carriage-return floods). Counts this segment's steps.
    progress = progress_bar(
        total=max(args.max_train_steps - global_step, 0),
        desc=f"steps from {global_step}",
        unit="step",
        enabled=accelerator.is_local_main_process,
    )
    n_attr = config.num_attributes
    shift_args = (n_attr, args.attr_shift_max, args.attr_shift_prob, args.attr_one_hot_prob, accelerator.device)
    metrics: dict[str, float] = {}
    tic, steps_since_log = time.perf_counter(), 0
    deadline = None if args.max_train_minutes is None else time.monotonic() + 60.0 * args.max_train_minutes
    out_of_time = False
    for epoch in range(first_epoch, num_epochs):
        if global_step >= args.max_train_steps or out_of_time:
            break
        loader.set_epoch(epoch)
        batches = accelerator.skip_first_batches(loader, skip_batches) if epoch == first_epoch else loader
        for batch in batches:
            warm_up_learning_rates((opt_g, opt_d), configured, global_step, args.lr_warmup_steps)
            with accelerator.accumulate(generator_side, discriminator_side):
                apply_r1 = step_config.r1_due(global_step)
                shifts = sample_attribute_shifts(args.train_batch_size, *shift_args)
                metrics = discriminator_step(
                    accelerator,
                    generator_side,
                    discriminator_side,
                    opt_d,
                    batch,
                    shifts,
                    step_config,
                    augment,
                    apply_r1,
                )
                shifts = sample_attribute_shifts(args.train_batch_size, *shift_args)
                metrics |= generator_step(
                    accelerator,
                    generator_side,
                    discriminator_side,
                    opt_g,
                    batch,
                    shifts,
                    step_config,
                    augment,
                    perceptual,
                    style_moments,
                )
            if not accelerator.sync_gradients:
                continue
            if not all(math.isfinite(metrics[k]) for k in ("g_loss", "d_loss")):
                # Stop before the EMA or a checkpoint takes in the broken weights: `latest` stays a good state.
                raise FloatingPointError(
                    f"non-finite loss at step {global_step + 1} (g_loss={metrics['g_loss']}, "
                    f"d_loss={metrics['d_loss']}); nothing was saved after step {last_saved_step}. Resume with "
                    "--resume_from_checkpoint latest, with --mixed_precision no or a lower --learning_rate."
                )
            ema.update(generator)
            global_step += 1
            steps_since_log += 1
            progress.update(1)
            if global_step % args.logging_steps == 0 or global_step == args.max_train_steps:
                names = sorted(metrics)
                values = accelerator.reduce(
                    torch.tensor([metrics[n] for n in names], device=accelerator.device), "mean"
                )
                logs = dict(zip(names, values.tolist()))
                elapsed = time.perf_counter() - tic
                logs.update(
                    ada_p=augment.p,
                    ema_decay=ema.current_decay(),
                    epoch=epoch,
                    learning_rate=opt_g.param_groups[0]["lr"],
                    images_per_sec=steps_since_log * global_batch / max(elapsed, 1e-9),
                )
                accelerator.log(logs, step=global_step)
                l1 = logs.get("g_l1", logs.get("g_sketch_l1", float("nan")))
                if hasattr(progress, "set_postfix"):  # the tqdm bar (plain lines carry no losses: see metrics.jsonl)
                    progress.set_postfix(g=f"{logs['g_loss']:.3f}", d=f"{logs['d_loss']:.3f}", l1=f"{l1:.3f}")
                tic, steps_since_log = time.perf_counter(), 0
            if accelerator.is_main_process and args.validation_steps and global_step % args.validation_steps == 0:
                save_sample_grid(
                    output_dir / "samples" / f"step_{global_step:07d}.png", ema.model, sample_sketches, sample_images
                )
            if args.checkpointing_steps and global_step % args.checkpointing_steps == 0:
                save_checkpoint(accelerator, output_dir, global_step, args.checkpoints_total_limit)
                last_saved_step = global_step
            if deadline is not None:
                # Rank 0's clock decides, so every process stops after the same step.
                late = torch.tensor(float(time.monotonic() >= deadline), device=accelerator.device)
                out_of_time = bool(accelerator.reduce(late, "max").item())
                if out_of_time:
                    logger.info(f"--max_train_minutes {args.max_train_minutes} reached at step {global_step}")
            if global_step >= args.max_train_steps or out_of_time:
                break
        skip_batches = 0
    progress.close()

    # ---- final: a checkpoint to extend the run later, and the EMA model as a save_pretrained folder
    accelerator.wait_for_everyone()
    if args.checkpointing_steps and last_saved_step != global_step:  # same decision on every rank
        save_checkpoint(accelerator, output_dir, global_step, args.checkpoints_total_limit)
    final_dir = output_dir / "final"
    if accelerator.is_main_process:
        save_sample_grid(
            output_dir / "samples" / f"step_{global_step:07d}.png", ema.model, sample_sketches, sample_images
        )

        def write_final(folder: Path) -> None:
            ema.model.save_pretrained(folder)
            discriminator.save_pretrained(folder / "discriminator")
            (folder / TRAINING_ARGS_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")

        atomic_write_folder(final_dir, write_final)
        logger.info(f"saved the EMA generator to {final_dir} (discriminator in {final_dir / 'discriminator'})")
        if args.push_to_hub:
            from huggingface_hub import upload_folder

            upload_folder(
                repo_id=args.hub_model_id,
                folder_path=str(final_dir),
                token=args.hub_token,
                commit_message=f"End of training (step {global_step})",
            )
    accelerator.wait_for_everyone()
    accelerator.end_training()
    # The objects are returned for tests and notebooks that call main() in-process.
    return {
        "global_step": global_step,
        "final_dir": str(final_dir),
        "metrics": metrics,
        "generator": generator,
        "discriminator": discriminator,
        "ema": ema.model,
        "num_processes": accelerator.num_processes,
        "process_index": accelerator.process_index,
        "distributed_type": str(accelerator.distributed_type),
    }


if __name__ == "__main__":
    main()
