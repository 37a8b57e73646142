"""Lengths. Everything inside envelopekit is a float in PostScript points.

Strings with units ("3mm", "0.125in", "1/8in", "12pt") are parsed only at the
edges: layout files, the command line and public keyword arguments.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from .errors import UnitError

__all__ = ["UNITS", "cm", "format_length", "inch", "mm", "parse_length", "pt", "to_mm"]

pt = 1.0
inch = 72.0
mm = inch / 25.4
cm = 10 * mm

UNITS: dict[str, float] = {
    "pt": pt,
    "mm": mm,
    "cm": cm,
    "in": inch,
    "inch": inch,
    '"': inch,
}

# A number is a decimal ("2.5", ".5"), a fraction ("1/8"), or a mixed number ("1 3/8", "1-3/8").
_NUMBER = r"(?P<whole>[+-]?\d+(?:[ -]+(?=\d+/))?)?(?P<frac>\d+/\d+)?|(?P<dec>[+-]?(?:\d+\.?\d*|\.\d+))"
_LENGTH = re.compile(rf"^\s*(?:{_NUMBER})\s*(?P<unit>[a-zA-Z\"]*)\s*$")


MAX_TEXT = 40
"""The longest length string read: "1 15/16in" needs 9; anything longer is not a length."""


def _number(match: re.Match[str]) -> float | None:
    """The number of a match, or None; ZeroDivisionError for "1/0"."""
    if match.group("dec") is not None:
        return float(match.group("dec"))
    whole, frac = match.group("whole"), match.group("frac")
    if whole is None and frac is None:
        return None
    value = Fraction(0)
    sign = 1
    if whole is not None:
        w = whole.strip(" -") if frac else whole
        if w.startswith("-"):
            sign, w = -1, w[1:]
        value += Fraction(int(w.lstrip("+")))
    if frac is not None:
        value += Fraction(frac)
    return float(sign * value)


def parse_length(value: str | float | int, *, default_unit: str | None = None, what: str = "length") -> float:
    """Return ``value`` in points.

    A number (int/float) is taken as points only when ``default_unit`` is given;
    a string must carry a unit unless ``default_unit`` is given. ``what`` names the
    value in the error message ("bleed", "flap depth").
    """
    if isinstance(value, bool):
        raise UnitError(f"{what} {value!r} is not a length", hint='write it with a unit, e.g. "3mm"')
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise UnitError(f"{what} {value!r} is not a finite length")
        if default_unit is None:
            raise UnitError(
                f"{what} {value!r} has no unit",
                hint=f'write it with a unit, e.g. "{value}mm" or "{value}pt"',
            )
        try:
            points = float(value) * UNITS[default_unit]
        except OverflowError:
            raise UnitError(f"{what} is not a finite length (a number too large)") from None
        if not math.isfinite(points):
            raise UnitError(f"{what} {value!r} is not a finite length")
        return points
    if not isinstance(value, str):
        shown = f"a {type(value).__name__}" if isinstance(value, list | dict | tuple) else repr(value)
        raise UnitError(f"{what} {shown} is not a length", hint='write it as a string like "3mm"')
    if len(value) > MAX_TEXT:
        raise UnitError(f"{what} {value[:MAX_TEXT]!r}... is not a length (too long)")
    match = _LENGTH.match(value)
    try:
        number = _number(match) if match else None
    except ZeroDivisionError:
        raise UnitError(f"{what} {value!r} divides by zero", hint='write e.g. "1/8in"') from None
    if match is None or number is None:
        raise UnitError(
            f"{what} {value!r} is not a length",
            hint='write a number and a unit: "3mm", "2.5cm", "0.125in", "1/8in", "12pt"',
        )
    unit = match.group("unit").lower()
    if not unit:
        if default_unit is None:
            raise UnitError(f"{what} {value!r} has no unit", hint=f'write e.g. "{value.strip()}mm"')
        unit = default_unit
    if unit not in UNITS:
        known = ", ".join(u for u in UNITS if u != '"')
        raise UnitError(f"{what} {value!r} has an unknown unit {unit!r}", hint=f"use one of {known}")
    points = number * UNITS[unit]
    if not math.isfinite(points):
        raise UnitError(f"{what} {value!r} is not a finite length")
    return points


def to_mm(points: float) -> float:
    """Points to millimetres (for messages and reports)."""
    return points / mm


def format_length(points: float, unit: str = "mm", digits: int = 1) -> str:
    """``format_length(8.5)`` -> ``"3.0mm"``; for messages."""
    return f"{points / UNITS[unit]:.{digits}f}{unit}"
