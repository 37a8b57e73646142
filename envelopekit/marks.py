"""Printer's marks as geometry: crop and fold marks, registration targets, colour bar, slug.

Marks are computed, never drawn, here: the renderer strokes what these functions
return. Every mark lies outside the trim plus bleed, so a cut never shows one;
on an imposed sheet :func:`clip_marks` keeps them out of the neighbours too and
:func:`merge_marks` draws a cut shared by two pieces once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .geometry import Point, Rect
from .units import mm

__all__ = [
    "MARK_WIDTH",
    "PROCESS_INKS",
    "MarkLine",
    "Slug",
    "Target",
    "clip_marks",
    "colour_bar",
    "crop_marks",
    "fold_marks",
    "id_runs",
    "mark_extent",
    "merge_marks",
    "registration_target",
    "slug_text",
]

MARK_WIDTH = 0.25  # points; PRINT.md: 0.25 pt, never heavier than 0.5
MarkKind = Literal["crop", "fold", "registration"]
PROCESS_INKS = ("Cyan", "Magenta", "Yellow", "Black")
"""Process separations in the order a colour bar shows them (PDF separation names)."""


@dataclass(frozen=True, slots=True)
class MarkLine:
    """A mark stroke from p0 to p1; fold marks are drawn dashed."""

    p0: Point
    p1: Point
    kind: MarkKind = "crop"


def crop_marks(
    trim: Rect, *, bleed: float = 3 * mm, gap: float = 0.0, length: float = 5 * mm
) -> tuple[MarkLine, ...]:
    """Eight crop marks on the extensions of the trim edges.

    They start ``bleed + gap`` outside the trim (so never inside the bleed) and run
    ``length`` outwards, two at each corner.
    """
    start = bleed + gap
    marks = []
    for x, sx in ((trim.x0, -1), (trim.x1, 1)):
        for y, sy in ((trim.y0, -1), (trim.y1, 1)):
            # vertical mark on the extension of the vertical edge at x
            marks.append(MarkLine(Point(x, y + sy * start), Point(x, y + sy * (start + length))))
            # horizontal mark on the extension of the horizontal edge at y
            marks.append(MarkLine(Point(x + sx * start, y), Point(x + sx * (start + length), y)))
    return tuple(marks)


def fold_marks(
    trim: Rect,
    folds: Iterable[tuple[Point, Point]],
    *,
    bleed: float = 3 * mm,
    gap: float = 0.0,
    length: float = 5 * mm,
) -> tuple[MarkLine, ...]:
    """Dashed marks on the extension of each fold line, outside the trim and bleed.

    A fold line is extended both ways until it leaves ``trim`` expanded by
    ``bleed + gap``; each mark then runs ``length`` further along the same line.
    Lines already marked (collinear with an earlier fold, such as the two halves of a
    crease interrupted by a cut) are marked once.
    """
    outer = trim.expand(bleed + gap)
    seen: list[tuple[Point, Point]] = []
    marks: list[MarkLine] = []
    for p0, p1 in folds:
        d = p1 - p0
        n = d.length()
        if n == 0:
            continue
        u = d * (1 / n)
        if any(_collinear(p0, u, q0, q1) for q0, q1 in seen):
            continue
        seen.append((p0, p1))
        for direction in (u, u * -1):
            t = _exit_distance(p0, direction, outer)
            if t is None:
                continue
            a = p0 + direction * t
            marks.append(MarkLine(a, a + direction * length, "fold"))
    return tuple(marks)


def mark_extent(*, bleed: float = 3 * mm, gap: float = 0.0, length: float = 5 * mm) -> float:
    """How far beyond the trim the marks reach: the room a page needs around a piece."""
    return bleed + gap + length


def _collinear(p: Point, u: Point, q0: Point, q1: Point, tol: float = 1e-3) -> bool:
    d = q1 - q0
    n = d.length()
    if n == 0:
        return False
    v = d * (1 / n)
    return abs(u.cross(v)) < 1e-6 and abs(u.cross(q0 - p)) < tol


def _exit_distance(p: Point, u: Point, box: Rect) -> float | None:
    """Distance along the ray p + t*u (t >= 0) at which it leaves ``box``."""
    ts = []
    for lo, hi, pv, uv in ((box.x0, box.x1, p.x, u.x), (box.y0, box.y1, p.y, u.y)):
        if abs(uv) < 1e-12:
            if not lo <= pv <= hi:
                return None
            continue
        ts.append(max((lo - pv) / uv, (hi - pv) / uv))
    t = min(ts) if ts else None
    if t is None or t < 0 or not math.isfinite(t):
        return None
    return t


# --- sheet marks: registration targets, colour bar, slug ---------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A registration target: front and back targets print at the same physical spot."""

    center: Point
    radius: float


@dataclass(frozen=True, slots=True)
class Slug:
    """One line of job information outside the trim: ``text`` set from baseline ``at``."""

    text: str
    at: Point
    size: float


def registration_target(center: Point, radius: float, *, segments: int = 32) -> tuple[MarkLine, ...]:
    """A circle of ``radius`` with a cross through it, as straight strokes.

    Chords instead of a curve so every mark is a MarkLine the renderer already
    strokes; 32 chords stay within 0.5 % of the radius of a true circle. Nothing
    reaches beyond ``radius`` from the centre.
    """
    cx, cy = center.x, center.y
    lines = [
        MarkLine(Point(cx - radius, cy), Point(cx + radius, cy), "registration"),
        MarkLine(Point(cx, cy - radius), Point(cx, cy + radius), "registration"),
    ]
    ring = [
        Point(
            cx + radius * math.cos(2 * math.pi * i / segments),
            cy + radius * math.sin(2 * math.pi * i / segments),
        )
        for i in range(segments)
    ]
    lines += [MarkLine(ring[i], ring[(i + 1) % segments], "registration") for i in range(segments)]
    return tuple(lines)


def colour_bar(
    origin: Point, spot_inks: Sequence[str] = (), *, patch: float = 5 * mm
) -> tuple[tuple[Rect, str], ...]:
    """Solid patches left to right from ``origin``: C, M, Y, K, then each spot ink.

    Inks are named as PDF separations ("Cyan" ... "Black", then e.g. "CutContour"),
    so the renderer fills each patch with 100 % of exactly that separation and the
    press can check every plate, die lines included.
    """
    inks = list(PROCESS_INKS) + [i for i in spot_inks if i not in PROCESS_INKS]
    return tuple(
        (Rect.from_size(origin.x + k * patch, origin.y, patch, patch), ink) for k, ink in enumerate(inks)
    )


def slug_text(
    job: str,
    *,
    sheet: int,
    sheets: int,
    side: str,
    records: tuple[int, int] | None = None,
    stacks: Sequence[tuple[int, Sequence[int]]] = (),
    date: str = "",
    ids: Sequence[int] = (),
) -> str:
    """The slug line: job, sheet n of m, side, records, stacks, date.

    ``ids`` are the exact (1-based) record numbers on the sheet, written as runs
    ("records 1, 6" for a sheet holding only those two, "records 1-3, 7"); ``records``
    is an inclusive range, for callers that know the sheet holds every record in it.

    ``stacks`` lists (stack number, its exact record numbers) for cut-and-stack sheets,
    written as runs, so the operator can check each pile before it is stacked. The date is
    passed in (never read from the clock) so output stays reproducible.
    """
    parts = [job, f"sheet {sheet} of {sheets}", f"side {side}"]
    if ids:
        parts.append(("record " if len(ids) == 1 else "records ") + id_runs(ids))
    elif records is not None:
        a, b = records
        parts.append(f"record {a}" if a == b else f"records {a}-{b}")
    if stacks:
        parts.append("stacks " + ", ".join(f"{n}: {id_runs(ids)}" for n, ids in stacks))
    if date:
        parts.append(date)
    return "  |  ".join(p for p in parts if p)


def id_runs(ids: Iterable[int]) -> str:
    """Sorted distinct numbers as runs: (1, 2, 3, 7) -> "1-3, 7"; never a range with a gap."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(set(ids)):
        if run and n != run[-1] + 1:
            out.append(f"{run[0]}" if len(run) == 1 else f"{run[0]}-{run[-1]}")
            run = []
        run.append(n)
    if run:
        out.append(f"{run[0]}" if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(out)


# --- clipping and merging ------------------------------------------------------------------


def clip_marks(
    marks: Iterable[MarkLine],
    keep_out: Sequence[Rect],
    *,
    within: Rect | None = None,
    clearance: float = 0.0,
    min_length: float = 0.0,
) -> tuple[MarkLine, ...]:
    """Shorten marks so they stay out of every ``keep_out`` box and inside ``within``.

    On a sheet a mark must not run into a neighbour's trim or bleed. Each mark
    keeps the first stretch, counted from ``p0`` (the end nearest its own trim), that
    stays ``clearance`` away from every keep-out box and is at least ``min_length``
    long; a mark left with nothing usable is dropped.
    """
    boxes = [r.expand(clearance) for r in keep_out]
    out: list[MarkLine] = []
    for m in marks:
        n = m.p0.distance(m.p1)
        if n == 0:
            continue
        lo_x, hi_x = min(m.p0.x, m.p1.x), max(m.p0.x, m.p1.x)
        lo_y, hi_y = min(m.p0.y, m.p1.y), max(m.p0.y, m.p1.y)
        blocked = [
            iv
            for r in boxes
            if r.x0 < hi_x and lo_x < r.x1 and r.y0 < hi_y and lo_y < r.y1  # cheap reject first
            if (iv := _inside_interval(m.p0, m.p1, r, strict=True))
        ]
        free = _subtract([(0.0, 1.0)], blocked)
        if within is not None:
            inside = _inside_interval(m.p0, m.p1, within, strict=False)
            free = _intersect(free, inside)
        for t0, t1 in free:
            if (t1 - t0) * n >= max(min_length, 1e-9):
                out.append(MarkLine(m.p0.lerp(m.p1, t0), m.p0.lerp(m.p1, t1), m.kind))
                break
    return tuple(out)


def merge_marks(marks: Iterable[MarkLine], tol: float = 0.01) -> tuple[MarkLine, ...]:
    """Collinear marks of one kind that overlap or touch become one stroke.

    Two pieces that share a cut would otherwise stroke the same line twice (which a
    RIP draws heavier); the result is sorted, so equal inputs give equal output.
    """
    lines: dict[tuple[MarkKind, float, float, int], list[tuple[float, float, float]]] = {}
    for m in marks:
        d = m.p1 - m.p0
        n = d.length()
        if n <= tol:
            continue
        u = d * (1 / n)
        if u.x < -1e-12 or (abs(u.x) <= 1e-12 and u.y < 0):
            u = u * -1
        # snap the direction so float noise does not split one line into two keys
        u = Point(round(u.x, 9) + 0.0, round(u.y, 9) + 0.0)
        offset = u.cross(m.p0)
        t0, t1 = sorted((u.dot(m.p0), u.dot(m.p1)))
        lines.setdefault((m.kind, u.x, u.y, round(offset / tol)), []).append((t0, t1, offset))
    out: list[MarkLine] = []
    for (kind, ux, uy, _), spans in sorted(lines.items()):
        u = Point(ux, uy)
        spans.sort()
        base = Point(-uy, ux) * spans[0][2]  # the line itself, through the first stroke
        merged: list[list[float]] = []
        for a, b, _off in spans:
            if merged and a <= merged[-1][1] + tol:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out.extend(MarkLine(base + u * a, base + u * b, kind) for a, b in merged)
    return tuple(out)


def _inside_interval(p0: Point, p1: Point, box: Rect, *, strict: bool) -> tuple[float, float] | None:
    """Parameter range [t0, t1] of segment p0p1 inside ``box`` (Liang-Barsky), or None.

    ``strict`` ignores a segment that only runs along or touches the boundary.
    """
    t0, t1 = 0.0, 1.0
    d = p1 - p0
    for pv, dv, lo, hi in ((p0.x, d.x, box.x0, box.x1), (p0.y, d.y, box.y0, box.y1)):
        if abs(dv) < 1e-12:
            if strict and not lo < pv < hi:
                return None
            if not lo - 1e-9 <= pv <= hi + 1e-9:
                return None
            continue
        a, b = (lo - pv) / dv, (hi - pv) / dv
        if a > b:
            a, b = b, a
        t0, t1 = max(t0, a), min(t1, b)
    if t1 < t0 or (strict and t1 - t0 <= 1e-12):
        return None
    return (t0, t1)


def _subtract(
    spans: list[tuple[float, float]], holes: Iterable[tuple[float, float]]
) -> list[tuple[float, float]]:
    for h0, h1 in holes:
        nxt: list[tuple[float, float]] = []
        for a, b in spans:
            if h1 <= a or h0 >= b:
                nxt.append((a, b))
                continue
            if h0 > a:
                nxt.append((a, h0))
            if h1 < b:
                nxt.append((h1, b))
        spans = nxt
    return spans


def _intersect(
    spans: list[tuple[float, float]], window: tuple[float, float] | None
) -> list[tuple[float, float]]:
    if window is None:
        return []
    w0, w1 = window
    return [(max(a, w0), min(b, w1)) for a, b in spans if min(b, w1) > max(a, w0)]
