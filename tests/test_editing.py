"""Attribute editors: identity at zero shift, DIS reversibility, the any(a != 0) gate of DEC."""

from __future__ import annotations

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.networks import AttributeDirections, AttributeMappingNetwork


def trained_like_mapping() -> AttributeMappingNetwork:
    torch.manual_seed(1)
    m = AttributeMappingNetwork(32, 12, hidden=8, num_blocks=2)
    with torch.no_grad():
        m.embeddings.normal_()  # zero at init; make the test meaningful
    return m


@pytest.mark.parametrize("variant", ["dis", "dec"])
def test_zero_shift_is_exact_identity(variant):
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32", variant=variant))
    if isinstance(model.attribute_mapping, AttributeMappingNetwork):
        with torch.no_grad():
            model.attribute_mapping.embeddings.normal_()
    z = torch.randn(4, 32)
    assert torch.equal(model.edit(z, None), z)
    assert torch.equal(model.edit(z, torch.zeros(4, 12)), z)
    assert torch.equal(model.edit(z, {}), z)


def test_dec_identity_per_sample_in_mixed_batch():
    m = trained_like_mapping()
    z = torch.randn(3, 32)
    shifts = torch.zeros(3, 12)
    shifts[1, 0] = 2.0
    out = m(z, shifts)
    assert torch.equal(out[0], z[0]) and torch.equal(out[2], z[2])
    assert not torch.allclose(out[1], z[1])


def test_dec_gate_is_any_nonzero_not_sum():
    # The official gate tests sum(a) != 0, so (+1, -1, 0, ...) would drop z; ours keeps it.
    m = trained_like_mapping()
    z1, z2 = torch.randn(1, 32), torch.randn(1, 32)
    a = torch.zeros(1, 12)
    a[0, 0], a[0, 1] = 1.0, -1.0
    assert not torch.allclose(m.offset(z1, a), m.offset(z2, a))  # delta depends on z: z was fed in


def test_dis_edit_is_reversible_and_additive():
    torch.manual_seed(0)
    d = AttributeDirections(32, 12)
    z = torch.randn(5, 32)
    a = torch.empty(5, 12).uniform_(-4, 4)
    assert torch.allclose(d(d(z, a), -a), z, atol=1e-5)
    b = torch.empty(5, 12).uniform_(-4, 4)
    assert torch.allclose(d(d(z, a), b), d(z, a + b), atol=1e-5)
    # Unit directions: a shift of t along attribute k moves the latent by exactly t.
    one = torch.zeros(1, 12)
    one[0, 3] = 2.5
    assert torch.isclose((d(z[:1], one) - z[:1]).norm(), torch.tensor(2.5), atol=1e-5)


def test_named_attributes_validation(tiny_model):
    z = torch.randn(2, 32)
    with pytest.raises(ValueError, match="Smiling, Male"):
        tiny_model.edit(z, {"Smilling": 1.0})
    with pytest.raises(ValueError, match="slider range"):
        tiny_model.edit(z, {"Smiling": 9.0})
    with pytest.raises(ValueError, match="12 values"):
        tiny_model.edit(z, torch.zeros(2, 5))
    with pytest.raises(ValueError, match="finite"):
        tiny_model.edit(z, {"Smiling": float("nan")})
    edited = tiny_model.edit(z, {"Smiling": 1.5, "Male": -1.0})
    assert edited.shape == z.shape
