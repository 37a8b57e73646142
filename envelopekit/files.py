"""Writing output files so that no reader ever sees half of one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["write_atomic", "write_bytes_atomic"]


def write_atomic(path: Path, write: Callable[[Any], object], *, text: bool = False) -> Path:
    """Call ``write(stream)`` on a temporary file beside ``path``, then rename it into place.

    A crash leaves the old file (or none), never a half-written one. Text files are
    UTF-8 with the line endings ``write`` produces (``newline=""``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if text:
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                write(f)
        else:
            with open(tmp, "wb") as f:
                write(f)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    return write_atomic(path, lambda f: f.write(data))
