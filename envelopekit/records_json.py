"""JSON records: a list of objects (or an object with a "records" list) -> records.

The file is scanned one value at a time, so a big array is never held whole; numbers
keep their JSON text. An item of the wrong shape is rejected on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, NoReturn

from .errors import RecordsError
from .records_fields import (
    Fault,
    Options,
    canonical,
    clean_value,
    overlong_faults,
    shown,
    undecodable_faults,
    validate_row,
)
from .records_model import Item, Rejected
from .records_text import CHUNK, encoding_hint, not_text

_WS = re.compile(r"\s*")


_MAX_JSON_TOKEN = 1024 * 1024  # a JSON value left unfinished this far back is an error, not a short read


class _JSONScanner:
    """Pulls one JSON value at a time from a text stream, so a big array is never held whole.

    A value spanning more than ``max_value`` characters stops the file."""

    def __init__(self, text: IO[str], file: str, encoding: str, max_value: int):
        self._text, self._file, self._encoding, self._max_value = text, file, encoding, max_value
        self._buf, self._pos, self._eof, self._lines = "", 0, False, 0
        self._decoder = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)

    def _more(self, size: int = CHUNK) -> bool:
        if self._eof:
            return False
        try:
            chunk = self._text.read(size)
        except UnicodeError as exc:
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            self.fail(f"not valid text: {reason}", hint=encoding_hint(self._encoding))
        if not chunk:
            self._eof = True
            return False
        if self._pos > CHUNK:  # drop what is parsed, keep the line count
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
        size = CHUNK
        while True:
            size *= 2
            if len(self._buf) - self._pos > self._max_value:
                self.fail(f"a value runs on past {self._max_value // (1024 * 1024)} million characters")
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
        if bad := not_text(self._buf, self._encoding, at):  # an undecodable byte outside any string
            message, hint = f"found {bad[0]}", bad[1]
        raise RecordsError(f"invalid JSON: {shown(message)}", file=self._file, line=line, hint=hint)


def json_items(text: IO[str], file: str, encoding: str, max_value: int) -> Iterator[tuple[int, object]]:
    scan = _JSONScanner(text, file, encoding, max_value)
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


def json_records(items: Iterator[tuple[int, object]], opts: Options, encoding: str) -> Iterator[Item]:
    """Objects -> records. An item of the wrong shape (two keys for a field, a nested value) is
    rejected without claiming its id; the first well-shaped item decides the columns."""
    columns: tuple[str, ...] | None = None
    seen: dict[str, int] = {}
    for row, obj in items:
        if not isinstance(obj, dict):
            yield Rejected(row, "", None, "is not an object", "records must be JSON objects")
            continue
        values: dict[str, str] = {}
        shape: list[Fault] = []
        for key, value in obj.items():
            name = canonical(key, opts.rename)
            if not name:
                continue
            if name in values:
                shape.append((name, f"two keys mean {shown(name)!r}", None))
            if isinstance(value, dict | list):
                what = "an object" if isinstance(value, dict) else "a list"
                shape.append((name, f"{shown(name)!r} is {what}, not text or a number", None))
            values[name] = _json_text(value)
        if not shape and not any(v.strip() for v in values.values()):
            continue  # an empty object (or all values empty): a blank row, skipped as in CSV and XLSX
        if columns is None and not shape:
            columns = tuple(values)
        for name in columns or ():
            values.setdefault(name, "")
        faults = shape + undecodable_faults({n: n + v for n, v in values.items()}, encoding)  # key or value
        faults += overlong_faults(values, None)
        yield validate_row(row, values, opts, seen, "item", faults, claim=not shape)


def _json_text(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return clean_value(str(value))  # numbers arrive as their JSON text (parse_int=str)
