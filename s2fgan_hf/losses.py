"""S2FGAN training losses as pure functions: networks compute, this module judges.

Every function takes tensors (and, for the perceptual loss, the feature network) and returns a scalar tensor.
Nothing here holds state or parameters. The weights are in ``LossWeights`` (each editor's official defaults in
its ``default_loss_weights``); they follow the official code (method notes §2), with its bugs fixed (§8):

* S2F-DIS: the attribute directions C are trained by the semantic and orthogonality losses (the official
  trainer froze them, so its orthogonality loss was a constant).
* S2F-DEC: the probe C is trained on *detached* real latents with MSE(C(z_i), 2y - 1) in the discriminator step
  (the official code never updated it, so its "attributes" were random directions).
* S2F-DEC's "reg" term is left out: with the a = 0 gate it is exactly zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .networks.attribute_directions import attribute_targets as attribute_targets
from .networks.attribute_directions import orthogonality_loss as orthogonality_loss
from .networks.attribute_directions import semantic_loss as semantic_loss
from .networks.attribute_mapping import decomposition_edit_loss as decomposition_edit_loss
from .networks.attribute_mapping import edit_offset_loss as edit_offset_loss
from .networks.attribute_mapping import latent_cycle_loss as latent_cycle_loss
from .networks.editors import editor_class

# --------------------------------------------------------------------------------------------------------------
# Reconstruction and latent alignment


def latent_alignment_loss(z_sketch: torch.Tensor, z_image: torch.Tensor) -> torch.Tensor:
    """The paper's semantic-level loss: L1(z_s, stopgrad(z_i)). Only the sketch encoder is pulled. [B, d] -> []."""
    return F.l1_loss(z_sketch.float(), z_image.detach().float())


def pixel_l1_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean absolute pixel error. [B, 3, H, W] x 2 -> []."""
    return F.l1_loss(fake.float(), real.float())


def perceptual_loss(
    fake: torch.Tensor, real: torch.Tensor, network: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """Perceptual distance computed by ``network(fake, real)`` (see ``training/perceptual.py``). [B, 3, H, W] -> []."""
    return network(fake, real).float()


def feature_matching_loss(fake_features: list[torch.Tensor], real_features: list[torch.Tensor]) -> torch.Tensor:
    """pix2pixHD's discriminator feature matching: mean over layers of L1(F_l(fake), stopgrad F_l(real)).

    The discriminator's activations describe texture and edges at every scale; matching them to the paired photo's
    rewards detail that a pixel L1 averages away. Lists of [B, C_l, r_l, r_l] -> [].
    """
    if len(fake_features) != len(real_features) or not fake_features:
        raise ValueError("feature_matching_loss needs two equally long, non-empty lists of feature maps")
    terms = [F.l1_loss(f.float(), r.detach().float()) for f, r in zip(fake_features, real_features)]
    return torch.stack(terms).mean()


def latent_moment_loss(z_sketch: torch.Tensor, z_image: torch.Tensor) -> torch.Tensor:
    """Match the batch's per-dimension mean and spread of the sketch latents to the (detached) image latents'.

    A regression from a sketch, which does not determine colour or texture, shrinks towards the mean latent
    (measured: per-dimension std 0.285 for E_s against 0.438 for E_i), where the decoder renders a blurred average
    face. This pulls the sketch latents' distribution back onto the image latents'. [B, d] x 2 -> [].
    """
    if z_sketch.shape[0] < 2:
        raise ValueError("latent_moment_loss needs a batch of at least 2 latents")
    zs, zi = z_sketch.float(), z_image.detach().float()
    mean_term = (zs.mean(0) - zi.mean(0)).abs().mean()
    std_term = (zs.std(0) - zi.std(0)).abs().mean()
    return mean_term + std_term


class RunningMoments:
    """Running per-group mean and variance of latents, for ``style_moment_loss``.

    With a few sketches of a style in a batch (2-5 of 16), the batch's estimate of their mean has a standard error of
    ~0.2 per dimension and that of their variance is worse, far above the biases the loss must remove (~0.08). This
    keeps an exponential moving average (``decay`` per batch; 0.99: a window of ~100 batches, a few hundred latents
    per style) of each group's mean and unbiased within-batch variance. ``smooth`` returns estimates whose *value* is
    the running one (this batch included) and whose *gradient* is the batch's own, as batch-norm's running statistics
    do for its output: a steady signal, the same scale. State is plain tensors (``state_dict``); the trainer saves it
    with each checkpoint.
    """

    def __init__(self, decay: float = 0.99) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay}")
        self.decay = decay
        self.stats: dict[str, dict[str, torch.Tensor]] = {}

    def smooth(
        self, key: str, mean: torch.Tensor, var: torch.Tensor | None, n: int
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Fold one batch's ``mean`` [d] and unbiased ``var`` [d] (``None`` for one latent) of ``n`` latents into
        group ``key``; return (mean, var) with the running values and the batch's gradients."""
        d = self.decay
        old = self.stats.get(key)
        if old is None or old["mean"].shape != mean.shape:
            old = {
                "weight": torch.zeros(()),
                "mean": torch.zeros_like(mean.detach().cpu()),
                "var_weight": torch.zeros(()),
            }
            old["var"] = torch.zeros_like(old["mean"])
        state = {k: v.to(mean.device) for k, v in old.items()}
        weight = d * state["weight"] + n
        run_mean = (d * state["weight"] * state["mean"] + n * mean.detach().float()) / weight
        new = {"weight": weight, "mean": run_mean, "var_weight": d * state["var_weight"], "var": state["var"]}
        if var is not None:
            new["var_weight"] = new["var_weight"] + (n - 1)
            new["var"] = (d * state["var_weight"] * state["var"] + (n - 1) * var.detach().float()) / new["var_weight"]
        self.stats[key] = {k: v.detach().cpu() for k, v in new.items()}
        smoothed_mean = mean + (run_mean - mean).detach()
        if var is None:
            return smoothed_mean, None
        return smoothed_mean, var + (new["var"] - var).detach()

    def state_dict(self) -> dict[str, object]:
        return {"decay": self.decay, "stats": {k: dict(v) for k, v in self.stats.items()}}

    def load_state_dict(self, state: dict[str, object]) -> None:
        self.decay = float(state["decay"])  # type: ignore[arg-type]
        self.stats = {k: dict(v) for k, v in state["stats"].items()}  # type: ignore[union-attr]


def style_moment_loss(
    z_sketch: torch.Tensor,
    z_image: torch.Tensor,
    styles: torch.Tensor | None = None,
    running: RunningMoments | None = None,
) -> torch.Tensor:
    """Match each drawing style's latent mean and variance to the image latents', in squared error.

    ``latent_moment_loss`` compares batch statistics in L1 over the whole batch: with 16 latents the batch mean of
    one dimension has a standard error of ~0.11, more than the bias it should remove (held-out edge maps: ~0.08 per
    dimension, which alone cost 9 Fréchet-distance points), so its sign is mostly noise; and one pooled spread lets
    a shrunken style (sparse outlines: std 0.39 against 0.44) hide behind the others. Here the sketch latents are
    grouped by ``styles`` [B] (style ids; ``None``: one group) and each group's mean and unbiased variance is
    compared with the image latents' in *squared* error, in units of the image latents' mean variance. Its
    gradient is linear in the estimates, so batch noise averages out over steps while the bias does not; with
    ``running`` (a :class:`RunningMoments` kept across steps) the estimates are running averages, which removes
    most of the noise too. A group of one latent gives only its mean term. [B, d] x 2 (+ [B]) -> [].
    """
    zs, zi = z_sketch.float(), z_image.detach().float()
    if zi.shape[0] < 2 or zs.shape[0] < 1:
        raise ValueError("style_moment_loss needs at least 2 image latents and 1 sketch latent")
    groups = torch.zeros(zs.shape[0], dtype=torch.long, device=zs.device) if styles is None else styles.long()
    target_mean, target_var = zi.mean(0), zi.var(0)
    if running is not None:
        target_mean, target_var = running.smooth("image", target_mean, target_var, zi.shape[0])
    assert target_var is not None
    scale = target_var.mean().clamp_min(1e-8)
    total = zs.new_zeros(())
    for group in torch.unique(groups).tolist():
        member = zs[groups == group]
        n = member.shape[0]
        mean, var = member.mean(0), (member.var(0) if n > 1 else None)
        if running is not None:
            mean, var = running.smooth(f"style{group}", mean, var, n)
        term = (mean - target_mean).pow(2).mean() / scale
        if var is not None:
            term = term + ((var - target_var) / scale).pow(2).mean()
        total = total + n * term
    return total / zs.shape[0]


# --------------------------------------------------------------------------------------------------------------
# Attribute semantics


# attribute_targets, semantic_loss and orthogonality_loss (the probe C and S2F-DIS) are defined in
# networks/attribute_directions.py, decomposition_edit_loss and latent_cycle_loss (S2F-DEC) in
# networks/attribute_mapping.py: each editor's terms sit next to it, because the networks may not import this
# module (the inference core never loads it). They are imported above, so every loss is reachable from here.


# --------------------------------------------------------------------------------------------------------------
# Adversarial terms


def latent_domain_loss(image_logits: torch.Tensor, sketch_logits: torch.Tensor) -> torch.Tensor:
    """BCE-with-logits of the latent discriminator Q: image latents are 1, sketch latents are 0.

    Q sits behind a gradient-reversal layer, so minimising this trains Q to tell the domains apart while the
    sketch encoder receives the reversed gradient and learns to make its latents look like image latents.
    """
    image_logits, sketch_logits = image_logits.float(), sketch_logits.float()
    real = F.binary_cross_entropy_with_logits(image_logits, torch.ones_like(image_logits))
    fake = F.binary_cross_entropy_with_logits(sketch_logits, torch.zeros_like(sketch_logits))
    return real + fake


def attribute_bce_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of attribute logits [B, n] against 0/1 (or +-1) labels [B, n], mean over both."""
    return F.binary_cross_entropy_with_logits(logits.float(), (attribute_targets(labels) > 0).float())


def generator_adversarial_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating logistic loss for the generator: mean softplus(-F(fake))."""
    return F.softplus(-fake_logits.float()).mean()


def discriminator_adversarial_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Logistic loss for the discriminator: mean softplus(-F(real)) + mean softplus(F(fake))."""
    return F.softplus(-real_logits.float()).mean() + F.softplus(fake_logits.float()).mean()


def r1_penalty(real_logits: torch.Tensor, real_inputs: torch.Tensor) -> torch.Tensor:
    """R1 = E[ ||d F(x) / d x||^2 ] on real images (Mescheder et al. 2018).

    The gradient is taken with respect to the *inputs* (``real_inputs`` must have ``requires_grad=True`` and have
    produced ``real_logits``), never the parameters, so it is correct under DDP (PyTorch #47562). The graph is
    kept so the penalty can be back-propagated into the discriminator. Compute it in float32, outside autocast.
    """
    if not real_inputs.requires_grad:
        raise ValueError("r1_penalty needs real_inputs with requires_grad=True that produced real_logits")
    (grad,) = torch.autograd.grad(real_logits.float().sum(), real_inputs, create_graph=True)
    return grad.float().pow(2).flatten(1).sum(1).mean()


def lazy_r1_loss(penalty: torch.Tensor, gamma: float, every: int) -> torch.Tensor:
    """StyleGAN2 lazy regularisation: (gamma / 2) * R1 * every, applied once every ``every`` steps."""
    return 0.5 * gamma * penalty * every


# --------------------------------------------------------------------------------------------------------------
# Weights


@dataclass
class LossWeights:
    """Weights of the generator-step loss terms (and of the probe loss of the discriminator step), by term name.

    The defaults are the official weights of the terms every editor shares; an editor's own terms (``sem``,
    ``ortho``: S2F-DIS; ``edit``, ``cycle``, ``probe``: S2F-DEC) are 0 here and get their official values from the
    editor's ``default_loss_weights`` (``for_variant``; method notes §2). A weight of 0 skips that term's
    contribution. A new term is one field here: ``train_accelerate.py`` makes its ``--lambda_<name>`` flag and logs
    it as ``g_<name>``.
    """

    align: float = 2.5
    domain: float = 0.1
    perceptual: float = 2.5
    l1: float = 2.5
    adv: float = 1.0
    sem: float = 0.0
    ortho: float = 0.0
    edit: float = 0.0
    cycle: float = 0.0
    probe: float = 0.0
    # Not in the official trainer (its generator only ever decodes photo latents): pixel L1 of D(E_s(sketch))
    # against the photo, the paper's sketch branch G_s. It trains the sketch encoder through the decoder and is
    # what keeps short CPU runs from collapsing to one face for every sketch. 0 = official behaviour.
    sketch_l1: float = 0.0
    # Not in the official trainer either (S2F-DIS's editor only): the semantic loss on the *sketch* latents, scored
    # by C's directions held fixed. It moves E_s alone and teaches it to place a sketch on the right side of each
    # attribute boundary (a smiling mouth, long hair) instead of waiting for L_align to carry that over. 0 = off.
    sketch_sem: float = 0.0
    # The sketch branch G_s as a generator (docs/training.md §12; none is in the official trainer): the decoded
    # sketch face D(E_s(sketch)) meets the image discriminator (``sketch_adv``; the discriminator step then also
    # sees it as a fake), matches the paired photo in the discriminator's features (``sketch_fm``), and the sketch
    # latents' batch mean and spread are matched to the image latents' (``latent_moments``). 0 = off.
    sketch_adv: float = 0.0
    sketch_fm: float = 0.0
    latent_moments: float = 0.0
    # Per drawing style, the sketch latents' mean and variance against the image latents', in squared error
    # (``style_moment_loss``: unbiased where the L1 batch version is mostly noise). 0 = off.
    style_moments: float = 0.0
    # Stage 2's memory of the styles that already work (not in the paper; "learning without forgetting"): L1 between
    # the sketch latents E_s(sketch) and those of a frozen copy of the sketch encoder as the stage began, on the
    # styles ``--sketch_anchor_styles`` names. Matching the latent moments of edge maps moved pencil portraits'
    # faces away from the photos although their own moments were left alone; this holds them. 0 = off.
    sketch_anchor: float = 0.0
    # S2F-DEC's "reg" term, as meant: mean |M(z_i, a) - z_i| of the edit, so that M moves a latent no further than
    # the requested edit needs (the official code applies it to a = 0, where it is always exactly 0). 0 = off.
    offset: float = 0.0
    # The edit as the image encoder reads it back (editor stage only; not in the paper): MSE(C(E_i(D(M(z_i, a)))),
    # sg C(z_i) + a) with E_i, D and C frozen. The latent edit loss only asks M to move C's score; the decoder renders
    # a small part of such a move (a Male +2 step along C's direction reads back as +0.6), so this asks for an edit
    # the face shows. The round trip C(E_i(D(z_i))) keeps C(z_i) (correlation 0.97), so C(z_i) is the baseline.
    reencoded_edit: float = 0.0
    # The decoder stage's anchor (not in the paper): L1 between the decoder's faces of the unedited latents, D(z_i)
    # and D(z_s), and the faces the decoder gave them when the stage began. It keeps every unedited face as it was,
    # sharpness included, while the edits change; an L1 to the photos instead blurred the faces within 100 steps.
    decoder_anchor: float = 0.0
    # Stage 2's fidelity term (not in the paper): the semantic loss of the face from the sketch as the frozen image
    # encoder reads it back, C(E_i(D(E_s(sketch)))), against the photo's labels, with E_i, D and C frozen. The
    # sketch latent's own scores (``sketch_sem``) can be right while the face shows less of them; this asks the face.
    sketch_reencoded: float = 0.0
    # The attribute critic (``networks.AttributeCritic``; not in the paper: AC-GAN's auxiliary classifier on F's
    # features). ``critic`` weighs its loss on the real photos' labels in the discriminator step (F's trunk learns
    # from it too); ``sketch_critic`` asks the faces from sketches, in the generator step, to show their photos'
    # labels to it. Both are ``attribute_bce_loss``. 0 = off.
    critic: float = 0.0
    sketch_critic: float = 0.0

    @property
    def sketch_branch_decoded(self) -> bool:
        """Whether the generator step must decode the sketch latents (a sketch-face term is on)."""
        return self.sketch_l1 > 0 or self.sketch_adv > 0 or self.sketch_fm > 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The term names, in field order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def for_variant(cls, variant: str, **overrides: float | None) -> LossWeights:
        """Official defaults of ``variant``'s editor, with the non-``None`` ``overrides`` applied."""
        weights = cls(**editor_class(variant).default_loss_weights)
        for key, value in overrides.items():
            if key not in cls.names():
                raise ValueError(f"unknown loss weight {key!r}; accepted: {sorted(cls.names())}")
            if value is not None:
                if not value >= 0:  # also refuses nan
                    raise ValueError(f"loss weight {key} must be >= 0, got {value}")
                setattr(weights, key, float(value))
        return weights

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)
