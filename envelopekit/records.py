"""Records files -> a stream of validated recipient records.

Recipients arrive as spreadsheet exports in every shape: BOMs, cp1252, semicolons,
quoted line breaks, stray blank lines, odd header spellings. This module opens them
(:func:`read_records` and friends) and is the one place to import from. It detects what
it can, keeps the physical line of every record so errors point into the file the
operator has open, and rejects a bad row without stopping the batch. Files are
streamed: a million rows are read one record at a time.

A row with several faults (an empty id, required fields left empty, bytes that are not
valid in the file's encoding, a value over MAX_CELL) is rejected once, naming every
faulty field. Undecodable bytes and over-long values reject only their row; only what
the reader cannot get past (a cell running on for megabytes, a broken header, bytes a
UTF-16 decoder cannot skip, broken JSON) stops the file.

The reading is done by its siblings: :mod:`.records_text` (bytes -> text: encoding,
physical lines), :mod:`.records_tables` (CSV and XLSX rows), :mod:`.records_json`,
:mod:`.records_fields` (header names, cleaning, validation) and :mod:`.records_model`
(the Record types). The bounds that stop a file (:data:`MAX_LINE`,
:data:`MAX_JSON_RECORD`) are set here and handed to the readers.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from pathlib import Path
from typing import IO, cast

from .errors import RecordsError
from .limits import regular_file
from .records_fields import (
    ALIASES,
    MAX_CELL,
    Options,
    canonical,
    clean_value,
    header_slug,
    normalise_header,
    text_faults,
)
from .records_json import json_items, json_records
from .records_model import FieldMap, Kind, Record, RecordStream, Rejected
from .records_tables import (
    CSV_FIELD_LIMIT,
    SEP_LINE,
    csv_rows,
    delimiter_option,
    detect_delimiter,
    header_names,
    table_records,
)
from .records_text import SNIFF_BYTES as SNIFF_BYTES
from .records_text import Lines, check_encoding, decode_text, detect_encoding, not_text

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

MAX_LINE = 4 * CSV_FIELD_LIMIT
"""The longest physical line read, in characters (16 M): /dev/zero or a binary file stops
here instead of filling memory while the reader looks for a line break."""
MAX_JSON_RECORD = 4 * CSV_FIELD_LIMIT
"""The most characters one JSON value (a record) may span: 16 M."""


_SUFFIX_KINDS: dict[str, Kind] = dict.fromkeys((".csv", ".tsv", ".tab", ".txt"), "csv")
_SUFFIX_KINDS |= {".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_FOREIGN = {".xls": "an old .xls workbook", ".ods": "an OpenDocument sheet", ".numbers": "a Numbers file"}


def _options(
    file: str,
    kind: Kind,
    encoding: str | None,
    delimiter: str | None,
    id_field: str,
    required: Iterable[str],
    rename: Mapping[str, str] | None,
) -> Options:
    """Names the caller passes are matched like headers, so required=["Zip"] means postal_code."""
    req = (required,) if isinstance(required, str) else tuple(required)
    slugs = {header_slug(k): header_slug(v) for k, v in (rename or {}).items()}
    fields = canonical(id_field, {}), tuple(canonical(r, {}) for r in req), slugs
    if encoding is not None:
        check_encoding(encoding, file)
    return Options(file, kind, encoding, delimiter_option(delimiter), *fields)


def _stream(
    text: IO[str] | None, binary: IO[bytes] | None, opts: Options, close: list[Callable[[], None]]
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
            text, label = decode_text(binary, opts.encoding, file, "surrogateescape")
        if kind != "csv":
            records = json_records(
                json_items(text, file, label or "utf-8", MAX_JSON_RECORD), opts, label or "text"
            )
            if (first := next(records, None)) is None:
                raise RecordsError("no records", file=file)
            columns = tuple(first.fields) if isinstance(first, Record) else ()
            info = RecordStream.Info(file, kind, label, None, columns)
            return RecordStream(chain([first], records), info, close)
        lines = Lines(text, file, label or "text", MAX_LINE)
        if (header_line := lines.first_nonblank()) is None:
            raise RecordsError("the file is empty", file=file, hint="the first line must name the columns")
        sep_line = SEP_LINE.fullmatch(header_line.rstrip("\r\n"))
        sep = sep or (sep_line.group(1) if sep_line else detect_delimiter(header_line))
        rows = csv_rows(lines, sep, file, skip_sep_line=sep_line is not None)
    if (header := next(rows, None)) is None:
        raise RecordsError("no header line", file=file, hint="the first line must name the columns")
    encoding = label or "text"
    for column, cell in enumerate(header[2] if header[3] else (), start=1):
        if bad := not_text(cell, encoding):
            raise RecordsError(
                f"column {column} of the header holds {bad[0]}", file=file, line=header[0], hint=bad[1]
            )
    names = header_names(header[2], opts, header[0])
    records = table_records(rows, header, names, opts, encoding)
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
