"""The USPS Intelligent Mail barcode (IMb): fields checked, encoded, drawn as bars.

An IMb carries a 20-digit tracking code (barcode id, service type, mailer id, serial)
and a routing code (the delivery ZIP: 0, 5, 9 or 11 digits) as 65 bars of four states:
F (full), A (ascender), D (descender), T (tracker). reportlab's ``USPS_4State`` encodes
correctly (it reproduces the USPS-B-3200 reference encodings) but accepts a barcode id
whose second digit is over 4, so every field is checked here first, each error naming
its field. The bars are drawn as filled rectangles in 100 % K at the spec's nominal
dimensions; numbers are USPS-B-3200 (Intelligent Mail Barcode 4-State specification)
and the DMM 202.5 (barcode placement) unless marked (d), derived.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import EnvelopekitError, FitError, RecordError
from ..geometry import Rect
from ..units import inch

if TYPE_CHECKING:
    from ..kit import Piece
    from .blocks import ImbBlock

__all__ = [
    "BAR_PITCH",
    "BAR_WIDTH",
    "FULL_HEIGHT",
    "QUIET_X",
    "QUIET_Y",
    "SYMBOL_HEIGHT",
    "SYMBOL_WIDTH",
    "TRACKER_HEIGHT",
    "US_POSTAL",
    "SerialLedger",
    "bar_rects",
    "block_bars",
    "check_digits",
    "clear_zone_box",
    "encode",
    "routing_digits",
]

# --- dimensions (USPS-B-3200 section 2.3, "Dimensions") --------------------------------------------

BAR_WIDTH = 0.020 * inch
"""Bar width 0.020 in nominal (USPS-B-3200: 0.015-0.025 in)."""
BAR_PITCH = inch / 22
"""Bars per inch: 22 nominal (USPS-B-3200: 20-24 bars per inch, pitch 0.0416-0.050 in)."""
FULL_HEIGHT = 0.145 * inch
"""Full bar 0.145 in nominal (USPS-B-3200: 0.125-0.165 in)."""
TRACKER_HEIGHT = 0.048 * inch
"""Tracker (the middle band every bar has) 0.048 in nominal (USPS-B-3200: 0.039-0.057 in)."""
ASCENDER = (FULL_HEIGHT + TRACKER_HEIGHT) / 2
"""An ascender or descender reaches from one end of the full bar through the tracker (d):
0.0965 in, its part beyond the tracker 0.0485 in (USPS-B-3200: 0.0435-0.0720 in)."""
BARS = 65
SYMBOL_WIDTH = (BARS - 1) * BAR_PITCH + BAR_WIDTH
"""2.929 in from the left edge of the first bar to the right edge of the last (d) (USPS-B-3200:
the barcode is 2.667-3.225 in long)."""
SYMBOL_HEIGHT = FULL_HEIGHT
QUIET_X = 0.125 * inch
"""Clear space left and right of the bars (USPS-B-3200 and DMM 202.5: at least 0.125 in)."""
QUIET_Y = 0.028 * inch
"""Clear space above and below the bars (DMM 202.5: at least 0.028 in for an IMb; USPS-B-3200
asks for 0.040 in where it can be had)."""
BOX_WIDTH = SYMBOL_WIDTH + 2 * QUIET_X
BOX_HEIGHT = SYMBOL_HEIGHT + 2 * QUIET_Y

# --- placement in the barcode clear zone (DMM 202.5) ------------------------------------------------

LEFT_BAR_FROM_RIGHT = 3.875 * inch
"""DMM 202.5: in the lower right corner, the leftmost bar 3 1/2 to 4 1/4 in from the right edge;
the middle of that range (d)."""
BARS_FROM_BOTTOM = 0.25 * inch
"""The bars' bottom 1/4 in above the bottom edge: inside the clear zone (the bottom 5/8 in), its
top at 0.395 in (d)."""

US_POSTAL = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "UM", "MH", "FM", "PW"})
"""Destinations USPS delivers with ZIP codes: the states, its territories and the Freely
Associated States. Other records get no IMb (or are rejected, per the block's ``non_us``)."""


def clear_zone_box(face: Rect) -> Rect:
    """The default box (bars and quiet zones) on an envelope front: bottom right, in the USPS
    barcode clear zone (the bottom 5/8 in of the rightmost 4 3/4 in)."""
    x = face.x1 - LEFT_BAR_FROM_RIGHT - QUIET_X
    y = face.y0 + BARS_FROM_BOTTOM - QUIET_Y
    return Rect.from_size(x, y, BOX_WIDTH, BOX_HEIGHT)


# --- fields ---------------------------------------------------------------------------------------------

FIELDS: Mapping[str, tuple[tuple[int, ...], str]] = {
    "barcode_id": ((2,), "2 digits, the second 0-4"),
    "service_type": ((3,), "3 digits (the STID)"),
    "mailer_id": ((6, 9), "6 or 9 digits (a 9-digit mailer id begins with 9)"),
    "routing": ((0, 5, 9, 11), "0, 5, 9 or 11 digits (ZIP, ZIP+4, ZIP+4 and delivery point)"),
}
"""Each field's allowed lengths and its rule in words (USPS-B-3200 section 2.1)."""


def check_digits(value: str, name: str) -> str | None:
    """What is wrong with ``value`` as the IMb field ``name`` (a key of :data:`FIELDS`), or None."""
    lengths, rule = FIELDS[name]
    if not (value.isascii() and value.isdigit()) and value:
        return f"IMb {name} {value!r} is not all digits: it is {rule}"
    if len(value) not in lengths:
        return f"IMb {name} {value!r} has {len(value)} digits: it is {rule}"
    if name == "barcode_id" and value[1] > "4":
        return f"IMb barcode_id {value!r}: its second digit must be 0-4 (USPS-B-3200)"
    if name == "mailer_id" and len(value) == 9 and value[0] != "9":
        return f"IMb mailer_id {value!r}: a 9-digit mailer id begins with 9, a 6-digit one does not"
    if name == "mailer_id" and len(value) == 6 and value[0] == "9":
        return f"IMb mailer_id {value!r}: a 6-digit mailer id never begins with 9"
    return None


def serial_width(mailer_id: str) -> int:
    """The serial's digits: mailer id and serial together are 15 digits (USPS-B-3200)."""
    return 15 - len(mailer_id)


def routing_digits(postcode: str) -> str:
    """A postcode as routing digits: ``12345-6789`` and ``12345 6789`` give ``123456789``."""
    return "".join(postcode.split()).replace("-", "")


# --- encoding and drawing ----------------------------------------------------------------------------


def encode(barcode_id: str, service_type: str, mailer_id: str, serial: str, routing: str) -> str:
    """The 65 bar letters (F, A, D, T, left to right) of checked fields. EnvelopekitError
    naming the field if one is wrong (callers check first, to name the layout key or record
    field)."""
    for name, value in (
        ("barcode_id", barcode_id),
        ("service_type", service_type),
        ("mailer_id", mailer_id),
        ("routing", routing),
    ):
        problem = check_digits(value, name)
        if problem:
            raise EnvelopekitError(problem)
    width = serial_width(mailer_id)
    if len(serial) != width or not (serial.isascii() and serial.isdigit()):
        raise EnvelopekitError(
            f"IMb serial {serial!r} is not {width} digits (with a {len(mailer_id)}-digit mailer_id)"
        )
    from reportlab.graphics.barcode.usps4s import USPS_4State

    letters = str(USPS_4State(barcode_id + service_type + mailer_id + serial, routing).barcodes)
    if len(letters) != BARS or set(letters) - set("FADT"):  # pragma: no cover - reportlab's contract
        raise EnvelopekitError(f"IMb encoder returned {letters!r}, not {BARS} bars")
    return letters


def bar_rects(letters: str, box: Rect) -> tuple[Rect, ...]:
    """The bars of ``letters``, centred in ``box``: a full bar spans the whole height, an
    ascender the tracker and above, a descender the tracker and below, a tracker the middle
    band only."""
    x0 = box.x0 + (box.width - SYMBOL_WIDTH) / 2
    bottom = box.y0 + (box.height - SYMBOL_HEIGHT) / 2
    top = bottom + FULL_HEIGHT
    t0 = bottom + (FULL_HEIGHT - TRACKER_HEIGHT) / 2
    t1 = t0 + TRACKER_HEIGHT
    spans = {"F": (bottom, top), "A": (t0, top), "D": (bottom, t1), "T": (t0, t1)}
    out = []
    for i, letter in enumerate(letters):
        y0, y1 = spans[letter]
        x = x0 + i * BAR_PITCH
        out.append(Rect(x, y0, x + BAR_WIDTH, y1))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Fields:
    """One record's IMb fields, checked."""

    barcode_id: str
    service_type: str
    mailer_id: str
    serial: str
    routing: str

    def letters(self) -> str:
        return encode(self.barcode_id, self.service_type, self.mailer_id, self.serial, self.routing)


def record_fields(
    *,
    values: Mapping[str, tuple[str, str | None]],
    serial: tuple[str, str | None] | None,
    row: int | None,
    serial_start: int,
) -> Fields:
    """The checked fields of one record. ``values`` maps each IMb field to (its value, the
    record field it came from or None for a literal of the layout); ``serial`` is the
    same for a serial from the record, None for one numbered from the record's row.
    RecordError naming the record's field (or the IMb field) for every problem at once."""
    problems: list[tuple[str, str]] = []
    got: dict[str, str] = {}
    for name, (value, source) in values.items():
        value = value.strip()
        if name == "routing":
            value = routing_digits(value)
            if not value and source is not None:
                problems.append((source, f"{source} is empty: an IMb for a US address carries its ZIP code"))
                continue
        problem = check_digits(value, name)
        if problem:
            field = source or name
            problems.append((field, problem + (f" (from field {source!r})" if source else "")))
        got[name] = value
    mid = got.get("mailer_id", "")
    width = serial_width(mid) if len(mid) in (6, 9) else 0
    number = ""
    if serial is None:
        if row is None:
            problems.append(("serial", "IMb serial numbered by row needs the record's row"))
        elif width:
            n = serial_start + row
            if n >= 10**width:
                problems.append(
                    (
                        "serial",
                        f"IMb serial {n} (serial_start {serial_start} + row {row}) is over {width} digits",
                    )
                )
            number = f"{n:0{width}d}"
    else:
        value, source = serial[0].strip(), serial[1]
        field = source or "serial"
        if not (value.isascii() and value.isdigit()):
            problems.append((field, f"IMb serial {value!r} is not all digits (from field {field!r})"))
        elif width and len(value) > width:
            problems.append(
                (
                    field,
                    f"IMb serial {value!r} has {len(value)} digits: "
                    f"with a {len(mid)}-digit mailer_id it is {width}",
                )
            )
        elif width:
            number = value.zfill(width)
    if problems:
        first = problems[0][0]
        message = "; ".join(p for _, p in problems)
        raise RecordError(message, field=first, hint="fix the record, or the imb block's keys")
    return Fields(got["barcode_id"], got["service_type"], got["mailer_id"], number, got["routing"])


def _source(template: str) -> str | None:
    from .templates import template_fields

    names = template_fields(template)
    return names[0] if names else None


def is_us(block: ImbBlock, fields: Mapping[str, str]) -> bool | None:
    """Whether the record goes to a USPS destination; None for a country we do not know.
    No country means the layout's ``home_country``, and with none, the US."""
    from .countries import country_code

    text = (fields.get("country") or "").strip()
    if not text:
        return block.home_country.upper() in US_POSTAL or not block.home_country
    code = country_code(text, home_country=block.home_country)
    return None if code is None else code in US_POSTAL


def block_bars(
    block: ImbBlock, fields: Mapping[str, str], row: int | None, face: Rect | None
) -> tuple[Rect, ...]:
    """The bars of ``block`` for one record, in block coordinates (``face``: the face the
    default box is placed on); () for a record outside the US with ``non_us = "skip"``.
    RecordError naming the field for a record outside the US (``non_us = "reject"``) or
    a field that is not an IMb's."""
    from .templates import render_template

    us = is_us(block, fields)
    if not us:
        if block.non_us == "skip":
            return ()
        shown = (fields.get("country") or "").strip()
        raise RecordError(
            f"country {shown!r} is not served by USPS: an IMb is for US addresses",
            field="country",
            hint='set non_us = "skip" on the imb block to mail it without a barcode',
        )
    values = {
        name: (render_template(template, fields), _source(template))
        for name, template in (
            ("barcode_id", block.barcode_id),
            ("service_type", block.service_type),
            ("mailer_id", block.mailer_id),
            ("routing", block.routing),
        )
    }
    serial = None if block.serial == "row" else (render_template(block.serial, fields), _source(block.serial))
    checked = record_fields(values=values, serial=serial, row=row, serial_start=block.serial_start)
    box = block.box
    if box is None:
        if face is None:
            raise EnvelopekitError(f"imb block {block.name!r} has no box and no face to place it on")
        box = clear_zone_box(face)
        if not face.contains(box):
            raise FitError(
                f"imb block {block.name!r}: a front {face.width / inch:.2f} x {face.height / inch:.2f} in "
                "has no room for the barcode where USPS reads it (leftmost bar 3 7/8 in from the right edge)",
                hint="give the block a box, or use an envelope at least 5 in long (a USPS letter)",
            )
    return bar_rects(checked.letters(), box)


class SerialLedger:
    """Serials already given in a batch, to refuse a second record with the same one.

    Serials numbered by row (``serial = "row"``) are unique by construction; one taken
    from a record field is only unique if the records say so, so the batch asks
    :meth:`claim` for every record as records stream past (as it does for ids): the
    mailer id and serial of each such block are held, nothing else.
    """

    def __init__(self, blocks: tuple[ImbBlock, ...]):
        self.blocks = tuple(b for b in blocks if b.serial != "row")
        self.seen: dict[tuple[str, str, str], int | None] = {}

    @classmethod
    def of_kit(cls, pieces: Iterable[Piece]) -> SerialLedger:
        """A ledger for every imb block placed on ``pieces`` (a resolved kit's ``pieces``)."""
        from .blocks import ImbBlock

        found: dict[str, ImbBlock] = {}
        for piece in pieces:
            for placed in (*piece.side_a, *piece.side_b):
                if isinstance(placed.block, ImbBlock):
                    found.setdefault(f"{piece.key}.{placed.block.name}", placed.block)
        return cls(tuple(found.values()))

    def claim(self, fields: Mapping[str, str], row: int | None) -> RecordError | None:
        """None when the record's serials are new (they are then held), else the error
        naming the serial's field and the row that has it already. A record whose fields
        are faulty is left to :func:`block_bars` to reject."""
        from .templates import render_template

        keys = []
        for block in self.blocks:
            try:
                mid = render_template(block.mailer_id, fields).strip()
                serial = render_template(block.serial, fields).strip()
            except EnvelopekitError:
                continue
            if len(mid) not in (6, 9) or not serial.isdigit() or len(serial) > serial_width(mid):
                continue
            if not is_us(block, fields):
                continue  # no barcode, no serial
            key = (block.name, mid, serial.zfill(serial_width(mid)))
            if key in self.seen:
                first = self.seen[key]
                where = f" (line {first} has it)" if first is not None else ""
                return RecordError(
                    f"IMb serial {key[2]} of mailer id {mid} is used twice in this batch{where}",
                    row=row,
                    field=_source(block.serial),
                    hint="each mailpiece needs its own serial (unique for 45 days); "
                    'serial = "row" numbers them by row',
                )
            keys.append(key)
        for key in keys:
            self.seen[key] = row
        return None
