"""Window envelopes: a window cut in an envelope's front, and the letter that shows through it.

A :class:`WindowSpec` is a rectangle on the envelope's front face (points, from the left
and bottom edges as the address is read, the flap up: how window sizes are specified),
by preset or by size and position (:mod:`envelopekit.nets.window`, named here too). It
becomes an interior cut of the net (:func:`add_window`: ``Net.holes``), drawn with the
die line and exported with the net.

The *carrier* is the card inside whose address block shows through the window. Folded
(:func:`carrier_views`, the way :mod:`envelopekit.render.mockup` folds cards), a card shows
two faces: ``front`` and ``back``. The address block must lie on the panel of one of them;
the carrier goes in with that face against the envelope's front, turned so the address
reads upright. It can slide inside the envelope by the envelope's inner size less its own
folded size, and in every position the address must keep ``margin`` from every edge of
the window (:func:`resolve_window`). Pure data; no PDF library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .content.blocks import AddressBlock, Block
from .errors import NetError
from .geometry import Point, Rect, Transform
from .kitspec import CardSpec, KitSpec, card_panels
from .nets.base import Net, add_window, flap_to_net
from .nets.window import MARGIN, MIN_BORDER, PRESETS, WindowSpec, parse_window, window_path
from .nets.window import length_text as _len
from .nets.window import rect_text as _show_rect
from .nets.window import unit_of as _unit
from .units import mm

View = Literal["front", "back"]
Side = Literal["front", "back"]


__all__ = [
    "MARGIN",
    "MIN_BORDER",
    "PRESETS",
    "CarrierView",
    "ResolvedWindow",
    "ShownAddress",
    "WindowSpec",
    "add_window",
    "carrier_views",
    "check_front",
    "cut_window",
    "parse_window",
    "resolve_window",
    "window_path",
]

# --- the carrier, folded -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CarrierView:
    """One face of a folded card: the side and panel on top there, the map from that panel's
    block coordinates to the face's, and the face's size."""

    view: View
    side: Side
    panel: int
    to_view: Transform
    size: tuple[float, float]


def carrier_views(card: CardSpec) -> tuple[CarrierView, CarrierView]:
    """The (front, back) faces of ``card`` folded, as render.mockup.card_faces folds it: a
    flat card shows side A in front and side B behind; a folded one closes side A inside
    and shows side B, the second panel in front and the first folded over the others."""
    panels = card_panels(card)
    if len(panels) == 1:
        size = (card.width, card.height)
        return (
            CarrierView("front", "front", 0, Transform(), size),
            CarrierView("back", "back", 0, Transform(), size),
        )
    cover, first = panels[1], panels[0]
    if card.width >= card.height:  # vertical folds
        hinge = (Point(first.x1, 0.0), Point(first.x1, card.height))
    else:
        hinge = (Point(0.0, first.y0), Point(card.width, first.y0))
    to_piece = flap_to_net(cover, *hinge)
    size = (cover.width, cover.height)
    back = to_piece.inverse() @ Transform.translate(first.x0, first.y0)
    return (
        CarrierView("front", "back", 1, Transform(), size),
        CarrierView("back", "back", 0, back.clean(), size),
    )


# --- the check ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShownAddress:
    """An address block of the carrier as it shows through the window: ``box`` in the
    carrier's coordinates as inserted (at offset 0), ``where`` its locations key."""

    name: str
    block: AddressBlock
    box: Rect
    where: str


@dataclass(frozen=True, slots=True)
class ResolvedWindow:
    """A window and its carrier, checked. ``turn`` maps the carrier's face (``view``) to
    its coordinates as inserted, (0, 0)-``size``; ``slide`` is the range of the carrier's
    bottom-left corner on the envelope's front face."""

    spec: WindowSpec
    rect: Rect
    carrier: str
    view: View
    turn: Transform
    size: tuple[float, float]
    slide: Rect
    addresses: tuple[ShownAddress, ...]

    @property
    def nominal(self) -> Point:
        """Where the carrier sits in the mockup: the middle of its play."""
        return self.slide.center

    def swept(self, address: ShownAddress) -> Rect:
        """Everything ``address`` covers on the front as the carrier slides."""
        b, s = address.box, self.slide
        return Rect(b.x0 + s.x0, b.y0 + s.y0, b.x1 + s.x1, b.y1 + s.y1)


def find_carrier(kit: KitSpec, env_name: str, spec: WindowSpec, cards: Sequence[CardSpec]) -> CardSpec:
    """The card named by ``spec.carrier``, or the one card inside holding an address block."""
    where = f"{env_name}.window"
    if spec.carrier:
        for c in cards:
            if c.name == spec.carrier:
                return c
        known = ", ".join(c.name for c in cards) or "none"
        raise kit.error(
            f"window carrier {spec.carrier!r} is not a card in envelope {env_name!r}",
            where,
            f"cards: {known}",
        )
    holding = [c for c in cards if any(isinstance(b, AddressBlock) for b in (*c.front, *c.back))]
    if len(holding) == 1:
        return holding[0]
    if not holding:
        raise kit.error(
            f"envelope {env_name!r} has a window but no card inside it has an address block to show "
            "through it",
            where,
            "add an address block to the letter, or name it with window.carrier",
        )
    names = ", ".join(c.name for c in holding)
    raise kit.error(
        f"several cards in {env_name!r} have address blocks ({names})", where, "name one with window.carrier"
    )


def _face_of(
    kit: KitSpec, card: CardSpec, block: AddressBlock, side: Side, views: Sequence[CarrierView]
) -> CarrierView:
    for v in views:
        if v.side == side and v.panel == block.panel:
            return v
    shown = " and ".join(f"its {v.side} side's panel {v.panel + 1} ({v.view})" for v in views)
    raise kit.error(
        f"address block {block.name!r} is on the {side} side, panel {block.panel + 1}, of {card.name!r}, "
        f"which is folded inside: a {card.fold} card shows {shown}",
        f"{card.name}.{side}.{block.name}",
        f"move the address block to {card.name}'s {views[0].side} side, panel {views[0].panel + 1}",
    )


def _upright(to_view: Transform, size: tuple[float, float]) -> Transform:
    """The turn (a multiple of 90 degrees) that sets a block drawn through ``to_view``
    upright, moved so the turned face runs from (0, 0)."""
    turn = Transform.rotate(-round(to_view.rotation / 90) * 90)
    box = turn.apply_rect(Rect(0, 0, *size)).bbox
    return (Transform.translate(-box.x0, -box.y0) @ turn).clean()


def resolve_window(
    kit: KitSpec, env_name: str, spec: WindowSpec, front: Rect, caliper: float, cards: Sequence[CardSpec]
) -> ResolvedWindow:
    """The window on a front ``front`` (face coordinates) with its carrier among ``cards``,
    checked: the carrier fits upright and its address keeps ``spec.margin`` from every
    window edge wherever it slides. Raises LayoutError naming the block and the numbers."""
    card = find_carrier(kit, env_name, spec, cards)
    views = carrier_views(card)
    blocks = [
        (b, side) for side in ("front", "back") for b in getattr(card, side) if isinstance(b, AddressBlock)
    ]
    if not blocks:
        raise kit.error(f"window carrier {card.name!r} has no address block", f"{env_name}.window", "add one")
    faces = {_face_of(kit, card, b, side, views).view for b, side in blocks}  # type: ignore[arg-type]
    if len(faces) > 1:
        raise kit.error(
            f"{card.name!r} has address blocks on both its folded faces: only one can face the window",
            kit.block_location(card.name, blocks[-1][0].name),
            "keep the address blocks on one face",
        )
    view = next(v for v in views if v.view in faces)
    turn = _upright(view.to_view, view.size)
    size = turn.apply_rect(Rect(0, 0, *view.size)).bbox.size
    inner = front.inset(caliper)
    if size[0] > inner.width + 1e-6 or size[1] > inner.height + 1e-6:
        unit = _unit(spec)
        raise kit.error(
            f"{card.name!r} folded is {_len(size[0], unit)} x {_len(size[1], unit)} with its address "
            f"upright: it does not fit envelope {env_name!r} ({_len(inner.width, unit)} x "
            f"{_len(inner.height, unit)} inside) that way up",
            f"{env_name}.window",
            "choose a larger envelope, or another fold",
        )
    slide = Rect(inner.x0, inner.y0, inner.x1 - size[0], inner.y1 - size[1])
    shown = tuple(
        ShownAddress(
            b.name, b, (turn @ view.to_view).apply_rect(b.box).bbox, kit.block_location(card.name, b.name)
        )
        for b, _ in blocks
    )
    window = ResolvedWindow(spec, spec.rect, card.name, view.view, turn, size, slide, shown)
    for address in shown:
        _check_clear(kit, window, address)
    return window


def _check_clear(kit: KitSpec, window: ResolvedWindow, address: ShownAddress) -> None:
    """The address inside the window less the margin, in every position the carrier slides to."""
    spec, r = window.spec, window.rect
    unit = _unit(spec)
    swept = window.swept(address)
    gaps = {
        "left": swept.x0 - r.x0,
        "right": r.x1 - swept.x1,
        "bottom": swept.y0 - r.y0,
        "top": r.y1 - swept.y1,
    }
    short = {k: v for k, v in gaps.items() if v < spec.margin - 1e-6}
    if not short:
        return
    play = window.slide
    edges = ", ".join(
        f"{_len(v, unit)} from its {k} edge" if v >= 0 else f"{_len(-v, unit)} past its {k} edge"
        for k, v in short.items()
    )
    raise kit.error(
        f"address block {address.name!r} of {window.carrier!r} does not stay inside the {spec.label} "
        f"({_show_rect(r, unit)}) with {_len(spec.margin, unit)} clearance: as the carrier slides "
        f"({_len(play.width, unit).split()[0]} x {_len(play.height, unit)} of play) the address covers "
        f"{_show_rect(swept, unit)}, coming {edges}",
        address.where,
        f"move the address block so it keeps {_len(spec.margin, unit)} from every window edge, make "
        "it smaller, or choose a fold that fits the envelope more closely",
    )


def cut_window(
    kit: KitSpec, env_name: str, spec: WindowSpec, net: Net, caliper: float, cards: Sequence[CardSpec]
) -> tuple[Net, ResolvedWindow]:
    """``net`` with the window cut into its front, and the window with its carrier checked."""
    try:
        net = add_window(net, spec)
    except NetError as exc:
        raise kit.error(exc.message, f"{env_name}.window", exc.hint) from None
    front = Rect(0, 0, net.front_rect.width, net.front_rect.height)
    return net, resolve_window(kit, env_name, spec, front, caliper, cards)


def check_front(kit: KitSpec, env_name: str, spec: WindowSpec, blocks: Sequence[Block]) -> None:
    """Nothing on the envelope's front that must stay whole (text, codes, addresses,
    images) lies over the window, which is cut away, or within the safe margin of its cut;
    backgrounds and shapes may run across it."""
    from .content.blocks import FillBlock, RectBlock, RuleBlock

    keep = spec.rect.expand(kit.safe)
    for b in blocks:
        box = getattr(b, "box", None)
        if isinstance(b, FillBlock | RectBlock | RuleBlock) or not isinstance(box, Rect):
            continue
        if box.intersects(keep, tol=1e-6):
            unit = _unit(spec)
            raise kit.error(
                f"block {b.name!r} ({_show_rect(box, unit)}) lies over the {spec.label} "
                f"({_show_rect(spec.rect, unit)}) or within {kit.safe / mm:.0f} mm of its cut",
                f"{env_name}.front.{b.name}",
                "move it clear of the window: the window is cut out of the front",
            )
