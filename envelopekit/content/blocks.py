"""Content blocks: what a layout places on an envelope face or a card panel.

Blocks are pure data in face (or panel) coordinates, points, origin bottom-left.
A block is *static* when it is the same for every record (drawn once per file as
a Form XObject) and *variable* when it depends on the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from ..geometry import Point, Rect

__all__ = [
    "BLACK",
    "AddressBlock",
    "Block",
    "Colour",
    "FillBlock",
    "ImageBlock",
    "ImbBlock",
    "QRBlock",
    "RectBlock",
    "RuleBlock",
    "TextBlock",
    "template_fields",
]

Colour = tuple[float, float, float, float]
"""CMYK, each 0-1. Text and QR codes default to 100 % K, never rich black."""

BLACK: Colour = (0.0, 0.0, 0.0, 1.0)


@lru_cache(maxsize=1024)
def template_fields(template: str) -> tuple[str, ...]:
    """The ``{field}`` names a template uses, in order of first use (once per template:
    ``variable`` asks for every block of every kit)."""
    from .templates import template_fields as parse

    return parse(template)


@dataclass(frozen=True, slots=True)
class TextBlock:
    name: str
    box: Rect
    template: str
    font: str = "sans"
    size: float = 11.0
    min_size: float | None = None
    align: Literal["left", "center", "right", "start", "end"] = "left"
    valign: Literal["top", "middle", "bottom"] = "top"
    leading: float = 1.25
    colour: Colour = BLACK
    panel: int = 0

    @property
    def fields(self) -> tuple[str, ...]:
        return template_fields(self.template)

    @property
    def variable(self) -> bool:
        return bool(self.fields)


@dataclass(frozen=True, slots=True)
class AddressBlock:
    """The recipient's address: one template line per address line; empty lines drop out."""

    name: str
    box: Rect
    lines: tuple[str, ...] = ()  # templates; empty: laid out by country (content.address)
    font: str = "sans"
    size: float = 10.0
    min_size: float = 8.0
    align: Literal["left", "center", "right", "start", "end"] = "left"
    leading: float = 1.2
    colour: Colour = BLACK
    panel: int = 0
    home_country: str = ""  # no country line for recipients in the sender's country
    check: Literal["reject", "warn", "off"] = "warn"  # a faulty address (content.address): [defaults]
    variable: bool = field(default=True, init=False)

    @property
    def fields(self) -> tuple[str, ...]:
        """Fields the record must have; an automatic address treats missing ones as empty."""
        return template_fields("\n".join(self.lines))


@dataclass(frozen=True, slots=True)
class QRBlock:
    """A reserved square for a survey QR code; ``box`` includes the 4-module quiet zone."""

    name: str
    box: Rect
    link: str = "survey"
    error: Literal["L", "M", "Q", "H"] = "M"
    min_module: float = 0.5 * 72 / 25.4
    colour: Colour = BLACK
    panel: int = 0
    variable: bool = field(default=True, init=False)
    fields: tuple[str, ...] = field(default=(), init=False)


@dataclass(frozen=True, slots=True)
class ImbBlock:
    """A USPS Intelligent Mail barcode (content.imb). Its fields are digits or ``{field}``
    templates; ``serial = "row"`` numbers the record by its row (``serial_start + row``).
    ``box`` (bars and quiet zones) None: the clear zone of the envelope front it is on."""

    name: str
    box: Rect | None
    service_type: str
    mailer_id: str
    barcode_id: str = "00"
    serial: str = "row"
    serial_start: int = 0
    routing: str = "{postal_code}"
    non_us: Literal["skip", "reject"] = "skip"
    home_country: str = ""
    panel: int = 0
    colour: Colour = BLACK
    variable: bool = field(default=True, init=False)

    @property
    def fields(self) -> tuple[str, ...]:
        serial = "" if self.serial == "row" else self.serial
        parts = (self.barcode_id, self.service_type, self.mailer_id, serial, self.routing)
        return template_fields("\n".join(parts))


@dataclass(frozen=True, slots=True)
class ImageBlock:
    name: str
    box: Rect
    path: str  # absolute, resolved by the layout loader
    fit: Literal["contain", "cover", "stretch"] = "contain"
    panel: int = 0
    variable: bool = field(default=False, init=False)
    fields: tuple[str, ...] = field(default=(), init=False)


@dataclass(frozen=True, slots=True)
class RuleBlock:
    name: str
    p0: Point
    p1: Point
    width: float = 0.5
    colour: Colour = BLACK
    dash: tuple[float, ...] = ()
    panel: int = 0
    variable: bool = field(default=False, init=False)
    fields: tuple[str, ...] = field(default=(), init=False)

    @property
    def box(self) -> Rect:
        return Rect.from_points((self.p0, self.p1))


@dataclass(frozen=True, slots=True)
class RectBlock:
    name: str
    box: Rect
    fill: Colour | None = None
    stroke: Colour | None = BLACK
    width: float = 0.5
    radius: float = 0.0
    dash: tuple[float, ...] = ()
    panel: int = 0
    variable: bool = field(default=False, init=False)
    fields: tuple[str, ...] = field(default=(), init=False)


@dataclass(frozen=True, slots=True)
class FillBlock:
    """A background fill of a whole face or panel, running into the bleed at cuts."""

    name: str
    colour: Colour
    panel: int = 0
    variable: bool = field(default=False, init=False)
    fields: tuple[str, ...] = field(default=(), init=False)
    box: Rect | None = None


Block = TextBlock | AddressBlock | QRBlock | ImbBlock | ImageBlock | RuleBlock | RectBlock | FillBlock
