"""A dependency-free metrics tracker for Accelerate: one JSON object per line in ``OUTPUT_DIR/metrics.jsonl``."""

from __future__ import annotations

import json
import time
from pathlib import Path

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
