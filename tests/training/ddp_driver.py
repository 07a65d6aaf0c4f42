"""Run ``train_accelerate.main`` under ``accelerate launch`` and save each rank's final weights for comparison.

Used by ``test_train_script.py::test_ddp_two_cpu_processes_keep_weights_identical``; writes
``<output_dir>/rank<i>.pt`` holding the rank's generator, discriminator and EMA state dicts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import train_accelerate  # noqa: E402


def main() -> None:
    argv = sys.argv[1:]
    result = train_accelerate.main(argv)
    output_dir = Path(argv[argv.index("--output_dir") + 1])
    torch.save(
        {
            "num_processes": result["num_processes"],
            "distributed_type": result["distributed_type"],
            "global_step": result["global_step"],
            "generator": result["generator"].state_dict(),
            "discriminator": result["discriminator"].state_dict(),
            "ema": result["ema"].state_dict(),
        },
        output_dir / f"rank{result['process_index']}.pt",
    )


if __name__ == "__main__":
    main()
