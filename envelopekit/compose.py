"""Content placed as drawing operations: static once per layout, variable per record.

``static_drawing(kit)`` lays out everything that is the same for every record
(it becomes one Form XObject per piece side in each file); ``personalise(kit,
record, links)`` lays out what depends on the record: templated text, the
address, QR codes. Both return pure data in piece coordinates; the renderer only
paints it. Text is fitted (shrink, then wrap) and glyph coverage checked here, so
a record that cannot be drawn is rejected before any drawing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial

from .content.address import ADDRESS_FIELDS, address_lines
from .content.blocks import (
    AddressBlock,
    Block,
    Colour,
    FillBlock,
    ImageBlock,
    ImbBlock,
    QRBlock,
    RectBlock,
    RuleBlock,
    TextBlock,
)
from .content.text import fit_text, missing_glyphs, render_template
from .errors import EnvelopekitError, FitError, GlyphError, LayoutError, RecordError
from .geometry import Point, Polygon, Rect, Transform
from .kit import Piece, Placed, ResolvedKit
from .units import mm

__all__ = [
    "FillOp",
    "Group",
    "ImageOp",
    "LineOp",
    "LinkFn",
    "Op",
    "PersonalKit",
    "QROp",
    "RectOp",
    "TextOp",
    "personalise",
    "static_drawing",
]


@dataclass(frozen=True, slots=True)
class TextOp:
    """One line of text at baseline (x, y): runs of (font name, text, x offset)."""

    x: float
    y: float
    size: float
    runs: tuple[tuple[str, str, float], ...]
    colour: Colour

    @property
    def text(self) -> str:
        """The line's text in reading order (a shaped line's runs are in visual order)."""
        return "".join(r[1] for r in sorted(self.runs, key=lambda r: getattr(r[1], "start", 0)))


@dataclass(frozen=True, slots=True)
class QROp:
    """A QR symbol: dark rectangles in module units under ``transform`` (module -> block)."""

    rects: tuple[tuple[int, int, int, int], ...]
    transform: Transform
    colour: Colour
    text: str
    module: float  # module size in points, for reports
    side: int = 0  # modules per side (0: unknown, the renderer works it out from ``rects``)


@dataclass(frozen=True, slots=True)
class RectOp:
    rect: Rect
    fill: Colour | None
    stroke: Colour | None
    width: float
    radius: float = 0.0
    dash: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class LineOp:
    p0: Point
    p1: Point
    width: float
    colour: Colour
    dash: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class ImageOp:
    path: str
    rect: Rect  # where the whole image lands (may exceed ``clip`` for fit="cover")
    clip: Rect
    # How far (left, bottom, right, top) the image's edge pixels are repeated beyond ``rect``:
    # an image that meets a cut edge runs on into the bleed (colour.extend_edges).
    pad: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class FillOp:
    rect: Rect
    colour: Colour


Op = TextOp | QROp | RectOp | LineOp | ImageOp | FillOp


@dataclass(frozen=True, slots=True)
class Group:
    """Operations in block coordinates, mapped by ``to_piece`` and clipped to ``clip``
    minus ``holes`` (both in piece coordinates)."""

    to_piece: Transform
    clip: Polygon | None
    holes: tuple[Polygon, ...]
    ops: tuple[Op, ...]
    bleed: tuple[Polygon, ...] = ()  # united with ``clip``: bands into the bleed beyond cuts


SideGroups = tuple[tuple[Group, ...], tuple[Group, ...]]  # side A, side B


@dataclass(frozen=True, slots=True)
class QRLink:
    piece: str
    block: str
    url: str
    token: str


@dataclass(frozen=True, slots=True)
class PersonalKit:
    """One record's kit: the variable drawing of every piece, and its links."""

    record_id: str
    row: int | None
    variable: Mapping[str, SideGroups]
    links: tuple[QRLink, ...]


LinkFn = Callable[[str, str, str], tuple[str, str]]
"""(link name, piece name, block name) -> (url, token) for the current record."""


# --- layout of single blocks ---------------------------------------------------------------


def _text_ops(text: str, block: TextBlock | AddressBlock, *, wrap: bool, field: str) -> tuple[Op, ...]:
    box = block.box
    valign = block.valign if isinstance(block, TextBlock) else "top"
    min_size = block.min_size if block.min_size is not None else block.size
    layout = fit_text(
        text,
        block.font,
        box.width,
        box.height,
        size=block.size,
        min_size=min_size,
        leading=block.leading,
        align=block.align,
        valign=valign,
        wrap=wrap,
        field=field,
    )
    ops: list[Op] = []
    for line in layout.lines:
        if line.runs:
            ops.append(TextOp(box.x0 + line.x, box.y0 + line.baseline, layout.size, line.runs, block.colour))
    return tuple(ops)


@lru_cache(maxsize=256)
def _static_text(block: TextBlock) -> tuple[Op, ...]:
    return _text_ops(block.template.replace("{{", "{").replace("}}", "}"), block, wrap=True, field=block.name)


def _fill_op(block: FillBlock, placed: Placed, piece: Piece, bleed: float) -> FillOp:
    region = placed.region or Rect(0, 0, piece.width, piece.height)
    rect = block.box or region
    if piece.kind == "net" and block.box is None:
        # A whole-face fill runs into the bleed; the placement's clip says how far.
        return FillOp(rect.expand(bleed), block.colour)
    if piece.kind == "card":
        # Run into the bleed wherever the fill meets the card's cut edge.
        page = placed.to_piece.apply_rect(rect).bbox
        x0 = page.x0 - bleed if page.x0 <= 1e-6 else page.x0
        y0 = page.y0 - bleed if page.y0 <= 1e-6 else page.y0
        x1 = page.x1 + bleed if page.x1 >= piece.width - 1e-6 else page.x1
        y1 = page.y1 + bleed if page.y1 >= piece.height - 1e-6 else page.y1
        back = placed.to_piece.inverse()
        rect = back.apply_rect(Rect(x0, y0, x1, y1)).bbox
    return FillOp(rect, block.colour)


def _static_ops(block: Block, placed: Placed, piece: Piece, bleed: float) -> tuple[Op, ...]:
    if isinstance(block, TextBlock):
        return _static_text(block)
    if isinstance(block, RectBlock):
        return (RectOp(block.box, block.fill, block.stroke, block.width, block.radius, block.dash),)
    if isinstance(block, RuleBlock):
        return (LineOp(block.p0, block.p1, block.width, block.colour, block.dash),)
    if isinstance(block, FillBlock):
        return (_fill_op(block, placed, piece, bleed),)
    if isinstance(block, ImageBlock):
        return (_image_op(block, placed, piece, bleed),)
    raise TypeError(block)


def _image_op(
    block: ImageBlock, placed: Placed | None = None, piece: Piece | None = None, bleed: float = 0.0
) -> ImageOp:
    from PIL import Image

    with Image.open(block.path) as im:
        iw, ih = im.size
    box = block.box
    if block.fit == "stretch":
        rect = box
    else:
        scale = (min if block.fit == "contain" else max)(box.width / iw, box.height / ih)
        w, h = iw * scale, ih * scale
        rect = Rect.from_size(box.center.x - w / 2, box.center.y - h / 2, w, h)
    if placed is None or piece is None or bleed <= 0:
        return ImageOp(block.path, rect, box)
    from .colour import bleed_pad

    clip, pad = bleed_pad(box, rect, _cut_sides(box, placed, piece), bleed)
    return ImageOp(block.path, rect, clip, pad)


def _cut_sides(box: Rect, placed: Placed, piece: Piece) -> tuple[bool, bool, bool, bool]:
    """Which sides (left, bottom, right, top) of ``box`` lie on a cut edge: a card's
    outline; on a net, the face's edge (the face's clip stops it at a fold)."""
    eps = 1e-6
    if piece.kind == "card":
        page = placed.to_piece.apply_rect(box).bbox
        return (page.x0 <= eps, page.y0 <= eps, page.x1 >= piece.width - eps, page.y1 >= piece.height - eps)
    region = placed.region or Rect(0, 0, piece.width, piece.height)
    return (
        box.x0 <= region.x0 + eps,
        box.y0 <= region.y0 + eps,
        box.x1 >= region.x1 - eps,
        box.y1 >= region.y1 - eps,
    )


def _qr_symbol(url: str, error: str) -> tuple[int, int, tuple[tuple[int, int, int, int], ...]]:
    """Version, modules per side and dark rectangles of the symbol for ``url``."""
    from . import qr

    symbol = qr.encode(url, error)
    return symbol.version, symbol.size, tuple(symbol.rects())


def _qr_ops(
    block: QRBlock,
    url: str,
    where: str,
    symbol: tuple[int, int, tuple[tuple[int, int, int, int], ...]] | None = None,
) -> tuple[Op, ...]:
    """The QR code of ``url`` in ``block``; ``symbol`` is ``_qr_symbol(url, block.error)``
    when the caller has it already (one kit's blocks share their symbol)."""
    version, n, rects = symbol or _qr_symbol(url, block.error)
    module = block.box.width / (n + 8)
    if module < block.min_module - 1e-9:
        need = block.min_module * (n + 8)
        raise FitError(
            f"QR code {where} for a {len(url)}-character URL needs version {version} "
            f"({n} modules): {module / mm:.2f} mm modules in a {block.box.width / mm:.1f} mm box, "
            f"under the {block.min_module / mm:.2f} mm minimum",
            hint=f"make the box at least {need / mm:.1f} mm or the URL shorter",
        )
    x0 = block.box.x0 + 4 * module
    top = block.box.y1 - 4 * module
    t = Transform(module, 0.0, 0.0, -module, x0, top)
    return (QROp(rects, t, block.colour, url, module, n),)


def _address_text(block: AddressBlock, fields: Mapping[str, str]) -> str:
    if not block.lines:
        return "\n".join(address_lines(fields, home_country=block.home_country))
    lines: list[str] = []
    for template in block.lines:
        line = " ".join(render_template(template, fields).split(" ")).strip(" ,")
        # A line whose fields were all empty drops out; a two-line street stays two lines.
        if line.replace(",", "").strip():
            lines.extend(part.strip() for part in line.split("\n") if part.strip())
    return "\n".join(lines)


def _glyph_culprit(block: Block, fields: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The record field holding characters no bundled font draws, and what to do about it."""
    names = block.fields or (ADDRESS_FIELDS if isinstance(block, AddressBlock) else ())
    font = getattr(block, "font", "sans")
    for name in names:
        missing = missing_glyphs(fields.get(name) or "", font)
        if not missing:
            continue
        if all(unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cc", "Cf") for ch in missing):
            return (
                name,
                "emoji, symbols and control characters cannot be printed: remove them from the record",
            )
        scripts = sorted({unicodedata.name(ch, "UNKNOWN").split()[0] for ch in missing})
        return name, (
            f"the bundled fonts do not cover {', '.join(scripts).title()} script; "
            "this record needs a font that does (see fonts/README.md)"
        )
    return None, None


# --- whole kits -----------------------------------------------------------------------------


def _groups(
    piece: Piece, placed_list: tuple[Placed, ...], make: Callable[[Placed], tuple[Op, ...]]
) -> tuple[Group, ...]:
    groups = []
    for placed in placed_list:
        ops = make(placed)
        if ops:
            net = piece.kind == "net"
            groups.append(
                Group(
                    placed.to_piece,
                    placed.clip if net else None,
                    placed.holes,
                    ops,
                    placed.bleed if net else (),
                )
            )
    return tuple(groups)


def static_drawing(kit: ResolvedKit) -> dict[str, SideGroups]:
    """Everything that is the same in every kit, per piece: (side A, side B) groups."""
    out: dict[str, SideGroups] = {}
    for piece in kit.pieces:

        def make(p: Placed, piece: Piece = piece) -> tuple[Op, ...]:
            if p.block.variable:
                return ()
            try:
                return _static_ops(p.block, p, piece, kit.spec.bleed)
            except FitError as exc:
                raise LayoutError(
                    exc.message, file=kit.spec.source, key=f"{piece.key}.{p.block.name}", hint=exc.hint
                ) from None

        out[piece.key] = (_groups(piece, piece.side_a, make), _groups(piece, piece.side_b, make))
    return out


@dataclass(frozen=True, slots=True)
class _Problem:
    """One block of a record that cannot be drawn: where, the field to fix, what is wrong."""

    where: str
    field: str | None
    message: str
    hint: str | None

    def item(self) -> str:
        """The problem as one item of a list naming several."""
        label = f"block {self.where!r}"
        if self.field and self.field != self.where:
            label += f" (field {self.field!r})"
        message = self.message.removeprefix(f"block {self.where!r}: ")
        return f"{label}: {message}" + (f" ({self.hint})" if self.hint else "")


def _problem(exc: EnvelopekitError, block: Block, where: str, fields: Mapping[str, str]) -> _Problem:
    if isinstance(exc, GlyphError):
        # Name the record's field (what the operator can fix), not the layout's block.
        field, hint = _glyph_culprit(block, fields)
        return _Problem(where, field or where, exc.message, hint or exc.hint)
    if isinstance(exc, RecordError):
        return _Problem(where, exc.field or None, exc.message, exc.hint)
    # Name the block: "text does not fit its box" alone does not say which one.
    message = exc.message if where in exc.message else f"block {where!r}: {exc.message}"
    return _Problem(where, where, message, exc.hint)


def _record_error(problems: list[_Problem], record_id: str, row: int | None) -> RecordError:
    """One error for every faulty block of a record; ``field`` names the first."""
    first = problems[0]
    if len(problems) == 1:
        return RecordError(first.message, row=row, record_id=record_id, field=first.field, hint=first.hint)
    items = "; ".join(f"{i}) {p.item()}" for i, p in enumerate(problems, 1))
    return RecordError(
        f"{len(problems)} blocks cannot be drawn: {items}", row=row, record_id=record_id, field=first.field
    )


def personalise(
    kit: ResolvedKit,
    fields: Mapping[str, str],
    *,
    record_id: str,
    row: int | None = None,
    link: LinkFn | None = None,
    codes: bool = True,
) -> PersonalKit:
    """The variable drawing of one record's kit. Raises RecordError naming the record,
    and every block that cannot be drawn with the field to fix (``field`` is the first).

    Blocks showing the same URL share one QR symbol: it is encoded once per kit.
    ``codes=False`` leaves QR blocks out (a dry run checks the text, which is what a
    record can get wrong: the URL's fit is checked once per layout)."""
    links: list[QRLink] = []
    qr_cache: dict[tuple[str, str], tuple[Op, ...]] = {}
    symbols: dict[tuple[str, str], tuple[int, int, tuple[tuple[int, int, int, int], ...]]] = {}
    problems: dict[str, _Problem] = {}

    def make(p: Placed, piece: Piece) -> tuple[Op, ...]:
        if not p.block.variable:
            return ()
        where = f"{piece.key}.{p.block.name}"
        if where in problems:
            return ()
        try:
            return make_block(p, piece, where)
        except (FitError, RecordError) as exc:
            problems[where] = _problem(exc, p.block, where, fields)
            return ()

    def make_block(p: Placed, piece: Piece, where: str) -> tuple[Op, ...]:
        block = p.block
        if isinstance(block, QRBlock):
            if not codes:
                return ()
            key = (piece.key, block.name)
            if key not in qr_cache:
                if link is None:
                    raise EnvelopekitError(f"QR block {where} needs survey links", hint="pass link=...")
                url, token = link(block.link, piece.key, block.name)
                links.append(QRLink(piece.key, block.name, url, token))
                symbol = symbols.get((url, block.error))
                if symbol is None:
                    symbol = symbols[url, block.error] = _qr_symbol(url, block.error)
                qr_cache[key] = _qr_ops(block, url, where, symbol)
            return qr_cache[key]
        if isinstance(block, ImbBlock):
            from .content.imb import block_bars

            # 65 bars in 100 % K, checked field by field first; a non-US record may get none.
            return tuple(FillOp(r, block.colour) for r in block_bars(block, fields, row, p.region))
        if isinstance(block, AddressBlock):
            # Shrink first, then wrap: a long organisation name takes two lines, not a rejection.
            return _text_ops(_address_text(block, fields), block, wrap=True, field=where)
        assert isinstance(block, TextBlock)
        return _text_ops(render_template(block.template, fields), block, wrap=True, field=where)

    variable: dict[str, SideGroups] = {}
    for piece in kit.pieces:
        if not piece.variable:
            continue
        variable[piece.key] = (
            _groups(piece, piece.side_a, partial(make, piece=piece)),
            _groups(piece, piece.side_b, partial(make, piece=piece)),
        )
    if problems:
        raise _record_error(list(problems.values()), record_id, row)
    return PersonalKit(record_id, row, variable, tuple(links))
