"""Building blocks: FIR resampling, modulated conv equivalence, gradient reversal."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from s2fgan_hf.layers import Blur, EqualLinear, GradientReversal, ModulatedConv2d, Upsample, make_kernel, upfirdn2d


def test_make_kernel_is_normalised_outer_product():
    k = make_kernel((1, 3, 3, 1))
    assert k.shape == (4, 4)
    assert torch.isclose(k.sum(), torch.tensor(1.0))
    assert torch.allclose(k, k.t())


def test_upsample_and_blur_shapes_and_constant_preservation():
    x = torch.full((2, 3, 8, 8), 0.5)
    up = Upsample((1, 3, 3, 1))(x)
    assert up.shape == (2, 3, 16, 16)
    # Interior of a constant image stays constant after zero-insert + filter with gain factor**2.
    assert torch.allclose(up[..., 2:-2, 2:-2], torch.full_like(up[..., 2:-2, 2:-2], 0.5), atol=1e-6)
    blurred = Blur((1, 3, 3, 1), pad=(2, 1))(x)
    assert blurred.shape == x.shape


def test_upfirdn2d_downsample_matches_avg_pool_for_box_kernel():
    x = torch.randn(1, 2, 8, 8)
    box = torch.ones(2, 2) / 4
    assert torch.allclose(upfirdn2d(x, box, down=2), F.avg_pool2d(x, 2), atol=1e-6)


def test_modulated_conv_equals_per_sample_weight_reference():
    torch.manual_seed(0)
    conv = ModulatedConv2d(6, 5, 3, style_dim=7)
    x, style = torch.randn(3, 6, 9, 9), torch.randn(3, 7)
    out = conv(x, style)
    # Reference: build one modulated + demodulated weight per sample (StyleGAN2's grouped form).
    s = conv.modulation(style)  # [B, Cin]
    w = conv.weight[None] * conv.scale * s[:, None, :, None, None]  # [B, Cout, Cin, k, k]
    w = w * torch.rsqrt(w.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
    ref = F.conv2d(x.reshape(1, 18, 9, 9), w.reshape(15, 6, 3, 3), padding=1, groups=3).reshape(3, 5, 9, 9)
    assert torch.allclose(out, ref, atol=1e-5)


def test_modulated_upsampling_conv_doubles_resolution():
    conv = ModulatedConv2d(4, 4, 3, style_dim=4, upsample=True)
    assert conv(torch.randn(2, 4, 8, 8), torch.randn(2, 4)).shape == (2, 4, 16, 16)


def test_equal_linear_runtime_scale_and_lr_mul():
    layer = EqualLinear(16, 8, lr_mul=0.01)
    assert math.isclose(layer.scale, 0.01 / 4.0)
    x = torch.randn(4, 16)
    ref = F.linear(x, layer.weight * layer.scale, layer.bias * 0.01)
    assert torch.allclose(layer(x), ref)


def test_gradient_reversal_flips_sign_and_scales():
    x = torch.randn(5, 3, requires_grad=True)
    GradientReversal(beta=1.0)(x).sum().backward()
    assert torch.equal(x.grad, -torch.ones_like(x))
    y = torch.randn(5, 3, requires_grad=True)
    out = GradientReversal(beta=0.5)(y)
    assert torch.equal(out, y)  # identity forward
    (out * 3).sum().backward()
    assert torch.allclose(y.grad, torch.full_like(y, -1.5))


def test_blur_and_upsample_fast_paths_match_generic_upfirdn2d():
    torch.manual_seed(0)
    x = torch.randn(2, 5, 9, 9)
    k = make_kernel((1, 3, 3, 1))
    up = Upsample((1, 3, 3, 1))
    assert torch.allclose(up(x), upfirdn2d(x, k * 4, up=2, pad=up.pad), atol=1e-6)
    for pad in [(2, 2), (1, 1), (2, 1)]:
        assert torch.allclose(Blur((1, 3, 3, 1), pad=pad)(x), upfirdn2d(x, k, pad=pad), atol=1e-6)
    with torch.no_grad():  # the inference (cached weight) branch agrees too
        assert torch.allclose(up(x), upfirdn2d(x, k * 4, up=2, pad=up.pad), atol=1e-6)
