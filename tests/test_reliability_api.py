"""Reliability, part A: every config value, checkpoint and Python API input works or gets a clear error.

One block per validation place: ``S2FGANConfig.validate`` (config values), ``StrictHubMixin.from_pretrained``
(config.json, weights header, weights, device), and the ``S2FGAN`` inference API (attributes, latents, batches).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import safetensors.torch
import torch

import s2fgan_hf.modeling_s2fgan as modeling
from s2fgan_hf import PRESETS, S2FGAN, CheckpointError, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf.checkpoint_checks import expected_specs, tensor_specs
from s2fgan_hf.image_processing import signed_batch_to_pils

ROOT = Path(__file__).resolve().parents[1]
INF = float("inf")

# ---------------------------------------------------------------------------------------------------------------
# 1. Config values: (overrides, a regex the message must match: field, bad value, accepted range)
BAD_CONFIGS = [
    ({"blur_kernel": [0, 0, 0, 0]}, r"blur_kernel .*\[0, 65536\] with a positive sum.*got \[0, 0, 0, 0\]"),
    ({"blur_kernel": [1, -1]}, r"blur_kernel .*\[0, 65536\].*got \[1, -1\]"),
    ({"blur_kernel": [1] * 100_000}, r"blur_kernel must have 2 to 16 taps, got 100000 taps"),
    ({"blur_kernel": [1.5, 1]}, r"blur_kernel\[0\] must be of type int, got 1.5"),
    ({"mlp_lr_mul": 0}, r"mlp_lr_mul must be a finite number in \(0, 10\], got 0"),
    ({"mlp_lr_mul": float("nan")}, r"mlp_lr_mul must be a finite number in \(0, 10\], got nan"),
    ({"mlp_lr_mul": 1e9}, r"mlp_lr_mul .*\(0, 10\], got 1000000000.0"),
    ({"attribute_range": [-INF, INF]}, r"attribute_range .*finite.*-100 <= low < 0 < high <= 100.*\[-inf, inf\]"),
    ({"attribute_range": [-4, 1e6]}, r"attribute_range .*got \[-4.0, 1000000.0\]"),
    ({"attribute_range": None}, r"attribute_range must be a list of float values, got None"),
    ({"latent_dim": 200_000}, r"latent_dim must be an integer in \[1, 4096\], got 200000"),
    ({"latent_dim": True}, r"latent_dim must be an integer in \[1, 4096\], got True"),
    ({"decoder_max_channels": 100_000}, r"decoder_max_channels must be an integer in \[1, 2048\], got 100000"),
    ({"decoder_max_channels": 1e5}, r"decoder_max_channels must be an integer in \[1, 2048\], got 100000.0"),
    ({"decoder_channel_base": 2**30}, r"decoder_channel_base must be an integer in \[1, 1048576\], got 1073741824"),
    ({"head_mlp_layers": 10**7}, r"head_mlp_layers must be an integer in \[1, 32\], got 10000000"),
    ({"refine_mlp_layers": 33}, r"refine_mlp_layers must be an integer in \[1, 32\], got 33"),
    ({"mapping_blocks": 0}, r"mapping_blocks must be an integer in \[1, 32\], got 0"),
    ({"image_size": 2048}, r"image_size must be a power of two in \[8, 1024\], got 2048"),
    ({"grl_beta": INF}, r"grl_beta must be a finite number in \[0, 100\], got inf"),
    ({"grl_beta": False}, r"grl_beta must be a finite number in \[0, 100\], got False"),
    ({"attribute_names": [f"a{i}" for i in range(300)]}, r"attribute_names must name 1 to 256 attributes, got 300"),
    ({"attribute_names": ["Smiling", ""]}, r"attribute_names must be non-empty strings"),
]


@pytest.mark.parametrize("overrides, message", BAD_CONFIGS, ids=[str(o)[:40] for o, _ in BAD_CONFIGS])
def test_bad_config_values_name_field_value_and_range(overrides, message):
    with pytest.raises(ValueError, match=message):
        S2FGANConfig(**overrides)


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("variant", ["dis", "dec"])
def test_every_preset_is_inside_the_bounds(preset, variant):
    assert S2FGANConfig.from_preset(preset, variant=variant).variant == variant


# ---------------------------------------------------------------------------------------------------------------
# 2. Loading
@pytest.fixture
def saved(tmp_path, tiny_model) -> Path:
    tiny_model.save_pretrained(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "text, message",
    [("{bad json", "is not valid JSON"), ("[1, 2, 3]", "got list"), ("null", "got NoneType null")],
)
def test_broken_config_json_names_the_file(saved, text, message):
    (saved / "config.json").write_text(text)
    with pytest.raises(ValueError, match=re.escape(str(saved / "config.json")) + ".*" + message):
        S2FGAN.from_pretrained(saved)


def test_bad_config_value_in_config_json_names_file_and_field(saved):
    data = json.loads((saved / "config.json").read_text())
    (saved / "config.json").write_text(json.dumps({**data, "mlp_lr_mul": 0}))
    with pytest.raises(ValueError, match=re.escape(str(saved / "config.json")) + ": mlp_lr_mul .*got 0"):
        S2FGAN.from_pretrained(saved)


_ABSURD = {
    "latent_dim": ({"latent_dim": 200_000}, "ValueError", "latent_dim"),
    "channels": ({"decoder_max_channels": 100_000}, "ValueError", "decoder_max_channels"),
    "blur": ({"blur_kernel": [1] * 100_000}, "ValueError", "blur_kernel"),
    "depth": ({"head_mlp_layers": 10**7}, "ValueError", "head_mlp_layers"),
    # Inside every bound but several GB and not what the file holds: caught by the header check, not allocated.
    "big_but_valid": (
        {"image_size": 1024, "latent_dim": 4096, "decoder_max_channels": 2048, "decoder_channel_base": 2**20},
        "CheckpointError",
        "missing tensors",
    ),
}

_PROBE = """
import json, resource, sys, time
from s2fgan_hf import S2FGAN
def vm_size():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
cap = vm_size() + 256 * 2**20  # the process may grow by 256 MiB of address space, no more
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
S2FGAN.from_pretrained(sys.argv[1])  # warm-up: the first load imports lazily loaded modules
results = {}
for name in sys.argv[2:]:
    start = time.perf_counter()
    try:
        S2FGAN.from_pretrained(name)
        results[name] = ["loaded", "", 0.0]
    except Exception as e:
        results[name] = [type(e).__name__, str(e), time.perf_counter() - start]
print(json.dumps(results))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and RLIMIT_AS")
def test_absurd_configs_fail_fast_without_large_allocation(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path / "good")
    base = json.loads((tmp_path / "good" / "config.json").read_text())
    for name, (overrides, _, _) in _ABSURD.items():
        tiny_model.save_pretrained(tmp_path / name)
        (tmp_path / name / "config.json").write_text(json.dumps({**base, **overrides}))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    folders = [str(tmp_path / name) for name in _ABSURD]
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "good"), *folders],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    for name, (_, error, needle) in _ABSURD.items():
        kind, message, seconds = results[str(tmp_path / name)]
        assert (kind, needle in message) == (error, True), (name, kind, message[:300])
        assert seconds < 1.0, (name, seconds)


def _rewrite_weights(folder: Path, name: str, change) -> None:
    state = safetensors.torch.load_file(folder / "model.safetensors")
    state[name] = change(state[name])
    safetensors.torch.save_file(state, folder / "model.safetensors")


def test_int32_weights_are_named(saved):
    _rewrite_weights(saved, "decoder.to_rgb1.bias", lambda t: t.to(torch.int32))
    with pytest.raises(CheckpointError, match=r"dtype mismatches \(1\): decoder.to_rgb1.bias: checkpoint I32"):
        S2FGAN.from_pretrained(saved)


@pytest.mark.parametrize("bad", [float("nan"), INF])
def test_non_finite_weights_are_named(saved, bad):
    _rewrite_weights(saved, "attribute_directions.weight", lambda t: t.index_fill(0, torch.tensor([3]), bad))
    with pytest.raises(CheckpointError, match="NaN or infinite values in 1 tensor.*attribute_directions.weight"):
        S2FGAN.from_pretrained(saved)


def test_half_precision_weights_still_load(saved, tiny_model):
    state = safetensors.torch.load_file(saved / "model.safetensors")
    safetensors.torch.save_file({k: v.half() for k, v in state.items()}, saved / "model.safetensors")
    loaded = S2FGAN.from_pretrained(saved)
    assert loaded.dtype == torch.float32
    torch.testing.assert_close(loaded.decoder.to_rgb1.bias, tiny_model.decoder.to_rgb1.bias, atol=1e-3, rtol=1e-3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_without_cuda_says_so(saved):
    from s2fgan_hf.loading import load_model

    with pytest.raises(RuntimeError, match="map_location='cuda' asks for CUDA, but CUDA is not available"):
        S2FGAN.from_pretrained(saved, map_location="cuda")
    with pytest.raises(RuntimeError, match="device='cuda' asks for CUDA, but CUDA is not available"):
        load_model(saved, device="cuda")


def test_unknown_device_is_a_value_error(saved):
    with pytest.raises(ValueError, match="map_location='gpu' is not a torch device"):
        S2FGAN.from_pretrained(saved, map_location="gpu")


@pytest.mark.parametrize("preset", ["tiny-32", "cpu-64", "fast-64"])
@pytest.mark.parametrize("cls", [S2FGAN, S2FGANDiscriminator])
def test_shapes_only_build_matches_the_real_state_dict(preset, cls):
    config = S2FGANConfig.from_preset(preset, variant="dec")
    assert expected_specs(lambda: cls(config)) == tensor_specs(cls(config).state_dict())


# ---------------------------------------------------------------------------------------------------------------
# 3. Python API
BAD_ATTRIBUTES = [
    ({"Smiling": "abc"}, r"attribute 'Smiling' must be a number in this model's slider range \[-4, 4\], got 'abc'"),
    ({"Smiling": None}, r"attribute 'Smiling' must be a number .*\[-4, 4\], got None"),
    ({"Smiling": 1e300}, r"attribute 'Smiling' = 1e\+300 is outside .*slider range \[-4, 4\]"),
    ({"Smiling": True}, r"attribute 'Smiling' must be a number .*\[-4, 4\], got True"),
    ("Smiling", r"attributes must be a mapping like \{'Smiling': 1.5\}.*got the string 'Smiling'"),
    ([0.0, None] + [0.0] * 10, r"attribute 'Male' \(position 1\) must be a number .*got None"),
    ([0.0] * 11 + [float("nan")], r"attribute 'Chubby' \(position 11\) must be a finite number, got nan"),
    (torch.zeros(12, dtype=torch.complex64), r"must be a real tensor of 12 values or \[B, 12\]"),
    (object(), r"attributes must be a mapping .*got object"),
]


@pytest.mark.parametrize("attributes, message", BAD_ATTRIBUTES, ids=[str(a)[:30] for a, _ in BAD_ATTRIBUTES])
def test_bad_attributes_name_the_attribute_and_range(tiny_model, stroke_sketch, attributes, message):
    with pytest.raises(ValueError, match=message):
        tiny_model.generate(stroke_sketch[0], attributes=attributes)
    with pytest.raises(ValueError, match=message):
        tiny_model.edit(torch.zeros(1, 32), attributes)


def test_attribute_check_is_public_for_other_front_ends():
    from s2fgan_hf.attributes import attribute_shifts

    vec = attribute_shifts({"Male": -1.0}, ("Smiling", "Male"), (-4.0, 4.0), batch_size=3)
    assert vec.tolist() == [[0.0, -1.0]] * 3
    with pytest.raises(ValueError, match="attribute 'Male' must be a number"):
        attribute_shifts({"Male": "x"}, ("Smiling", "Male"), (-4.0, 4.0))


def test_one_shift_row_per_sketch(tiny_model, stroke_sketch):
    a, b = stroke_sketch[0], stroke_sketch[0].flip(-1)
    rows = torch.zeros(2, 12)
    rows[1, 0] = 2.0
    faces = tiny_model.generate([a, b], attributes=rows)
    assert np.array_equal(np.asarray(faces[0]), np.asarray(tiny_model.generate(a)))
    assert np.array_equal(np.asarray(faces[1]), np.asarray(tiny_model.generate(b, {"Smiling": 2.0})))
    with pytest.raises(ValueError, match="got 3 rows of attribute shifts for 1 sketches"):
        tiny_model.generate(a, attributes=torch.zeros(3, 12))


BAD_LATENTS = [
    (torch.zeros(32), r"shape \[B, latent_dim\] = \[B, 32\].*got shape \(32,\); add the batch dimension"),
    (torch.zeros(128), r"\[B, 32\].*got shape \(128,\)"),
    (torch.zeros(2, 31), r"\[B, 32\].*got shape \(2, 31\)"),
    (torch.zeros(0, 32), r"got shape \(0, 32\)"),
    ([0.0] * 32, r"\[B, 32\].*got list"),
    (np.zeros((1, 32), dtype=np.float32), r"\[B, 32\].*got ndarray"),
    (torch.zeros(1, 32, dtype=torch.int64), r"got dtype torch.int64"),
    (torch.full((1, 32), float("nan")), r"latent holds NaN or infinite values"),
    (torch.full((1, 32), INF), r"latent holds NaN or infinite values"),
]


@pytest.mark.parametrize("latent, message", BAD_LATENTS, ids=[f"case{i}" for i in range(len(BAD_LATENTS))])
@pytest.mark.parametrize("method", ["edit", "decode", "attribute_scores"])
def test_bad_latents_are_value_errors(tiny_model, latent, message, method):
    call = {
        "edit": lambda z: tiny_model.edit(z, {"Smiling": 1.0}),
        "decode": tiny_model.decode,
        "attribute_scores": tiny_model.attribute_scores,
    }[method]
    with pytest.raises(ValueError, match=message):
        call(latent)


def test_generate_keeps_a_float_batch_on_the_batch_path(tiny_model, stroke_sketch, monkeypatch):
    batch = torch.cat([stroke_sketch, stroke_sketch.flip(-1), stroke_sketch.flip(-2)])
    expected = [np.asarray(tiny_model.generate(item)) for item in batch]

    def item_by_item(*args, **kwargs):
        raise AssertionError("a [B, 1, H, W] float batch at model size was split into items")

    monkeypatch.setattr(modeling, "sketch_to_tensor", item_by_item)
    faces = tiny_model.generate(batch, attributes=torch.zeros(3, 12), batch_size=2)
    assert len(faces) == 3
    assert all(np.array_equal(np.asarray(face), e) for face, e in zip(faces, expected))


def test_low_level_path_has_no_autograd_and_generates_the_same_pixels(stroke_sketch):
    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval().set_inference_precision("bf16")
    assert torch.is_grad_enabled()
    z = model.encode_sketch(stroke_sketch)
    edited = model.edit(z, {"Smiling": 1.5})
    image = model.decode(edited)
    scores = model.attribute_scores(edited)
    assert not any(t.requires_grad for t in (z, edited, image, scores))
    assert not model.encode_image(torch.zeros(1, 3, 32, 32)).requires_grad
    generated = model.generate(stroke_sketch[0], {"Smiling": 1.5})
    assert np.array_equal(np.asarray(signed_batch_to_pils(image)[0]), np.asarray(generated))


def test_forward_keeps_autograd_for_training(tiny_model, stroke_sketch):
    tiny_model.train()
    out = tiny_model(stroke_sketch, {"Smiling": 1.0})
    assert out.requires_grad
    out.mean().backward()
    assert tiny_model.attribute_directions.weight.grad is not None
    assert math.isfinite(float(tiny_model.attribute_directions.weight.grad.abs().sum()))


def test_batch_size_is_checked(tiny_model, stroke_sketch):
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        tiny_model.generate(stroke_sketch, batch_size=0)
