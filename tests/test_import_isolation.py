"""``import s2fgan_hf`` (and running the inference API) loads no dataset, training, evaluation, app or CLI code.

Each check runs in a fresh interpreter, so what other tests imported cannot hide a leak.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Packages of the package that the inference core must not load, and heavy third-party packages it never needs.
FORBIDDEN = (
    "s2fgan_hf.data",
    "s2fgan_hf.training",
    "s2fgan_hf.evaluation",
    "s2fgan_hf.app",
    "s2fgan_hf.commands",
    "s2fgan_hf.losses",
    "gradio",
    "accelerate",
)


def _loaded_after(code: str) -> list[str]:
    """The modules in ``sys.modules`` after running ``code`` in a fresh interpreter (repo root first on the path)."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _leaks(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]


def test_import_s2fgan_hf_loads_only_the_inference_core():
    modules = _loaded_after("import s2fgan_hf")
    assert "s2fgan_hf.modeling_s2fgan" in modules  # the check itself works
    assert _leaks(modules) == []


def test_the_inference_api_loads_only_the_inference_core():
    code = """
import torch
from PIL import Image
from s2fgan_hf import S2FGAN, S2FGANConfig
from s2fgan_hf.loading import load_model  # noqa: F401

model = S2FGAN(S2FGANConfig.from_preset("tiny-32")).eval()
sketch = Image.new("L", (64, 64), 255)
sketch.paste(0, (10, 10, 54, 12))
model.generate([sketch], attributes={"Smiling": 1.0})
model.encode_image(Image.new("RGB", (40, 50), (120, 80, 60)))
"""
    assert _leaks(_loaded_after(code)) == []
