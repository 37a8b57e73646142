"""Content blocks in layout files: one registry entry per ``type``, its keys typed once.

Each :class:`BlockType` is a schema :class:`~envelopekit.schema.Table` of its own keys
(the common ``type``, ``name`` and ``panel`` are added) and one build function from
the checked values to a block of :mod:`envelopekit.content.blocks`. Checks that
involve two keys (``min_size`` above ``size``, a radius wider than its box) are made
in the build function, naming the key to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .content import imb
from .content.blocks import (
    BLACK,
    AddressBlock,
    Block,
    FillBlock,
    ImageBlock,
    ImbBlock,
    QRBlock,
    RectBlock,
    RuleBlock,
    TextBlock,
)
from .content.text import FAMILIES, template_fields
from .geometry import Rect
from .schema import (
    MISSING,
    Choice,
    Colour,
    Ctx,
    Field,
    Length,
    LengthBox,
    LengthList,
    LengthPoint,
    ListOf,
    Number,
    Table,
    Text,
    join,
)
from .units import inch, mm, pt

__all__ = [
    "BLOCKS",
    "FONT",
    "MIN_MODULE",
    "MIN_STROKE",
    "NAME",
    "TEXT_SIZE",
    "BlockType",
    "read_block",
]

MIN_STROKE = 0.25 * pt
"""Thinner lines may not print (PRINT.md: no hairlines under 0.25 pt)."""
MIN_MODULE = 0.4 * mm
"""The smallest QR module phones read reliably (PRINT.md: ~0.4 mm is a floor)."""
MIN_ADDRESS = 8 * pt
"""Postal OCR needs at least 8 pt."""
MAX_IMAGE_PIXELS = 40_000_000
"""An image with more pixels is refused before it is decoded (about 50 x 30 cm at 300 ppi)."""

NAME = Text(
    max_len=64,
    nonempty=True,
    pattern=r"\w(?:[\w.-]{0,62}\w)?",
    rule="a name: letters, digits, `_`, `-`, `.` (no `/`, no spaces, no `.` first or last)",
)
"""A piece, block or link name: it becomes part of file names and manifest columns."""
FONT = Choice(tuple(FAMILIES))
TEXT_SIZE = Length(4 * pt, 500 * pt, unit="pt")
LEADING = Number(0.5, 5.0)
ALIGN = Choice(("left", "center", "right", "start", "end"))  # start/end: by the line's direction
STROKE = Length(MIN_STROKE, 20 * mm, unit="pt", why="a thinner line is a hairline that may not print")
DASH = LengthList(Length(MIN_STROKE, 100 * mm, unit="pt"))


def _template(text: str) -> None:
    template_fields(text)  # raises LayoutError for a lone brace or a bad placeholder


TEMPLATE = Text(max_len=5000, check=_template)
IMB_TEXT = Text(max_len=200, check=_template)
"""An IMb field: digits, or a template of record fields."""
"""A text block's template: a letter's body is 2,000 characters; fitting tries every size."""


@dataclass(frozen=True)
class Args:
    """What a build function gets: checked values, where they came from, the layout's defaults."""

    ctx: Ctx
    values: Mapping[str, Any]
    path: str
    defaults: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def name(self) -> str:
        return str(self.values["name"])

    @property
    def panel(self) -> int:
        return int(self.values["panel"]) - 1

    def default(self, key: str) -> Any:
        value = self.values[key]
        return self.defaults[key] if value is None else value


@dataclass(frozen=True)
class BlockType:
    """A block ``type``: what it is, its keys, and how the checked values become a block."""

    doc: str
    table: Table
    build: Callable[[Args], Block]


def _text(a: Args) -> TextBlock:
    size = a.default("size")
    min_size = size if a["min_size"] is None else a["min_size"]
    if min_size > size + 1e-9:
        raise a.ctx.error(
            f"min_size {min_size:g} pt is above size {size:g} pt",
            join(a.path, "min_size"),
            "min_size is the floor text may shrink to; make it at most size",
        )
    return TextBlock(
        a.name,
        a["box"],
        a["text"],
        a.default("font"),
        size,
        min_size,
        a["align"],
        a["valign"],
        a["leading"],
        a["colour"],
        a.panel,
    )


def _address(a: Args) -> AddressBlock:
    size, min_size = a["size"], a["min_size"]
    if min_size > size + 1e-9:
        raise a.ctx.error(f"min_size {min_size:g} pt is above size {size:g} pt", join(a.path, "min_size"))
    return AddressBlock(
        a.name,
        a["box"],
        a["lines"],
        a.default("font"),
        size,
        min_size,
        a["align"],
        a["leading"],
        a["colour"],
        a.panel,
        a.defaults["home_country"],
        a.defaults.get("address_check", "warn"),
    )


def _qr(a: Args) -> QRBlock:
    box = a["box"]
    if abs(box.width - box.height) > 0.01:
        raise a.ctx.error("a QR box must be square", join(a.path, "box"))
    if a["colour"] != BLACK:
        raise a.ctx.error(
            "a QR code prints in 100 % K only",
            join(a.path, "colour"),
            "remove colour, or set [0, 0, 0, 1]: rich black or tints blur under misregistration",
        )
    return QRBlock(a.name, box, a["link"], a["error"], a["min_module"], BLACK, a.panel)


def _image(a: Args) -> ImageBlock:
    where = join(a.path, "path")
    rel = a["path"]
    target = (a.ctx.base / rel).resolve()
    if a.ctx.base not in target.parents:
        raise a.ctx.error(
            f"image {rel!r} lies outside the layout's folder", where, "keep images beside the layout file"
        )
    if not target.is_file():
        raise a.ctx.error(f"image {rel!r} not found", where)
    _check_image(a.ctx, target, a["box"], a["fit"], where)
    return ImageBlock(a.name, a["box"], str(target), a["fit"], a.panel)


def _check_image(ctx: Ctx, path: Path, box: Rect, fit: str, key: str) -> None:
    """Decode the image once (a bomb, a lying header or a truncated file fails here, on
    its line) and warn about what prepress would flag: low resolution, RGB."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            (iw, ih), mode = im.size, im.mode
            if iw * ih > MAX_IMAGE_PIXELS:
                raise ctx.error(
                    f"image {path.name} has {iw} x {ih} pixels, over {MAX_IMAGE_PIXELS // 10**6} million",
                    key,
                    "scale it down: 300 ppi at its placed size is enough",
                )
            im.load()
    except Image.DecompressionBombError:
        raise ctx.error(
            f"image {path.name} claims more than {MAX_IMAGE_PIXELS // 10**6} million pixels",
            key,
            "scale it down (300 ppi at its placed size is enough), or it is damaged",
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ctx.error(f"cannot read image {path.name}: {exc}", key) from None
    scale = (min if fit == "contain" else max)(box.width / iw, box.height / ih)
    ppi = 72 / scale if fit != "stretch" else 72 * min(iw / box.width, ih / box.height)
    if ppi < 300:
        ctx.warn(f"image {path.name} is {ppi:.0f} ppi at its placed size (under 300)", key)
    if mode != "CMYK":
        ctx.warn(f"image {path.name} is {mode}; it will be converted to CMYK", key)


def _rule(a: Args) -> RuleBlock:
    return RuleBlock(a.name, a["from"], a["to"], a["width"], a["colour"], a["dash"], a.panel)


def _rect(a: Args) -> RectBlock:
    box, radius = a["box"], a["radius"]
    if radius > min(box.width, box.height) / 2 + 1e-9:
        raise a.ctx.error(
            f"radius {radius / mm:.1f} mm is more than half the box's smaller side",
            join(a.path, "radius"),
            f"use at most {min(box.width, box.height) / 2 / mm:.1f}mm",
        )
    if a["fill"] is None and a["stroke"] is None:
        raise a.ctx.error("a rect with neither fill nor stroke draws nothing", a.path, "give fill or stroke")
    return RectBlock(a.name, box, a["fill"], a["stroke"], a["width"], radius, a["dash"], a.panel)


def _imb(a: Args) -> ImbBlock:
    for key in ("barcode_id", "service_type", "mailer_id", "routing"):
        value = a[key]
        if not template_fields(value):  # digits of the layout, the same for every record
            digits = imb.routing_digits(value) if key == "routing" else value
            problem = imb.check_digits(digits, key)
            if problem:
                raise a.ctx.error(problem, join(a.path, key))
    serial = a["serial"]
    if serial != "row" and not template_fields(serial):
        raise a.ctx.error(
            f"serial {serial!r} would be the same for every record: serials are unique in a batch",
            join(a.path, "serial"),
            'use "row" (serial_start + the record\'s row) or a record field such as "{serial}"',
        )
    mid = a["mailer_id"]
    if serial == "row" and not template_fields(mid):
        width = imb.serial_width(mid)
        if a["serial_start"] >= 10**width:
            raise a.ctx.error(
                f"serial_start {a['serial_start']} has more than {width} digits "
                f"(with a {len(mid)}-digit mailer_id)",
                join(a.path, "serial_start"),
            )
    box = a["box"]
    if box is None and (".cards[" in a.path or not a.path.rpartition(".")[2].startswith("front[")):
        raise a.ctx.error(
            "an imb block without a box goes in the USPS clear zone of an envelope's front",
            join(a.path, "box"),
            "give box = [x, y, width, height] here, or move the block to an envelope's front",
        )
    if box is not None and (box.width < imb.BOX_WIDTH - 1e-6 or box.height < imb.BOX_HEIGHT - 1e-6):
        raise a.ctx.error(
            f"box {box.width / inch:.3f} x {box.height / inch:.3f} in is smaller than the barcode with its "
            f"quiet zones ({imb.BOX_WIDTH / inch:.3f} x {imb.BOX_HEIGHT / inch:.3f} in)",
            join(a.path, "box"),
            "the bars are drawn at the USPS nominal size; make the box at least that",
        )
    return ImbBlock(
        a.name,
        box,
        a["service_type"],
        mid,
        a["barcode_id"],
        serial,
        int(a["serial_start"]),
        a["routing"],
        a["non_us"],
        a.defaults["home_country"],
        a.panel,
    )


def _fill(a: Args) -> FillBlock:
    return FillBlock(a.name, a["colour"], a.panel, a["box"])


BOX = Field(
    LengthBox(), "where the block goes: [x, y, width, height] from the face's or panel's bottom-left", MISSING
)
_AS_DEFAULTS = "as `[defaults]`"
_TEXT = {
    "box": BOX,
    "font": Field(FONT, "font family", None, _AS_DEFAULTS),
    "align": Field(ALIGN, "horizontal alignment", "left"),
    "colour": Field(Colour(), "text colour", BLACK, "100 % K"),
}

BLOCKS: dict[str, BlockType] = {
    "text": BlockType(
        "text, with `{field}` placeholders filled from the record (`{{` for a brace)",
        Table(
            {
                **_TEXT,
                "text": Field(TEMPLATE, "the text; `{field}` placeholders, `\\n` breaks lines", MISSING),
                "size": Field(TEXT_SIZE, "text size", None, _AS_DEFAULTS),
                "min_size": Field(TEXT_SIZE, "shrink-to-fit floor, then words wrap", None, "size"),
                "valign": Field(Choice(("top", "middle", "bottom")), "vertical alignment", "top"),
                "leading": Field(LEADING, "line spacing, a factor of the size", 1.25),
            }
        ),
        _text,
    ),
    "address": BlockType(
        "the recipient's address, laid out by country unless `lines` are given",
        Table(
            {
                **_TEXT,
                "lines": Field(
                    ListOf(TEMPLATE, max_items=12), "templates, one per line; empty lines drop out", ()
                ),
                "size": Field(
                    Length(MIN_ADDRESS, 100 * pt, unit="pt", why="postal OCR needs >= 8 pt"),
                    "text size",
                    10 * pt,
                ),
                "min_size": Field(
                    Length(MIN_ADDRESS, 100 * pt, unit="pt", why="postal OCR needs >= 8 pt"),
                    "shrink-to-fit floor",
                    8 * pt,
                ),
                "leading": Field(LEADING, "line spacing, a factor of the size", 1.2),
            }
        ),
        _address,
    ),
    "qr": BlockType(
        "a survey QR code in 100 % K; the box is square and includes the 4-module quiet zone",
        Table(
            {
                "box": BOX,
                "link": Field(NAME, "the `[links.NAME]` it encodes", "survey"),
                "error": Field(Choice(("L", "M", "Q", "H")), "error correction level", "M"),
                "min_module": Field(
                    Length(MIN_MODULE, 5 * mm, why="phones do not read modules under 0.4 mm"),
                    "smallest module size accepted",
                    0.5 * mm,
                ),
                "colour": Field(Colour(), "only [0, 0, 0, 1]", BLACK, "100 % K"),
            }
        ),
        _qr,
    ),
    "imb": BlockType(
        "a USPS Intelligent Mail barcode, 100 % K; its fields are digits or `{field}` templates, "
        "checked digit by digit (a barcode of a faulty record is never drawn)",
        Table(
            {
                "box": Field(
                    LengthBox(),
                    "the bars with their quiet zones (at least 3.179 x 0.201 in), bars centred in it",
                    None,
                    "the USPS barcode clear zone: bottom right of the envelope front, the leftmost bar "
                    "3 7/8 in from the right edge, the bars 1/4 in above the bottom edge",
                ),
                "barcode_id": Field(IMB_TEXT, "barcode identifier: 2 digits, the second 0-4", "00"),
                "service_type": Field(IMB_TEXT, "service type identifier (STID): 3 digits", MISSING),
                "mailer_id": Field(IMB_TEXT, "mailer id: 6 digits, or 9 beginning with 9", MISSING),
                "serial": Field(
                    IMB_TEXT,
                    '`"row"` (serial_start + the record\'s row in its file), or a `{field}` template; '
                    "9 digits with a 6-digit mailer id, 6 with a 9-digit one; shorter values are zero-padded",
                    "row",
                ),
                "serial_start": Field(
                    Number(0, None, integer=True),
                    'added to the row for `serial = "row"`: keep serials unique across mailings (45 days)',
                    0,
                ),
                "routing": Field(
                    IMB_TEXT,
                    "the delivery ZIP: 5, 9 or 11 digits (spaces and `-` dropped); empty for none",
                    "{postal_code}",
                ),
                "non_us": Field(
                    Choice(("skip", "reject")),
                    'a record whose `country` is not served by USPS: `"skip"` (no barcode) or `"reject"`',
                    "skip",
                ),
            }
        ),
        _imb,
    ),
    "image": BlockType(
        "a PNG or JPEG beside the layout file",
        Table(
            {
                "box": BOX,
                "path": Field(
                    Text(max_len=1000, nonempty=True),
                    "relative to the layout, never outside its folder",
                    MISSING,
                ),
                "fit": Field(Choice(("contain", "cover", "stretch")), "how it fills the box", "contain"),
            }
        ),
        _image,
    ),
    "rule": BlockType(
        "a straight line",
        Table(
            {
                "from": Field(LengthPoint(), "start", MISSING),
                "to": Field(LengthPoint(), "end", MISSING),
                "width": Field(STROKE, "line width", 0.5 * pt),
                "colour": Field(Colour(), "line colour", BLACK, "100 % K"),
                "dash": Field(DASH, "dash pattern; empty for a solid line", ()),
            }
        ),
        _rule,
    ),
    "rect": BlockType(
        "a rectangle, filled and/or stroked, optionally with rounded corners",
        Table(
            {
                "box": BOX,
                "fill": Field(Colour(none=True), "fill colour", None, '`"none"`'),
                "stroke": Field(Colour(none=True), "outline colour", BLACK, "100 % K"),
                "width": Field(STROKE, "outline width", 0.5 * pt),
                "radius": Field(Length(0, 500 * mm), "corner radius, at most half the smaller side", 0.0),
                "dash": Field(DASH, "dash pattern of the outline", ()),
            }
        ),
        _rect,
    ),
    "fill": BlockType(
        "a background colour; runs into the bleed at a card's edges",
        Table(
            {
                "colour": Field(Colour(), "fill colour", MISSING),
                "box": Field(LengthBox(), "the area to fill", None, "the whole face or panel"),
            }
        ),
        _fill,
    ),
}
"""Block types by name: what a layout's ``type = "..."`` may say."""

COMMON = {
    "type": Field(Choice(tuple(BLOCKS)), "the block type", MISSING),
    "name": Field(NAME, "unique on its face", None, "face-N"),
    "panel": Field(Number(1, 3, integer=True), "panel of a folded card, 1 to 3", 1),
}
"""Keys every block has."""


def read_block(ctx: Ctx, raw: Mapping[str, Any], path: str, defaults: Mapping[str, Any]) -> Block:
    """One block table: its type first, then its keys, then the block."""
    if "type" not in raw:
        raise ctx.error("missing 'type'", path, "type: one of " + ", ".join(BLOCKS))
    kind = COMMON["type"].type.read(ctx, raw["type"], join(path, "type"))
    block = BLOCKS[kind]
    values = Table({**COMMON, **block.table.fields}).read(ctx, raw, path)
    if values["name"] is None:
        face, _, index = path.rpartition(".")[2].partition("[")
        values["name"] = f"{face}-{int(index.rstrip(']')) + 1}"
    return block.build(Args(ctx, values, path, defaults))
