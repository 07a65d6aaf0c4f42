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

    @on_main_process
    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def tracker(self) -> Path:
        return self.path

    @on_main_process
    def store_init_configuration(self, values: dict) -> None:
        self.path.with_name("config.json").write_text(json.dumps(values, indent=2, default=str), encoding="utf-8")

    @on_main_process
    def log(self, values: dict, step: int | None = None, **kwargs) -> None:  # noqa: ARG002
        record = {"step": step, "time": round(time.time(), 3)}
        record.update({k: (float(v) if hasattr(v, "item") else v) for k, v in values.items()})
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
