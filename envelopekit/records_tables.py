"""Tables, CSV and XLSX: rows of cells -> records.

CSV rows are parsed from physical lines (the delimiter given, named by an Excel
``sep=`` line, or detected from the header), each remembering the lines it spans;
XLSX rows come from :mod:`.xlsx`. Either way the header names the fields (a header
that cannot work stops the file) and each row is validated on its own.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import NoReturn

from .errors import RecordsError
from .records_fields import (
    MAX_CELL,
    Options,
    canonical,
    clean_value,
    header_slug,
    overlong_faults,
    shown,
    undecodable_faults,
    validate_row,
)
from .records_model import Item, Rejected
from .records_text import Lines

__all__ = ["detect_delimiter"]

CSV_FIELD_LIMIT = 32 * MAX_CELL  # the csv parser's cap while we read: a longer cell stops the file


_DELIMITERS = ",;\t|"  # in order of preference when counts tie


_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}


SEP_LINE = re.compile(r'\s*"?sep=(.)"?\s*', re.IGNORECASE)  # Excel's "sep=;" first line


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


def delimiter_option(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    value = _DELIMITER_NAMES.get(delimiter.lower(), delimiter)
    if len(value) != 1 or value in '"\r\n':
        raise RecordsError(
            f"delimiter {delimiter!r} is not a single character",
            hint='use ",", ";", "|", or "tab"',
        )
    return value


Row = tuple[int, int, list[str], bool]  # first line, last line, cells, may hold undecodable bytes


def csv_rows(lines: Lines, delimiter: str, file: str, skip_sep_line: bool) -> Iterator[Row]:
    """Rows of cells. Cells up to CSV_FIELD_LIMIT are read, so that one over MAX_CELL rejects
    only its row: csv's own limit (128 KB) would stop the file, and a reader cannot pick up
    after it. The limit is process-wide, so it is raised only while a row is parsed."""
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True, strict=False)
    end = 0
    while True:
        lines.suspect = False
        limit = csv.field_size_limit(CSV_FIELD_LIMIT)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = "a quote that is opened and never closed swallows the lines after it"
            message = f"cannot read CSV: {exc}"
            if "field limit" in str(exc):
                message = f"a cell runs on past {CSV_FIELD_LIMIT // (1024 * 1024)} MB (at line {lines.count})"
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


def header_names(cells: list[str], opts: Options, line: int) -> list[str]:
    """Field name per column ("" = unnamed, ignored); a header that cannot work is fatal."""

    def fail(message: str, hint: str) -> NoReturn:
        raise RecordsError(message, file=opts.file, line=line, hint=hint)

    names: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(cells):
        name = canonical(raw, opts.rename)
        if name in seen:
            j = seen[name]
            what = f"columns {j + 1} ({cells[j].strip()!r}) and {i + 1} ({raw.strip()!r})"
            fail(
                f"{what} both mean {name!r}",
                "rename one in the file, or say which is which: --map FIELD=COLUMN (rename=)",
            )
        if name:
            seen[name] = i
        names.append(name)
    listed = "the columns are " + ", ".join(repr(c.strip()) for c in cells if c.strip())
    if unknown := sorted(set(opts.rename) - {header_slug(c) for c in cells}):
        fail(f"rename names no column: {', '.join(map(repr, unknown))}", listed)
    for need in (opts.id_field, *opts.required):
        if need not in seen:
            fail(
                f"no {need!r} column",
                f"{listed}; name the column: --id-field, --map FIELD=COLUMN (id_field=, rename=)",
            )
    return names


def table_records(
    rows: Iterator[Row], header: Row, names: list[str], opts: Options, encoding: str
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
            yield Rejected(start, shown(rid), None, reason, hint)
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = dict(zip(names, map(str.strip, cells), strict=False))
        values.pop("", None)  # unnamed columns
        # Only a cell spanning lines (or a sheet cell) can hold a "\r"; any non-ASCII one a U+2028.
        if end > start or ragged or not all(v.isascii() for v in values.values()):
            values = {n: clean_value(v) for n, v in values.items()}
        faults = undecodable_faults(values, encoding) if suspect else []
        if max(map(len, cells)) > MAX_CELL:
            span = (
                f"the record runs from line {start} to {end}: is a quote left open?" if end > start else None
            )
            faults += overlong_faults(values, span)
        yield validate_row(start, values, opts, seen, "line", faults)
