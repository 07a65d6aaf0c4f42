"""Moved to :mod:`s2fgan_hf.atomic_io` (the inference core saves weights with it); kept for old imports."""

from s2fgan_hf.atomic_io import (
    TEMP_PREFIX,
    atomic_save_image,
    atomic_write,
    atomic_write_text,
    default_file_mode,
    remove_stale_temporaries,
)

__all__ = [
    "TEMP_PREFIX",
    "atomic_save_image",
    "atomic_write",
    "atomic_write_text",
    "default_file_mode",
    "remove_stale_temporaries",
]
