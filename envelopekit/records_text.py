"""Bytes -> text: a records file's encoding detected or checked, and its physical lines.

The first :data:`SNIFF_BYTES` decide the encoding when none is given (a BOM, else UTF-8
if it decodes or holds more UTF-8 letters than stray bytes, else cp1252); the sniffed
prefix is replayed, so pipes work too. Bytes that are not valid in the encoding are kept
(``surrogateescape``) for the row that holds them to be rejected, not the file;
:func:`not_text` says what they were.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import IO, TYPE_CHECKING, NoReturn

from .errors import RecordsError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["SNIFF_BYTES", "detect_encoding"]

SNIFF_BYTES = 64 * 1024
"""How much of a file decides its encoding when none is given."""


CHUNK = 64 * 1024


_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig")]
_BOMS += [(codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]  # after UTF-32: FF FE 00 00


SURROGATE = re.compile("[\ud800-\udfff]")  # not text; U+DC80-DCFF are undecoded bytes (surrogateescape)


def detect_encoding(prefix: bytes, *, final: bool = True) -> str:
    """Guess a codec from the first bytes: a BOM decides; else UTF-8 if it decodes, else cp1252.

    cp1252 is what Excel on Windows writes when asked for plain "CSV". ``final=False``
    says more bytes follow, so a character cut at the end is no evidence against UTF-8.
    """
    for bom, name in _BOMS:
        if prefix.startswith(bom):
            return name
    head = prefix[:4096]
    if len(head) >= 4 and head.count(0) > len(head) // 4:  # UTF-16 without a BOM: ASCII plus NULs
        return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(prefix, final=final)
    except UnicodeDecodeError:
        return "utf-8" if _mostly_utf8(prefix) else "cp1252"
    return "utf-8"


def _mostly_utf8(data: bytes) -> bool:
    """Does ``data``, though not all valid UTF-8, hold more UTF-8 than stray bytes? A UTF-8
    file with a row pasted from a cp1252 one is UTF-8 with that row rejected, not cp1252
    for every row (which garbles every other non-ASCII letter silently); cp1252 text almost
    never forms a valid multi-byte UTF-8 sequence."""
    text = data.decode("utf-8", "surrogateescape")
    stray = len(SURROGATE.findall(text))
    letters = sum(1 for ch in text if ch > "\x7f") - stray  # decoded from 2 to 4 bytes each
    return letters > 0 and letters >= stray


class _Replay(io.RawIOBase):
    """A binary stream that gives back the sniffed prefix before the rest, so pipes work too."""

    def __init__(self, prefix: bytes, rest: IO[bytes]):
        self._prefix, self._rest = prefix, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            data, self._prefix = self._prefix[: len(view)], self._prefix[len(view) :]
        else:
            data = self._rest.read(len(view)) or b""
        view[: len(data)] = data
        return len(data)


def check_encoding(name: str, file: str, errors: str = "surrogateescape") -> None:
    """A text encoding that can read a records file: not a bytes-to-bytes codec (hex,
    base64), not a text transform (rot13), and able to report bad bytes (not idna)."""
    hint = "name the file's text encoding, e.g. --encoding utf-8 or cp1252"
    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        raise RecordsError(f"unknown encoding {name!r}", file=file, hint=hint) from None
    if not getattr(info, "_is_text_encoding", True):
        raise RecordsError(f"{name!r} is not a text encoding", file=file, hint=hint)
    try:
        probe = "id\n".encode(name)
        codecs.getincrementaldecoder(name)(errors=errors).decode(probe, final=True)
    except (UnicodeError, LookupError, TypeError, ValueError) as exc:
        message = f"encoding {name!r} cannot read a records file ({exc})"
        raise RecordsError(message, file=file, hint=hint) from None


def decode_text(binary: IO[bytes], encoding: str | None, file: str, errors: str) -> tuple[IO[str], str]:
    prefix = b""
    while len(prefix) < SNIFF_BYTES:
        chunk = binary.read(SNIFF_BYTES - len(prefix))
        if not chunk:
            break
        prefix += chunk
    name = encoding or detect_encoding(prefix, final=len(prefix) < SNIFF_BYTES)
    check_encoding(name, file, errors)
    raw = io.BufferedReader(_Replay(prefix, binary), buffer_size=CHUNK)
    return io.TextIOWrapper(raw, encoding=name, errors=errors, newline=""), name


class Lines:
    """Physical lines for csv.reader, counted; ``suspect`` is set by a line with undecodable bytes.

    A line longer than ``max_line`` characters stops the file."""

    def __init__(self, text: IO[str], file: str, encoding: str, max_line: int):
        self._text, self._file, self.encoding, self._max_line = text, file, encoding, max_line
        self._pending: list[str] = []
        self.count = 0
        self.suspect = False

    def __iter__(self) -> Lines:
        return self

    def _fail(self, message: str, line: int) -> NoReturn:
        hint = encoding_hint(self.encoding)
        raise RecordsError(f"{message} is not valid {self.encoding}", file=self._file, line=line, hint=hint)

    def _read(self) -> str:
        try:
            line = self._text.readline(self._max_line + 1)
        except UnicodeError as exc:  # UnicodeDecodeError, or a codec's own (UTF-16 without a BOM)
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            self._fail(f"text ({reason})", self.count + len(self._pending) + 1)
        if not line:
            raise StopIteration
        if len(line) > self._max_line:
            raise RecordsError(
                f"a line runs past {self._max_line // (1024 * 1024)} million characters without a line break",
                file=self._file,
                line=self.count + len(self._pending) + 1,
                hint="is this a records file? CSV, XLSX or JSON are read",
            )
        return line

    def __next__(self) -> str:
        line = self._pending.pop(0) if self._pending else self._read()
        self.count += 1
        if not line.isascii() and SURROGATE.search(line):
            self.suspect = True  # the row is checked cell by cell (undecodable_faults)
        return line

    def first_nonblank(self) -> str | None:
        """Look ahead at the header line without consuming anything (call once)."""
        while True:
            try:
                line = self._read()
            except StopIteration:
                return None
            self._pending.append(line)
            if line.strip():
                return line


def encoding_hint(encoding: str) -> str:
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        return (
            "this row was saved in another encoding than UTF-8 (Excel on Windows writes cp1252): "
            "save the file as 'CSV UTF-8', or if all of it is cp1252 give --encoding cp1252"
        )
    return "give the file's real encoding with --encoding (encoding= in Python)"


def not_text(value: str, encoding: str, at: int | None = None) -> tuple[str, str | None] | None:
    """What makes ``value`` (or its character ``at``) not text, and a hint; None if nothing does."""
    bad = SURROGATE.search(value) if at is None else SURROGATE.match(value, at)
    if bad is None:
        return None
    code = ord(bad.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte itself
        return f"byte 0x{code - 0xDC00:02X}, which is not valid {encoding}", encoding_hint(encoding)
    return f"an unpaired surrogate U+{code:04X}, which is not text", None  # text handed in, or a JSON escape
