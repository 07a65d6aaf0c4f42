"""The bundled S2F-DEC checkpoint (``s2fgan_hf/pretrained/dec``): it loads, it shares the S2F-DIS model's unedited
faces, its edits move the face, and its edits are reversible (the latent cycle M(M(z, a), -a) returns to z)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from s2fgan_hf import S2FGAN

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "data" / "celebamask_hq"
# Stated bounds of the cycle on held-out latents (docs/editors.md): the residual is a fixed fraction of the edit.
CYCLE_OF_LATENT = 0.005  # |M(M(z, a), -a) - z| <= 0.5 % of |z| at every strength (measured: 0.2 %)
CYCLE_OF_MOVE = 0.05  # and <= 0.05 |M(z, a) - z| for edits of strength 2 or more (measured: 0.021)
STRENGTHS = (-4.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0)


@pytest.fixture(scope="module")
def models() -> tuple[S2FGAN, S2FGAN]:
    # fp32, where the bounds below were measured: "auto" computes in bf16 on CPUs with AVX512-BF16, whose rounding
    # alone moves the faces by about 0.03.
    dis = S2FGAN.from_pretrained(ROOT / "s2fgan_hf" / "pretrained" / "default").eval().set_inference_precision("fp32")
    dec = S2FGAN.from_pretrained(ROOT / "s2fgan_hf" / "pretrained" / "dec").eval().set_inference_precision("fp32")
    return dis, dec


@pytest.fixture(scope="module")
def held_out_latents(models) -> torch.Tensor:
    """E_s of the 11 CelebAMask-HQ edge maps and E_i of the 10 CelebA-HQ photos (none is in the training split)."""
    _, dec = models
    sketches = sorted((FIXTURES / "hed_edge_256").glob("*.png"))
    photos = sorted((FIXTURES / "CelebA-HQ-img").glob("*.jpg"))
    return torch.cat([dec.encode_sketch([str(p) for p in sketches]), dec.encode_image([str(p) for p in photos])])


def test_dec_loads_and_renders_the_dis_models_unedited_faces(models, held_out_latents):
    dis, dec = models
    assert (dis.config.variant, dec.config.variant) == ("dis", "dec")
    assert dec.dtype == torch.float32  # stored in float16, loaded as float32
    z = held_out_latents[:4]
    gap = (dis.decode(z) - dec.decode(z)).abs().max().item()
    assert gap < 0.02, gap  # the same decoder (up to the float16 storage); M(z, 0) = z exactly
    assert torch.equal(dec.edit(z, {}), z)


def test_dec_edits_change_the_face(models, held_out_latents):
    _, dec = models
    z = held_out_latents[:4]
    for name in ("Smiling", "Male", "Young"):
        moved = (dec.decode(dec.edit(z, {name: 2.0})) - dec.decode(z)).abs().mean().item()
        assert moved > 0.02, (name, moved)


def test_dec_edits_are_reversible_on_held_out_latents(models, held_out_latents):
    _, dec = models
    z = held_out_latents
    torch.manual_seed(0)
    dense = torch.rand(len(z), len(dec.attribute_names)) * 8 - 4  # every slider at once
    cases = [(dec.attribute_vector({n: s}, len(z)), abs(s)) for n in dec.attribute_names for s in STRENGTHS]
    for a, strength in [*cases, (dense, 4.0)]:
        edited = dec.edit(z, a)
        back = dec.edit(edited, -a)
        move, error = (edited - z).norm(dim=1), (back - z).norm(dim=1)
        assert (error <= CYCLE_OF_LATENT * z.norm(dim=1)).all(), (error / z.norm(dim=1)).max().item()
        if strength >= 2:  # the residual is about constant, so only a full edit bounds it relative to the move
            assert (error <= CYCLE_OF_MOVE * move).all(), (error / move).max().item()
