"""Writing output files so that no reader ever sees half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["write_atomic", "write_bytes_atomic"]


def write_atomic(path: Path, write: Callable[[Any], object], *, text: bool = False) -> Path:
    """Call ``write(stream)`` on a new temporary file beside ``path``, then rename it into place.

    The temporary file is created with ``O_EXCL`` (``tempfile.mkstemp``), so it never
    follows a symlink planted under its name nor reuses another process's file. A
    crash leaves the old file (or none), never a half-written one. Text files are
    UTF-8 with the line endings ``write`` produces (``newline=""``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        if text:
            with open(fd, "w", encoding="utf-8", newline="") as f:
                write(f)
        else:
            with open(fd, "wb") as f:
                write(f)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    return write_atomic(path, lambda f: f.write(data))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
