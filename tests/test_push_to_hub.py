"""push_to_hub then from_pretrained("user/repo") against an in-test fake Hub server (no network)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from .fake_hub import FakeHub

SCRIPT = textwrap.dedent(
    """
    import sys, torch
    from huggingface_hub import HfApi
    from s2fgan_hf import S2FGAN, S2FGANConfig, S2FGANDiscriminator

    torch.manual_seed(0)
    cfg = S2FGANConfig.from_preset("tiny-32", variant="dec")
    model = S2FGAN(cfg).eval()
    disc = S2FGANDiscriminator(cfg)
    url = model.push_to_hub("user/s2fgan-test")
    # The discriminator goes to the discriminator/ subfolder of the same repo.
    disc.save_pretrained(sys.argv[1] + "/disc")
    HfApi().upload_folder(repo_id="user/s2fgan-test", folder_path=sys.argv[1] + "/disc", path_in_repo="discriminator")

    loaded = S2FGAN.from_pretrained("user/s2fgan-test", cache_dir=sys.argv[1] + "/cache")
    sketch = torch.ones(1, 1, 32, 32); sketch[..., 10:20, 16] = -1
    with torch.no_grad():
        same = torch.equal(model(sketch, {"Smiling": 1.0}), loaded(sketch, {"Smiling": 1.0}))
    d2 = S2FGANDiscriminator.from_pretrained_subfolder("user/s2fgan-test", cache_dir=sys.argv[1] + "/cache")
    x = torch.zeros(1, 3, 32, 32)
    with torch.no_grad():
        same_d = torch.equal(disc(x), d2(x))
    print("RESULT", same, same_d, loaded.config == cfg)
    """
)


def test_push_to_hub_round_trip(tmp_path: Path):
    with FakeHub() as hub:
        env = hub.client_env(tmp_path / "hf_home")
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "RESULT True True True" in proc.stdout, proc.stdout + proc.stderr
        files = hub.repos["user/s2fgan-test"]
    assert {"README.md", "config.json", "model.safetensors"} <= set(files)
    assert {"discriminator/config.json", "discriminator/model.safetensors"} <= set(files)
    config = json.loads(files["config.json"])
    assert config["variant"] == "dec" and config["image_size"] == 32

    from huggingface_hub import ModelCard

    card_path = tmp_path / "README.md"
    card_path.write_bytes(files["README.md"])
    card = ModelCard.load(card_path)
    data = card.data.to_dict()
    assert data["library_name"] == "s2fgan-hf"
    assert data["license"] == "mit"
    assert data["pipeline_tag"] == "image-to-image"
    assert "sketch-to-image" in data["tags"]
    assert "Smiling, Male, No_Beard" in card.text  # attribute list rendered from the config
    assert "S2F-DEC" in card.text
