"""The fast inference path (bf16, channels_last, cached derived weights) against the fp32 reference."""

from __future__ import annotations

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two image batches in [-1, 1] (clamped), on any devices."""
    a, b = a.float().cpu().clamp(-1, 1), b.float().cpu().clamp(-1, 1)
    return float(10 * torch.log10(4.0 / (a - b).pow(2).mean().clamp_min(1e-12)))


@pytest.mark.parametrize("variant", ["dis", "dec"])
def test_bf16_channels_last_matches_fp32(stroke_sketch, variant):
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32", variant=variant)).eval()
    with torch.no_grad():
        model.set_inference_precision("fp32", channels_last=False)
        ref = model.decode(model.edit(model.encode_sketch(stroke_sketch), {"Smiling": 1.0}))
        model.set_inference_precision("bf16", channels_last=True)
        fast = model.decode(model.edit(model.encode_sketch(stroke_sketch), {"Smiling": 1.0}))
    assert fast.dtype == torch.float32
    assert psnr(fast, ref) >= 35.0


def _fast_vs_fp32_psnr(model: S2FGAN, sketches, attributes) -> float:
    with torch.no_grad():
        model.set_inference_precision("fp32", channels_last=False)
        ref = model.decode(model.edit(model.encode_sketch(sketches), attributes))
        model.set_inference_precision("auto", channels_last=True)
        fast = model.decode(model.edit(model.encode_sketch(sketches), attributes))
    return psnr(fast, ref)


def test_fast_path_quality_on_real_sketches(real_sketches):
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    assert _fast_vs_fp32_psnr(model, real_sketches, {"Smiling": 2.0, "Male": -1.0}) >= 35.0


def test_fast_path_quality_of_the_shipped_checkpoint(real_sketches):
    from s2fgan_hf.loading import load_model

    model = load_model(None)  # the bundled default checkpoint
    for attributes in (None, {"Smiling": 2.0}, {"Male": 2.0, "Young": -2.0}):
        assert _fast_vs_fp32_psnr(model, real_sketches, attributes) >= 35.0, attributes


def test_fp32_fast_path_equals_plain_forward(stroke_sketch):
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval().set_inference_precision("fp32", channels_last=False)
    with torch.no_grad():
        api = model.decode(model.encode_sketch(stroke_sketch))
        plain = model(stroke_sketch)
    assert torch.allclose(api, plain, atol=1e-6)


def test_cached_weights_follow_parameter_updates(stroke_sketch):
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval().set_inference_precision("fp32")
    with torch.no_grad():
        before = model.decode(model.encode_sketch(stroke_sketch))
        for p in model.decoder.parameters():
            p.mul_(1.01)  # in-place update, as an optimizer step does
        after = model.decode(model.encode_sketch(stroke_sketch))
        model.train()
        reference = model(stroke_sketch)  # built fresh with autograd off? no: train mode, same math
    assert not torch.allclose(before, after)
    assert torch.allclose(after, reference, atol=1e-5)


def test_load_state_dict_invalidates_cache(stroke_sketch):
    torch.manual_seed(0)
    a = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval().set_inference_precision("fp32")
    torch.manual_seed(1)
    b = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval().set_inference_precision("fp32")
    with torch.no_grad():
        a.decode(a.encode_sketch(stroke_sketch))  # fill a's caches
        a.load_state_dict(b.state_dict())
        assert torch.allclose(a.decode(a.encode_sketch(stroke_sketch)), b.decode(b.encode_sketch(stroke_sketch)))


def test_precision_argument_is_validated(tiny_model):
    with pytest.raises(ValueError, match="'auto', 'bf16' or 'fp32'"):
        tiny_model.set_inference_precision("fp8")
    assert tiny_model.set_inference_precision(torch.bfloat16).inference_dtype == torch.bfloat16
    assert tiny_model.set_inference_precision("fp32").inference_dtype == torch.float32
