"""The layout vocabulary: typed values with units, ranges and closed sets, defined once.

Every value of a layout file is read through one :class:`Type` here: a length with
its unit and range, a number, a real boolean, a name from a closed set, a colour, a
box. A :class:`Table` is a set of named :class:`Field` s; :func:`read_table` checks
its keys (suggesting the nearest for a typo) and reads each value through its type,
so a value is checked once, where it is read, and every error names the file, the
line and the key path. The same tables write the reference in ``layouts/README.md``
(:func:`markdown_table`) and ``envelopekit styles --params``.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EnvelopekitError, LayoutError
from .geometry import Point, Rect
from .units import format_length, mm, parse_length, pt

__all__ = [
    "MAX_DEPTH",
    "Boolean",
    "Choice",
    "Colour",
    "Converted",
    "Ctx",
    "Field",
    "Length",
    "LengthBox",
    "LengthList",
    "LengthPoint",
    "ListOf",
    "Number",
    "Table",
    "Tables",
    "Text",
    "Type",
    "check_depth",
    "default_text",
    "join",
    "markdown_table",
    "read_table",
    "show",
]

MAX_DEPTH = 24
"""Tables and arrays nest at most this deep in a layout (help-me needs 11)."""
MAX_INK = 3.0
"""Total area coverage presses accept (PRINT.md: about 300 %)."""


def show(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters; safe for huge numbers and deep nesting."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a {len(str(abs(value))) if value.bit_length() < 13000 else 'many'}-digit number"
    if isinstance(value, list | dict):
        text = f"[... {len(value)} items]" if isinstance(value, list) else f"{{... {len(value)} keys}}"
        with contextlib.suppress(RecursionError, ValueError):
            text = repr(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def join(path: str, key: str | int) -> str:
    """``join("a", "b") == "a.b"``, ``join("a", 0) == "a[0]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _last(path: str) -> str:
    return re.split(r"[.\[]", path)[-1].rstrip("]") if path else "value"


class _Lines:
    """Line numbers of the keys and tables of a TOML text, by key path.

    tomllib keeps no positions, so this scanner follows table headers (with
    array-of-tables indices) and bare keys; good enough to point at the line."""

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        arrays: dict[str, int] = {}
        current = ""
        in_multiline = False
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if in_multiline:
                if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                    in_multiline = False
                continue
            if not line or line.startswith("#"):
                continue
            header = re.match(r"^(\[\[?)\s*([^\]]+?)\s*\]\]?", line)
            if header:
                parts = [p.strip().strip('"') for p in header.group(2).split(".")]
                resolved = ""
                for part in parts[:-1]:
                    name = f"{resolved}.{part}" if resolved else part
                    resolved = f"{name}[{arrays[name] - 1}]" if name in arrays else name
                name = f"{resolved}.{parts[-1]}" if resolved else parts[-1]
                if header.group(1) == "[[":
                    arrays[name] = arrays.get(name, 0) + 1
                    current = f"{name}[{arrays[name] - 1}]"
                else:
                    current = name
                self.lines.setdefault(current, number)
                continue
            key = re.match(r'^([A-Za-z0-9_\-"\.]+)\s*=', line)
            if key:
                k = key.group(1).strip('"')
                self.lines.setdefault(f"{current}.{k}" if current else k, number)
                rest = line[key.end() :]
                if rest.count('"""') == 1 or rest.count("'''") == 1:
                    in_multiline = True

    def find(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


class Ctx:
    """What reading one layout file needs: its name, its lines, where images are, warnings."""

    def __init__(self, file: str, text: str, base: Path):
        self.file = file
        self.where = _Lines(text)
        self.base = base
        self.warnings: list[str] = []
        self.locations: dict[str, tuple[str, int | None]] = {}

    def error(self, message: str, path: str, hint: str | None = None) -> LayoutError:
        return LayoutError(message, file=self.file, line=self.where.find(path), key=path or None, hint=hint)

    def warn(self, message: str, path: str) -> None:
        self.warnings.append(f"{self.file}:{self.where.find(path) or '?'}: {path}: {message}")


def check_depth(ctx: Ctx, doc: Mapping[str, Any]) -> None:
    """Refuse tables and arrays nested deeper than MAX_DEPTH (without recursing)."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ctx.error(f"nested more than {MAX_DEPTH} levels deep", path)
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            if isinstance(item, Mapping | list):
                stack.append((item, join(path, key), depth + 1))


# --- types ------------------------------------------------------------------------------------


class Type:
    """A kind of layout value: ``read`` turns the TOML value into ours or raises at ``path``."""

    doc = "value"

    def read(self, ctx: Ctx, value: Any, path: str) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        """The type as the reference tables show it."""
        return self.doc


def _range_text(lo: float | None, hi: float | None, fmt: Callable[[float], str]) -> str:
    if lo is not None and hi is not None:
        return f"{fmt(lo)} to {fmt(hi)}"
    return f"at least {fmt(lo)}" if lo is not None else (f"at most {fmt(hi)}" if hi is not None else "")


@dataclass(frozen=True)
class Length(Type):
    """A string with a unit ("3mm", "1/8in", "11pt"), in points, within [lo, hi]."""

    lo: float = 0.0
    hi: float = 1000 * mm
    unit: str = "mm"
    above: bool = False  # lo itself is refused
    why: str = ""  # the reason for the range, for the message

    doc = "length"

    def fmt(self, points: float) -> str:
        digits = 0 if abs(points / (mm if self.unit == "mm" else pt)) >= 10 else 2
        return format_length(points, self.unit, digits).replace(".00", "")

    def describe(self) -> str:
        low = f"over {self.fmt(self.lo)}" if self.above else None
        return (
            f"length, {low + ' to ' + self.fmt(self.hi) if low else _range_text(self.lo, self.hi, self.fmt)}"
        )

    def read(self, ctx: Ctx, value: Any, path: str) -> float:
        try:
            points = parse_length(value, what=_last(path))
        except EnvelopekitError as exc:
            raise ctx.error(exc.message, path, exc.hint) from None
        if points < self.lo or points > self.hi or (self.above and points <= self.lo):
            allowed = self.describe().split(", ", 1)[1]
            raise ctx.error(
                f"{_last(path)} {show(value)} is out of range: use {allowed}", path, self.why or None
            )
        return points


@dataclass(frozen=True)
class Number(Type):
    """A TOML number (never a string or a boolean), finite, within [lo, hi]."""

    lo: float | None = None
    hi: float | None = None
    integer: bool = False
    above: bool = False

    @property
    def doc(self) -> str:  # type: ignore[override]
        return "whole number" if self.integer else "number"

    def describe(self) -> str:
        rng = _range_text(self.lo, self.hi, lambda v: f"{v:g}")
        if self.above and self.lo is not None:
            rng = f"over {self.lo:g}" + (f" to {self.hi:g}" if self.hi is not None else "")
        return f"{self.doc}, {rng}" if rng else self.doc

    def read(self, ctx: Ctx, value: Any, path: str) -> float | int:
        kinds = int if self.integer else int | float
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise ctx.error(f"{_last(path)} must be a {self.doc}, not {show(value)}", path)
        if isinstance(value, float) and not math.isfinite(value):
            raise ctx.error(f"{_last(path)} must be a finite {self.doc}, not {show(value)}", path)
        bad = (self.lo is not None and (value < self.lo or (self.above and value <= self.lo))) or (
            self.hi is not None and value > self.hi
        )
        if bad:
            raise ctx.error(f"{_last(path)} {show(value)} is out of range", path, f"use {self.describe()}")
        return value


class Boolean(Type):
    """A TOML boolean: ``true`` or ``false``, never the string "false"."""

    doc = "true or false"

    def read(self, ctx: Ctx, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise ctx.error(
                f"{_last(path)} must be true or false, not {show(value)}", path, "write it without quotes"
            )
        return value


@dataclass(frozen=True)
class Text(Type):
    """A string of at most ``max_len`` characters, optionally matching ``pattern``."""

    max_len: int = 1000
    nonempty: bool = False
    pattern: str | None = None
    rule: str = ""  # what the pattern allows, for messages and docs
    check: Callable[[str], object] | None = None  # raises EnvelopekitError on a bad value

    doc = "string"

    def describe(self) -> str:
        return f"string, {self.rule}" if self.rule else "string"

    def read(self, ctx: Ctx, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise ctx.error(f"{_last(path)} must be a string, not {show(value)}", path)
        if self.nonempty and not value.strip():
            raise ctx.error(f"{_last(path)} must not be empty", path)
        if len(value) > self.max_len:
            raise ctx.error(f"{_last(path)} is longer than {self.max_len} characters", path)
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise ctx.error(f"{_last(path)} {show(value)} is not allowed", path, f"use {self.rule}")
        if self.check is not None:
            try:
                self.check(value)
            except EnvelopekitError as exc:
                raise ctx.error(exc.message, path, exc.hint) from None
        return value


@dataclass(frozen=True)
class Choice(Type):
    """One of a closed set of strings."""

    values: tuple[str, ...]

    doc = "one of"

    def describe(self) -> str:
        return " / ".join(f'`"{v}"`' for v in self.values)

    def read(self, ctx: Ctx, value: Any, path: str) -> str:
        if isinstance(value, str) and value in self.values:
            return value
        close = difflib.get_close_matches(value, self.values, n=1) if isinstance(value, str) else []
        raise ctx.error(
            f"{_last(path)} = {show(value)} is not one of {', '.join(self.values)}",
            path,
            f"did you mean {close[0]!r}?" if close else None,
        )


@dataclass(frozen=True)
class Converted(Type):
    """A string made into an object by ``convert`` (a catalog lookup), which may raise."""

    convert: Callable[[str], Any]
    doc: str = "string"
    max_len: int = 100

    def read(self, ctx: Ctx, value: Any, path: str) -> Any:
        text = Text(max_len=self.max_len, nonempty=True).read(ctx, value, path)
        try:
            return self.convert(text)
        except EnvelopekitError as exc:
            raise ctx.error(exc.message, path, exc.hint) from None


@dataclass(frozen=True)
class ListOf(Type):
    """An array of items of one type; ``single`` also takes one item on its own."""

    item: Type
    max_items: int = 100
    min_items: int = 0
    single: bool = False

    def describe(self) -> str:
        return f"list; each {self.item.describe()}"

    def read(self, ctx: Ctx, value: Any, path: str) -> tuple[Any, ...]:
        if self.single and not isinstance(value, list):
            value = [value]
        if not isinstance(value, list):
            raise ctx.error(f"{_last(path)} must be a list, not {show(value)}", path)
        if not self.min_items <= len(value) <= self.max_items:
            raise ctx.error(
                f"{_last(path)} has {len(value)} items", path, f"give {self.min_items} to {self.max_items}"
            )
        return tuple(self.item.read(ctx, v, path) for v in value)


@dataclass(frozen=True)
class Colour(Type):
    """CMYK ``[c, m, y, k]``: all fractions (0 to 1) or all percentages (0 to 100)."""

    none: bool = False  # "none" (or false) means no colour

    doc = "colour"

    def describe(self) -> str:
        return "CMYK [c, m, y, k], 0-1 or 0-100" + (', or "none"' if self.none else "")

    def read(self, ctx: Ctx, value: Any, path: str) -> tuple[float, float, float, float] | None:
        if self.none and value in ("none", False):
            return None
        ok = isinstance(value, list) and len(value) == 4
        if not ok or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            raise ctx.error(
                f"{_last(path)} must be CMYK [c, m, y, k] from 0 to 1 (or 0 to 100)",
                path,
                "e.g. [0, 0, 0, 1] for 100 % black" + ('; "none" for no colour' if self.none else ""),
            )
        if not all(math.isfinite(v) and 0 <= v <= 100 for v in value):
            raise ctx.error(f"{_last(path)} values must lie between 0 and 1 (or 0 and 100)", path)
        percent = any(v > 1 for v in value)
        if percent and any(0 < v <= 1 for v in value):
            raise ctx.error(
                f"{_last(path)} {show(value)} mixes fractions (0 to 1) and percentages (0 to 100)",
                path,
                "write every value as a percentage, e.g. [0, 50, 0, 100], or every one as a fraction",
            )
        c, m, y, k = (float(v) / (100.0 if percent else 1.0) for v in value)
        if c + m + y + k > MAX_INK + 1e-9:
            raise ctx.error(
                f"{_last(path)} has {c + m + y + k:.0%} total ink, over the {MAX_INK:.0%} presses take",
                path,
                "for black text use [0, 0, 0, 1]; for a rich black background at most 300 %",
            )
        return (c, m, y, k)


COORD = Length(-1000 * mm, 1000 * mm)
"""A coordinate on a face or panel: from -1 m to 1 m."""


@dataclass(frozen=True)
class LengthBox(Type):
    """``[x, y, width, height]`` with units; the sides at least ``min_side``."""

    min_side: float = 1 * mm
    max_side: float = 1000 * mm

    doc = "box"

    def describe(self) -> str:
        return f"[x, y, width, height], sides {format_length(self.min_side, 'mm', 0)} to 1000mm"

    def read(self, ctx: Ctx, value: Any, path: str) -> Rect:
        if not isinstance(value, list) or len(value) != 4:
            raise ctx.error(
                f"{_last(path)} must be [x, y, width, height] with units",
                path,
                'e.g. box = ["10mm", "20mm", "80mm", "30mm"]',
            )
        x, y = (COORD.read(ctx, v, path) for v in value[:2])
        side = Length(self.min_side, self.max_side)
        w, h = (side.read(ctx, v, path) for v in value[2:])
        return Rect.from_size(x, y, w, h)


class LengthPoint(Type):
    """``[x, y]`` with units."""

    doc = "point"

    def describe(self) -> str:
        return "[x, y] with units"

    def read(self, ctx: Ctx, value: Any, path: str) -> Point:
        if not isinstance(value, list) or len(value) != 2:
            raise ctx.error(f"{_last(path)} must be [x, y] with units", path, 'e.g. ["10mm", "70mm"]')
        x, y = (COORD.read(ctx, v, path) for v in value)
        return Point(x, y)


@dataclass(frozen=True)
class LengthList(Type):
    """A list of lengths, each within ``item``'s range."""

    item: Length
    max_items: int = 8
    exact: int | None = None

    def describe(self) -> str:
        n = f"{self.exact} lengths" if self.exact else f"list of up to {self.max_items} lengths"
        return f"{n}, each {self.item.describe().removeprefix('length, ')}"

    def read(self, ctx: Ctx, value: Any, path: str) -> tuple[float, ...]:
        count_ok = isinstance(value, list) and (
            len(value) == self.exact if self.exact else len(value) <= self.max_items
        )
        if not count_ok:
            raise ctx.error(f"{_last(path)} must be a {self.describe()}", path)
        return tuple(self.item.read(ctx, v, path) for v in value)


# --- tables ----------------------------------------------------------------------------------

MISSING: Any = object()


@dataclass(frozen=True)
class Field:
    """One key of a table: its type, its default (MISSING: required) and what it means.

    ``default_doc`` shows a default that is not a plain value ("as [defaults]")."""

    type: Type
    doc: str
    default: Any = None
    default_doc: str | None = None

    @property
    def required(self) -> bool:
        return self.default is MISSING


@dataclass(frozen=True)
class Tables(Type):
    """An array of tables (``[[name]]``), read by whoever owns them; ``of`` names their table."""

    of: str
    max_items: int = 200

    def describe(self) -> str:
        return f"array of {self.of} tables"

    def read(self, ctx: Ctx, value: Any, path: str) -> list[Mapping[str, Any]]:
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise ctx.error(f"{_last(path)} must be an array of tables ([[{_last(path)}]])", path)
        if len(value) > self.max_items:
            raise ctx.error(f"{_last(path)} has {len(value)} tables, more than {self.max_items}", path)
        return value


@dataclass(frozen=True)
class Table(Type):
    """A TOML table with known keys; ``values`` (when set) types the values of any key."""

    fields: Mapping[str, Field] = field(default_factory=dict)
    values: Type | None = None
    max_keys: int = 100
    name: str = "table"

    def describe(self) -> str:
        return f"{self.name} table" if self.name != "table" else "table"

    def read(self, ctx: Ctx, value: Any, path: str) -> dict[str, Any]:
        return read_table(ctx, self, value, path)


def _unknown(ctx: Ctx, key: str, known: Sequence[str], path: str) -> LayoutError:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else "valid keys: " + ", ".join(sorted(known))
    return ctx.error(f"unknown key {show(key)}", join(path, key), hint)


def read_table(ctx: Ctx, table: Table, raw: Any, path: str) -> dict[str, Any]:
    """Every field of ``table`` read from ``raw``; defaults filled in, unknown keys refused."""
    if not isinstance(raw, Mapping):
        raise ctx.error(f"{_last(path)} must be a table, not {show(raw)}", path)
    if len(raw) > table.max_keys:
        raise ctx.error(f"{_last(path)} has {len(raw)} keys, more than {table.max_keys}", path)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        where = join(path, key)
        if key in table.fields:
            out[key] = table.fields[key].type.read(ctx, value, where)
        elif table.values is not None:
            if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}", key):
                raise ctx.error(f"key {show(key)} is not a plain name", where, "letters, digits, _ . -")
            out[key] = table.values.read(ctx, value, where)
        else:
            raise _unknown(ctx, key, list(table.fields), path)
    for key, f in table.fields.items():
        if key not in out:
            if f.required:
                raise ctx.error(f"missing {key!r}", path, f"{key}: {f.doc}" if f.doc else None)
            out[key] = f.default
    return out


def default_text(f: Field) -> str:
    if f.default_doc is not None:
        return f.default_doc
    if f.required:
        return "required"
    if f.default is None or f.default == ():
        return ""
    if isinstance(f.default, bool):
        return "true" if f.default else "false"
    if isinstance(f.default, str):
        return f'`"{f.default}"`'
    if isinstance(f.default, float) and isinstance(f.type, Length):
        return f'`"{f.type.fmt(f.default)}"`'
    return f"`{f.default}`"


def markdown_table(table: Table) -> str:
    """The reference table of ``table``: key, type, default, meaning; one row per field."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key, f in table.fields.items():
        kind, doc = (t.replace("|", "\\|") for t in (f.type.describe(), f.doc))
        rows.append(f"| `{key}` | {kind} | {default_text(f)} | {doc} |")
    return "\n".join(rows)
