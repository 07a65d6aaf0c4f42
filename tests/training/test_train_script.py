"""End-to-end runs of train_accelerate.py on the 32 px CelebA fixture (CPU, seeded).

* convergence: photo-reconstruction L1 of the fixture faces falls by at least half;
* resume: a run killed after a checkpoint and resumed with ``latest`` ends bit-identical to an uninterrupted run;
* DDP: two CPU processes (gloo) under ``accelerate launch`` end with identical weights on both ranks;
* bf16 mixed precision, S2F-DEC with gradient accumulation, fine-tuning from a saved model.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import safetensors.torch
import torch
from accelerate.utils import set_seed

from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator
from s2fgan_hf.data import PreparedSketchFaceDataset

from .conftest import REPO_ROOT


def assert_unchanged(before: S2FGAN, after: S2FGAN, names: tuple[str, ...], stage: str) -> None:
    """Every weight of the networks ``names`` is the same in ``before`` and ``after`` (a stage kept them frozen)."""
    for name in names:
        for (key, old), new in zip(
            getattr(before, name).state_dict().items(), getattr(after, name).state_dict().values()
        ):
            assert torch.equal(old, new), f"{name}.{key} changed in {stage}"


def weights_moved(before: torch.nn.Module, after: torch.nn.Module) -> bool:
    """Whether any weight of ``after`` differs from ``before``'s (the network learned)."""
    return any(not torch.equal(a, b) for a, b in zip(before.state_dict().values(), after.state_dict().values()))


def base_args(data: Path, out: Path, steps: int) -> list[str]:
    return [
        "--train_data_dir", data, "--output_dir", out, "--preset", "tiny-32", "--train_batch_size", "4",
        "--max_train_steps", steps, "--seed", "0", "--cpu", "--report_to", "jsonl", "--logging_steps", "1",
        "--validation_steps", "0", "--no-data_augment",
    ]  # fmt: skip


def _fixture_tensors(data: Path, config: S2FGANConfig):
    dataset = PreparedSketchFaceDataset(data, config.attribute_names, "train", image_size=config.image_size)
    items = [dataset[i] for i in range(len(dataset))]
    return torch.stack([i["image"] for i in items]), torch.stack([i["sketch"] for i in items])


@torch.no_grad()
def _reconstruction_l1(model: S2FGAN, images: torch.Tensor, sketches: torch.Tensor) -> tuple[float, float]:
    model.eval()
    photo = (model.decode(model.image_encoder(images)) - images).abs().mean().item()
    sketch = (model.decode(model.sketch_encoder(sketches)) - images).abs().mean().item()
    return photo, sketch


@pytest.mark.slow
def test_reconstruction_l1_halves_on_real_faces(prepared_dir, tmp_path, run_training):
    config = S2FGANConfig.from_preset("tiny-32")
    images, sketches = _fixture_tensors(prepared_dir, config)
    set_seed(0)
    initial = _reconstruction_l1(S2FGAN(config), images, sketches)  # main() builds the same init from seed 0
    out = tmp_path / "run"
    # 120 steps: photo L1 1.10 -> 0.32 (EMA), 0.34 (live); sketch L1 0.86 -> 0.78 (200 steps: 0.29, 0.32; 0.65).
    result = run_training(
        base_args(prepared_dir, out, 120)
        + ["--d_augment", "none", "--checkpointing_steps", "0", "--logging_steps", "20"]
    )
    assert result["global_step"] == 120
    final = _reconstruction_l1(S2FGAN.from_pretrained(out / "final"), images, sketches)
    live = _reconstruction_l1(result["generator"], images, sketches)
    print(f"photo->face L1 {initial[0]:.3f} -> EMA {final[0]:.3f} / live {live[0]:.3f}; "
          f"sketch->face L1 {initial[1]:.3f} -> EMA {final[1]:.3f}")  # fmt: skip
    assert final[0] <= 0.5 * initial[0] and live[0] <= 0.5 * initial[0]
    assert final[1] < initial[1]
    logs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logs] == list(range(20, 121, 20))
    assert all("z_spread_ratio" in r and r["images_per_sec"] > 0 for r in logs)
    assert (out / "samples" / "step_0000120.png").is_file()
    assert (out / "final" / "discriminator" / "model.safetensors").is_file()


def _read_checkpoint(path: Path) -> dict:
    state = {}
    for sub in ("generator", "discriminator", "generator_ema"):
        for k, v in safetensors.torch.load_file(str(path / sub / "model.safetensors")).items():
            state[f"{sub}/{k}"] = v
    for name in ("optimizer.bin", "optimizer_1.bin", "custom_checkpoint_0.pkl", "custom_checkpoint_1.pkl"):
        state[name] = torch.load(path / name, weights_only=False)
    return state


def _assert_same(a, b, where=""):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


@pytest.mark.slow
def test_killed_run_resumes_bit_identically(prepared_dir, tmp_path, run_training):
    # 12 items / batch 4 = 3 batches per epoch: checkpoint-4 sits inside epoch 1, so resuming skips a batch.
    extra = ["--checkpointing_steps", "4", "--d_augment", "ada", "--ada_kimg", "0.02", "--d_reg_every", "3"]
    uninterrupted = tmp_path / "a"
    run_training(base_args(prepared_dir, uninterrupted, 7) + extra)

    killed = tmp_path / "b"
    cmd = [sys.executable, str(REPO_ROOT / "train_accelerate.py")] + [
        str(a) for a in base_args(prepared_dir, killed, 1000)
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd + extra, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not (killed / "checkpoint-4").is_dir():
            assert proc.poll() is None, "the training subprocess died before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint-4 within 240 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    # What a kill during a save leaves behind must not be picked by `latest`.
    (killed / ".tmp-checkpoint-99" / "generator").mkdir(parents=True)
    assert not (killed / "checkpoint-7").exists()
    _assert_same(_read_checkpoint(uninterrupted / "checkpoint-4"), _read_checkpoint(killed / "checkpoint-4"))

    result = run_training(base_args(prepared_dir, killed, 7) + extra + ["--resume_from_checkpoint", "latest"])
    assert result["global_step"] == 7
    a, b = _read_checkpoint(uninterrupted / "checkpoint-7"), _read_checkpoint(killed / "checkpoint-7")
    assert a["custom_checkpoint_0.pkl"]["num_updates"] == 7  # EMA counter
    assert a["custom_checkpoint_1.pkl"]["p"] > 0  # ADA really adapted, so its state matters
    _assert_same(a, b)


def test_resume_latest_tolerates_an_empty_output_dir(prepared_dir, tmp_path, run_training):
    result = run_training(
        base_args(prepared_dir, tmp_path / "new", 1)
        + ["--resume_from_checkpoint", "latest", "--checkpointing_steps", "0"]
    )
    assert result["global_step"] == 1


def test_resume_takes_the_new_learning_rate(prepared_dir, tmp_path, run_training):
    # Loading the optimizer state also loads its saved rate; a resumed run must use the rate it is given (to anneal,
    # or to go on after a non-finite loss, as that error advises).
    out = tmp_path / "anneal"
    args = ["--checkpointing_steps", "1", "--no-ema_warmup"]
    run_training(base_args(prepared_dir, out, 1) + args)
    run_training(
        base_args(prepared_dir, out, 2) + args + ["--resume_from_checkpoint", "latest", "--learning_rate", "0.0005"]
    )
    for step, rate in ((1, None), (2, 0.0005)):
        g = torch.load(out / f"checkpoint-{step}" / "optimizer.bin", weights_only=False)["param_groups"]
        d = torch.load(out / f"checkpoint-{step}" / "optimizer_1.bin", weights_only=False)["param_groups"]
        if rate is None:
            rate = g[0]["lr"]
            assert rate != 0.0005
        assert [group["lr"] for group in g] == [rate, rate]
        assert d[0]["lr"] == pytest.approx(rate * 16 / 17)  # the lazy-R1 correction of the default d_reg_every


def test_a_time_budget_stops_with_a_checkpoint_and_final_folder(prepared_dir, tmp_path, run_training):
    out = tmp_path / "budget"
    # A budget shorter than one step: the run stops after its first step, saved as at a normal end.
    result = run_training(
        base_args(prepared_dir, out, 50) + ["--max_train_minutes", "1e-6", "--checkpointing_steps", "0"]
    )
    assert result["global_step"] == 1
    assert S2FGAN.from_pretrained(out / "final").config.preset == "tiny-32"
    again = run_training(
        base_args(prepared_dir, out, 50)
        + ["--max_train_minutes", "1e-6", "--checkpointing_steps", "10", "--resume_from_checkpoint", "latest"]
    )
    assert again["global_step"] == 1  # no checkpoint was written with --checkpointing_steps 0: a new run
    assert (out / "checkpoint-1").is_dir()


def test_bf16_mixed_precision_runs(prepared_dir, tmp_path, run_training):
    out = tmp_path / "bf16"
    extra = ["--mixed_precision", "bf16", "--d_reg_every", "2", "--d_augment", "diffaug", "--checkpointing_steps", "3"]
    result = run_training(base_args(prepared_dir, out, 3) + extra)
    assert result["global_step"] == 3
    assert all(torch.isfinite(torch.tensor(v)) for v in result["metrics"].values())
    assert "r1" in json.loads((out / "metrics.jsonl").read_text().splitlines()[2])  # steps 0 and 2 had R1
    assert all(p.dtype == torch.float32 for p in result["generator"].parameters())  # master weights stay fp32
    assert S2FGAN.from_pretrained(out / "final").config.preset == "tiny-32"


def test_dec_with_gradient_accumulation_then_fine_tune(prepared_dir, tmp_path, run_training):
    out = tmp_path / "dec"
    extra = ["--variant", "dec", "--gradient_accumulation_steps", "2", "--checkpointing_steps", "0"]
    result = run_training(base_args(prepared_dir, out, 2) + extra)
    assert result["global_step"] == 2
    assert {"g_edit", "g_cycle", "d_probe"} <= set(result["metrics"])
    model = S2FGAN.from_pretrained(out / "final")
    assert model.config.variant == "dec"
    disc = S2FGANDiscriminator.from_pretrained_subfolder(out / "final")
    tuned = tmp_path / "tuned"
    argv = base_args(prepared_dir, tuned, 1) + ["--pretrained_model_name_or_path", out / "final"]
    result = run_training(argv + ["--checkpointing_steps", "0", "--learning_rate", "0"])  # lr 0: weights stay put
    assert result["generator"].config.variant == "dec"
    _assert_same(disc.state_dict(), result["discriminator"].state_dict())  # loaded, not re-initialised
    _assert_same(model.state_dict(), result["generator"].state_dict())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ddp_two_cpu_processes_keep_weights_identical(prepared_dir, tmp_path):
    out = tmp_path / "ddp"
    launch = [
        sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
        "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
        "--main_process_port", str(_free_port()), str(REPO_ROOT / "tests" / "training" / "ddp_driver.py"),
    ]  # fmt: skip
    args = base_args(prepared_dir, out, 4)
    args[args.index("--train_batch_size") + 1] = "2"
    args += ["--checkpointing_steps", "2", "--d_reg_every", "2", "--d_augment", "ada", "--ada_kimg", "0.02"]
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(launch + [str(a) for a in args], env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-4000:]
    ranks = [torch.load(out / f"rank{i}.pt", weights_only=False) for i in range(2)]
    for r in ranks:
        assert r["num_processes"] == 2 and r["distributed_type"] == "DistributedType.MULTI_CPU"
        assert r["global_step"] == 4
    _assert_same(ranks[0]["generator"], ranks[1]["generator"])
    _assert_same(ranks[0]["discriminator"], ranks[1]["discriminator"])
    _assert_same(ranks[0]["ema"], ranks[1]["ema"])
    set_seed(0)
    init = S2FGAN(S2FGANConfig.from_preset("tiny-32")).state_dict()
    assert not torch.equal(init["decoder.conv1.conv.weight"], ranks[0]["generator"]["decoder.conv1.conv.weight"])
    assert (out / "checkpoint-2" / "random_states_1.pkl").is_file()  # each rank's RNG state is checkpointed


def test_on_the_fly_sketches_from_raw_celeba_photos(tmp_path, run_training):
    photos = REPO_ROOT / "tests" / "fixtures" / "data" / "celeba"  # the data branch's 16 raw CelebA photos
    args = base_args(photos, tmp_path / "otf", 2)
    args[args.index("--train_data_dir")] = "--photo_dir"
    args[args.index("--no-data_augment")] = "--data_augment"
    result = run_training(args + ["--photo_format", "celeba", "--checkpointing_steps", "0"])
    assert result["global_step"] == 2 and (tmp_path / "otf" / "final" / "model.safetensors").is_file()


def test_non_finite_loss_stops_before_anything_is_saved(prepared_dir, tmp_path, run_training, monkeypatch):
    import train_accelerate

    real_step, calls = train_accelerate.generator_step, []

    def step_that_breaks_on_the_third_call(*args, **kwargs):
        metrics = real_step(*args, **kwargs)
        calls.append(1)
        return metrics | {"g_loss": float("nan")} if len(calls) == 3 else metrics

    monkeypatch.setattr(train_accelerate, "generator_step", step_that_breaks_on_the_third_call)
    out = tmp_path / "nan"
    with pytest.raises(FloatingPointError, match="non-finite loss at step 3.*after step 2"):
        run_training(base_args(prepared_dir, out, 4) + ["--checkpointing_steps", "2"])
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2"]
    assert not (out / "final").exists()


def test_fine_tuning_a_model_whose_sketch_encoder_fuses_a_reader(prepared_dir, tmp_path, run_training):
    torch.manual_seed(0)
    start = S2FGAN(S2FGANConfig.from_preset("tiny-32", sketch_reader_width=16))
    with torch.no_grad():
        start.sketch_encoder.fusion.weight[:, :16].normal_(0.0, 0.1)  # the fusion reads the reader (as when fitted)
    start.save_pretrained(tmp_path / "start")
    argv = base_args(prepared_dir, tmp_path / "tuned", 2) + ["--pretrained_model_name_or_path", tmp_path / "start"]
    result = run_training(argv + ["--checkpointing_steps", "0"])
    tuned = S2FGAN.from_pretrained(tmp_path / "tuned" / "final")
    assert tuned.config.sketch_reader_width == 16
    assert weights_moved(start.sketch_encoder.reader, tuned.sketch_encoder.reader)  # trained with E_s, end to end
    assert weights_moved(start.sketch_encoder.fusion, result["generator"].sketch_encoder.fusion)

    frozen = tmp_path / "frozen"
    argv = base_args(prepared_dir, frozen, 2) + ["--pretrained_model_name_or_path", tmp_path / "start"]
    result = run_training(argv + ["--checkpointing_steps", "0", "--freeze_sketch_reader"])
    held = result["generator"].sketch_encoder
    assert not weights_moved(start.sketch_encoder.reader, held.reader)
    assert not weights_moved(start.sketch_encoder.fusion, held.fusion)
    assert weights_moved(start.sketch_encoder.refine, held.refine)  # the ResNet beneath them learns
    with pytest.raises(ValueError, match="no reader"):
        run_training(base_args(prepared_dir, tmp_path / "plain", 1) + ["--freeze_sketch_reader"])
