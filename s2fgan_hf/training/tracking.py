"""A dependency-free metrics tracker for Accelerate: one JSON object per line in ``OUTPUT_DIR/metrics.jsonl``.

Also how a resumed run keeps ``metrics.jsonl`` free of repeated steps (``drop_rows_after``). What a run records
about itself is ``train_config.run_record``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from accelerate.tracking import GeneralTracker, on_main_process


class JSONLTracker(GeneralTracker):
    """Appends ``{"step": N, "time": unix_seconds, **values}`` lines to ``path``; the run config goes to
    ``path.with_name("config.json")``. Lines are flushed at once, so a killed run keeps its log."""

    name = "jsonl"
    requires_logging_directory = False

    def __init__(self, path: str | Path) -> None:
        # No @on_main_process here: it would create Accelerate's PartialState before the Accelerator (with the
        # wrong cpu flag, turning a multi-process CPU launch into independent runs). Writes happen in log().
        super().__init__()
        self.path = Path(path)

    @property
    def tracker(self) -> Path:
        return self.path

    @on_main_process
    def store_init_configuration(self, values: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.with_name("config.json").write_text(json.dumps(values, indent=2, default=str), encoding="utf-8")

    @on_main_process
    def log(self, values: dict, step: int | None = None, **kwargs) -> None:  # noqa: ARG002
        record = {"step": step, "time": round(time.time(), 3)}
        record.update({k: (float(v) if hasattr(v, "item") else v) for k, v in values.items()})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def flatten_for_trackers(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with nested dicts spread into ``"outer.inner"`` keys and lists joined with commas: TensorBoard's
    hyper-parameters take only numbers, strings, booleans and ``None``."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(flatten_for_trackers({f"{key}.{k}": v for k, v in value.items()}))
        elif isinstance(value, (list, tuple)):
            flat[key] = ",".join(str(v) for v in value)
        else:
            flat[key] = value
    return flat


def drop_rows_after(path: str | Path, step: int) -> int:
    """Remove the lines of a ``metrics.jsonl`` logged after ``step`` (a run resumed there logs them again).

    Returns how many lines were dropped. Unparsable lines (a line cut by a kill) are dropped too. The file is
    rewritten atomically; a missing file is left alone.
    """
    path = Path(path)
    if not path.is_file():
        return 0
    kept, dropped = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row_step = json.loads(line).get("step")
        except (json.JSONDecodeError, AttributeError):
            dropped += 1
            continue
        if isinstance(row_step, int) and row_step > step:
            dropped += 1
        else:
            kept.append(line)
    if dropped:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
        os.replace(tmp, path)
    return dropped
