"""Resuming runs: a mismatched model is named with what to pass, the recorded preset is the model's real one,
metrics.jsonl has one row per step after a resume, a resumed fine-tune does not announce a new discriminator, and
a learning-rate warm-up goes on where it was."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.training.checkpointing import learning_rates, warm_up_learning_rates
from s2fgan_hf.training.tracking import drop_rows_after
from s2fgan_hf.training.train_config import TrainConfig, TrainConfigError

from .test_train_script import base_args

NEW_DISCRIMINATOR = "starting a new discriminator"


def _without_preset(argv: list) -> list:
    """``base_args`` without ``--preset tiny-32``: a fine-tune leaves it at its default (fast-128)."""
    i = argv.index("--preset")
    return argv[:i] + argv[i + 2 :]


def _steps(out: Path) -> list[int]:
    return [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture
def pretrained_dec(tmp_path: Path) -> Path:
    """A tiny-32 S2F-DEC model saved without a discriminator/ subfolder."""
    torch.manual_seed(0)
    folder = tmp_path / "pretrained"
    S2FGAN(S2FGANConfig.from_preset("tiny-32", variant="dec")).save_pretrained(folder)
    return folder


def test_resumed_fine_tune(prepared_dir, tmp_path, run_training, pretrained_dec, caplog):
    out = tmp_path / "tune"
    tune = _without_preset(base_args(prepared_dir, out, 2)) + [
        "--pretrained_model_name_or_path", pretrained_dec, "--checkpointing_steps", "1",
    ]  # fmt: skip
    with caplog.at_level(logging.INFO):
        run_training(tune)
    assert NEW_DISCRIMINATOR in caplog.text  # a new run really starts one
    # What the run records is the model it trained, not the --preset default it never used.
    for record in (out / "config.json", out / "final" / "training_args.json"):
        saved = json.loads(record.read_text())
        assert (saved["preset"], saved["variant"], saved["resolution"]) == ("tiny-32", "dec", 32), record

    # Resumed from step 1 with the same arguments: no "new discriminator", steps 2-3 logged once each.
    caplog.clear()
    resume = [*tune[: tune.index("--max_train_steps") + 1], "3", *tune[tune.index("--max_train_steps") + 2 :]]
    with caplog.at_level(logging.INFO):
        result = run_training([*resume, "--resume_from_checkpoint", out / "checkpoint-1"])
    assert result["global_step"] == 3
    assert NEW_DISCRIMINATOR not in caplog.text
    assert _steps(out) == [1, 2, 3]

    # Resumed without --pretrained_model_name_or_path: one clear message that says what to pass.
    plain = base_args(prepared_dir, out, 4) + ["--resume_from_checkpoint", "latest", "--checkpointing_steps", "1"]
    with pytest.raises(ValueError, match="fine-tune of .*pretrained") as error:
        run_training(plain)
    message = str(error.value)
    assert f"--pretrained_model_name_or_path {pretrained_dec}" in message and "variant" in message
    assert "variant: checkpoint dec vs this run dis" in message
    assert "missing tensors" not in message and len(message) < 600
    assert _steps(out) == [1, 2, 3]  # the failed resume touched neither the log nor the run's config.json
    assert json.loads((out / "config.json").read_text())["variant"] == "dec"


def test_resume_of_a_new_model_with_another_preset_names_the_preset(prepared_dir, tmp_path, run_training):
    out = tmp_path / "run"
    run_training(base_args(prepared_dir, out, 1) + ["--checkpointing_steps", "1", "--variant", "dec"])
    with pytest.raises(ValueError, match=r"--preset tiny-32 --variant dec\b"):
        run_training(base_args(prepared_dir, out, 2) + ["--resume_from_checkpoint", "latest"])


def test_drop_rows_after(tmp_path):
    log = tmp_path / "metrics.jsonl"
    assert drop_rows_after(log, 3) == 0 and not log.exists()
    rows = [json.dumps({"step": s, "g_loss": 1.0}) for s in (1, 2, 3, 4, 5)]
    log.write_text("\n".join(rows) + '\n{"step": 6, "g_lo')  # the last line cut by a kill
    assert drop_rows_after(log, 3) == 3
    assert _steps(tmp_path) == [1, 2, 3]
    assert drop_rows_after(log, 3) == 0


def test_warm_up_learning_rates_ramps_every_group_and_is_a_no_op_at_zero():
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    opt = torch.optim.Adam([{"params": [params[0]], "lr": 0.01}, {"params": [params[1]], "lr": 0.001}])
    rates = learning_rates([opt])
    warm_up_learning_rates([opt], rates, step=0, warmup_steps=4)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.0025, 0.00025])
    warm_up_learning_rates([opt], rates, step=9, warmup_steps=4)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.01, 0.001])
    warm_up_learning_rates([opt], rates, step=0, warmup_steps=0)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.01, 0.001])
    with pytest.raises(TrainConfigError, match="lr_warmup_steps must be >= 0"):
        TrainConfig(train_data_dir="d", lr_warmup_steps=-1)


def test_a_warm_up_survives_a_resume(prepared_dir, tmp_path, run_training):
    """The ramp is a function of the run's step: a run resumed inside it goes on up the ramp, not at full rate."""
    out = tmp_path / "run"
    argv = base_args(prepared_dir, out, 2) + ["--lr_warmup_steps", "4", "--learning_rate", "0.004"]
    run_training(argv + ["--checkpointing_steps", "1"])
    more = [*argv[: argv.index("--max_train_steps") + 1], "5", *argv[argv.index("--max_train_steps") + 2 :]]
    run_training(more + ["--resume_from_checkpoint", "latest", "--checkpointing_steps", "0"])
    rates = [json.loads(line)["learning_rate"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rates == pytest.approx([0.001, 0.002, 0.003, 0.004, 0.004])
