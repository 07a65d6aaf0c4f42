"""Shared setup of the training tests: offline, CPU, the 32 px CelebA fixture, Accelerate state reset."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import pytest  # noqa: E402
import torch  # noqa: E402

# One intra-op thread: on a shared 2-core runner, OpenMP's spin-waiting threads slow tiny convolutions down by
# orders of magnitude as soon as another process holds a core. Subprocesses get OMP_NUM_THREADS=1 for the same
# reason (and so that a killed-and-resumed subprocess computes bit-identically to the in-process run).
torch.set_num_threads(1)

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "train" / "prepared"


@pytest.fixture
def prepared_dir() -> Path:
    """12 train + 4 test real CelebA faces at 32 px with sketches, in the prepare-data layout."""
    return FIXTURE_DIR


def reset_accelerate() -> None:
    """Forget the process-wide Accelerate state so the next ``Accelerator`` may use other settings."""
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()


@pytest.fixture
def run_training():
    """Call ``train_accelerate.main(argv)`` in this process, resetting Accelerate's singletons around it."""
    import train_accelerate

    def run(argv: list[str]) -> dict:
        reset_accelerate()
        try:
            return train_accelerate.main([str(a) for a in argv])
        finally:
            reset_accelerate()

    return run
