"""Manifest writing: who got which token and link, safe to open in a spreadsheet.

Operators open the CSV manifest in Excel, LibreOffice or Google Sheets, and its
cells come from recipient data. A cell that starts like a formula (``=``, ``+``,
``-``, ``@``, tab, carriage return) would be evaluated, which lets a hostile
name such as ``=HYPERLINK(...)`` run on the operator's machine ("CSV
injection"). :func:`escape_cell` defuses such cells with a leading single quote,
the spreadsheet convention for "this is text"; the quote is visible to programs
reading the raw file, so strip one leading ``'`` before ``= + - @ \\t \\r`` when
reading it back. JSON output is data for programs and is written unchanged.

Output is deterministic: columns in the order given, ``\\n`` line endings, no
dependence on dict or set iteration beyond the rows' own order.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Literal, TextIO

from .errors import RecordError

__all__ = ["FORMULA_TRIGGERS", "escape_cell", "write_csv", "write_json"]

FORMULA_TRIGGERS: frozenset[str] = frozenset({"=", "+", "-", "@", "\t", "\r"})
"""First characters that make a spreadsheet read a cell as a formula."""


def escape_cell(value: str) -> str:
    """Return ``value`` with a ``'`` prefix when a spreadsheet would run it as a formula.

    Safe values come back unchanged. A negative number typed as text (``"-5"``)
    is escaped too: it starts like a formula and cannot be told apart cheaply;
    pass real numbers as ``int``/``float`` to :func:`write_csv` to keep them numeric.
    """
    if value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def _error(
    message: str,
    index: int,
    row: Mapping[str, object],
    *,
    field: str | None = None,
    hint: str | None = None,
) -> RecordError:
    """A RecordError naming the manifest row and, when the row has one, its record id."""
    record_id = None
    for key in ("record_id", "id"):
        value = row.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            record_id = str(value)
            break
    return RecordError(f"manifest row {index}: {message}", record_id=record_id, field=field, hint=hint)


def _cell(value: object, index: int, row: Mapping[str, object], field: str) -> str:
    """Text for one CSV cell; only strings can carry a formula, so only they are escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _error(f"value {value!r} is not a finite number", index, row, field=field)
        return repr(value)
    if isinstance(value, str):
        return escape_cell(value)
    raise _error(
        f"cannot write a {type(value).__name__} to the manifest",
        index,
        row,
        field=field,
        hint="convert it to text first",
    )


def write_csv(
    rows: Iterable[Mapping[str, object]],
    fieldnames: Sequence[str],
    stream: TextIO,
    *,
    extra: Literal["raise", "ignore"] = "raise",
    header: bool = True,
) -> int:
    """Write a header and one escaped row per mapping; return the number of rows.

    Columns follow ``fieldnames``; a missing key is an empty cell. A key not in
    ``fieldnames`` is a :class:`RecordError` unless ``extra="ignore"``, so no
    column is dropped by accident. Open ``stream`` with ``newline=""`` so the
    ``\\n`` line endings reach the file as written. ``header=False`` appends rows to
    a file that has its header already.
    """
    names = list(fieldnames)
    if isinstance(fieldnames, str) or len(set(names)) != len(names):
        raise RecordError("fieldnames must be distinct column names")
    known = set(names)
    writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if header:
        writer.writerow([escape_cell(name) for name in names])
    count = 0
    for index, row in enumerate(rows, start=1):
        if extra == "raise":
            for key in row:
                if key not in known:
                    raise _error(
                        "field is not a manifest column",
                        index,
                        row,
                        field=key,
                        hint=f"columns: {', '.join(names)}",
                    )
        writer.writerow([_cell(row.get(name), index, row, name) for name in names])
        count += 1
    return count


def write_json(
    rows: Iterable[Mapping[str, object]],
    stream: TextIO,
    *,
    fieldnames: Sequence[str] | None = None,
    lines: bool = False,
) -> int:
    """Write rows as a JSON array (or JSON Lines with ``lines=True``); return the count.

    Values are written as they are: JSON is read by programs, not spreadsheets.
    Keys keep each row's order, or follow ``fieldnames`` when given (a missing
    key is then ``null``). Non-ASCII stays readable (UTF-8), one row per line.
    """
    names = None if fieldnames is None else list(fieldnames)
    count = 0
    if not lines:
        stream.write("[")
    for index, row in enumerate(rows, start=1):
        data = dict(row) if names is None else {name: row.get(name) for name in names}
        try:
            text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise _error(
                f"cannot write row as JSON: {exc}",
                index,
                row,
                hint="give text, numbers, booleans or None",
            ) from exc
        if lines:
            stream.write(text + "\n")
        else:
            stream.write(("\n" if index == 1 else ",\n") + text)
        count += 1
    if not lines:
        stream.write("\n]\n" if count else "]\n")
    return count
