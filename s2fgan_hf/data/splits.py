"""Deterministic, documented train/test split rules.

* **CelebAMask-HQ** (the split of the official S2FGAN code): image index ``k`` goes to *test* when ``k % 20 == 0``
  (1,500 of 30,000), else to *train*.
* **CelebA aligned**: the official ``list_eval_partition.txt`` when present (0 → train, 1 → val, 2 → test).
  Without it: the file number (``000010.jpg`` → 10) with ``number % 10 == 0`` → test, else train (10 %).
* **Image folder**: a ``split`` column in the metadata when present; otherwise the number rule above on the digits
  of the file stem; a stem without digits is hashed (``zlib.crc32`` of the stem, ``% 10 == 0`` → test), which is
  stable across machines and Python runs (unlike ``hash``).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

SPLITS: tuple[str, ...] = ("train", "val", "test")
CELEBA_PARTITIONS: dict[int, str] = {0: "train", 1: "val", 2: "test"}
CELEBAMASK_HQ_TEST_EVERY = 20
NUMBER_RULE_TEST_EVERY = 10

_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
    "0": "train",
    "1": "val",
    "2": "test",
}


def celebamask_hq_split(index: int) -> str:
    """Official S2FGAN CelebAMask-HQ split: ``"test"`` when ``index % 20 == 0``, else ``"train"``."""
    return "test" if index % CELEBAMASK_HQ_TEST_EVERY == 0 else "train"


def number_rule_split(name: str) -> str:
    """Fallback split for CelebA without a partition file and for image folders without a ``split`` column.

    The last run of digits in the file stem is the file number: ``number % 10 == 0`` → ``"test"``. A stem without
    digits uses ``zlib.crc32(stem) % 10 == 0`` → ``"test"``. Everything else is ``"train"``.
    """
    stem = Path(name).stem
    digits = re.findall(r"\d+", stem)
    key = int(digits[-1]) if digits else zlib.crc32(stem.encode("utf-8"))
    return "test" if key % NUMBER_RULE_TEST_EVERY == 0 else "train"


def normalize_split(value: object) -> str:
    """Map a split value from a metadata file (``train``/``val``/``test``, common aliases or 0/1/2) to a name."""
    key = str(value).strip().lower()
    if key not in _SPLIT_ALIASES:
        raise ValueError(f"unknown split value {value!r}; accepted: train, val, test (or 0, 1, 2 / common aliases)")
    return _SPLIT_ALIASES[key]


def read_celeba_partition(path: str | Path) -> dict[str, str]:
    """Parse CelebA's ``list_eval_partition.txt`` (``<file> <0|1|2>`` per line) into ``{file_name: split}``."""
    partition: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
                raise ValueError(f"{path}:{line_number}: expected '<file name> <0|1|2>', got {line.strip()!r}")
            partition[fields[0]] = CELEBA_PARTITIONS[int(fields[1])]
    return partition
