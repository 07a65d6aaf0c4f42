"""A third attribute editor is one class plus one registry call: it trains with train_accelerate.py and generates."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.networks import EDITORS, AttributeEditor, register_editor
from s2fgan_hf.training import TrainConfig

from .test_train_script import base_args


class NoOpEditor(AttributeEditor):
    """Moves nothing: M(z, a) = z. No weights, no loss terms; C is fitted as a probe in the discriminator step."""

    default_loss_weights = {"probe": 1.0}

    def forward(self, z: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
        return z


@pytest.fixture
def noop_editor():
    register_editor("noop", NoOpEditor)
    yield NoOpEditor
    del EDITORS["noop"]


def test_unregistered_variant_is_refused_with_the_registered_names():
    config = S2FGANConfig.from_preset("tiny-32", variant="noop")  # a valid config: any name
    with pytest.raises(ValueError, match=r"variant must be one of \('dis', 'dec'\), got 'noop'; .* registered"):
        S2FGAN(config)


def test_a_registered_editor_trains_and_generates(noop_editor, prepared_dir, tmp_path, run_training):
    out = tmp_path / "noop"
    result = run_training(base_args(prepared_dir, out, 2) + ["--variant", "noop", "--checkpointing_steps", "1"])
    assert result["global_step"] == 2
    logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in logged] == [1, 2]
    assert {"g_align", "g_domain", "g_l1", "g_adv", "d_probe"} <= set(logged[-1])
    assert not {"g_sem", "g_ortho", "g_edit", "g_cycle"} & set(logged[-1])  # the built-in editors' terms
    assert all(torch.isfinite(torch.tensor(v)) for v in result["metrics"].values())

    model = S2FGAN.from_pretrained(out / "final")
    assert model.config.variant == "noop" and isinstance(model.attribute_mapping, NoOpEditor)
    assert not any(k.startswith("attribute_mapping.") for k in model.state_dict())  # no weights of its own
    sketch = Image.open(next((prepared_dir / "sketches").glob("*.png")))
    face = model.generate(sketch, attributes={"Smiling": 3.0, "Male": -2.0})
    assert face.size == (32, 32)
    assert face.tobytes() == model.generate(sketch).tobytes()  # the no-op edit changes nothing
    z = model.encode_sketch(sketch)
    assert torch.equal(model.edit(z, {"Young": 4.0}), z)

    for record in (out / "checkpoint-1" / "training_args.json", out / "final" / "training_args.json"):
        saved = TrainConfig.from_dict(json.loads(record.read_text()))
        assert saved.variant == "noop" and saved.loss_weights["probe"] == 1.0 and saved.loss_weights["sem"] == 0.0
