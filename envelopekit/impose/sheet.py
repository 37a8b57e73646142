"""Sheet geometry shared by every strategy: usable area, footprints, marks, sides.

A strategy only decides where footprints go inside ``Frame.region``; this module
turns footprints into placements, and placements into finished side-A and
side-B plans with marks, registration targets, colour bar, slug and boxes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from ..catalog import Sheet
from ..errors import ImposeError
from ..geometry import Point, Polygon, Rect, Transform
from ..marks import (
    MarkLine,
    Slug,
    Target,
    clip_marks,
    colour_bar,
    crop_marks,
    fold_marks,
    merge_marks,
    slug_text,
)
from ..units import mm
from .model import Duplex, Edge, ImposeOptions, Piece, Placement, SheetPlan, Side, StackRange

__all__ = [
    "Frame",
    "Orient",
    "back_of",
    "check_sizes",
    "finish",
    "fits",
    "flip",
    "footprint",
    "frame_for",
    "number_positions",
    "orientations",
    "place",
    "printable_area",
]

STRIP = 5 * mm  # height of the info strip: registration targets, colour patches, slug
STRIP_GAP = 2 * mm  # between the strip and the nearest mark
CLEARANCE = 0.5  # points kept between a mark and any trim + bleed
SLUG_SIZE = 6.0  # points, largest
SLUG_MIN = 4.0
SLUG_EM = 0.55  # average advance of a sans-serif character, in em (for fitting only)


def printable_area(sheet: Sheet, gripper_edge: Edge = "bottom", duplex: Duplex | None = None) -> Rect:
    """Where ink can go: the sheet minus ``margin`` all round and ``gripper`` on the leading edge.

    For a duplex job the area is also kept clear where side B's press margins fall
    (after the turn or tumble), so a back lands in printable paper whichever edge
    the press grips for side B.
    """
    m, g = sheet.margin, max(sheet.margin, sheet.gripper)
    x0 = g if gripper_edge == "left" else m
    x1 = sheet.width - (g if gripper_edge == "right" else m)
    y0 = g if gripper_edge == "bottom" else m
    y1 = sheet.height - (g if gripper_edge == "top" else m)
    area = Rect(x0, y0, x1, y1)
    if duplex is not None:
        back = _map_rect(flip(sheet, duplex), area)
        area = Rect(max(x0, back.x0), max(y0, back.y0), min(x1, back.x1), min(y1, back.y1))
    return area


def flip(sheet: Sheet, mode: Duplex) -> Transform:
    """Side-A sheet coordinates -> side-B sheet coordinates (an involution).

    Work-and-turn turns the sheet over about its vertical centre line (x -> W - x);
    work-and-tumble about its horizontal one (y -> H - y).
    """
    if mode == "turn":
        return Transform.mirror_x(sheet.width / 2)
    return Transform.mirror_y(sheet.height / 2)


def back_of(placement: Placement, sheet: Sheet, mode: Duplex) -> Placement:
    """The side-B placement exactly behind a side-A one (and vice versa).

    Its transform maps piece side-B coordinates (the piece turned over like a page:
    (u, v) lies behind (width - u, v)) to side-B sheet coordinates:
    ``flip @ front.transform @ mirror_x(width / 2)``. Two mirrors make it rigid
    again; a front rotated by r comes out rotated by -r (turn) or 180 - r (tumble).
    """
    f = flip(sheet, mode)
    t = (f @ placement.transform @ Transform.mirror_x(placement.size[0] / 2)).clean()
    return replace(
        placement,
        transform=t,
        rotation=_angle(t),
        trim=_map_rect(f, placement.trim),
        bleed_box=_map_rect(f, placement.bleed_box),
    )


@dataclass(frozen=True, slots=True)
class Frame:
    """The room a job has on a sheet.

    Footprints (bleed box grown by ``halo``, half the gutter) go inside ``region``;
    that keeps ``gutter`` between neighbouring bleed boxes and room for the outer
    marks inside ``marks_area``. ``strip`` holds targets, colour bar and slug.
    """

    sheet: Sheet
    printable: Rect
    marks_area: Rect
    region: Rect
    strip: Rect | None
    halo: float
    duplex: Duplex | None


def frame_for(sheet: Sheet, pieces: Sequence[Piece], options: ImposeOptions) -> Frame | None:
    """The frame for these pieces on ``sheet``, or None if the sheet leaves no room at all."""
    duplex = options.duplex if options.blank_backs or any(p.duplex for p in pieces) else None
    try:
        printable = printable_area(sheet, options.gripper_edge, duplex)
    except ValueError:  # margins larger than the sheet
        return None
    starts = [(_mark_start(p.bleed, options), p.bleed) for p in pieces] or [(options.mark_offset, 0.0)]
    room = max(s - b for s, b in starts) + options.mark_length  # beyond a bleed box
    if options.shared_cuts and all(p.bleed == 0 for p in pieces):
        gutter = 0.0
    else:
        gutter = room if options.gutter is None else options.gutter
    halo = gutter / 2
    strip: Rect | None = None
    marks_area = printable
    if options.info_strip:
        if printable.height <= STRIP + STRIP_GAP:
            return None
        strip = Rect(printable.x0, printable.y0, printable.x1, printable.y0 + STRIP)
        marks_area = Rect(printable.x0, strip.y1 + STRIP_GAP, printable.x1, printable.y1)
    d = room - halo
    if marks_area.width <= 2 * d or marks_area.height <= 2 * d:
        return None
    region = marks_area.inset(d)
    return Frame(sheet, printable, marks_area, region, strip, halo, duplex)


@dataclass(frozen=True, slots=True)
class Orient:
    """A piece turned by ``rotation`` degrees: ``box`` is its trim box after turning."""

    rotation: float
    turn: Transform
    box: Rect


def orientations(piece: Piece, options: ImposeOptions) -> tuple[Orient, ...]:
    """The piece's allowed turns, in its own order (only the first without rotation)."""
    angles = piece.rotations if options.allow_rotation else piece.rotations[:1]
    return _orientations(angles, piece.outline, piece.width, piece.height)


@lru_cache(maxsize=256)
def _orientations(
    angles: tuple[float, ...], outline: Polygon | None, width: float, height: float
) -> tuple[Orient, ...]:
    """Once per shape: a batch's pieces come in a handful of shapes, each thousands of times."""
    shape = outline or Rect(0.0, 0.0, width, height).polygon()
    out: list[Orient] = []
    for a in angles:
        a = a % 360.0
        if any(math.isclose(o.rotation, a) for o in out):
            continue
        turn = Transform.rotate(a)
        out.append(Orient(a, turn, shape.transform(turn).bbox))
    return tuple(out)


def footprint(piece: Piece, orient: Orient, halo: float) -> tuple[float, float]:
    """The room a turned piece takes in a packing: bleed box plus half a gutter all round."""
    pad = 2 * (piece.bleed + halo)
    return (orient.box.width + pad, orient.box.height + pad)


def place(piece: Piece, orient: Orient, x: float, y: float, halo: float) -> Placement:
    """The placement whose footprint has its lower-left corner at (x, y) (position 0 for now)."""
    tx, ty = x + halo + piece.bleed, y + halo + piece.bleed
    t = (Transform.translate(tx - orient.box.x0, ty - orient.box.y0) @ orient.turn).clean()
    trim = Rect(tx, ty, tx + orient.box.width, ty + orient.box.height)
    return Placement(
        key=piece.key,
        transform=t,
        rotation=orient.rotation,
        trim=trim,
        bleed_box=trim.expand(piece.bleed),
        position=0,
        size=(piece.width, piece.height),
        record=piece.record,
    )


def number_positions(placements: Sequence[Placement]) -> tuple[Placement, ...]:
    """Positions 1..n in reading order: top row first, left to right."""
    ranked = sorted(placements, key=lambda p: (-round(p.trim.y1, 3), round(p.trim.x0, 3), p.key))
    return tuple(replace(p, position=i) for i, p in enumerate(ranked, 1))


def fits(piece: Piece, frame: Frame, options: ImposeOptions) -> bool:
    r = frame.region
    return any(
        w <= r.width + 1e-6 and h <= r.height + 1e-6
        for w, h in (footprint(piece, o, frame.halo) for o in orientations(piece, options))
    )


def check_sizes(pieces: Sequence[Piece], sheet: Sheet, frame: Frame | None, options: ImposeOptions) -> None:
    """Raise ImposeError for the first piece no allowed rotation fits, naming a sheet that holds it."""
    from ..catalog import SHEETS

    for p in pieces:
        if frame is not None and fits(p, frame, options):
            continue
        bigger = next(
            (
                s.name
                for s in sorted(SHEETS, key=lambda s: (s.width * s.height, s.name))
                if (f := frame_for(s, pieces, options)) is not None and fits(p, f, options)
            ),
            None,
        )
        usable = (
            f" (room for {frame.region.width / mm:.0f} x {frame.region.height / mm:.0f} mm"
            " including bleed and gutter)"
            if frame
            else " (its margins leave no room)"
        )
        raise ImposeError(
            f"{p.width / mm:.1f} x {p.height / mm:.1f} mm plus {p.bleed / mm:.1f} mm bleed does not"
            f" fit sheet {sheet.name}{usable} in any allowed rotation",
            where=f"piece {p.key!r}",
            hint=f"the smallest catalog sheet it fits is {bigger}"
            if bigger
            else "no catalog sheet holds it; split the piece or give a custom sheet",
        )


def finish(
    frame: Frame,
    placements: Sequence[Placement],
    pieces: Mapping[str, Piece],
    options: ImposeOptions,
    *,
    number: int,
    total: int,
    stacks: tuple[StackRange, ...] = (),
) -> tuple[SheetPlan, ...]:
    """The side-A plan of one sheet, followed by its side-B plan when a piece has a back."""
    placed = tuple(sorted(placements, key=lambda p: (p.position, p.key)))
    back = frame.duplex is not None and any(pieces[p.key].duplex for p in placed)
    geometry = tuple(
        (p.trim, _keep_out(p, pieces[p.key].bleed), p.transform, pieces[p.key].bleed, pieces[p.key].folds)
        for p in placed
    )
    blank = not back and frame.duplex is not None and options.blank_backs
    marks, back_marks = _sheet_marks(frame, options, geometry, back or blank)
    front = _plan(frame, "A", placed, marks, options, number, total, stacks, None)
    if not (back or blank):
        return (front,)
    assert frame.duplex is not None and back_marks is not None
    f = flip(frame.sheet, frame.duplex)
    backs = tuple(back_of(p, frame.sheet, frame.duplex) for p in placed)
    targets = tuple(Target(f.apply(t.center), t.radius) for t in front.registration)
    plan_b = _plan(frame, "B", backs, back_marks, options, number, total, stacks, targets)
    if blank:  # nothing behind the pieces: the targets and slug keep the pile in order
        plan_b = replace(plan_b, placements=(), marks=())
    return (front, plan_b)


def _keep_out(p: Placement, bleed: float) -> Rect:
    """Where no mark may go near a placement: its bleed box, and for a piece turned by other
    than a right angle the box of its whole bled rectangle too (what is drawn there as one
    form, so what a preflight sees as the piece)."""
    if p.rotation % 90 == 0:
        return p.bleed_box
    w, h = p.size
    corners = [p.transform.apply(Point(x, y)) for x in (-bleed, w + bleed) for y in (-bleed, h + bleed)]
    box = Rect(
        min(c.x for c in corners),
        min(c.y for c in corners),
        max(c.x for c in corners),
        max(c.y for c in corners),
    )
    return box.union(p.bleed_box)


Geometry = tuple[tuple[Rect, Rect, Transform, float, tuple[tuple[Point, Point], ...]], ...]
"""Per placement: trim, bleed box, transform, the piece's bleed and folds."""


@lru_cache(maxsize=64)
def _sheet_marks(
    frame: Frame, options: ImposeOptions, geometry: Geometry, back: bool
) -> tuple[tuple[MarkLine, ...], tuple[MarkLine, ...] | None]:
    """Side A's marks and, for a duplex sheet, side B's: once per sheet geometry (the sheets
    of a cut-and-stack pile, or of a step-and-repeat run, are all alike)."""
    marks = _marks(frame, geometry, options)
    if not back:
        return marks, None
    assert frame.duplex is not None
    f = flip(frame.sheet, frame.duplex)
    return marks, merge_marks(MarkLine(f.apply(m.p0), f.apply(m.p1), m.kind) for m in marks)


def _plan(
    frame: Frame,
    side: Side,
    placed: tuple[Placement, ...],
    marks: tuple[MarkLine, ...],
    options: ImposeOptions,
    number: int,
    total: int,
    stacks: tuple[StackRange, ...],
    targets: tuple[Target, ...] | None,
) -> SheetPlan:
    trim = placed[0].trim
    bleed = placed[0].bleed_box
    for p in placed[1:]:
        trim, bleed = trim.union(p.trim), bleed.union(p.bleed_box)
    registration: tuple[Target, ...] = ()
    bar: tuple[tuple[Rect, str], ...] = ()
    slug = None
    strip = frame.strip
    if strip is not None:
        if side == "B" and frame.duplex is not None:
            strip = _map_rect(flip(frame.sheet, frame.duplex), strip)
        r = strip.height / 2
        mid = strip.center.y
        registration = (
            targets
            if targets is not None
            else (Target(Point(strip.x0 + r, mid), r), Target(Point(strip.x1 - r, mid), r))
        )
        bar = colour_bar(Point(strip.x0 + 2 * r + r, strip.y0), options.spot_inks, patch=strip.height)
        ids = sorted({p.record + 1 for p in placed if p.record is not None})  # 1-based, exact
        x = (bar[-1][0].x1 if bar else strip.x0 + 2 * r) + r
        room = strip.x1 - 3 * r - x
        ranges = tuple((s.number, tuple(r + 1 for r in s.records)) for s in stacks if s.records)
        for listed in (ranges, ()):  # per-stack ranges only while they fit (SheetPlan.stacks has them)
            text = slug_text(
                options.job,
                sheet=number,
                sheets=total,
                side=side,
                ids=ids,
                stacks=listed,
                date=options.date,
            )
            if len(text) * SLUG_EM * SLUG_MIN <= room:
                break
        size = max(SLUG_MIN, min(SLUG_SIZE, room / (SLUG_EM * max(1, len(text)))))
        slug = Slug(text, Point(x, mid - 0.35 * size), size)
    return SheetPlan(
        sheet=frame.sheet,
        number=number,
        total=total,
        side=side,
        placements=placed,
        marks=marks,
        registration=registration,
        colour_bar=bar,
        slug=slug,
        trim_box=trim,
        bleed_box=bleed,
        stacks=stacks,
    )


def _marks(frame: Frame, geometry: Geometry, options: ImposeOptions) -> tuple[MarkLine, ...]:
    """Crop and fold marks of every piece, kept out of every bleed box, one stroke per cut."""
    raw: list[MarkLine] = []
    for trim, _, transform, bleed, folds in geometry:
        gap = _mark_start(bleed, options) - bleed
        raw += crop_marks(trim, bleed=bleed, gap=gap, length=options.mark_length)
        lines = [(transform.apply(a), transform.apply(b)) for a, b in folds]
        raw += fold_marks(trim, lines, bleed=bleed, gap=gap, length=options.mark_length)
    kept = clip_marks(
        raw,
        [bleed_box for _, bleed_box, _, _, _ in geometry],
        within=frame.marks_area,
        clearance=CLEARANCE,
        min_length=min(2 * mm, options.mark_length),
    )
    return merge_marks(kept)


def _mark_start(bleed: float, options: ImposeOptions) -> float:
    """Marks start ``mark_offset`` from the trim, and never inside the bleed."""
    return max(options.mark_offset, bleed)


def _map_rect(t: Transform, r: Rect) -> Rect:
    return Rect.from_points(t.apply(p) for p in r.corners())


def _angle(t: Transform) -> float:
    a = round(t.rotation, 9) % 360.0
    return 0.0 if math.isclose(a, 360.0) else a + 0.0
