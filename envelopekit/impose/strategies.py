"""The three ways to fill sheets: gang, step-and-repeat, cut-and-stack.

Each returns sheets as lists of placements (positions numbered) plus, for
cut-and-stack, the stacks of each sheet; ``plan`` finishes them with marks.
Every layout is centred in the frame's region so the paper is used evenly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..errors import ImposeError
from ..geometry import Polygon, Rect
from ..units import mm
from .maxrects import Packed, pack, pack_one
from .model import ImposeOptions, Piece, Placement, StackRange
from .sheet import Frame, Orient, footprint, number_positions, orientations, place

__all__ = ["Layout", "cut_and_stack", "gang", "step_and_repeat"]


@dataclass(frozen=True, slots=True)
class Layout:
    """One sheet's placements (side A) and, in cut-and-stack, the stacks on it."""

    placements: tuple[Placement, ...]
    stacks: tuple[StackRange, ...] = ()


def _choices(pieces: Sequence[Piece], frame: Frame, options: ImposeOptions) -> list[list[Orient]]:
    """Per piece, the orientations whose footprints differ (0 and 180 pack alike)."""
    out = []
    for p in pieces:
        seen: list[Orient] = []
        sizes: list[tuple[float, float]] = []
        for o in orientations(p, options):
            s = footprint(p, o, frame.halo)
            if not any(
                math.isclose(s[0], a, abs_tol=1e-6) and math.isclose(s[1], b, abs_tol=1e-6) for a, b in sizes
            ):
                seen.append(o)
                sizes.append(s)
        out.append(seen)
    return out


def _items(
    pieces: Sequence[Piece], choices: Sequence[Sequence[Orient]], frame: Frame
) -> list[list[tuple[float, float]]]:
    """Footprints that fit the region, per piece (too-big ones are not offered)."""
    r = frame.region
    return [
        [s for o in os if (s := footprint(p, o, frame.halo))[0] <= r.width + 1e-6 and s[1] <= r.height + 1e-6]
        for p, os in zip(pieces, choices, strict=True)
    ]


def _placed(
    pieces: Sequence[Piece],
    choices: Sequence[Sequence[Orient]],
    items: Sequence[Sequence[tuple[float, float]]],
    packed: Sequence[Packed],
    frame: Frame,
    dx: float = 0.0,
    dy: float = 0.0,
) -> list[Placement]:
    out = []
    for q in packed:
        size = items[q.item][q.choice]
        orient = next(o for o in choices[q.item] if footprint(pieces[q.item], o, frame.halo) == size)
        out.append(place(pieces[q.item], orient, q.x + dx, q.y + dy, frame.halo))
    return out


def _centre_shift(extent: Rect, frame: Frame) -> tuple[float, float]:
    """Shift that centres ``extent`` (footprints, in region coordinates from 0) in the region."""
    r = frame.region
    return (
        r.x0 + (r.width - extent.width) / 2 - extent.x0,
        r.y0 + (r.height - extent.height) / 2 - extent.y0,
    )


GANG_CHUNK = 120  # pieces packed at once; keeps big batches linear in time


def gang(pieces: Sequence[Piece], frame: Frame, options: ImposeOptions) -> list[Layout]:
    """As few sheets as MaxRects can manage, any mix of pieces, rotations allowed.

    A big batch is packed in chunks of about ``GANG_CHUNK`` pieces, in input order:
    each chunk's emptiest sheet goes back into the next chunk, so little is lost
    and a kit's pieces stay on nearby sheets.
    """
    layouts = []
    carry: list[Piece] = []
    rest = list(pieces)
    while rest or carry:
        chunk, rest = carry + rest[:GANG_CHUNK], rest[GANG_CHUNK:]
        choices = _choices(chunk, frame, options)
        items = _items(chunk, choices, frame)
        bins = pack(items, frame.region.width, frame.region.height, orders=[_kit_order(chunk, items)])
        carry = []
        if rest:
            weakest = min(range(len(bins)), key=lambda b: (_used(bins[b], items), -b))
            carry = [chunk[q.item] for q in sorted(bins.pop(weakest), key=lambda q: q.item)]
        for bin_ in bins:
            extent = Rect.from_points(
                pt for q in bin_ for pt in Rect.from_size(q.x, q.y, *items[q.item][q.choice]).corners()
            )
            dx, dy = _centre_shift(extent, frame)
            layouts.append(Layout(number_positions(_placed(chunk, choices, items, bin_, frame, dx, dy))))
    return layouts


def _kit_order(chunk: Sequence[Piece], items: Sequence[Sequence[tuple[float, float]]]) -> list[int]:
    """Kit by kit (groups in order of appearance), largest piece first within a kit.

    Largest-first over the whole batch puts every big net on a sheet of its own
    before any card; kit by kit mixes sizes early, which sometimes saves a sheet.
    """
    first: dict[str, int] = {}
    for p in chunk:
        first.setdefault(p.group or p.key, len(first))
    return sorted(
        range(len(chunk)),
        key=lambda i: (first[chunk[i].group or chunk[i].key], -min(w * h for w, h in items[i]), i),
    )


def _used(bin_: Sequence[Packed], items: Sequence[Sequence[tuple[float, float]]]) -> float:
    return sum(items[q.item][q.choice][0] * items[q.item][q.choice][1] for q in bin_)


def step_and_repeat(pieces: Sequence[Piece], frame: Frame, options: ImposeOptions) -> list[Layout]:
    """One piece size n-up: the best uniform grid, positions filled in reading order."""
    first = pieces[0]
    for p in pieces[1:]:
        if abs(p.width - first.width) > 0.01 or abs(p.height - first.height) > 0.01:
            raise ImposeError(
                f"step-and-repeat needs pieces of one size: {first.key!r} is "
                f"{first.width / mm:.1f} x {first.height / mm:.1f} mm, {p.key!r} is "
                f"{p.width / mm:.1f} x {p.height / mm:.1f} mm",
                hint="use strategy 'gang' for mixed sizes",
            )
    bleed = max(p.bleed for p in pieces)
    common = [
        o
        for o in orientations(first, options)
        if all(any(math.isclose(o.rotation, q.rotation) for q in orientations(p, options)) for p in pieces)
    ]
    if not common:
        raise ImposeError("step-and-repeat pieces share no allowed rotation")
    template = replace(first, bleed=bleed)
    best: tuple[int, int, Orient] | None = None
    r = frame.region
    for o in common:
        w, h = footprint(template, o, frame.halo)
        cols, rows = int((r.width + 1e-6) // w), int((r.height + 1e-6) // h)
        if cols * rows and (best is None or cols * rows > best[0] * best[1]):
            best = (cols, rows, o)
    if best is None:
        raise ImposeError(
            "no rotation that every step-and-repeat piece allows fits the sheet",
            hint="allow the same rotations on every piece, or use strategy 'gang'",
        )
    cols, rows, orient = best
    w, h = footprint(template, orient, frame.halo)
    dx, dy = _centre_shift(Rect(0.0, 0.0, cols * w, rows * h), frame)
    # cells in reading order: top row first
    cells = [(c * w + dx, (rows - 1 - k) * h + dy) for k in range(rows) for c in range(cols)]
    per = len(cells)
    layouts = []
    for s in range(0, len(pieces), per):
        chunk = pieces[s : s + per]
        placed = []
        for pos, (piece, (x, y)) in enumerate(zip(chunk, cells, strict=False), 1):
            # a smaller bleed sits centred in the common footprint, so the grid stays uniform
            pad = bleed - piece.bleed
            placed.append(replace(place(piece, orient, x + pad, y + pad, frame.halo), position=pos))
        layouts.append(Layout(tuple(placed)))
    return layouts


def cut_and_stack(pieces: Sequence[Piece], frame: Frame, options: ImposeOptions) -> list[Layout]:
    """Batches in record order after cutting the pile and stacking the stacks.

    A record's pieces (one group) are packed as one block; the region is cut into a
    grid of equal cells, one block each, the same on every sheet of a pile, so the
    guillotine cuts the whole pile at once. Cell p of a pile is stack p: it holds
    ``depth`` consecutive records, one per sheet in print order, and stacks 1..P put
    one on another give the records in order. A kit too big for one sheet is split
    into parts; each part runs as its own pile, in record order, to be collated.
    """
    # parts of each kit: the gang packer splits a kit across as few sheets as it can;
    # its layout of each part is kept in case no finer grid takes the part
    parts: dict[Signature, list[tuple[list[int], list[Packed]]]] = {}
    units: list[list[Unit]] = []  # per part index: units (a record's pieces in that part)
    whole: dict[Signature, list[Packed]] = {}
    signature = _signatures()
    for _, members in _groups(pieces):
        sig = tuple(map(signature, members))
        if sig not in parts:
            ch = _choices(members, frame, options)
            bins = pack(_items(members, ch, frame), frame.region.width, frame.region.height)
            parts[sig] = []
            for b in bins:
                part = sorted(q.item for q in b)
                local = {m: n for n, m in enumerate(part)}
                parts[sig].append((part, [replace(q, item=local[q.item]) for q in b]))
        for j, (part, packed) in enumerate(parts[sig]):
            while len(units) <= j:
                units.append([])
            unit = Unit(tuple(sig[i] for i in part), [members[i] for i in part])
            units[j].append(unit)
            whole.setdefault(unit.sig, packed)
    layouts: list[Layout] = []
    stack_no = 0
    for part_units in units:
        cells, blocks = _grid(part_units, frame, options, whole)
        per = len(cells)
        depth = options.stack_depth or math.ceil(len(part_units) / per)
        for start in range(0, len(part_units), per * depth):
            chunk = part_units[start : start + per * depth]
            d = math.ceil(len(chunk) / per)  # a short last pile stays as deep as it must
            stacks = []
            for p in range(per):
                recs = [u.pieces[0].record for u in chunk[p * d : (p + 1) * d]]
                if recs:
                    stack_no += 1
                    known = [r for r in recs if r is not None]
                    stacks.append(
                        StackRange(
                            stack_no, p + 1, min(known, default=None), max(known, default=None), tuple(known)
                        )
                    )
            for sheet in range(d):
                placed: list[Placement] = []
                for p, stack in enumerate(stacks):
                    k = p * d + sheet
                    if k >= len(chunk):
                        continue
                    unit = chunk[k]
                    x, y = cells[p]
                    for pl in blocks[unit.sig](unit.pieces, x, y):
                        placed.append(replace(pl, position=p + 1, stack=stack.number))
                if placed:
                    layouts.append(Layout(tuple(placed), tuple(stacks)))
    return layouts


def _groups(pieces: Sequence[Piece]) -> list[tuple[str, list[Piece]]]:
    """Groups (a record's pieces, input order kept) in record order, then first appearance."""
    by: dict[str, list[Piece]] = {}
    for p in pieces:
        by.setdefault(p.group or p.key, []).append(p)
    first = {g: i for i, g in enumerate(by)}
    for g, members in by.items():
        records = {p.record for p in members}
        if len(records) > 1:
            raise ImposeError(
                f"group {g!r} mixes records {sorted(map(str, records))}",
                hint="give every piece of one kit the same record",
            )
    return sorted(by.items(), key=lambda kv: (kv[1][0].record is None, kv[1][0].record or 0, first[kv[0]]))


Signature = tuple[object, ...]
"""What makes units pack alike: per piece its size, bleed, rotations and outline."""


@dataclass(frozen=True, slots=True)
class Unit:
    """A record's pieces in one part of its kit, with their signature (worked out once)."""

    sig: Signature
    pieces: list[Piece]


def _signatures() -> Callable[[Piece], tuple[object, ...]]:
    """Per piece: size, bleed, rotations and a number for its outline. Equal outlines get
    one number, found by value once per outline object (a batch's pieces share a handful
    of outlines; hashing one point by point for every lookup would be slow)."""
    numbers: dict[Polygon, int] = {}
    by_id: dict[int, tuple[Polygon, int]] = {}  # the outline kept alive: its id stays its own

    def outline_number(outline: Polygon | None) -> int:
        if outline is None:
            return -1
        hit = by_id.get(id(outline))
        if hit is None or hit[0] is not outline:
            hit = by_id[id(outline)] = (outline, numbers.setdefault(outline, len(numbers)))
        return hit[1]

    def signature(p: Piece) -> tuple[object, ...]:
        return (round(p.width, 6), round(p.height, 6), p.bleed, p.rotations, outline_number(p.outline))

    return signature


class _Block:
    """A unit's layout inside a cell, reused for every unit of the same shape."""

    def __init__(
        self,
        members: Sequence[Piece],
        frame: Frame,
        options: ImposeOptions,
        packed: list[Packed],
        items: list[list[tuple[float, float]]],
    ) -> None:
        self.frame, self.packed, self.items = frame, packed, items
        self.choices = _choices(members, frame, options)
        self.extent = (
            max(q.x + items[q.item][q.choice][0] for q in packed),
            max(q.y + items[q.item][q.choice][1] for q in packed),
        )

    def __call__(self, unit: Sequence[Piece], x: float, y: float) -> list[Placement]:
        return _placed(unit, self.choices, self.items, self.packed, self.frame, x, y)


def _grid(
    units: Sequence[Unit],
    frame: Frame,
    options: ImposeOptions,
    whole: dict[tuple[object, ...], list[Packed]],
) -> tuple[list[tuple[float, float]], dict[tuple[object, ...], _Block]]:
    """The densest c x r grid of cells in which every unit shape packs, and those packings.

    ``whole`` holds each shape's layout on a whole sheet, the 1 x 1 grid's fallback.
    """
    shapes: dict[Signature, Sequence[Piece]] = {}
    for u in units:
        shapes.setdefault(u.sig, u.pieces)
    r = frame.region
    prepared = []
    for sig, members in shapes.items():
        ch = _choices(members, frame, options)
        prepared.append((sig, members, _items(members, ch, frame)))
    area = max(sum(min(w * h for w, h in s) for s in items) for _, _, items in prepared)
    smallest = min(min(min(w, h) for w, h in s) for _, _, items in prepared for s in items)
    cmax = max(1, int((r.width + 1e-6) // smallest))
    rmax = max(1, int((r.height + 1e-6) // smallest))
    grids = sorted(
        (
            (c, k)
            for c in range(1, cmax + 1)
            for k in range(1, rmax + 1)
            if c * k * area <= r.width * r.height * (1 + 1e-9)
        ),
        key=lambda ck: (-ck[0] * ck[1], abs(math.log((r.width / ck[0]) / (r.height / ck[1]))), ck),
    )
    for c, k in grids:
        cw, chh = r.width / c, r.height / k
        blocks: dict[tuple[object, ...], _Block] = {}
        for sig, members, items in prepared:
            packed = pack_one(items, cw, chh) or (whole.get(sig) if c * k == 1 else None)
            if packed is None:
                break
            blocks[sig] = _Block(members, frame, options, packed, items)
        else:
            # pitch = the largest block, so the grid is as tight as the blocks allow
            bw = max(b.extent[0] for b in blocks.values())
            bh = max(b.extent[1] for b in blocks.values())
            dx, dy = _centre_shift(Rect(0.0, 0.0, c * bw, k * bh), frame)
            cells = [(dx + i * bw, dy + (k - 1 - j) * bh) for j in range(k) for i in range(c)]
            return cells, blocks
    raise AssertionError("unreachable: the 1 x 1 grid takes every part")
