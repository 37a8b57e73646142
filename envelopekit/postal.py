"""Postal rules for the outer envelope, checked when a layout is read.

A layout's ``[postal] authority`` names the post that will carry the kit. Its rules
are data, one :class:`Authority` per post (:data:`AUTHORITIES`): the mail formats it
takes as letters (size, aspect ratio, thickness, weight), where the address must lie
for its reading machines, the zones kept clear for its barcodes, the postage and
return-address corners, and the smallest address type. Each check is a small
function over the resolved kit (:func:`check`) that returns the :class:`Violation` s
it finds, each naming the block (or the envelope) and the rule with the numbers:
"outer envelope is 12.0 x 5.0 in: USPS letters are at most 11.5 in long".

The front face is measured as the layout places blocks on it: origin bottom-left, the
long side horizontal. Blocks are recognised by type (an ``address`` block is the
delivery address) and by name: a block named like ``stamp``, ``postage``, ``indicia``
or ``franking`` is the postage; one named like ``return`` or ``sender`` the return
address. Numbers marked (d) are derived, not quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .content.blocks import AddressBlock, FillBlock, ImbBlock, RuleBlock
from .geometry import Rect
from .units import inch, mm

if TYPE_CHECKING:
    from .content.blocks import Block
    from .kit import ResolvedKit

__all__ = [
    "AUTHORITIES",
    "Authority",
    "Format",
    "Violation",
    "check",
    "check_layout",
    "format_names",
    "warnings_of",
]

OZ = 28.349523125
"""Grams in an avoirdupois ounce."""


@dataclass(frozen=True, slots=True)
class Format:
    """One mail format a post takes: every length in points, the weight in grams."""

    name: str  # the layout's word for it: "letter", "large-letter", ...
    label: str  # in messages: "USPS letters"
    length: tuple[float, float]  # long side, min and max
    height: tuple[float, float]  # short side
    thickness: tuple[float, float]
    weight: float  # at most
    aspect: tuple[float, float | None] | None = None  # length / height, min and max


@dataclass(frozen=True, slots=True)
class Authority:
    """A post's rules for the front of a letter. Lengths in points."""

    key: str
    name: str
    unit: float  # inch or mm: the unit its rules are written in
    formats: tuple[Format, ...]  # smallest first
    read_margins: tuple[float, float, float]  # the address at least this far from left, right, bottom
    read_top: Callable[[float], float]  # the read area's top, from the bottom, for a front this high
    clear_zones: tuple[tuple[float, float], ...]  # (width from the right edge, height from the bottom)
    postage: Callable[[float, float], tuple[float, float]]  # the top-right postage area, (w, h) of (L, H)
    min_type: float  # the address's smallest type, points
    max_address_width: float | None = None
    clear_beside_address: bool = False  # nothing to the right of or below the address
    rule_of_type: str = ""  # where min_type comes from, for the message

    @property
    def unit_name(self) -> str:
        return "in" if self.unit == inch else "mm"

    def show(self, length: float) -> str:
        value = length / self.unit
        if self.unit == inch:
            return f"{value:.3f}".rstrip("0").rstrip(".")
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


# --- the rules, one table per post --------------------------------------------------------------

USPS = Authority(
    key="usps",
    name="USPS",
    unit=inch,
    formats=(
        # DMM 101.1.1-1.2 (letter-size mail) and 201.2 (machinable letters): 5-11.5 in long,
        # 3.5-6.125 in high, 0.007-0.25 in thick, 3.5 oz at most, aspect ratio 1.3 to 2.5.
        Format(
            "letter",
            "USPS letters",
            (5 * inch, 11.5 * inch),
            (3.5 * inch, 6.125 * inch),
            (0.007 * inch, 0.25 * inch),
            3.5 * OZ,
            (1.3, 2.5),
        ),
    ),
    # DMM 202.2 / Publication 25: the OCR read area is 1/2 in from the left and right edges,
    # from 5/8 in to 2 3/4 in above the bottom edge.
    read_margins=(0.5 * inch, 0.5 * inch, 0.625 * inch),
    read_top=lambda h: 2.75 * inch,
    # Publication 25: the barcode clear zone, the bottom 5/8 in of the rightmost 4 3/4 in.
    clear_zones=((4.75 * inch, 0.625 * inch),),
    # Postage in the upper right corner: right of the middle, above the read area (d).
    postage=lambda length, h: (length / 2, h - 2.75 * inch),
    # Publication 28: characters at least 0.080 in high, about 8 pt type (d).
    min_type=8.0,
    rule_of_type="USPS asks for address characters at least 0.08 in high",
)

ROYAL_MAIL = Authority(
    key="royal-mail",
    name="Royal Mail",
    unit=mm,
    formats=(
        # Royal Mail's size guide: a letter is at most 240 x 165 mm, 5 mm thick, 100 g; a large
        # letter at most 353 x 250 mm, 25 mm thick, 750 g; nothing smaller than 140 x 90 mm.
        Format("letter", "Royal Mail letters", (140 * mm, 240 * mm), (90 * mm, 165 * mm), (0, 5 * mm), 100),
        Format(
            "large-letter",
            "Royal Mail large letters",
            (140 * mm, 353 * mm),
            (90 * mm, 250 * mm),
            (0, 25 * mm),
            750,
        ),
    ),
    # Royal Mail's addressing guidance: the address at least 15 mm from the left, right and
    # bottom edges and 40 mm below the top (where stamp and return address go).
    read_margins=(15 * mm, 15 * mm, 15 * mm),
    read_top=lambda h: h - 40 * mm,
    clear_zones=(),
    postage=lambda length, h: (length / 2, 40 * mm),  # the top right corner, above the address (d)
    # Characters 2 to 7 mm high: 2 mm capitals are about 8 pt type (d).
    min_type=8.0,
    rule_of_type="Royal Mail asks for address characters at least 2 mm high",
)

DEUTSCHE_POST = Authority(
    key="deutsche-post",
    name="Deutsche Post",
    unit=mm,
    formats=(
        # Deutsche Post's Briefformate: Standardbrief 140-235 x 90-125 mm, 5 mm, 20 g; Kompaktbrief
        # 100-235 x 70-125 mm, 10 mm, 50 g (both at least 1.4 times as long as high); Großbrief
        # 100-353 x 70-250 mm, 20 mm, 500 g.
        Format(
            "standardbrief",
            "Deutsche Post Standardbriefe",
            (140 * mm, 235 * mm),
            (90 * mm, 125 * mm),
            (0, 5 * mm),
            20,
            (1.4, None),
        ),
        Format(
            "kompaktbrief",
            "Deutsche Post Kompaktbriefe",
            (100 * mm, 235 * mm),
            (70 * mm, 125 * mm),
            (0, 10 * mm),
            50,
            (1.4, None),
        ),
        Format(
            "grossbrief",
            "Deutsche Post Großbriefe",
            (100 * mm, 353 * mm),
            (70 * mm, 250 * mm),
            (0, 20 * mm),
            500,
        ),
    ),
    # The Anschriftzone: the address at least 15 mm from the side edges, the bottom 15 mm
    # (the Codierzone) kept clear, below the 40 mm high Frankierzone band.
    read_margins=(15 * mm, 15 * mm, 15 * mm),
    read_top=lambda h: h - 40 * mm,
    clear_zones=((10_000 * mm, 15 * mm),),  # the whole bottom 15 mm
    postage=lambda length, h: (74 * mm, 40 * mm),  # the Frankierzone, 74 x 40 mm top right
    min_type=10.0,  # Deutsche Post asks for 10 to 12 pt
    max_address_width=100 * mm,  # the address block at most 100 mm long
    clear_beside_address=True,  # nothing printed to the right of or below the address
    rule_of_type="Deutsche Post asks for 10 to 12 pt",
)

CANADA_POST = Authority(
    key="canada-post",
    name="Canada Post",
    unit=mm,
    formats=(
        # Canada Post's letter sizes: standard Lettermail 140-245 x 90-156 mm, 0.18-5 mm thick,
        # 50 g; oversize up to 380 x 270 x 20 mm, 500 g.
        Format(
            "standard",
            "Canada Post standard Lettermail",
            (140 * mm, 245 * mm),
            (90 * mm, 156 * mm),
            (0.18 * mm, 5 * mm),
            50,
        ),
        Format(
            "oversize",
            "Canada Post oversize Lettermail",
            (140 * mm, 380 * mm),
            (90 * mm, 270 * mm),
            (0.18 * mm, 20 * mm),
            500,
        ),
    ),
    # Canada Post's clear zones: 19 mm up from the bottom edge, 150 mm from the right; the
    # upper right corner for postage; nothing right of or below the address. The 15 mm
    # side margins are the common machine-reading floor (d).
    read_margins=(15 * mm, 15 * mm, 19 * mm),
    read_top=lambda h: h - 40 * mm,
    clear_zones=((150 * mm, 19 * mm),),
    postage=lambda length, h: (length / 2, 40 * mm),  # the upper right corner (d)
    min_type=8.0,  # the OCR floor the layout schema keeps for every address (d)
    clear_beside_address=True,
    rule_of_type="postal OCR needs at least 8 pt",
)

AUTHORITIES: dict[str, Authority] = {a.key: a for a in (USPS, ROYAL_MAIL, DEUTSCHE_POST, CANADA_POST)}
"""``[postal] authority`` -> its rules."""


def format_names() -> tuple[str, ...]:
    """Every format name of every authority, for the layout schema."""
    return tuple(dict.fromkeys(f.name for a in AUTHORITIES.values() for f in a.formats))


# --- the checks ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: the locations key of the block (or piece) and what is wrong."""

    where: str
    message: str


_POSTAGE = re.compile(r"stamp|postage|indicia|franking|frankier", re.I)
_RETURN = re.compile(r"return|sender|absender", re.I)


def _front(kit: ResolvedKit) -> tuple[float, float, tuple[Block, ...]]:
    outer = kit.outer
    return outer.width, outer.height, outer.spec.front


def _addresses(kit: ResolvedKit) -> list[tuple[AddressBlock, Rect, str, str]]:
    """Every address on the front: (block, its extent on the front, locations key, label).
    With a window, the carrier's address block counts where it can show through it:
    everything it covers as the carrier slides (envelopekit.window)."""
    piece = kit.outer.spec.name
    out = [
        (b, b.box, f"{piece}.front.{b.name}", f"address block {b.name!r}")
        for b in kit.outer.spec.front
        if isinstance(b, AddressBlock)
    ]
    return out + _window_addresses(kit)


def _window_addresses(kit: ResolvedKit) -> list[tuple[AddressBlock, Rect, str, str]]:
    window = kit.outer.window
    if window is None:
        return []
    label = "address block {!r} of {!r} (through the window, wherever it slides)"
    return [
        (a.block, window.swept(a), a.where, label.format(a.name, window.carrier)) for a in window.addresses
    ]


def _extent(block: Block, w: float, h: float) -> Rect | None:
    """The part of the front a block can ink; None for a block that inks nothing there."""
    if isinstance(block, RuleBlock):
        return Rect(
            min(block.p0.x, block.p1.x),
            min(block.p0.y, block.p1.y),
            max(block.p0.x, block.p1.x),
            max(block.p0.y, block.p1.y),
        )
    if isinstance(block, FillBlock):
        if all(c <= 0.05 for c in block.colour):  # paper white, or near enough
            return None
        return block.box or Rect(0, 0, w, h)
    if isinstance(block, ImbBlock) and block.box is None:
        from .content.imb import clear_zone_box

        return clear_zone_box(Rect(0, 0, w, h))  # where compose draws it
    box = getattr(block, "box", None)
    return box if isinstance(box, Rect) else None


def _overlap(a: Rect, b: Rect) -> bool:
    return a.x0 < b.x1 - 1e-6 and b.x0 < a.x1 - 1e-6 and a.y0 < b.y1 - 1e-6 and b.y0 < a.y1 - 1e-6


def _inside(a: Rect, b: Rect) -> bool:
    return a.x0 >= b.x0 - 1e-6 and a.y0 >= b.y0 - 1e-6 and a.x1 <= b.x1 + 1e-6 and a.y1 <= b.y1 + 1e-6


def _size(kit: ResolvedKit, auth: Authority, fmt: Format) -> list[Violation]:
    """Length, height, aspect ratio, thickness and weight of the closed outer envelope."""
    w, h = kit.outer.width, kit.outer.height
    length, height = max(w, h), min(w, h)
    name, show, u = kit.outer.spec.name, auth.show, auth.unit_name
    where = name
    digits = 2 if auth.unit == inch else 0
    size = f"{name} envelope is {length / auth.unit:.{digits}f} x {height / auth.unit:.{digits}f} {u}"
    out: list[Violation] = []
    for value, (lo, hi), what in ((length, fmt.length, "long"), (height, fmt.height, "high")):
        if value > hi + 1e-6:
            out.append(Violation(where, f"{size}: {fmt.label} are at most {show(hi)} {u} {what}"))
        elif value < lo - 1e-6:
            out.append(Violation(where, f"{size}: {fmt.label} are at least {show(lo)} {u} {what}"))
    if fmt.aspect is not None:
        ratio, (lo_r, hi_r) = length / height, fmt.aspect
        if ratio < lo_r - 1e-9 or (hi_r is not None and ratio > hi_r + 1e-9):
            span = f"{lo_r:g} to {hi_r:g}" if hi_r is not None else f"at least {lo_r:g}"
            out.append(
                Violation(
                    where, f"{size}, aspect ratio {ratio:.2f}: {fmt.label} are {span} times as long as high"
                )
            )
    thick = kit.thickness
    t = f"{thick / auth.unit:.3f}" if auth.unit == inch else f"{thick / mm:.1f}"
    lo_t, hi_t = fmt.thickness
    if thick > hi_t + 1e-6:
        limit = f"{hi_t / auth.unit:.3g}"
        out.append(Violation(where, f"{name} envelope is {t} {u} thick: {fmt.label} are at most {limit} {u}"))
    elif thick < lo_t - 1e-6:
        limit = f"{lo_t / auth.unit:.3g}"
        out.append(
            Violation(where, f"{name} envelope is {t} {u} thick: {fmt.label} are at least {limit} {u}")
        )
    if kit.weight > fmt.weight + 1e-6:
        limit = f"{fmt.weight / OZ:.1f} oz" if auth.unit == inch else f"{fmt.weight:g} g"
        weighs = f"{kit.weight / OZ:.2f} oz" if auth.unit == inch else f"{kit.weight:.1f} g"
        out.append(
            Violation(where, f"{name} envelope weighs {weighs} filled: {fmt.label} weigh at most {limit}")
        )
    return out


def _read_area(auth: Authority, w: float, h: float) -> Rect:
    left, right, bottom = auth.read_margins
    return Rect(left, bottom, w - right, min(auth.read_top(h), h))


def _address(kit: ResolvedKit, auth: Authority) -> Iterator[Violation]:
    """Each address block inside the read area, no wider than the post reads, in type it reads."""
    w, h, _ = _front(kit)
    area = _read_area(auth, w, h)
    show, u = auth.show, auth.unit_name
    piece = kit.outer.spec.name
    addresses = _addresses(kit)
    if not addresses:
        yield Violation(piece, f"{piece} envelope has no address block on its front")
    for block, box, where, label in addresses:
        bits = []
        if box.x0 < area.x0 - 1e-6:
            bits.append(f"{show(box.x0)} {u} from the left edge (at least {show(area.x0)})")
        if box.x1 > area.x1 + 1e-6:
            bits.append(f"{show(w - box.x1)} {u} from the right edge (at least {show(w - area.x1)})")
        if box.y0 < area.y0 - 1e-6:
            bits.append(f"{show(box.y0)} {u} above the bottom edge (at least {show(area.y0)})")
        if box.y1 > area.y1 + 1e-6:
            bits.append(f"its top {show(box.y1)} {u} above the bottom edge (at most {show(area.y1)})")
        if bits:
            yield Violation(
                where,
                f"{label} is outside the {auth.name} read area ({show(area.x0)}-{show(area.x1)} x "
                f"{show(area.y0)}-{show(area.y1)} {u} from the bottom left): " + ", ".join(bits),
            )
        if block.min_size < auth.min_type - 1e-6:
            yield Violation(
                where,
                f"{label} may shrink to {block.min_size:g} pt: {auth.rule_of_type} "
                f"(min_size at least {auth.min_type:g} pt)",
            )
        if auth.max_address_width is not None and block.box.width > auth.max_address_width + 1e-6:
            yield Violation(
                where,
                f"{label} is {show(block.box.width)} {u} wide: {auth.name} reads address blocks at most "
                f"{show(auth.max_address_width)} {u} long",
            )


def _clear_zones(kit: ResolvedKit, auth: Authority) -> Iterator[Violation]:
    """Nothing printed in the barcode clear zones (the address included) but the USPS
    Intelligent Mail barcode, which belongs in the USPS one (DMM 202.5: the barcode clear
    zone holds the IMb); an ``imb`` block without a box is placed there."""
    w, h, blocks = _front(kit)
    show, u = auth.show, auth.unit_name
    for zone_w, zone_h in auth.clear_zones:
        zone = Rect(max(0.0, w - zone_w), 0, w, zone_h)
        what = (
            f"the bottom {show(zone_h)} {u}"
            if zone.x0 <= 0
            else f"the bottom {show(zone_h)} {u} of the rightmost {show(zone_w)} {u}"
        )
        for block in blocks:
            if isinstance(block, ImbBlock) and auth is USPS:
                box = _extent(block, w, h)
                if box is not None and _overlap(box, zone) and not _inside(box, zone):
                    yield Violation(
                        f"{kit.outer.spec.name}.front.{block.name}",
                        f"IMb block {block.name!r} lies partly in the {auth.name} barcode clear zone "
                        f"({what}): put it wholly inside it, or clear of it in the address block",
                    )
                continue
            extent = _extent(block, w, h)
            if extent is not None and _overlap(extent, zone):
                yield Violation(
                    f"{kit.outer.spec.name}.front.{block.name}",
                    f"block {block.name!r} reaches {show(extent.y0)} {u} above the bottom edge into "
                    f"the {auth.name} barcode clear zone ({what}), which must stay unprinted",
                )
        for _, extent, where, label in _window_addresses(kit):
            if _overlap(extent, zone):
                yield Violation(
                    where,
                    f"{label} reaches {show(extent.y0)} {u} above the bottom edge into the {auth.name} "
                    f"barcode clear zone ({what}), which must stay unprinted",
                )


def _corners(kit: ResolvedKit, auth: Authority) -> Iterator[Violation]:
    """Postage in the top right area, the return address top left, the address clear of both."""
    w, h, blocks = _front(kit)
    show, u = auth.show, auth.unit_name
    piece = kit.outer.spec.name
    pw, ph = auth.postage(max(w, h), min(w, h))
    postage = Rect(w - pw, h - ph, w, h)
    area = f"the top right {show(pw)} x {show(ph)} {u}"
    addresses = _addresses(kit)
    for block in blocks:
        extent = _extent(block, w, h)
        if extent is None or isinstance(block, FillBlock):
            continue
        where = f"{piece}.front.{block.name}"
        if _POSTAGE.search(block.name):
            if not _inside(extent, postage):
                yield Violation(
                    where, f"postage block {block.name!r} is not within {area}, where postage goes"
                )
        elif isinstance(block, AddressBlock):
            if _overlap(extent, postage):
                yield Violation(where, f"address block {block.name!r} reaches into the postage area ({area})")
        elif _RETURN.search(block.name):
            bits = []
            if _overlap(extent, postage):
                bits.append(f"it reaches into the postage area ({area})")
            if extent.x0 + extent.x1 > w:
                bits.append("its middle is right of the envelope's")
            for _, box, _, label in addresses:
                if extent.y0 < box.y1 - 1e-6:
                    bits.append(f"it reaches below the top of {label}")
            if bits:
                yield Violation(where, f"return address {block.name!r} belongs top left: " + "; ".join(bits))
    for _, box, where, label in _window_addresses(kit):
        if _overlap(box, postage):
            yield Violation(where, f"{label} reaches into the postage area ({area})")


def _beside_address(kit: ResolvedKit, auth: Authority) -> Iterator[Violation]:
    """Nothing printed to the right of or below the address, where the post reads and codes."""
    if not auth.clear_beside_address:
        return
    w, h, blocks = _front(kit)
    piece = kit.outer.spec.name
    for address, box, _, label in _addresses(kit):
        right = Rect(box.x1, box.y0, w, box.y1)
        below = Rect(box.x0, 0, box.x1, box.y0)
        for block in blocks:
            extent = _extent(block, w, h)
            if block is address or extent is None:
                continue
            side = "right of" if _overlap(extent, right) else "below" if _overlap(extent, below) else ""
            if side:
                yield Violation(
                    f"{piece}.front.{block.name}",
                    f"block {block.name!r} is {side} {label}: {auth.name} "
                    "keeps the space right of and below the address unprinted",
                )


CHECKS: tuple[Callable[[ResolvedKit, Authority], Iterator[Violation]], ...] = (
    _address,
    _clear_zones,
    _corners,
    _beside_address,
)
"""The checks of the front, each a small function: kit and rules in, violations out."""


def check(kit: ResolvedKit, authority: str, fmt: str | None = None) -> list[Violation]:
    """Every rule of ``authority`` the kit's outer envelope breaks. ``fmt`` names the mail
    format to check the size against; without it, the smallest format the envelope fits,
    or, when it fits none, the largest (whose limits it must be brought within)."""
    auth = AUTHORITIES[authority]
    out: list[Violation] = []
    w, h = kit.outer.width, kit.outer.height
    if h > w + 1e-6:
        out.append(
            Violation(
                kit.outer.spec.name,
                f"{kit.outer.spec.name} envelope's front is upright ({auth.show(w)} x {auth.show(h)} "
                f"{auth.unit_name}): {auth.name} reads addresses along the long side",
            )
        )
    formats = [f for f in auth.formats if f.name == fmt] if fmt else list(auth.formats)
    size = next((v for v in (_size(kit, auth, f) for f in formats) if not v), None)
    if size is None:
        out += _size(kit, auth, formats[-1])
    for rule in CHECKS:
        out.extend(rule(kit, auth))
    return out


def check_layout(kit: ResolvedKit, authority: str, fmt: str | None = None) -> None:
    """:func:`check` for a layout: raises one :class:`~envelopekit.errors.LayoutError` naming
    every violation with its file, line and key (the first one's as the error's own)."""
    violations = check(kit, authority, fmt)
    if not violations:
        return
    spec = kit.spec
    if len(violations) == 1:
        raise spec.error(violations[0].message, violations[0].where, _HINT)
    items = []
    for i, v in enumerate(violations, 1):
        at = spec.where(v.where)
        items.append(f"{i}) {v.message}" + (f" [{at}]" if at else ""))
    first = violations[0]
    raise spec.error(
        f"the outer envelope breaks {len(violations)} {AUTHORITIES[authority].name} rules: "
        + "; ".join(items),
        first.where,
        _HINT,
    )


_HINT = 'move or resize the blocks, choose another envelope, or set [postal] check = "warn"'


def warnings_of(kit: ResolvedKit, authority: str, fmt: str | None = None) -> list[str]:
    """The violations as warnings, for ``[postal] check = "warn"``."""
    out = []
    for v in check(kit, authority, fmt):
        at = kit.spec.where(v.where)
        out.append(f"{at}: {v.message}" if at else v.message)
    return out
