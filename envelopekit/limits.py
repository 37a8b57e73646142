"""Resource limits: nothing small may make envelopekit take gigabytes.

Every input that decides how much memory or time a run takes is bounded here, by a
named limit with a default that real work stays far below. A limit that is hit stops
with a message naming the limit, the amount, and how to raise it: a command-line flag
where there is one, and always an environment variable (``ENVELOPEKIT_MAX_...``).

=========================  ==============  =================================================
limit                      default         raise with
=========================  ==============  =================================================
pixels per rendered page   100 million     ``verify --max-pixels``, ``ENVELOPEKIT_MAX_PAGE_PIXELS``
pixels per previewed kit   100 million     ``preview --max-pixels``,
                                           ``ENVELOPEKIT_MAX_PREVIEW_PIXELS``
unpacked XLSX workbook     256 MiB         ``ENVELOPEKIT_MAX_XLSX_BYTES``
manifest file (verify)     512 MiB         ``ENVELOPEKIT_MAX_MANIFEST_BYTES``
=========================  ==============  =================================================

100 million pixels is an SRA3 press sheet at 600 dpi with room to spare (a 100 MB
greyscale bitmap for ``verify``, which renders one page at a time). ``preview`` holds all
of a kit's pages in colour at once, so its bound is on their sum: the help-me kit has
5 million pixels at the default 100 dpi, so up to about 440 dpi fits. Fixed bounds
that no real file reaches (a key file of 4 KB, a CSV line of 16 million characters,
16 384 columns and 1 048 576 rows in a workbook, as in Excel) are constants where
they are used.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import EnvelopekitError

__all__ = [
    "MANIFEST_BYTES",
    "PAGE_PIXELS",
    "PREVIEW_PIXELS",
    "XLSX_BYTES",
    "Limit",
    "LimitError",
    "regular_file",
]


class LimitError(EnvelopekitError):
    """An input over one of the resource limits (the message says how to raise it)."""


@dataclass(frozen=True, slots=True)
class Limit:
    """A bound with a default, an environment variable and maybe a command-line flag."""

    what: str  # "pixels per rendered page"
    default: int
    env: str
    flag: str | None = None

    def get(self, value: int | None = None) -> int:
        """``value`` when given (from a flag or a keyword), else ``$env``, else the default."""
        if value is None:
            raw = os.environ.get(self.env, "").strip().replace("_", "")
            if not raw:
                return self.default
            if not raw.isdigit() or int(raw) < 1:
                raise LimitError(f"${self.env} = {raw[:20]!r} is not a positive whole number")
            return int(raw)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            where = self.flag or self.what
            raise LimitError(f"{where} {value!r}: give a positive whole number")
        return value

    def raise_hint(self) -> str:
        ways = [f"{self.flag} N"] if self.flag else []
        return "raise the limit with " + " or ".join([*ways, f"{self.env}=N"])

    def error(
        self, message: str, *, where: str | None = None, limit: int | None = None, advice: str | None = None
    ) -> LimitError:
        """``message`` (what is too big, and by how much) with the limit and how to raise it."""
        value = self.get() if limit is None else limit
        text = f"{message}, over the limit of {value:,} {self.what}"
        hint = f"{advice}; or {self.raise_hint()}" if advice else self.raise_hint()
        return LimitError(text, where=where, hint=hint)


PAGE_PIXELS = Limit("pixels per rendered page", 100_000_000, "ENVELOPEKIT_MAX_PAGE_PIXELS", "--max-pixels")
PREVIEW_PIXELS = Limit(
    "pixels per previewed kit", 100_000_000, "ENVELOPEKIT_MAX_PREVIEW_PIXELS", "--max-pixels"
)
XLSX_BYTES = Limit("bytes unpacked from a workbook", 256 * 1024 * 1024, "ENVELOPEKIT_MAX_XLSX_BYTES")
MANIFEST_BYTES = Limit("bytes of manifest", 512 * 1024 * 1024, "ENVELOPEKIT_MAX_MANIFEST_BYTES")


def regular_file(path: Path, what: str) -> str | None:
    """Why ``path`` is not a file to read ``what`` from (a device such as ``/dev/zero``,
    a folder), or None for a regular file or a pipe (``<(command)``), which are read
    with a bound. A missing path gives None: opening it says so."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return f"the {what} is a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        return f"the {what} is a device, not a file"
    return None
