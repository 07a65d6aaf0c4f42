"""One discriminator step and one generator step of S2FGAN training, Accelerate-aware but loop-free.

``train_accelerate.py`` calls ``discriminator_step`` then ``generator_step`` inside
``accelerator.accumulate(generator_side, discriminator_side)``. Each returns a dict of float metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .. import losses as L
from .augment import NoAugment


@dataclass
class StepConfig:
    """Settings shared by both steps (everything that is not a network, an optimizer or a batch).

    ``TrainConfig.step_config`` makes it from a run's settings, which hold the defaults.

    Args:
        weights: the loss weights (resolved for the model's editor: ``LossWeights.for_variant``).
        r1_gamma: R1 strength gamma.
        d_reg_every: lazy R1 interval in optimizer steps (0: no R1); also sets the discriminator's Adam correction
            (``build_optimizers``).
        photo_branch_frozen: stage 2 of the sketch-branch schedule: only E_s (and Q) learn; the photo branch's
            losses are skipped and the discriminator's fakes are the sketch faces alone.
        editor_only: the editor stage: only the editor M (and Q) learn; the generator loss is the adversarial term on
            D(M(z_i, a)), the domain term and the editor's own terms (``GeneratorSide`` ``editor_only``).
        decoder_only: the decoder stage: only the decoder (and Q) learn, on the reconstructions D(z_i) and the edited
            faces D(M(z_i, a)) of any editor; the discriminator's fakes are both (``GeneratorSide`` ``decoder_only``).
        style_moment_styles: the style ids (``sketch_styles.STYLES`` indices) whose latents ``style_moments`` matches;
            ``None``: all. Matching the moments moved the faces of some styles away from the photos (pencil).
        sketch_anchor_styles: the style ids whose latents ``sketch_anchor`` holds where the stage began; ``None``: all.
    """

    weights: L.LossWeights
    r1_gamma: float
    d_reg_every: int
    photo_branch_frozen: bool = False
    editor_only: bool = False
    decoder_only: bool = False
    style_moment_styles: tuple[int, ...] | None = None
    sketch_anchor_styles: tuple[int, ...] | None = None

    def r1_due(self, step: int) -> bool:
        """Whether the discriminator step after ``step`` completed optimizer steps adds the lazy R1 term."""
        return self.d_reg_every > 0 and self.r1_gamma > 0 and step % self.d_reg_every == 0


def sample_attribute_shifts(
    batch_size: int,
    num_attributes: int,
    max_shift: float,
    prob: float,
    one_hot_prob: float,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Training attribute shifts a [B, n], as in the official code plus single-slider samples.

    Each sample is edited with probability ``prob`` (otherwise a = 0, a pure reconstruction). An edited sample
    moves all n attributes by U(-max_shift, max_shift) (the official dense edit), except that with probability
    ``one_hot_prob`` it moves a single, uniformly chosen attribute instead, because users of the app move one
    slider at a time. ``one_hot_prob=0`` reproduces the official sampling. Uses the global torch RNG.
    """
    dense = (torch.rand(batch_size, num_attributes) * 2.0 - 1.0) * max_shift
    edited = (torch.rand(batch_size, 1) < prob).float()
    one_hot = (torch.rand(batch_size, 1) < one_hot_prob).float()
    pick = nn.functional.one_hot(torch.randint(num_attributes, (batch_size,)), num_attributes).float()
    mask = one_hot * pick + (1.0 - one_hot)  # [B, n]: one attribute or all of them
    return (dense * mask * edited).to(device)


def _style_mask(styles: torch.Tensor | None, chosen: tuple[int, ...] | None) -> torch.Tensor | None:
    """[B] bool: the items whose style id is one of ``chosen``; ``None`` (every item) without either."""
    if chosen is None or styles is None:
        return None
    return torch.isin(styles, torch.tensor(chosen, device=styles.device))


def chosen_styles(
    z_sketch: torch.Tensor, styles: torch.Tensor | None, chosen: tuple[int, ...] | None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The sketch latents [B, d] (and their style ids [B]) of the ``chosen`` style ids only; all with ``None``."""
    keep = _style_mask(styles, chosen)
    return (z_sketch, styles) if keep is None else (z_sketch[keep], styles[keep])


def sketch_anchor_loss(
    z_sketch: torch.Tensor, z_reference: torch.Tensor, styles: torch.Tensor | None, chosen: tuple[int, ...] | None
) -> torch.Tensor | None:
    """L1 between the sketch latents [B, d] and the starting encoder's [B, d] over the ``chosen`` styles' items
    (``None``: all); ``None`` when the batch holds none of them."""
    keep = _style_mask(styles, chosen)
    if keep is not None:
        z_sketch, z_reference = z_sketch[keep], z_reference[keep]
    return L.latent_alignment_loss(z_sketch, z_reference) if z_sketch.shape[0] > 0 else None


def latent_spread(z_sketch: torch.Tensor, z_image: torch.Tensor) -> dict[str, float]:
    """Collapse monitor: mean per-dimension std over the batch of z_s and z_i, and their ratio.

    A ratio falling towards 0 means different sketches map to (nearly) the same latent, the failure users of
    the official code reported ("different sketches give the same face").
    """
    if z_sketch.shape[0] < 2:
        return {}
    s = z_sketch.detach().float().std(dim=0).mean().item()
    i = z_image.detach().float().std(dim=0).mean().item()
    return {"z_sketch_std": s, "z_image_std": i, "z_spread_ratio": s / max(i, 1e-12)}


def discriminator_step(
    accelerator,
    generator_side: nn.Module,
    discriminator_side: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: dict[str, torch.Tensor],
    shifts: torch.Tensor,
    config: StepConfig,
    augment: NoAugment,
    apply_r1: bool,
) -> dict[str, float]:
    """Logistic D loss on augmented real vs augmented fake (+ lazy R1 on plain reals, + the probe loss).

    The fake is D(M(E_i(x), a)) for an editor that edits in training (DEC), else D(E_i(x)) (DIS), made without
    gradients; the probe loss fits C to detached real latents when C is not trained by the editor (DEC). With the
    sketch branch trained adversarially (``weights.sketch_adv > 0``) the sketch faces D(E_s(s)) are fakes too. R1
    goes through the same DDP forward as the main loss so one backward covers both (two DDP forwards before one
    backward are not allowed); its term is (gamma / 2) * R1 * d_reg_every on every ``d_reg_every``-th step.
    """
    real, labels = batch["image"], batch["attributes"]
    gen = accelerator.unwrap_model(generator_side)
    editor = gen.attribute_mapping
    with torch.no_grad(), accelerator.autocast():
        z_image = gen.image_encoder(real)
        fakes = []
        if config.decoder_only:  # the decoder stage trains on reconstructions and edits of any editor
            fakes += [z_image, editor(z_image, shifts)]
        elif not config.photo_branch_frozen:
            fakes.append(editor(z_image, shifts) if editor.edits_in_training else z_image)
        if config.weights.sketch_adv > 0 or config.photo_branch_frozen:
            fakes.append(gen.sketch_encoder(batch["sketch"]))
        fake = gen.decoder(torch.cat(fakes))
    r1_images = real.detach().float().requires_grad_(True) if apply_r1 else None
    with accelerator.autocast():
        critic_rows = slice(0, real.shape[0]) if config.weights.critic > 0 else None  # the critic learns on reals
        out = discriminator_side(
            torch.cat([augment(real), augment(fake.to(real.dtype))]),
            r1_images=r1_images,
            latents=z_image,
            critic_rows=critic_rows,
        )
    real_logits, fake_logits = out.logits.split([real.shape[0], fake.shape[0]])
    loss = L.discriminator_adversarial_loss(real_logits, fake_logits)
    metrics = {
        "d_adv": loss.item(),
        "d_real_logit": real_logits.detach().float().mean().item(),
        "d_fake_logit": fake_logits.detach().float().mean().item(),
    }
    if out.probe_scores is not None and config.weights.probe > 0:
        probe = L.semantic_loss(out.probe_scores, labels)
        loss = loss + config.weights.probe * probe
        metrics["d_probe"] = probe.item()
    if out.attribute_logits is not None:
        critic = L.attribute_bce_loss(out.attribute_logits, labels)
        loss = loss + config.weights.critic * critic
        metrics["d_critic"] = critic.item()
    if apply_r1:
        penalty = L.r1_penalty(out.r1_logits, r1_images)
        loss = loss + L.lazy_r1_loss(penalty, config.r1_gamma, config.d_reg_every)
        metrics["r1"] = penalty.item()
    accelerator.backward(loss)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    augment.update(real_logits)
    metrics["d_loss"] = loss.item()
    return metrics


def generator_step(
    accelerator,
    generator_side: nn.Module,
    discriminator_side: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: dict[str, torch.Tensor],
    shifts: torch.Tensor,
    config: StepConfig,
    augment: NoAugment,
    perceptual: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None,
    style_moments: L.RunningMoments | None = None,
) -> dict[str, float]:
    """All generator-side losses in one backward; F is frozen (``requires_grad_(False)``) meanwhile.

    ``style_moments`` holds the running latent statistics of ``--lambda_style_moments`` across steps (``None``: the
    batch's own statistics).

    Freezing F keeps the generator loss's gradient out of ``F.grad``: under gradient accumulation the prepared
    optimizer's ``zero_grad`` is a no-op on non-sync micro-steps, so it would otherwise leak into the next
    discriminator update. The shared terms come first, then the editor's own (``AttributeEditor.loss_terms``).
    """
    w = config.weights
    real, sketch, labels = batch["image"], batch["sketch"], batch["attributes"]
    editor = accelerator.unwrap_model(generator_side).attribute_mapping
    photo_branch = not config.photo_branch_frozen
    trainable = [p for p in discriminator_side.parameters() if p.requires_grad]  # a frozen probe C stays frozen
    discriminator_side.requires_grad_(False)
    try:
        with accelerator.autocast():
            out = generator_side(real, sketch, shifts)
            judged = [out.fake] if photo_branch else []  # the decoder stage also judges its reconstructions
            if config.decoder_only:
                judged.insert(0, out.reconstruction)
            if w.sketch_adv > 0:
                judged.append(out.sketch_reconstruction)
            feature_images = None
            if w.sketch_fm > 0:  # sketch faces and their photos, un-augmented, for feature matching
                sketch_faces = out.sketch_reconstruction
                feature_images = torch.cat([sketch_faces, real.to(sketch_faces.dtype)])
            features = None
            if judged:
                # the critic reads the faces from sketches, the last judged images
                critic_rows = slice(-judged[-1].shape[0], None) if w.sketch_critic > 0 else None
                d_out = discriminator_side(
                    augment(torch.cat(judged)), feature_images=feature_images, critic_rows=critic_rows
                )
                features = d_out.features
            elif feature_images is not None:
                critic = accelerator.unwrap_model(discriminator_side).image_discriminator  # frozen here: no DDP sync
                features = critic.features(feature_images)
        logits = d_out.logits.split([x.shape[0] for x in judged]) if judged else []
        terms: dict[str, torch.Tensor] = {}
        frozen_encoders = config.editor_only or config.decoder_only
        if not frozen_encoders:  # frozen encoders: the alignment term is a constant
            terms["align"] = L.latent_alignment_loss(out.z_sketch, out.z_image)
        terms["domain"] = L.latent_domain_loss(out.domain_image_logits, out.domain_sketch_logits)
        if config.editor_only:
            terms["adv"] = L.generator_adversarial_loss(logits[0])
        elif config.decoder_only:  # one adversarial term over the reconstructions and the edited faces
            if w.l1 > 0:
                terms["l1"] = L.pixel_l1_loss(out.reconstruction, real)
            terms["adv"] = L.generator_adversarial_loss(torch.cat(logits))
            if out.anchor_faces is not None:
                terms["decoder_anchor"] = L.pixel_l1_loss(out.anchor_faces, out.anchor_targets)
        elif photo_branch:
            terms["l1"] = L.pixel_l1_loss(out.reconstruction, real)
            terms["adv"] = L.generator_adversarial_loss(logits[0])
        if out.sketch_reconstruction is not None:
            terms["sketch_l1"] = L.pixel_l1_loss(out.sketch_reconstruction, real)
        if w.sketch_adv > 0:
            terms["sketch_adv"] = L.generator_adversarial_loss(logits[-1])
        if w.sketch_critic > 0:
            terms["sketch_critic"] = L.attribute_bce_loss(d_out.attribute_logits, labels)
        if w.sketch_fm > 0:
            pairs = [f.chunk(2) for f in features]
            terms["sketch_fm"] = L.feature_matching_loss([p[0] for p in pairs], [p[1] for p in pairs])
        if w.latent_moments > 0:
            terms["latent_moments"] = L.latent_moment_loss(out.z_sketch, out.z_image)
        if w.style_moments > 0:
            z_sketch, styles = chosen_styles(out.z_sketch, batch.get("style"), config.style_moment_styles)
            if z_sketch.shape[0] > 0:
                terms["style_moments"] = L.style_moment_loss(z_sketch, out.z_image, styles, style_moments)
        if out.z_sketch_reference is not None and w.sketch_anchor > 0:
            anchor = sketch_anchor_loss(out.z_sketch, out.z_sketch_reference, batch.get("style"),
                                        config.sketch_anchor_styles)  # fmt: skip
            if anchor is not None:
                terms["sketch_anchor"] = anchor
        if perceptual is not None and w.perceptual > 0 and out.reconstruction is not None:
            with accelerator.autocast():
                terms["perceptual"] = L.perceptual_loss(out.reconstruction, real, perceptual)
        if out.z_reencoded is not None and w.reencoded_edit > 0:
            directions = editor.probe.directions().detach().float()
            read_back, before = out.z_reencoded.float() @ directions, out.z_image.float() @ directions
            terms["reencoded_edit"] = L.decomposition_edit_loss(read_back, before, shifts)
        if out.z_sketch_reencoded is not None and w.sketch_reencoded > 0:
            directions = editor.probe.directions().detach().float()
            terms["sketch_reencoded"] = L.semantic_loss(out.z_sketch_reencoded.float() @ directions, labels)
        if not config.decoder_only:  # the decoder stage's editor and C are frozen: their terms are constants
            terms |= editor.loss_terms(out.editor, labels, shifts, w, photo_branch)
        loss = sum(getattr(w, name) * value for name, value in terms.items())
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    finally:
        for p in trainable:
            p.requires_grad_(True)
    metrics = {f"g_{name}": value.item() for name, value in terms.items()}
    metrics["g_loss"] = loss.item()
    metrics.update(latent_spread(out.z_sketch, out.z_image))
    return metrics


def build_optimizers(
    generator_side: nn.Module,
    discriminator_side: nn.Module,
    learning_rate: float,
    d_reg_every: int,
    critic_learning_rate: float | None = None,
    aux_weight_decay: float = 5e-4,
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Official Adam settings (``d_reg_every``: the ``StepConfig``'s lazy R1 interval, 0 for none).

    Generator: E_s, E_i, decoder, M with betas (0, 0.99); C (when the editor trains it: DIS) and Q in a group with
    betas (0.9, 0.999) and weight decay 5e-4. Discriminator: F with lr * c and betas (0, 0.99 ** c),
    c = d_reg_every / (d_reg_every + 1) (StyleGAN2's lazy-regularisation correction); the probe C (DEC), and the
    attribute critic at ``critic_learning_rate`` (default ``learning_rate``), with betas (0.9, 0.999), weight
    decay 5e-4.
    """
    aux_names = ("latent_discriminator.", "attribute_directions.")
    g_main = [p for n, p in generator_side.named_parameters() if not n.startswith(aux_names)]
    g_aux = [p for n, p in generator_side.named_parameters() if n.startswith(aux_names)]
    opt_g = torch.optim.Adam(
        [
            {"params": g_main, "betas": (0.0, 0.99), "weight_decay": 0.0},
            {"params": g_aux, "betas": (0.9, 0.999), "weight_decay": aux_weight_decay},
        ],
        lr=learning_rate,
    )
    c = d_reg_every / (d_reg_every + 1) if d_reg_every > 0 else 1.0
    heads = {"attribute_probe.": learning_rate, "attribute_critic.": critic_learning_rate or learning_rate}
    d_main = [p for n, p in discriminator_side.named_parameters() if not n.startswith(tuple(heads))]
    groups = [{"params": d_main, "lr": learning_rate * c, "betas": (0.0, 0.99**c), "weight_decay": 0.0}]
    for prefix, rate in heads.items():  # classifiers: Adam with momentum
        params = [p for n, p in discriminator_side.named_parameters() if n.startswith(prefix)]
        if params:
            groups.append({"params": params, "lr": rate, "betas": (0.9, 0.999), "weight_decay": aux_weight_decay})
    opt_d = torch.optim.Adam(groups, lr=learning_rate)
    return opt_g, opt_d
