"""Kits: nested envelopes and cards, sized and checked before anything is drawn.

A :class:`KitSpec` (from a layout file or built in code) says what goes in what.
:func:`resolve` turns it into a :class:`ResolvedKit`: every envelope sized
(``auto`` picks the smallest catalog envelope that holds its contents), every
net built, every block mapped from its face or panel onto the flat piece it is
printed on, and every static rule checked (no QR code or address across a fold,
nothing variable inside the safe margin). Pure data; no PDF library.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .catalog import Size, Stock, envelope_family, lookup
from .content.blocks import AddressBlock, Block, FillBlock, QRBlock, TextBlock
from .errors import FitError, LayoutError, NetError
from .geometry import Point, Polygon, Rect, Transform, outward_bands, segment_meets_box
from .kitspec import (
    CARD_STOCK,
    ENVELOPE_STOCK,
    FOLD_IN_SHORTER,
    FOLD_PANELS,
    HAND,
    MACHINE,
    CardSpec,
    EnvelopeSpec,
    Fold,
    KitSpec,
    card_panels,
    folded_size,
    panel_lengths,
)
from .nets.base import Fold as Crease
from .nets.base import Net, build_net
from .units import mm
from .window import ResolvedWindow, check_front, cut_window

__all__ = [  # the specs are kitspec's, named here too
    "CARD_STOCK",
    "ENVELOPE_STOCK",
    "FOLD_IN_SHORTER",
    "FOLD_PANELS",
    "HAND",
    "MACHINE",
    "CardSpec",
    "EnvelopeSpec",
    "Fold",
    "KitSpec",
    "Piece",
    "Placed",
    "ResolvedCard",
    "ResolvedEnvelope",
    "ResolvedKit",
    "card_panels",
    "folded_size",
    "panel_lengths",
    "resolve",
]


@dataclass(frozen=True, slots=True)
class ResolvedCard:
    spec: CardSpec
    folded: tuple[float, float]
    thickness: float
    weight: float  # grams


@dataclass(frozen=True, slots=True)
class ResolvedEnvelope:
    spec: EnvelopeSpec
    width: float
    height: float
    size_name: str
    net: Net
    contents: tuple[ResolvedCard | ResolvedEnvelope, ...]
    thickness: float  # closed, with everything inside
    weight: float  # grams, with everything inside
    window: ResolvedWindow | None = None


def _card(card: CardSpec, stock: Stock) -> ResolvedCard:
    st = card.stock or stock
    layers = FOLD_PANELS[card.fold]
    area_m2 = card.width * card.height / (1000 * mm) ** 2
    return ResolvedCard(card, folded_size(card), st.caliper * layers, area_m2 * st.gsm)


def _fits(size: tuple[float, float], need: tuple[float, float]) -> bool:
    (w, h), (nw, nh) = sorted(size, reverse=True), sorted(need, reverse=True)
    return w >= nw - 1e-6 and h >= nh - 1e-6


def _shortfall(size: tuple[float, float], need: tuple[float, float]) -> str:
    (w, h), (nw, nh) = sorted(size, reverse=True), sorted(need, reverse=True)
    bits = []
    if w < nw:
        bits.append(f"{(nw - w) / mm:.1f} mm too short")
    if h < nh:
        bits.append(f"{(nh - h) / mm:.1f} mm too narrow")
    return " and ".join(bits)


def _resolve_envelope(env: EnvelopeSpec, kit: KitSpec, path: str) -> ResolvedEnvelope:
    stock = env.stock or kit.envelope_stock
    contents = tuple(
        _resolve_envelope(c, kit, f"{path} > {c.name}")
        if isinstance(c, EnvelopeSpec)
        else _card(c, kit.card_stock)
        for c in env.contents
    )
    inner_t = sum(c.thickness for c in contents)
    outer_dims = [c.folded if isinstance(c, ResolvedCard) else (c.width, c.height) for c in contents]
    cw = max((max(d) for d in outer_dims), default=0.0)
    ch = max((min(d) for d in outer_dims), default=0.0)
    need = (cw + kit.clearance[0] + inner_t, ch + kit.clearance[1] + inner_t) if contents else (0.0, 0.0)
    allowance = (
        f"{kit.clearance[0] / mm:.0f} x {kit.clearance[1] / mm:.0f} mm clearance"
        f" and {inner_t / mm:.2f} mm of contents"
    )
    if env.size is not None:
        size = env.size
        if not _fits(size.wh, need):
            raise FitError(
                f"envelope {path!r} ({size.name}, {size.width / mm:.0f} x {size.height / mm:.0f} mm) is "
                f"{_shortfall(size.wh, need)} for its contents: they need {need[0] / mm:.1f} x "
                f"{need[1] / mm:.1f} mm ({cw / mm:.0f} x {ch / mm:.0f} mm at their longest and widest, "
                f"with {allowance})",
                where=kit.where(env.name),
                hint='choose a larger size or size = "auto"',
            )
    else:
        candidates: list[Size] = []
        for name in env.auto:
            try:
                candidates.extend(envelope_family(name))
            except LookupError:
                candidates.append(lookup(name, kind="envelope"))
        candidates.sort(key=lambda s: s.width * s.height)
        fitting = [s for s in candidates if _fits(s.wh, need)]
        if not fitting:
            raise FitError(
                f"no {'/'.join(env.auto)} envelope holds the contents of {path!r} "
                f"({need[0] / mm:.1f} x {need[1] / mm:.1f} mm needed with {allowance})",
                where=kit.where(env.name),
                hint="allow a larger family in `auto`, or give an explicit size",
            )
        size = fitting[0]
    width, height = sorted(size.wh, reverse=True)
    try:
        net = build_net(env.style, width, height, dict(env.params))
    except NetError as exc:
        where = kit.where(env.name)
        raise NetError(f"{exc.message} ({size.name})", where=where or exc.where, hint=exc.hint) from None
    window = None
    if env.window is not None:
        cards = [c.spec for c in contents if isinstance(c, ResolvedCard)]
        net, window = cut_window(kit, env.name, env.window, net, stock.caliper, cards)
    area = net.outline.flatten(0.5).area - sum(h.flatten(0.5).area for h in net.holes)
    own = area / (1000 * mm) ** 2 * stock.gsm
    return ResolvedEnvelope(
        spec=env,
        width=width,
        height=height,
        size_name=size.name,
        net=net,
        contents=contents,
        thickness=inner_t + 2 * stock.caliper,
        weight=own + sum(c.weight for c in contents),
        window=window,
    )


# --- pieces ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """A block placed on a piece: ``to_piece`` maps block coordinates to piece coordinates;
    drawing is clipped to ``clip`` minus every polygon in ``holes`` (piece coordinates)."""

    block: Block
    to_piece: Transform
    clip: Polygon | None = None
    holes: tuple[Polygon, ...] = ()
    region: Rect | None = None  # the face or panel the block's coordinates refer to
    bleed: tuple[Polygon, ...] = ()  # bands beyond the clip's cut edges, united with it


@dataclass(frozen=True, slots=True)
class Piece:
    """One flat printed piece (an envelope net or a card), in piece coordinates:
    its trim bounding box runs (0, 0)-(width, height)."""

    key: str
    kind: Literal["net", "card"]
    label: str
    width: float
    height: float
    level: int
    net: Net | None = None
    folds: tuple[tuple[Point, Point], ...] = ()
    side_a: tuple[Placed, ...] = ()
    side_b: tuple[Placed, ...] = ()
    stock: Stock | None = None

    @property
    def duplex(self) -> bool:
        return bool(self.side_b)

    @property
    def variable(self) -> bool:
        return any(p.block.variable for p in self.side_a + self.side_b)


@dataclass(frozen=True, slots=True)
class ResolvedKit:
    spec: KitSpec
    outer: ResolvedEnvelope
    pieces: tuple[Piece, ...]

    @property
    def thickness(self) -> float:
        return self.outer.thickness

    @property
    def weight(self) -> float:
        return self.outer.weight

    def envelopes(self) -> Iterator[ResolvedEnvelope]:
        def walk(e: ResolvedEnvelope) -> Iterator[ResolvedEnvelope]:
            yield e
            for c in e.contents:
                if isinstance(c, ResolvedEnvelope):
                    yield from walk(c)

        return walk(self.outer)

    def summary(self) -> str:
        lines = [
            f"kit {self.spec.name}: {len(self.pieces)} piece{'s' if len(self.pieces) != 1 else ''}, "
            f"{self.thickness / mm:.2f} mm thick, {self.weight:.1f} g"
        ]
        for e in self.envelopes():
            inside = ", ".join(
                c.spec.name + (f" ({c.size_name})" if isinstance(c, ResolvedEnvelope) else "")
                for c in e.contents
            )
            lines.append(
                f"  {e.spec.name}: {e.spec.style} {e.size_name} "
                f"{e.width / mm:.0f} x {e.height / mm:.0f} mm holds {inside or 'nothing'}"
            )
        return "\n".join(lines)


def _must_stay_whole(block: Block) -> bool:
    return block.variable or isinstance(block, QRBlock | AddressBlock)


def _bleed_bands(
    poly: Polygon, folds: tuple[Crease, ...], bleed: float, hinge: Crease | None = None
) -> tuple[Polygon, ...]:
    """Bands covering everything within ``bleed`` outside the cut edges of ``poly`` (its
    edges less the parts on ``folds``), mitred or rounded round its corners so a curve's
    flattening leaves no wedge between them, and wound like ``poly`` so that a nonzero
    clip of all of them is their union. With a ``hinge`` (a flap's fold), nothing of them
    crosses to the far side of the fold's line, where the panel it hinges from lies."""
    bands = outward_bands(poly, bleed, skip=tuple((f.p0, f.p1) for f in folds))
    if hinge is None:
        return bands
    p, q = hinge.p0, hinge.p1
    inside = sum((v - p for v in poly.points), Point(0.0, 0.0)) * (1 / len(poly))
    if (q - p).cross(inside) < 0:
        p, q = q, p  # the flap lies left of p -> q
    kept = (b.clip_left(p, q) for b in bands)
    return tuple(
        b if (b.signed_area > 0) == (poly.signed_area > 0) else Polygon(b.points[::-1]) for b in kept if b
    )


def _under_holes(above: list[Polygon], bleed: float, to_net: Transform) -> tuple[Polygon, ...]:
    """Where the flaps closed over a panel hide its background, in net coordinates: each
    overlapping flap shrunk by ``bleed``, so the background runs that far under its edges
    and a flap folded a little off shows no white line."""
    return tuple(h.transform(to_net) for h in (a.inset(bleed) for a in above) if h is not None)


def _on_line(a: Point, b: Point, p: Point, q: Point, tol: float = 0.01) -> bool:
    """Do a and b both lie on the line through p and q?"""
    d = q - p
    n = d.length()
    return bool(n) and abs(d.cross(a - p)) / n <= tol and abs(d.cross(b - p)) / n <= tol


def _crosses_interior(a: Point, b: Point, r: Rect) -> bool:
    """Does segment ab pass through the open interior of ``r``?"""
    inner = r.inset(1e-4)
    if inner.width <= 0 or inner.height <= 0:
        return False
    return segment_meets_box((a.x, a.y), (b.x, b.y), inner.as_tuple())


def _boundary_crosses(r: Rect, poly: Polygon) -> bool:
    return any(_crosses_interior(a, b, r) for a, b in poly.edges())


def _rect_in_polygon(r: Rect, poly: Polygon) -> bool:
    """Is ``r`` inside ``poly``? Without the boundary passing through it, a rectangle is
    wholly inside or wholly outside, and its centre says which."""
    return not _boundary_crosses(r, poly) and poly.contains(r.center)


def _overlaps(r: Rect, poly: Polygon) -> bool:
    """Do ``r`` and ``poly`` share area (touching edges do not count)?"""
    if not r.intersects(poly.bbox):
        return False
    return _boundary_crosses(r, poly) or poly.contains(r.center, tol=-1e-9)


def _where(kit: KitSpec, piece: str, face: str, block: Block) -> str:
    return f"{piece}.{face}.{block.name}"


def _check_whole(
    kit: KitSpec, block: Block, regions: list[Polygon], covers: list[list[Polygon]], where: str
) -> None:
    """A block that must stay whole lies inside one region (inset by the safe margin)
    and under no panel stacked above that region."""
    if not _must_stay_whole(block) or isinstance(block, FillBlock) or block.box is None:
        return
    box = block.box
    safe_box = box.expand(kit.safe)
    for region, above in zip(regions, covers, strict=True):
        if _rect_in_polygon(box, region):
            if not _rect_in_polygon(safe_box, region):
                raise kit.error(
                    f"{type(block).__name__.removesuffix('Block').lower()} block {block.name!r} is within "
                    f"the {kit.safe / mm:.0f} mm safe margin of a cut or fold",
                    where,
                    "move it inward or make it smaller",
                )
            if any(_overlaps(box, a) for a in above):
                raise kit.error(
                    f"block {block.name!r} would be hidden under a flap that closes over it",
                    where,
                    "move it onto the flap that closes last",
                )
            return
    kind = (
        "QR code"
        if isinstance(block, QRBlock)
        else ("address" if isinstance(block, AddressBlock) else "variable block")
    )
    raise kit.error(
        f"{kind} {block.name!r} ({box.x0 / mm:.1f}, {box.y0 / mm:.1f}, {box.width / mm:.1f} x "
        f"{box.height / mm:.1f} mm) crosses a fold or a cut",
        where,
        "keep it inside one panel",
    )


def _check_static_text(kit: KitSpec, block: Block, region: Rect, where: str) -> None:
    """Static text stays inside ``region`` (an envelope's front face, or a whole card in
    the block's panel coordinates), clear of the safe margin: a line clipped at the
    front's folds or trimmed at the cut is as bad as a variable one. Back-face text may
    run across flaps and card text across folds; fills and shapes may bleed."""
    if not isinstance(block, TextBlock) or block.variable:
        return
    room = region.width > 2 * kit.safe and region.height > 2 * kit.safe
    if not room or not region.inset(kit.safe).contains(block.box):
        raise kit.error(
            f"text block {block.name!r} runs off its panel or into the {kit.safe / mm:.0f} mm safe margin",
            where,
            f"keep its box within {kit.safe / mm:.0f} mm of the panel's edges",
        )


def _check_quiet_zones(kit: KitSpec, blocks: tuple[Block, ...], where: str) -> None:
    for q in blocks:
        if not isinstance(q, QRBlock):
            continue
        for other in blocks:
            if other is q or isinstance(other, FillBlock) or other.box is None:
                continue
            if other.panel != q.panel:
                continue
            if other.box.intersects(q.box):
                raise kit.error(
                    f"block {other.name!r} enters the quiet zone of QR code {q.name!r}",
                    f"{where}.{other.name}",
                    "QR boxes include their 4-module quiet zone; keep other content outside",
                )


def _net_pieces(kit: KitSpec, env: ResolvedEnvelope, level: int) -> Piece:
    net = env.net
    spec = env.spec
    key = spec.name
    front = net.front
    side_a: list[Placed] = []
    face_rect = Rect(0, 0, env.width, env.height)
    _check_quiet_zones(kit, spec.front, f"{key}.front")
    _check_quiet_zones(kit, spec.back, f"{key}.back")
    _check_quiet_zones(kit, spec.inside, f"{key}.inside")
    front_bands: tuple[Polygon, ...] | None = None
    if spec.window is not None:
        check_front(kit, key, spec.window, spec.front)
    for block in spec.front:
        _check_whole(kit, block, [face_rect.polygon()], [[]], _where(kit, key, "front", block))
        _check_static_text(kit, block, face_rect, _where(kit, key, "front", block))
        bands: tuple[Polygon, ...] = ()
        if isinstance(block, FillBlock):
            # The front's cut edges (the caliper's steps at its corners) bleed too; its folds do not.
            if front_bands is None:
                front_bands = _bleed_bands(front.polygon, net.folds, kit.bleed)
            bands = front_bands
        side_a.append(Placed(block, front.to_net, front.polygon, (), face_rect, bands))
    flaps = net.flaps()
    face_polys = [f.face_polygon() for f in flaps]
    fill_geometry: dict[int, tuple[tuple[Polygon, ...], tuple[Polygon, ...]]] = {}  # per flap, shared
    for block in spec.back:
        covers = [face_polys[i + 1 :] for i in range(len(flaps))]
        # A block must stay whole on the topmost flap it lies on: check the highest first.
        order = list(range(len(flaps)))[::-1]
        _check_whole(
            kit,
            block,
            [face_polys[i] for i in order],
            [covers[i] for i in order],
            _where(kit, key, "back", block),
        )
        for i, flap in enumerate(flaps):
            if block.box is not None and (
                not _overlaps(block.box, face_polys[i])
                or any(_rect_in_polygon(block.box, above) for above in face_polys[i + 1 :])
            ):
                continue  # not on this flap, or wholly under a flap closed over it
            if isinstance(block, FillBlock):
                # A background runs past the flap's cut edges into the bleed, never across its
                # fold, and under the flaps closed over it by the bleed too.
                if i not in fill_geometry:
                    hinge = (flap.hinge,) if flap.hinge is not None else ()
                    fill_geometry[i] = (
                        _under_holes(face_polys[i + 1 :], kit.bleed, flap.to_net),
                        _bleed_bands(flap.polygon, hinge, kit.bleed, flap.hinge),
                    )
                holes, bands = fill_geometry[i]
            else:
                holes, bands = tuple(p.transform(flap.to_net) for p in face_polys[i + 1 :]), ()
            side_a.append(Placed(block, flap.to_net, flap.polygon, holes, face_rect, bands))
    side_b: list[Placed] = []
    if spec.inside:
        box = net.bbox
        mirror = Transform.mirror_x(box.x0 + box.width / 2)
        regions = [p.polygon.transform(mirror) for p in net.panels]
        # Side B is printed edge to edge: clipped to the bleed around the blank, not to the
        # cut, so a liner or background runs past the die line as the press needs.
        bleed_clip = box.expand(kit.bleed).polygon()
        for block in spec.inside:
            _check_whole(kit, block, regions, [[] for _ in regions], _where(kit, key, "inside", block))
            side_b.append(Placed(block, Transform(), bleed_clip, (), box))
    return Piece(
        key=key,
        kind="net",
        label=spec.label or f"{spec.name} envelope ({env.size_name})",
        width=net.bbox.width,
        height=net.bbox.height,
        level=level,
        net=net,
        folds=tuple((f.p0, f.p1) for f in net.folds),
        side_a=tuple(side_a),
        side_b=tuple(side_b),
        stock=spec.stock or kit.envelope_stock,
    )


def _card_piece(kit: KitSpec, card: ResolvedCard, level: int) -> Piece:
    spec = card.spec
    panels = card_panels(spec)
    folds = tuple(
        (Point(r.x1, r.y0), Point(r.x1, r.y1))
        if spec.width >= spec.height
        else (Point(r.x0, r.y0), Point(r.x1, r.y0))
        for r in panels[:-1]
    )
    sides: dict[str, list[Placed]] = {"front": [], "back": []}
    for side, blocks in (("front", spec.front), ("back", spec.back)):
        _check_quiet_zones(kit, blocks, f"{spec.name}.{side}")
        for block in blocks:
            if block.panel >= len(panels):
                raise kit.error(
                    f"block {block.name!r} is on panel {block.panel + 1} but a {spec.fold} card has "
                    f"{len(panels)}",
                    f"{spec.name}.{side}.{block.name}",
                )
            panel = panels[block.panel]
            local = Rect(0, 0, panel.width, panel.height)
            _check_whole(kit, block, [local.polygon()], [[]], f"{spec.name}.{side}.{block.name}")
            # On a card, static text may run across a fold, not past the cut.
            card_rect = Rect(-panel.x0, -panel.y0, spec.width - panel.x0, spec.height - panel.y0)
            _check_static_text(kit, block, card_rect, f"{spec.name}.{side}.{block.name}")
            sides[side].append(
                Placed(block, Transform.translate(panel.x0, panel.y0), panel.polygon(), (), local)
            )
    return Piece(
        key=spec.name,
        kind="card",
        label=spec.label or f"{spec.name} card ({spec.size_name or 'custom'})",
        width=spec.width,
        height=spec.height,
        level=level,
        folds=folds,
        side_a=tuple(sides["front"]),
        side_b=tuple(sides["back"]),
        stock=spec.stock or kit.card_stock,
    )


def _pieces(kit: KitSpec, env: ResolvedEnvelope, level: int = 1) -> Iterator[Piece]:
    """Outer to inner: an envelope, then what it holds, in the layout's order."""
    yield _net_pieces(kit, env, level)
    for c in env.contents:
        if isinstance(c, ResolvedEnvelope):
            yield from _pieces(kit, c, level + 1)
        else:
            yield _card_piece(kit, c, level)


def resolve(kit: KitSpec) -> ResolvedKit:
    """Size every level, build every net, map every block; raises FitError/LayoutError."""
    outer = _resolve_envelope(kit.outer, kit, kit.outer.name)
    pieces = tuple(_pieces(kit, outer))
    names = [p.key for p in pieces]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise LayoutError(f"piece names must be unique; repeated: {', '.join(dupes)}", file=kit.source)
    return ResolvedKit(kit, outer, pieces)
