"""Standard sizes: envelopes, papers and cards, press sheets, paper stocks.

Sizes are stored in the units their standard quotes (mm or inches) and exposed
in points. Names are looked up case-insensitively ("C6", "#10", "a7", "6x9"),
and "120x80mm" / "4.5x6in" make a custom size.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import CatalogError
from .units import inch, mm, parse_length

__all__ = [
    "ENVELOPES",
    "PAPERS",
    "SHEETS",
    "STOCKS",
    "Sheet",
    "Size",
    "Stock",
    "caliper_for",
    "envelope_family",
    "lookup",
    "lookup_sheet",
    "lookup_stock",
    "parse_size",
]


@dataclass(frozen=True, slots=True)
class Size:
    """A named finished size in points, long side first for envelopes as they lie."""

    name: str
    width: float
    height: float
    kind: str  # "envelope" | "paper" | "card"
    family: str = ""  # "iso-c", "iso-b", "iso-dl", "us-a", "us-number", "us-booklet", ...
    holds: str = ""

    @property
    def wh(self) -> tuple[float, float]:
        return (self.width, self.height)

    def portrait(self) -> Size:
        w, h = sorted(self.wh)
        return Size(self.name, w, h, self.kind, self.family, self.holds)

    def landscape(self) -> Size:
        h, w = sorted(self.wh)
        return Size(self.name, w, h, self.kind, self.family, self.holds)


@dataclass(frozen=True, slots=True)
class Sheet:
    """A press or desktop sheet, portrait, with its unprintable edges (gripper and sides)."""

    name: str
    width: float
    height: float
    margin: float  # unprintable on every edge (digital) or the sides (offset)
    gripper: float  # unprintable on the leading edge
    press: str  # "offset" | "digital" | "desktop"


@dataclass(frozen=True, slots=True)
class Stock:
    """A paper stock: grammage and caliper (thickness) in points."""

    name: str
    gsm: float
    caliper: float
    kind: str  # "envelope" | "card" | "text"


def _mm(name: str, w: float, h: float, kind: str, family: str, holds: str = "") -> Size:
    return Size(name, w * mm, h * mm, kind, family, holds)


def _in(name: str, w: str, h: str, kind: str, family: str, holds: str = "") -> Size:
    return Size(name, float(Fraction(w)) * inch, float(Fraction(h)) * inch, kind, family, holds)


ENVELOPES: tuple[Size, ...] = (
    _mm("C3", 458, 324, "envelope", "iso-c", "A3"),
    _mm("C4", 324, 229, "envelope", "iso-c", "A4 flat"),
    _mm("C5", 229, 162, "envelope", "iso-c", "A5, A4 folded once"),
    _mm("C6", 162, 114, "envelope", "iso-c", "A6, A4 folded twice"),
    _mm("C7", 114, 81, "envelope", "iso-c", "A7"),
    _mm("C6/5", 229, 114, "envelope", "iso-c", "1/3 A4"),
    _mm("C7/6", 162, 81, "envelope", "iso-c", "1/3 A5"),
    _mm("DL", 220, 110, "envelope", "iso-dl", "1/3 A4 (210 x 99)"),
    _mm("B4", 353, 250, "envelope", "iso-b", "C4 envelopes"),
    _mm("B5", 250, 176, "envelope", "iso-b", "C5 envelopes"),
    _mm("B6", 176, 125, "envelope", "iso-b", "C6 envelopes"),
    _in("#6 3/4", "13/2", "29/8", "envelope", "us-number", "remittance"),
    _in("Monarch", "15/2", "31/8", "envelope", "us-number", "Monarch sheet in thirds"),
    _in("#9", "71/8", "31/8", "envelope", "us-number", "reply inside a #10"),
    _in("#10", "19/2", "33/8", "envelope", "us-number", "Letter in thirds"),
    _in("A2", "23/4", "35/8", "envelope", "us-a", "5 1/2 x 4 1/4 card"),
    _in("A6", "13/2", "19/4", "envelope", "us-a", "6 1/4 x 4 1/2 card"),
    _in("A7", "29/4", "21/4", "envelope", "us-a", "7 x 5 card"),
    _in("A9", "35/4", "23/4", "envelope", "us-a", "8 1/2 x 5 1/2 card"),
    _in("6x9", "9", "6", "envelope", "us-booklet", "booklets"),
    _in("9x12", "12", "9", "envelope", "us-booklet", "Letter flat"),
    _in("10x13", "13", "10", "envelope", "us-booklet", "Letter flat, thick"),
)

PAPERS: tuple[Size, ...] = (
    _mm("A3", 297, 420, "paper", "iso-a"),
    _mm("A4", 210, 297, "paper", "iso-a"),
    _mm("A5", 148, 210, "paper", "iso-a"),
    _mm("A6", 105, 148, "card", "iso-a"),
    _mm("A7", 74, 105, "card", "iso-a"),
    _mm("A8", 52, 74, "card", "iso-a"),
    _mm("DL card", 210, 99, "card", "iso-dl"),
    _in("Letter", "17/2", "11", "paper", "us"),
    _in("Legal", "17/2", "14", "paper", "us"),
    _in("Half Letter", "11/2", "17/2", "paper", "us"),
    _in("A2 card", "17/4", "11/2", "card", "us-a"),
    _in("A6 card", "9/2", "25/4", "card", "us-a"),
    _in("A7 card", "5", "7", "card", "us-a"),
    _in("A9 card", "11/2", "17/2", "card", "us-a"),
    _in("Postcard", "4", "6", "card", "us"),
    _mm("Business card", 85, 55, "card", "iso"),
)

# ISO A names clash between paper (A6 = 105 x 148 mm) and US envelopes (A6 = 6 1/2 x 4 3/4 in).
# Lookups prefer the envelope unless kind="paper"/"card" is asked for.

SHEETS: tuple[Sheet, ...] = (
    Sheet("SRA3", 320 * mm, 450 * mm, 5 * mm, 10 * mm, "offset"),
    Sheet("RA3", 305 * mm, 430 * mm, 5 * mm, 10 * mm, "offset"),
    Sheet("A3", 297 * mm, 420 * mm, 4 * mm, 4 * mm, "digital"),
    Sheet("A3+", 329 * mm, 483 * mm, 4 * mm, 4 * mm, "digital"),
    Sheet("12x18in", 12 * inch, 18 * inch, 4 * mm, 4 * mm, "digital"),
    Sheet("13x19in", 13 * inch, 19 * inch, 4 * mm, 4 * mm, "digital"),
    Sheet("Tabloid", 11 * inch, 17 * inch, 4 * mm, 4 * mm, "digital"),
    Sheet("Letter", 8.5 * inch, 11 * inch, 5 * mm, 5 * mm, "desktop"),
    Sheet("A4", 210 * mm, 297 * mm, 5 * mm, 5 * mm, "desktop"),
)

STOCKS: tuple[Stock, ...] = (
    Stock("envelope-90", 90, 0.11 * mm, "envelope"),
    Stock("envelope-100", 100, 0.12 * mm, "envelope"),
    Stock("envelope-120", 120, 0.15 * mm, "envelope"),
    Stock("text-80", 80, 0.10 * mm, "text"),
    Stock("text-120", 120, 0.14 * mm, "text"),
    Stock("card-250", 250, 0.30 * mm, "card"),
    Stock("card-300", 300, 0.35 * mm, "card"),
    Stock("card-350", 350, 0.40 * mm, "card"),
)


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name.lower())


_SIZE_PATTERN = re.compile(
    r"^\s*(?P<w>[\d./ ]+?)\s*(?P<wu>mm|cm|in|pt)?\s*[x×]\s*(?P<h>[\d./ ]+?)\s*(?P<hu>mm|cm|in|pt)?\s*$",
    re.IGNORECASE,
)


def parse_size(text: str) -> tuple[float, float] | None:
    """ "120x80mm", "4.5 x 6 in", "100mm x 70mm" -> (w, h) in points; None if not that shape."""
    m = _SIZE_PATTERN.match(text)
    if not m:
        return None
    unit = (m.group("hu") or m.group("wu") or "").lower()
    if not unit:
        return None
    w = parse_length(m.group("w").strip() + (m.group("wu") or unit), what="width")
    h = parse_length(m.group("h").strip() + unit, what="height")
    if w <= 0 or h <= 0:
        raise CatalogError(f"size {text!r} must be positive")
    return (w, h)


def _closest(name: str, names: list[str]) -> str:
    keyed = {_key(n): n for n in names}
    close = difflib.get_close_matches(_key(name), list(keyed), n=3, cutoff=0.4)
    if close:
        return "closest: " + ", ".join(keyed[c] for c in close)
    return "see `envelopekit sizes`"


def lookup(name: str, *, kind: str | None = None) -> Size:
    """A catalog size by name, or a custom "WxH<unit>" size.

    ``kind`` narrows the search to "envelope", "paper" or "card" (papers and cards
    are searched together for either).
    """
    if kind not in (None, "envelope", "paper", "card"):
        raise ValueError(f"kind must be envelope, paper or card, not {kind!r}")
    pools: tuple[tuple[Size, ...], ...]
    if kind == "envelope":
        pools = (ENVELOPES,)
    elif kind in ("paper", "card"):
        pools = (PAPERS,)
    else:
        pools = (ENVELOPES, PAPERS)
    key = _key(name)
    for pool in pools:
        for size in pool:
            if _key(size.name) == key:
                return size
    custom = parse_size(name)
    if custom is not None:
        return Size(name.strip(), custom[0], custom[1], kind or "custom", "custom")
    names = [s.name for pool in pools for s in pool]
    raise CatalogError(f"unknown size {name!r}", hint=_closest(name, names) + ', or give "WxHmm"')


def lookup_sheet(name: str) -> Sheet:
    """A press sheet by name ("SRA3", "12x18in", "letter"), or a custom "WxH<unit>" sheet."""
    key = _key(name)
    for sheet in SHEETS:
        if _key(sheet.name) == key:
            return sheet
    custom = parse_size(name)
    if custom is not None:
        w, h = sorted(custom)
        return Sheet(name.strip(), w, h, 5 * mm, 5 * mm, "custom")
    raise CatalogError(
        f"unknown sheet {name!r}", hint=_closest(name, [s.name for s in SHEETS]) + ', or give "WxHmm"'
    )


def lookup_stock(name: str) -> Stock:
    """A stock by name ("card-300") or by grammage ("300gsm", "card 300gsm")."""
    key = _key(name)
    for stock in STOCKS:
        if _key(stock.name) == key:
            return stock
    m = re.match(r"^(?:(envelope|card|text)[-\s]*)?(\d+(?:\.\d+)?)\s*(?:gsm|g)?$", name.strip().lower())
    if m:
        gsm = float(m.group(2))
        kind = m.group(1) or ("card" if gsm >= 200 else "text")
        return Stock(name.strip(), gsm, caliper_for(gsm, kind), kind)
    raise CatalogError(
        f"unknown stock {name!r}", hint=_closest(name, [s.name for s in STOCKS]) + ', or give "300gsm"'
    )


def caliper_for(gsm: float, kind: str = "text") -> float:
    """Caliper (points) from grammage, by the bulk typical of the kind of paper.

    Uncoated envelope and text papers run about 1.25 cm3/g, board about 1.15;
    close enough for nesting allowances, which is all it is used for.
    """
    bulk = 1.15 if kind == "card" else 1.25
    return gsm * bulk / 1000 * mm


def envelope_family(family: str) -> tuple[Size, ...]:
    """Catalog envelopes of a family ("iso-c", "us-a", "us-number", ...), smallest first."""
    aliases = {
        "iso c": "iso-c",
        "c": "iso-c",
        "us a": "us-a",
        "a": "us-a",
        "us #": "us-number",
        "#": "us-number",
        "us-#": "us-number",
        "booklet": "us-booklet",
    }
    fam = aliases.get(family.lower().strip(), family.lower().strip())
    sizes = tuple(s for s in ENVELOPES if s.family == fam)
    if not sizes:
        families = sorted({s.family for s in ENVELOPES})
        raise CatalogError(f"unknown envelope family {family!r}", hint="use one of " + ", ".join(families))
    return tuple(sorted(sizes, key=lambda s: s.width * s.height))
