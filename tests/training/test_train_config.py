"""``TrainConfig``: the script's flags fill it one to one, it keeps the only defaults, its errors name settings (the
script turns them into flags), and a run saves it with every checkpoint."""

from __future__ import annotations

import dataclasses

import pytest

from s2fgan_hf import S2FGANConfig
from s2fgan_hf.losses import LossWeights
from s2fgan_hf.training import TrainConfig, TrainConfigError
from s2fgan_hf.training.checkpointing import ResumeMismatchError
from s2fgan_hf.training.train_config import run_record


@pytest.fixture
def script():
    import train_accelerate

    return train_accelerate


def test_flags_and_fields_correspond_one_to_one(script):
    dests = {a.dest for a in script.build_parser()._actions if a.dest != "help"}
    lambdas = {f"lambda_{name}" for name in LossWeights.names()}
    assert lambdas <= dests  # one --lambda_<term> per LossWeights field
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert dests - lambdas == fields - {"loss_weights"}


def test_unset_flags_keep_the_dataclass_defaults(script):
    assert script.parse_args(["--train_data_dir", "data"]) == TrainConfig(train_data_dir="data")
    config = script.parse_args(
        ["--photo_dir", "raw", "--lambda_sketch_l1", "2.5", "--lambda_sem", "0", "--no-ema_warmup", "--cpu"]
    )
    assert config.loss_weights == {"sem": 0.0, "sketch_l1": 2.5}
    assert (config.ema_warmup, config.cpu, config.d_reg_every) == (False, True, TrainConfig.d_reg_every)
    weights = config.resolve_loss_weights("dis")
    assert (weights.sem, weights.sketch_l1, weights.ortho) == (0.0, 2.5, 1.0)
    steps = config.step_config(weights)
    assert (steps.d_reg_every, steps.r1_gamma, steps.weights) == (16, 1.0, weights)


@pytest.mark.parametrize(
    ("argv", "setting", "flag_message"),
    [
        (["--train_data_dir", "d", "--train_batch_size", "0"], "train_batch_size", "--train_batch_size must be >= 1"),
        (["--train_data_dir", "d", "--photo_dir", "p"], "train_data_dir", "give exactly one of --train_data_dir"),
        (["--train_data_dir", "d", "--lambda_adv", "-1"], "loss_weights.adv", "--lambda_adv must be a finite"),
        (["--train_data_dir", "d", "--d_reg_every", "-2"], "d_reg_every", "--d_reg_every must be >= 0"),
        (["--train_data_dir", "d", "--push_to_hub"], "push_to_hub", "--push_to_hub needs --hub_model_id"),
        (["--train_data_dir", "d", "--perceptual_loss", "vgg19"], "perceptual_loss", "needs ImageNet VGG19 weights"),
    ],
)
def test_errors_name_settings_and_the_script_names_flags(script, capsys, argv, setting, flag_message):
    with pytest.raises(SystemExit):
        script.parse_args(argv)
    assert flag_message in capsys.readouterr().err
    given = vars(script.build_parser().parse_args(argv))
    weights = {k.removeprefix("lambda_"): given.pop(k) for k in list(given) if k.startswith("lambda_")}
    with pytest.raises(TrainConfigError) as error:
        TrainConfig(**given, loss_weights=weights)
    assert setting in error.value.fields and "--" not in str(error.value)


def test_run_record_round_trips_with_the_weights_used():
    config = TrainConfig(train_data_dir="d", loss_weights={"sketch_l1": 1.0}, hub_token="secret")
    model_config = S2FGANConfig.from_preset("tiny-32", variant="dec")
    record = run_record(config, model_config, config.resolve_loss_weights("dec"))
    assert record["hub_token"] is None
    assert (record["preset"], record["variant"], record["resolution"]) == ("tiny-32", "dec", 32)
    again = TrainConfig.from_dict(record)
    assert again.resolve_loss_weights("dec") == config.resolve_loss_weights("dec")
    with pytest.raises(TrainConfigError, match="unknown training settings"):
        TrainConfig.from_dict({**record, "lambda_sem": 1.0})


def test_resume_mismatch_speaks_of_settings():
    error = ResumeMismatchError("cannot resume", {"preset": "tiny-32", "variant": "dec"})
    assert str(error).endswith("preset=tiny-32, variant=dec") and "--" not in str(error)


def test_training_library_errors_name_no_flags():
    import ast
    import re

    from .conftest import REPO_ROOT

    package = REPO_ROOT / "s2fgan_hf"
    files = [*(package / "training").glob("*.py"), *(package / "networks").glob("*.py")]
    files += [package / name for name in ("losses.py", "config.py", "modeling_s2fgan.py")]
    flagged = []
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                strings = [
                    n.value for n in ast.walk(node.exc) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
                flagged += [f"{file.name}:{node.lineno}" for s in strings if re.search(r"--[a-z]", s)]
    assert flagged == []
