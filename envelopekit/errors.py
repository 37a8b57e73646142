"""Typed errors. Each one says what is wrong, where, and what to change.

Every error envelopekit raises on bad input derives from :class:`EnvelopekitError`,
so the command line can print one clear line instead of a traceback.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "EnvelopekitError",
    "FitError",
    "GlyphError",
    "ImposeError",
    "LayoutError",
    "LinkError",
    "NetError",
    "QRError",
    "RecordError",
    "RecordsError",
    "TokenError",
    "UnitError",
]


class EnvelopekitError(Exception):
    """Base of every envelopekit error.

    ``where`` names the place (file, line, key, record, field) and ``hint`` says
    what to do about it; both are optional and folded into ``str(error)``.
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class UnitError(EnvelopekitError, ValueError):
    """A length string that cannot be read ("3 furlongs", a bare number where a unit is needed)."""


class CatalogError(EnvelopekitError, LookupError):
    """An unknown size, sheet or stock name."""


class NetError(EnvelopekitError, ValueError):
    """Net parameters that cannot make a sound envelope."""


class LayoutError(EnvelopekitError):
    """A kit layout file that is invalid; ``where`` is "file:line: key.path"."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ):
        self.file, self.line, self.key = file, line, key
        parts = [p for p in (file, str(line) if line else None) if p]
        where = ":".join(parts) or None
        if key:
            where = f"{where}: {key}" if where else key
        super().__init__(message, where=where, hint=hint)


class FitError(EnvelopekitError):
    """Content or contents that do not fit: text overflowing its block, a kit that cannot nest."""


class RecordError(EnvelopekitError):
    """One record that cannot be built; the rest of the batch goes on.

    ``row`` is the 1-based line number in the records file (header = line 1).
    """

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        record_id: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ):
        self.row, self.record_id, self.field = row, record_id, field
        bits = []
        if row is not None:
            bits.append(f"line {row}")
        if record_id:
            bits.append(f"record {record_id}")
        if field:
            bits.append(f"field {field!r}")
        super().__init__(message, where=", ".join(bits) or None, hint=hint)


class RecordsError(EnvelopekitError):
    """A records file that cannot be read at all: missing, undecodable, bad header.

    Not a :class:`RecordError`: that one skips a record, this one stops the batch.
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, hint: str | None = None
    ):
        self.file, self.line = file, line
        where = ":".join(p for p in (file, str(line) if line else None) if p) or None
        super().__init__(message, where=where, hint=hint)


class GlyphError(RecordError):
    """Text with a character that no bundled font can draw."""


class QRError(EnvelopekitError):
    """Data that cannot become a QR symbol of the required size."""


class LinkError(EnvelopekitError):
    """A survey URL template that is unsafe or invalid."""


class TokenError(EnvelopekitError):
    """A token that is malformed or fails verification, or a missing signing key."""


class ImposeError(EnvelopekitError):
    """Pieces that cannot be placed on the chosen sheet."""
