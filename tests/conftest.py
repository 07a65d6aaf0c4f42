"""Shared test setup: offline Hub, CPU, deterministic, tiny models."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402
import torch  # noqa: E402

from s2fgan_hf import S2FGAN, S2FGANConfig  # noqa: E402

torch.use_deterministic_algorithms(True, warn_only=True)


@pytest.fixture
def tiny_config() -> S2FGANConfig:
    return S2FGANConfig.from_preset("tiny-32")


@pytest.fixture
def tiny_model(tiny_config: S2FGANConfig) -> S2FGAN:
    torch.manual_seed(0)
    return S2FGAN(tiny_config).eval()


@pytest.fixture
def saved_model(tmp_path, tiny_model: S2FGAN):
    """The tiny model as a save_pretrained folder (for the CLI tests)."""
    path = tmp_path / "model"
    tiny_model.save_pretrained(path)
    return path


@pytest.fixture
def stroke_sketch() -> torch.Tensor:
    """A [1, 1, 32, 32] sketch in the training format: +1 paper with a few -1 strokes."""
    s = torch.ones(1, 1, 32, 32)
    s[..., 8, 6:26] = -1  # brows
    s[..., 12:14, 10:13] = -1  # eyes
    s[..., 12:14, 19:22] = -1
    s[..., 22, 11:21] = -1  # mouth
    s[..., 4:28, 4] = -1  # outline
    s[..., 4:28, 27] = -1
    return s


@pytest.fixture(scope="session")
def real_sketches() -> list:
    """The 11 real HED edge maps of CelebAMask-HQ photos in the fixtures (white edges on black, 256 px)."""
    from pathlib import Path

    from PIL import Image

    folder = Path(__file__).parent / "fixtures" / "data" / "celebamask_hq" / "hed_edge_256"
    return [Image.open(p).convert("L") for p in sorted(folder.glob("*.png"))]


@pytest.fixture(scope="session")
def prepared_celeba64(tmp_path_factory) -> Path:
    """The CelebA fixture photos prepared at 64 px with all 40 attributes (read only by the tests that take it)."""
    from s2fgan_hf.data import prepare_dataset

    out = tmp_path_factory.mktemp("prepared64")
    prepare_dataset(Path(__file__).parent / "fixtures" / "data" / "celeba", out, "celeba", size=64, progress=False)
    return out
