"""CUDA and mixed-precision checks: run where a GPU is present (``bench/gpu_session.sh`` runs them first).

On a machine without CUDA every test here is skipped; they are not counted as evidence of GPU support until a run
on a GPU has passed them.
"""

from __future__ import annotations

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.loading import load_model

from ..test_fast_inference import psnr
from .test_train_script import base_args

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _faces(model: S2FGAN, sketches: torch.Tensor, precision: str) -> torch.Tensor:
    model.set_inference_precision(precision, channels_last=precision != "fp32")
    with torch.no_grad():
        return model.decode(model.edit(model.encode_sketch(sketches), {"Smiling": 2.0}))


def test_bundled_checkpoint_on_cuda_matches_the_cpu(prepared_dir):
    sketches = torch.stack(_fixture_sketches(prepared_dir, 64))
    cpu = load_model(None)
    reference = _faces(cpu, sketches, "fp32")
    gpu = load_model(None).cuda()
    assert gpu.inference_dtype == torch.bfloat16  # "auto" picks bf16 on a GPU that has it
    assert psnr(_faces(gpu, sketches.cuda(), "fp32"), reference) >= 40.0  # TF32 convolutions
    assert psnr(_faces(gpu, sketches.cuda(), "auto"), reference) >= 35.0  # the fast path's quality guard


def test_batched_sketches_stay_on_the_gpu():
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).cuda().eval()
    batch = torch.where(torch.rand(8, 1, 32, 32, device="cuda") < 0.1, -1.0, 1.0)
    assert model.prepare_sketches(batch).device.type == "cuda"
    assert torch.equal(model.prepare_sketches(batch), batch)


@pytest.mark.parametrize("precision", ["bf16", "fp16", "no"])
def test_training_on_cuda_with_mixed_precision(prepared_dir, tmp_path, run_training, precision):
    out = tmp_path / precision
    argv = [a for a in base_args(prepared_dir, out, 4) if a != "--cpu"]
    extra = ["--mixed_precision", precision, "--d_reg_every", "2", "--checkpointing_steps", "2"]
    result = run_training(argv + extra)
    assert result["global_step"] == 4
    assert next(result["generator"].parameters()).device.type == "cuda"
    assert all(torch.isfinite(torch.tensor(v)) for v in result["metrics"].values()), result["metrics"]
    assert all(p.dtype == torch.float32 for p in result["generator"].parameters())  # fp32 master weights
    resumed = run_training(argv + extra[:2] + ["--resume_from_checkpoint", "latest", "--max_train_steps", "6"])
    assert resumed["global_step"] == 6
    assert S2FGAN.from_pretrained(out / "final").config.preset == "tiny-32"


def _fixture_sketches(prepared_dir, size: int) -> list[torch.Tensor]:
    from s2fgan_hf.data import PreparedSketchFaceDataset

    config = S2FGANConfig.from_preset("cpu-64")
    data = PreparedSketchFaceDataset(prepared_dir, config.attribute_names, "test", image_size=size)
    return [data[i]["sketch"] for i in range(len(data))]


def test_refinement_follows_the_model_to_the_gpu():
    from s2fgan_hf import S2FGANDiscriminator
    from s2fgan_hf.latent_refinement import RefinementSettings

    torch.manual_seed(0)
    model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
    model.set_refinement(S2FGANDiscriminator(model.config), RefinementSettings(steps=3))
    sketch = torch.where(torch.rand(2, 1, 32, 32) < 0.1, -1.0, 1.0)
    model.set_inference_precision("fp32")
    on_cpu = model.encode_sketch(sketch)
    model.cuda()  # moved after set_refinement: the critic follows
    with torch.inference_mode():
        on_gpu = model.encode_sketch(sketch.cuda())
    assert on_gpu.device.type == "cuda"
    torch.testing.assert_close(on_gpu.cpu(), on_cpu, atol=1e-3, rtol=1e-3)
