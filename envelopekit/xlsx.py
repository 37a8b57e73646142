"""Reading the first sheet of an XLSX workbook as rows of text, within bounds.

An XLSX file is a zip of XML, and a few megabytes of zip can unpack to gigabytes: a
long run of one repeated byte compresses a thousandfold. openpyxl reads a sheet row
by row, but it holds each row whole, the shared-string table whole, and pads rows to
the column a cell claims (``<c r="XFD1">``, or a bogus ``ZZZZZZ1``). So before
openpyxl sees a workbook:

- the sizes its zip declares must add up to at most :data:`~envelopekit.limits.XLSX_BYTES`
  (``zipfile`` never unpacks more than a member declares: a member that lies fails its
  CRC instead);
- each worksheet is streamed once through expat, holding nothing, and a row with more
  than :data:`MAX_COLUMNS` cells is refused;

and then rows are read at most :data:`MAX_COLUMNS` wide (the header's width for the
data rows) and :data:`MAX_ROWS` deep, Excel's own bounds.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any, NoReturn
from xml.parsers import expat

from .errors import RecordsError
from .limits import XLSX_BYTES

__all__ = ["MAX_COLUMNS", "MAX_ROWS", "cell_text", "integer_shown", "xlsx_rows"]

MAX_COLUMNS = 16_384
"""Cells in a row, as in Excel (column XFD)."""
MAX_ROWS = 1_048_576
"""Rows in a sheet, as in Excel."""

Row = tuple[int, int, list[str], bool]  # first line, last line, cells, may hold undecodable bytes

_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml\Z", re.IGNORECASE)
_REF = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]{1,7}")  # a cell reference up to XFD1048576 (roughly)
_SCAN_CHUNK = 1024 * 1024


def xlsx_rows(binary: IO[bytes], file: str) -> tuple[Iterator[Row], Callable[[], None]]:
    """The non-blank rows of the first sheet (row number twice, cells as text, False),
    and a function that closes the workbook. Raises :class:`RecordsError` for a file
    that is not a workbook or that is over the limits."""
    try:
        import openpyxl
    except ImportError:
        raise RecordsError(
            "reading .xlsx files needs openpyxl",
            file=file,
            hint="pip install openpyxl (or: pip install 'envelopekit[xlsx]')",
        ) from None
    check_archive(binary, file)
    binary.seek(0)
    try:
        book = openpyxl.load_workbook(binary, read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # zipfile, XML and openpyxl errors alike mean "not a workbook"
        raise RecordsError(f"cannot open as an Excel workbook: {exc}", file=file) from None
    return _rows(sheet, file), book.close


def check_archive(binary: IO[bytes], file: str) -> None:
    """Refuse a zip that unpacks to more than the limit, or a sheet with a row too wide."""
    try:
        archive = zipfile.ZipFile(binary)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RecordsError(f"cannot open as an Excel workbook: {exc}", file=file) from None
    with archive:
        members = archive.infolist()
        declared = sum(info.file_size for info in members)
        limit = XLSX_BYTES.get()
        if declared > limit:
            raise XLSX_BYTES.error(
                f"the workbook unpacks to {declared:,} bytes",
                where=file,
                limit=limit,
                advice="save the sheet as CSV (UTF-8), which is read as a stream",
            )
        for info in members:
            if _SHEET.match(info.filename):
                _scan_sheet(archive, info, file)


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> None:
    """Stream one worksheet's XML through expat, counting the cells of each row and
    checking the row numbers and cell references against Excel's bounds."""
    state = {"cells": 0, "row": 0}
    hint = "Excel stops at row 1,048,576 and column XFD: this is not a sheet Excel wrote"

    def fail(message: str) -> NoReturn:
        raise RecordsError(message, file=file, hint=hint)

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]  # namespace_separator=" ": "uri local"
        if local == "row":
            number = attrs.get("r", "")
            state["row"] = int(number) if number.isdigit() and len(number) < 10 else state["row"] + 1
            state["cells"] = 0
            if state["row"] > MAX_ROWS:
                fail(f"the sheet has rows past {MAX_ROWS:,}, Excel's last")
        elif local == "c":
            state["cells"] += 1
            if state["cells"] > MAX_COLUMNS:
                fail(f"row {state['row']} of the sheet has more than {MAX_COLUMNS:,} cells")
            ref = attrs.get("r")
            if ref is not None and not _REF.fullmatch(ref):
                fail(f"row {state['row']} of the sheet has a cell {ref[:20]!r} beyond column XFD")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise RecordsError(f"cannot read {info.filename} of the workbook: {exc}", file=file) from None


def _rows(sheet: Any, file: str) -> Iterator[Row]:
    try:
        yield from _sheet_rows(sheet, file)
    except RecordsError:
        raise
    except Exception as exc:  # openpyxl's own errors on a malformed sheet
        raise RecordsError(f"cannot read the sheet: {exc}", file=file) from None


def _sheet_rows(sheet: Any, file: str) -> Iterator[Row]:
    header_row = 0
    width = 0
    for number, cells in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, max_row=MAX_ROWS), 1):
        values = [cell_text(c) for c in cells]
        if any(values):
            header_row = number
            width = max(i for i, v in enumerate(values) if v) + 1
            yield number, number, values[:width], False
            break
    if not header_row:
        return
    rows = sheet.iter_rows(min_row=header_row + 1, max_col=width, max_row=MAX_ROWS + 1)
    for number, cells in enumerate(rows, header_row + 1):
        values = [cell_text(c) for c in cells]
        if not any(values):
            continue
        if number > MAX_ROWS:
            raise RecordsError(f"the sheet has rows past {MAX_ROWS:,}, Excel's last", file=file)
        yield number, number, values, False


def cell_text(cell: object) -> str:
    """A cell's value as the sheet shows it: 501 in a "00000" cell is "00501", dates are ISO."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15):
            return f"{value:.15g}"
        fmt = getattr(cell, "number_format", "") or ""
        shown = integer_shown(int(value), fmt) if isinstance(fmt, str) else None
        return str(int(value)) if shown is None else shown
    return str(value)


# --- what a number format shows of a whole number ---------------------------------------------

_FORMAT_TOKEN = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.|[0#?]|.', re.S)
_CONDITION = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d*)?)\]")
_LITERAL = set(" -+/():!^&'~{}<>=$")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
}


def _sections(fmt: str) -> list[str]:
    """A format's sections (positive; negative; zero; text), split outside quotes."""
    out, current = [], ""
    for token in _FORMAT_TOKEN.findall(fmt):
        if token == ";":
            out.append(current)
            current = ""
        else:
            current += token
    return [*out, current]


def _section(sections: list[str], n: int) -> tuple[str, bool]:
    """The section that shows ``n``, and whether it shows it without its sign."""
    conditions = [_CONDITION.search(s) for s in sections[:2]]
    if any(conditions):
        for s, m in zip(sections, conditions, strict=False):
            if m and _COMPARE[m.group(1)](n, float(m.group(2))):
                return s, False
        rest = [s for s, m in zip(sections, conditions + [None] * len(sections), strict=False) if not m]
        return (rest[0] if rest else sections[-1]), False
    if n < 0 and len(sections) > 1:
        return sections[1], True
    if n == 0 and len(sections) > 2:
        return sections[2], False
    return sections[0], False


def integer_shown(n: int, fmt: str) -> str | None:
    """What ``fmt`` shows of the whole number ``n`` when it is made of digit placeholders
    and literals, as postcode and phone formats are: 154 in ``0000`` is "0154", in
    ``"NO-"0000`` "NO-0154", 123456789 in ``00000-0000`` "12345-6789". None for the
    General format and for anything else (decimals, thousands, percent, dates): the
    caller shows the plain number."""
    if not fmt or fmt.lower() == "general" or len(fmt) > 255:
        return None
    section, unsigned = _section(_sections(fmt), n)
    parts: list[str | None] = []  # literals, and None for each digit placeholder
    kinds: list[str] = []
    for token in _FORMAT_TOKEN.findall(section):
        if token in ("0", "#", "?"):
            parts.append(None)
            kinds.append(token)
        elif token.startswith('"'):
            parts.append(token[1:-1])
        elif token.startswith("\\") and len(token) == 2:
            parts.append(token[1])
        elif token.startswith("["):
            currency = re.match(r"\[\$([^-\]]*)", token)
            parts.append(currency.group(1) if currency else "")
        elif token.startswith("_") and len(token) == 2:
            parts.append(" ")
        elif token.startswith("*") and len(token) == 2:
            continue
        elif token in _LITERAL:
            parts.append(token)
        else:
            return None  # a decimal point, a thousands comma, %, E, a date part, @, a letter
    if not kinds:
        return None
    digits = str(abs(n))
    filled: list[str] = []
    for kind in reversed(kinds):
        if digits:
            filled.append(digits[-1])
            digits = digits[:-1]
        else:
            filled.append({"0": "0", "#": "", "?": " "}[kind])
    filled.reverse()
    filled[0] = digits + filled[0]  # digits beyond the placeholders go in front
    slots = iter(filled)
    text = "".join(p if p is not None else next(slots) for p in parts)
    return ("-" + text) if n < 0 and not unsigned else text
