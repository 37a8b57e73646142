"""Records files -> a stream of validated recipient records.

Recipients arrive as spreadsheet exports in every shape: BOMs, cp1252, semicolons,
quoted line breaks, stray blank lines, odd header spellings. This is the one module
that reads them. It detects what it can, keeps the physical line of every record so
errors point into the file the operator has open, and rejects a bad row without
stopping the batch. Files are streamed: a million rows are read one record at a time.

A row with several faults (an empty id, required fields left empty, bytes that are not
valid in the file's encoding, a value over MAX_CELL) is rejected once, naming every
faulty field. Undecodable bytes and over-long values reject only their row; only what
the reader cannot get past (a cell running on for megabytes, a broken header, bytes a
UTF-16 decoder cannot skip, broken JSON) stops the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, NoReturn, cast

from .errors import RecordError, RecordsError
from .limits import regular_file
from .terminal import printable

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "ALIASES",
    "MAX_CELL",
    "FieldMap",
    "Kind",
    "Record",
    "RecordStream",
    "RecordsError",
    "Rejected",
    "clean_value",
    "detect_delimiter",
    "detect_encoding",
    "normalise_header",
    "read_records",
    "read_records_from_stream",
    "read_records_from_text",
    "text_faults",
]

Kind = Literal["csv", "json", "xlsx"]

SNIFF_BYTES = 64 * 1024
"""How much of a file decides its encoding when none is given."""

MAX_CELL = 128 * 1024
"""The longest value a field may hold, in characters; a longer one rejects its row."""

_CHUNK = 64 * 1024
_CSV_FIELD_LIMIT = 32 * MAX_CELL  # the csv parser's cap while we read: a longer cell stops the file
MAX_LINE = 4 * _CSV_FIELD_LIMIT
"""The longest physical line read, in characters (16 M): /dev/zero or a binary file stops
here instead of filling memory while the reader looks for a line break."""
MAX_JSON_RECORD = 4 * _CSV_FIELD_LIMIT
"""The most characters one JSON value (a record) may span: 16 M."""
_MAX_JSON_TOKEN = 1024 * 1024  # a JSON value left unfinished this far back is an error, not a short read
_DELIMITERS = ",;\t|"  # in order of preference when counts tie
_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}
_SEP_LINE = re.compile(r'\s*"?sep=(.)"?\s*', re.IGNORECASE)  # Excel's "sep=;" first line
_SURROGATE = re.compile("[\ud800-\udfff]")  # not text; U+DC80-DCFF are undecoded bytes (surrogateescape)
_SLUG = re.compile(r"[\s_-]+")
_WS = re.compile(r"\s*")
_SUFFIX_KINDS: dict[str, Kind] = dict.fromkeys((".csv", ".tsv", ".tab", ".txt"), "csv")
_SUFFIX_KINDS |= {".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_FOREIGN = {".xls": "an old .xls workbook", ".ods": "an OpenDocument sheet", ".numbers": "a Numbers file"}
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig")]
_BOMS += [(codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]  # after UTF-32: FF FE 00 00

ALIASES: Mapping[str, str] = {
    alias: name
    for name, aliases in {
        "id": "record_id recordid",
        "first_name": "firstname first given_name givenname forename",
        "last_name": "lastname last surname family_name familyname",
        "organisation": "organization company company_name org organisation_name organization_name",
        "street": "address address1 address_1 address_line_1 addressline1 street_address",
        "street2": "address2 address_2 address_line_2 addressline2 street_2 street_line_2",
        "city": "town locality",
        "region": "state province county state_province",
        "postal_code": "zip zip_code zipcode postcode post_code postal postalcode",
        "country": "country_code",
        "email": "e_mail email_address mail",
    }.items()
    for alias in aliases.split()
}
"""Normalised header spellings -> the field names the rest of envelopekit uses."""


class FieldMap(Mapping[str, str]):
    """A read-only str -> str mapping that hashes and pickles (records cross process pools)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] = ()):
        self._data = dict(data)

    @classmethod
    def _adopt(cls, data: dict[str, str]) -> FieldMap:
        """Wrap a dict nobody else holds, without copying it (one per record adds up)."""
        new = cls.__new__(cls)
        new._data = data
        return new

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FieldMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FieldMap], tuple[dict[str, str]]]:
        return FieldMap, (self._data,)


@dataclass(frozen=True, slots=True)
class Record:
    """One valid recipient. ``row`` is where it starts in the file, for every later error."""

    row: int
    id: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that cannot become a record; the batch reports it and goes on.

    ``reason`` names every faulty field of the row ("; " between them), ``field`` the first
    (leftmost) of them, or None when the row as a whole is wrong (its width, not an object).
    """

    row: int
    record_id: str
    field: str | None
    reason: str
    hint: str | None = None

    def as_error(self) -> RecordError:
        return RecordError(
            self.reason, row=self.row, record_id=self.record_id or None, field=self.field, hint=self.hint
        )


Item = Record | Rejected


class RecordStream(Iterator[Item]):
    """Records and rejections in file order, read lazily.

    Also a context manager that closes the file (it closes itself when exhausted).
    ``info`` says what was detected (kind, encoding, delimiter, columns), for progress
    lines and reports.
    """

    @dataclass(frozen=True, slots=True)
    class Info:
        name: str
        kind: Kind
        encoding: str | None  # None when read from text
        delimiter: str | None  # CSV only
        columns: tuple[str, ...]  # field names in file order (JSON: the first record's)

    def __init__(self, items: Iterator[Item], info: Info, close: Iterable[Callable[[], None]] = ()):
        self.info, self._items, self._close = info, items, tuple(close)

    def __iter__(self) -> RecordStream:
        return self

    def __next__(self) -> Item:
        try:
            return next(self._items)
        except BaseException:  # exhausted or failed: either way the file is done with
            self.close()
            raise

    def close(self) -> None:
        close, self._close = self._close, ()
        for step in close:
            step()

    def __enter__(self) -> RecordStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class _Options:
    file: str  # names the source in errors
    kind: Kind
    encoding: str | None
    delimiter: str | None
    id_field: str
    required: tuple[str, ...]
    rename: Mapping[str, str]  # slug of a source header -> slug of the field name


def _slug(name: str) -> str:
    return _SLUG.sub("_", name.replace("\ufeff", "").strip().casefold()).strip("_")


def normalise_header(name: str, rename: Mapping[str, str] | None = None) -> str:
    """The field name a header means: case, spaces and hyphens folded, then rename, then aliases.

    ``rename`` keys are matched the same folded way ("Post Code" matches "post-code").
    An empty result means an unnamed column, which is ignored.
    """
    slugs = {_slug(k): _slug(v) for k, v in (rename or {}).items()}
    return _canonical(name, slugs)


def _canonical(name: str, rename: Mapping[str, str]) -> str:
    slug = _slug(name)
    if slug in rename:
        return rename[slug]
    return ALIASES.get(slug, slug)


def _options(
    file: str,
    kind: Kind,
    encoding: str | None,
    delimiter: str | None,
    id_field: str,
    required: Iterable[str],
    rename: Mapping[str, str] | None,
) -> _Options:
    """Names the caller passes are matched like headers, so required=["Zip"] means postal_code."""
    req = (required,) if isinstance(required, str) else tuple(required)
    slugs = {_slug(k): _slug(v) for k, v in (rename or {}).items()}
    fields = _canonical(id_field, {}), tuple(_canonical(r, {}) for r in req), slugs
    if encoding is not None:
        _check_encoding(encoding, file)
    return _Options(file, kind, encoding, _delimiter_option(delimiter), *fields)


_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: invisible, yet they reorder the text around them."""


def clean_value(value: str) -> str:
    """Strip a cell; line breaks inside it (CR LF, CR, U+2028, U+2029, NEL) become plain
    "\\n", so a two-line street stays one field with one kind of break."""
    value = value.strip()
    if not value.isascii() or "\r" in value:
        value = value.replace("\r\n", "\n").translate(_LINE_BREAKS)
    return value


def text_faults(values: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(field, reason, hint) for each value holding a bidi embedding, override or isolate:
    such a character prints nothing and reorders what follows (a name or an address could
    read backwards), and no one can see it in a spreadsheet to fix it."""
    faults = []
    for name, value in values.items():
        if value.isascii():
            continue
        found = sorted({c for c in value if c in _BIDI_CONTROLS})
        if found:
            what = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c)}" for c in found)
            hint = "delete it: retype the value, or clean the column in the spreadsheet"
            faults.append((name, f"{name} holds an invisible bidi control ({what})", hint))
    return faults


# --- detection ----------------------------------------------------------------------------------


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
        return "cp1252"
    return "utf-8"


def detect_delimiter(header: str) -> str:
    """The candidate (``, ; TAB |``) that occurs most often outside quotes in the header line.

    A header is short and has no free text, so counting there beats sniffing data rows.
    """
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def _delimiter_option(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    value = _DELIMITER_NAMES.get(delimiter.lower(), delimiter)
    if len(value) != 1 or value in '"\r\n':
        raise RecordsError(
            f"delimiter {delimiter!r} is not a single character",
            hint='use ",", ";", "|", or "tab"',
        )
    return value


# --- bytes -> text ------------------------------------------------------------------------------


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


def _check_encoding(name: str, file: str, errors: str = "surrogateescape") -> None:
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


def _decode(binary: IO[bytes], encoding: str | None, file: str, errors: str) -> tuple[IO[str], str]:
    prefix = b""
    while len(prefix) < SNIFF_BYTES:
        chunk = binary.read(SNIFF_BYTES - len(prefix))
        if not chunk:
            break
        prefix += chunk
    name = encoding or detect_encoding(prefix, final=len(prefix) < SNIFF_BYTES)
    _check_encoding(name, file, errors)
    raw = io.BufferedReader(_Replay(prefix, binary), buffer_size=_CHUNK)
    return io.TextIOWrapper(raw, encoding=name, errors=errors, newline=""), name


class _Lines:
    """Physical lines for csv.reader, counted; ``suspect`` is set by a line with undecodable bytes."""

    def __init__(self, text: IO[str], file: str, encoding: str):
        self._text, self._file, self.encoding = text, file, encoding
        self._pending: list[str] = []
        self.count = 0
        self.suspect = False

    def __iter__(self) -> _Lines:
        return self

    def _fail(self, message: str, line: int) -> NoReturn:
        hint = _encoding_hint(self.encoding)
        raise RecordsError(f"{message} is not valid {self.encoding}", file=self._file, line=line, hint=hint)

    def _read(self) -> str:
        try:
            line = self._text.readline(MAX_LINE + 1)
        except UnicodeError as exc:  # UnicodeDecodeError, or a codec's own (UTF-16 without a BOM)
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            self._fail(f"text ({reason})", self.count + len(self._pending) + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE:
            raise RecordsError(
                f"a line runs past {MAX_LINE // (1024 * 1024)} million characters without a line break",
                file=self._file,
                line=self.count + len(self._pending) + 1,
                hint="is this a records file? CSV, XLSX or JSON are read",
            )
        return line

    def __next__(self) -> str:
        line = self._pending.pop(0) if self._pending else self._read()
        self.count += 1
        if not line.isascii() and _SURROGATE.search(line):
            self.suspect = True  # the row is checked cell by cell (_undecodable)
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


def _encoding_hint(encoding: str) -> str:
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        return "Excel on Windows saves CSV as cp1252: pass encoding='cp1252' or --encoding cp1252"
    return "pass the file's real encoding: encoding=... or --encoding"


# --- tables: CSV and XLSX -----------------------------------------------------------------------

Row = tuple[int, int, list[str], bool]  # first line, last line, cells, may hold undecodable bytes


def _csv_rows(lines: _Lines, delimiter: str, file: str, skip_sep_line: bool) -> Iterator[Row]:
    """Rows of cells. Cells up to _CSV_FIELD_LIMIT are read, so that one over MAX_CELL rejects
    only its row: csv's own limit (128 KB) would stop the file, and a reader cannot pick up
    after it. The limit is process-wide, so it is raised only while a row is parsed."""
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True, strict=False)
    end = 0
    while True:
        lines.suspect = False
        limit = csv.field_size_limit(_CSV_FIELD_LIMIT)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = "a quote that is opened and never closed swallows the lines after it"
            message = f"cannot read CSV: {exc}"
            if "field limit" in str(exc):
                message = (
                    f"a cell runs on past {_CSV_FIELD_LIMIT // (1024 * 1024)} MB (at line {lines.count})"
                )
            raise RecordsError(message, file=file, line=end + 1, hint=hint) from None
        finally:
            csv.field_size_limit(limit)
        start, end = end + 1, lines.count
        if not any(map(str.strip, cells)):  # blank line, or a row of empty cells
            continue
        if skip_sep_line:
            skip_sep_line = False
            continue
        yield start, end, cells, lines.suspect


def _header_names(cells: list[str], opts: _Options, line: int) -> list[str]:
    """Field name per column ("" = unnamed, ignored); a header that cannot work is fatal."""

    def fail(message: str, hint: str) -> NoReturn:
        raise RecordsError(message, file=opts.file, line=line, hint=hint)

    names: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(cells):
        name = _canonical(raw, opts.rename)
        if name in seen:
            j = seen[name]
            what = f"columns {j + 1} ({cells[j].strip()!r}) and {i + 1} ({raw.strip()!r})"
            fail(f"{what} both mean {name!r}", "rename one of them in the file, or pass rename={...}")
        if name:
            seen[name] = i
        names.append(name)
    listed = "the columns are " + ", ".join(repr(c.strip()) for c in cells if c.strip())
    if unknown := sorted(set(opts.rename) - {_slug(c) for c in cells}):
        fail(f"rename names no column: {', '.join(map(repr, unknown))}", listed)
    for need in (opts.id_field, *opts.required):
        if need not in seen:
            fail(f"no {need!r} column", f"{listed}; pass id_field=/required= or rename={{...}}")
    return names


def _table_records(
    rows: Iterator[Row], header: Row, names: list[str], opts: _Options, encoding: str
) -> Iterator[Item]:
    """Rows -> records. Spreadsheet rows are padded; a CSV row of the wrong width is rejected."""
    head_line, width, ragged = header[0], len(header[2]), opts.kind == "xlsx"
    named = max(i for i, n in enumerate(names) if n) + 1  # trailing unnamed columns may be left off
    id_index = names.index(opts.id_field)
    seen: dict[str, int] = {}
    for start, end, cells, suspect in rows:
        if not named <= len(cells) <= width and not ragged:
            rid = clean_value(cells[id_index]) if id_index < len(cells) else ""
            more = len(cells) > width
            hint = (
                f"the record runs from line {start} to {end}: is a quote left open?"
                if end > start
                else "a value containing the delimiter must be quoted"
                if more
                else "is a delimiter missing?"
            )
            reason = f"has {len(cells)} cells but the header (line {head_line}) has {width}"
            yield Rejected(start, _shown(rid), None, reason, hint)
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = dict(zip(names, map(str.strip, cells), strict=False))
        values.pop("", None)  # unnamed columns
        # Only a cell spanning lines (or a sheet cell) can hold a "\r"; any non-ASCII one a U+2028.
        if end > start or ragged or not all(v.isascii() for v in values.values()):
            values = {n: clean_value(v) for n, v in values.items()}
        faults = _undecodable(values, encoding) if suspect else []
        if max(map(len, cells)) > MAX_CELL:
            span = (
                f"the record runs from line {start} to {end}: is a quote left open?" if end > start else None
            )
            faults += _overlong(values, span)
        yield _validate(start, values, opts, seen, "line", faults)


_Fault = tuple[str, str | None, str | None]  # field, what is wrong with it (None: required, empty), hint


def _undecodable(values: Mapping[str, str], encoding: str) -> list[_Fault]:
    """A fault for every field holding bytes the codec could not decode (or a lone surrogate)."""
    faults: list[_Fault] = []
    for name, value in values.items():
        if not value.isascii() and (bad := _not_text(value, encoding)):
            faults.append((name, f"{_shown(name)!r} holds {bad[0]}", bad[1]))
    return faults


def _not_text(value: str, encoding: str, at: int | None = None) -> tuple[str, str | None] | None:
    """What makes ``value`` (or its character ``at``) not text, and a hint; None if nothing does."""
    bad = _SURROGATE.search(value) if at is None else _SURROGATE.match(value, at)
    if bad is None:
        return None
    code = ord(bad.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte itself
        return f"byte 0x{code - 0xDC00:02X}, which is not valid {encoding}", _encoding_hint(encoding)
    return f"an unpaired surrogate U+{code:04X}, which is not text", None  # text handed in, or a JSON escape


def _overlong(values: Mapping[str, str], hint: str | None) -> list[_Fault]:
    return [
        (name, f"{_shown(name)!r} is {len(value):,} characters long, over the limit of {MAX_CELL:,}", hint)
        for name, value in values.items()
        if len(value) > MAX_CELL
    ]


def _shown(text: str) -> str:
    """Text fit for a report: undecodable bytes as U+FFFD, control characters escaped
    (a report reaches a terminal), and short (an id may be the bad cell)."""
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)
    text = text if len(text) <= 80 else text[:79] + "\u2026"
    return printable(text)


def _validate(
    row: int,
    values: dict[str, str],
    opts: _Options,
    seen: dict[str, int],
    unit: str,
    faults: Iterable[_Fault] = (),
    claim: bool = True,
) -> Item:
    """A record, or one rejection naming every faulty field (``field`` is the leftmost).

    A row that reaches here with an id claims it (``claim``), even when it is rejected for its
    content, so a later row with the same id is a duplicate either way.
    """
    found = list(faults) + text_faults(values)
    rid = values.get(opts.id_field, "")
    if not rid:
        hint = "every record needs an id; fill it in, or pass id_field= to use another column"
        found.append((opts.id_field, f"{opts.id_field!r} is empty", hint))
    elif (first := seen.get(rid)) is not None:
        reason = f"duplicate id {_shown(rid)!r}: {unit} {first} has it already"
        found.append((opts.id_field, reason, "ids must be unique; fix or remove one"))
    elif claim and len(rid) <= MAX_CELL:
        seen[rid] = row
    found += [(f, None, None) for f in opts.required if not values.get(f) and f != opts.id_field]
    if not found:
        return Record(row, rid, FieldMap._adopt(values))
    return _rejected(row, rid, list(values), found)


def _rejected(row: int, rid: str, columns: list[str], faults: list[_Fault]) -> Rejected:
    """One Rejected for all of a row's faults, in column order; empty required fields go together."""
    order = {name: i for i, name in enumerate(columns)}
    faults = sorted(faults, key=lambda f: order.get(f[0], len(order)))  # stable: a field's faults in turn
    clauses: list[str] = []
    empty: list[str] = []
    for name, what, _ in [*faults, ("", "", None)]:  # a sentinel flushes the last run of empties
        if what is None:
            empty.append(name)
            continue
        if empty:
            names = ", ".join(map(repr, empty))
            clauses.append(
                f"required field {names} is empty" if len(empty) == 1 else f"required {names} are empty"
            )
            empty.clear()
        if what:
            clauses.append(what)
    hints = "; ".join(dict.fromkeys(h for _, _, h in faults if h)) or None
    return Rejected(row, _shown(rid), _shown(faults[0][0]), "; ".join(clauses), hints)


# --- JSON ---------------------------------------------------------------------------------------


class _JSONScanner:
    """Pulls one JSON value at a time from a text stream, so a big array is never held whole."""

    def __init__(self, text: IO[str], file: str, encoding: str):
        self._text, self._file, self._encoding = text, file, encoding
        self._buf, self._pos, self._eof, self._lines = "", 0, False, 0
        self._decoder = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)

    def _more(self, size: int = _CHUNK) -> bool:
        if self._eof:
            return False
        try:
            chunk = self._text.read(size)
        except UnicodeError as exc:
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            self.fail(f"not valid text: {reason}", hint=_encoding_hint(self._encoding))
        if not chunk:
            self._eof = True
            return False
        if self._pos > _CHUNK:  # drop what is parsed, keep the line count
            self._lines += self._buf.count("\n", 0, self._pos)
            self._buf, self._pos = self._buf[self._pos :], 0
        self._buf += chunk
        return True

    def peek(self) -> str:
        """The next non-blank character, "" at the end."""
        while True:
            match = _WS.match(self._buf, self._pos)
            self._pos = match.end() if match else self._pos
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def expect(self, chars: str) -> str:
        ch = self.peek()
        if not ch or ch not in chars:
            self.fail(f"expected {' or '.join(map(repr, chars))}, found {ch or 'the end'!r}")
        self._pos += 1
        return ch

    def value(self) -> object:
        """The next JSON value. A value cut off at the end of the buffer is parsed again
        with twice as much text each time, so a long one costs linear, not quadratic, time."""
        self.peek()
        size = _CHUNK
        while True:
            size *= 2
            if len(self._buf) - self._pos > MAX_JSON_RECORD:
                self.fail(f"a value runs on past {MAX_JSON_RECORD // (1024 * 1024)} million characters")
            try:
                obj, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if len(self._buf) - exc.pos < _MAX_JSON_TOKEN and self._more(size):
                    continue  # probably cut off at the end of the buffer
                self.fail(exc.msg, exc.pos)
            except RecursionError:
                self.fail("values nested too deeply", hint="records are flat objects of text and numbers")
            if end == len(self._buf) and self._more(size):
                continue  # a number may go on in the next chunk
            self._pos = end
            return obj

    def fail(self, message: str, pos: int | None = None, hint: str | None = None) -> NoReturn:
        at = self._pos if pos is None else pos
        line = self._lines + self._buf.count("\n", 0, at) + 1
        if bad := _not_text(self._buf, self._encoding, at):  # an undecodable byte outside any string
            message, hint = f"found {bad[0]}", bad[1]
        raise RecordsError(f"invalid JSON: {_shown(message)}", file=self._file, line=line, hint=hint)


def _json_items(text: IO[str], file: str, encoding: str) -> Iterator[tuple[int, object]]:
    scan = _JSONScanner(text, file, encoding)
    if scan.peek() == "{":  # {"records": [...], ...}
        scan.expect("{")
        while True:
            if scan.peek() == "}":
                scan.fail('no "records" list in the top-level object')
            key = scan.value()
            scan.expect(":")
            if key == "records":
                break
            scan.value()
            if scan.expect(",}") == "}":
                scan.fail('no "records" list in the top-level object')
    if scan.peek() != "[":
        scan.fail('expected a list of records, or an object with a "records" list')
    scan.expect("[")
    if scan.peek() == "]":
        return
    index = 0
    while True:
        index += 1
        yield index, scan.value()
        if scan.expect(",]") == "]":
            return


def _json_records(items: Iterator[tuple[int, object]], opts: _Options, encoding: str) -> Iterator[Item]:
    """Objects -> records. An item of the wrong shape (two keys for a field, a nested value) is
    rejected without claiming its id; the first well-shaped item decides the columns."""
    columns: tuple[str, ...] | None = None
    seen: dict[str, int] = {}
    for row, obj in items:
        if not isinstance(obj, dict):
            yield Rejected(row, "", None, "is not an object", "records must be JSON objects")
            continue
        values: dict[str, str] = {}
        shape: list[_Fault] = []
        for key, value in obj.items():
            name = _canonical(key, opts.rename)
            if not name:
                continue
            if name in values:
                shape.append((name, f"two keys mean {_shown(name)!r}", None))
            if isinstance(value, dict | list):
                what = "an object" if isinstance(value, dict) else "a list"
                shape.append((name, f"{_shown(name)!r} is {what}, not text or a number", None))
            values[name] = _json_text(value)
        if not shape and not any(v.strip() for v in values.values()):
            continue  # an empty object (or all values empty): a blank row, skipped as in CSV and XLSX
        if columns is None and not shape:
            columns = tuple(values)
        for name in columns or ():
            values.setdefault(name, "")
        faults = shape + _undecodable({n: n + v for n, v in values.items()}, encoding)  # key or value
        faults += _overlong(values, None)
        yield _validate(row, values, opts, seen, "item", faults, claim=not shape)


def _json_text(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return clean_value(str(value))  # numbers arrive as their JSON text (parse_int=str)


# --- opening ------------------------------------------------------------------------------------


def _stream(
    text: IO[str] | None, binary: IO[bytes] | None, opts: _Options, close: list[Callable[[], None]]
) -> RecordStream:
    """Read the header and the first record now, so a bad file fails at the call, not mid-batch."""
    file, kind, sep, label = opts.file, opts.kind, opts.delimiter, None
    if kind == "xlsx":
        if binary is None:
            raise RecordsError("an .xlsx workbook must be read from bytes, not text", file=file)
        from .xlsx import xlsx_rows

        rows, close_book = xlsx_rows(binary, file)
        close.insert(0, close_book)
    else:
        if text is None:
            assert binary is not None
            text, label = _decode(binary, opts.encoding, file, "surrogateescape")
        if kind != "csv":
            records = _json_records(_json_items(text, file, label or "utf-8"), opts, label or "text")
            if (first := next(records, None)) is None:
                raise RecordsError("no records", file=file)
            columns = tuple(first.fields) if isinstance(first, Record) else ()
            info = RecordStream.Info(file, kind, label, None, columns)
            return RecordStream(chain([first], records), info, close)
        lines = _Lines(text, file, label or "text")
        if (header_line := lines.first_nonblank()) is None:
            raise RecordsError("the file is empty", file=file, hint="the first line must name the columns")
        sep_line = _SEP_LINE.fullmatch(header_line.rstrip("\r\n"))
        sep = sep or (sep_line.group(1) if sep_line else detect_delimiter(header_line))
        rows = _csv_rows(lines, sep, file, skip_sep_line=sep_line is not None)
    if (header := next(rows, None)) is None:
        raise RecordsError("no header line", file=file, hint="the first line must name the columns")
    encoding = label or "text"
    for column, cell in enumerate(header[2] if header[3] else (), start=1):
        if bad := _not_text(cell, encoding):
            raise RecordsError(
                f"column {column} of the header holds {bad[0]}", file=file, line=header[0], hint=bad[1]
            )
    names = _header_names(header[2], opts, header[0])
    records = _table_records(rows, header, names, opts, encoding)
    if (first := next(records, None)) is None:
        raise RecordsError("a header but no records", file=file, line=header[0])
    info = RecordStream.Info(file, kind, label, sep, tuple(n for n in names if n))
    return RecordStream(chain([first], records), info, close)


def read_records(
    path: str | os.PathLike[str],
    *,
    id_field: str = "id",
    required: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    kind: Kind | None = None,
) -> RecordStream:
    """Open a CSV, JSON or XLSX records file and stream its records.

    ``kind`` defaults from the suffix (a zip signature means XLSX whatever the name).
    Raises :class:`RecordsError` for a file that cannot be read at all; bad rows come
    through the stream as :class:`Rejected`.
    """
    file = os.fspath(path)
    suffix = Path(file).suffix.lower()
    if why := regular_file(Path(file), "records file"):
        raise RecordsError(why, file=file, hint="give a CSV, XLSX or JSON file")
    try:
        binary = open(file, "rb")  # noqa: SIM115 -- the stream owns it and closes it
    except FileNotFoundError:
        raise RecordsError("no such file", file=file, hint="check the path") from None
    except OSError as exc:  # a directory, no permission, ...
        raise RecordsError(f"cannot open: {exc.strerror or exc}", file=file) from None
    try:
        magic = binary.read(8)
        binary.seek(0)
        if magic.startswith(b"\xd0\xcf\x11\xe0") or suffix in _FOREIGN:
            what = _FOREIGN.get(suffix, _FOREIGN[".xls"])
            raise RecordsError(f"is {what}", file=file, hint="save it as .xlsx or CSV (UTF-8)")
        zipped = magic.startswith(b"PK\x03\x04")
        chosen = kind or ("xlsx" if zipped else _SUFFIX_KINDS.get(suffix, "csv"))
        opts = _options(file, chosen, encoding, delimiter, id_field, required, rename)
        return _stream(None, binary, opts, [binary.close])
    except OSError as exc:
        binary.close()
        raise RecordsError(f"cannot read: {exc.strerror or exc}", file=file) from None
    except BaseException:
        binary.close()
        raise


def read_records_from_stream(
    stream: IO[bytes] | IO[str],
    *,
    name: str = "<stream>",
    kind: Kind = "csv",
    id_field: str = "id",
    required: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RecordStream:
    """Stream records from an open binary (encoding detected) or text stream; it is not closed.

    ``name`` stands for the file in error messages.
    """
    opts = _options(name, kind, encoding, delimiter, id_field, required, rename)
    if isinstance(stream, io.TextIOBase):
        return _stream(cast("IO[str]", stream), None, opts, [])
    return _stream(None, cast("IO[bytes]", stream), opts, [])


def read_records_from_text(
    text: str,
    *,
    name: str = "<text>",
    kind: Kind = "csv",
    id_field: str = "id",
    required: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    delimiter: str | None = None,
) -> RecordStream:
    """Stream records from a string holding a whole CSV or JSON file."""
    opts = _options(name, kind, None, delimiter, id_field, required, rename)
    return _stream(io.StringIO(text, newline=""), None, opts, [])
