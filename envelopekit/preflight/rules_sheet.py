"""Page rules on where things sit: boxes, marks, the safe margin inside cuts, the slug.

TrimBox and BleedBox nested with bleed (item 2); marks in registration colour outside
every piece's trim, not too heavy (item 7); text and QR codes a safe margin inside the
trim and every cut line (item 1); a slug line outside the trim (item 9).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import partial
from typing import Any

from ..geometry import segment_meets_box
from ..units import mm
from .context import TOL, Limits, PageContext, Profile, finding
from .drawn import Box, Event, Paint, Placed, Text
from .measure import (
    colours_of,
    die_of,
    in_mm,
    intersects,
    is_inside,
    is_registration,
    parts_of,
    segments_of,
    where_of,
)
from .report import Finding
from .rules_qr import qr_codes_on


def check_boxes(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule, n = "boxes", page.number
    if page.trim is None:
        yield finding(
            rule,
            "error",
            n,
            "no TrimBox",
            "page dictionary",
            "set TrimBox to the finished piece (the imposed area on a press sheet)",
        )
    if page.bleed is None:
        yield finding(
            rule,
            "error",
            n,
            "no BleedBox",
            "page dictionary",
            f"set BleedBox to the TrimBox plus the bleed ({limits.min_bleed / mm:g} mm)",
        )
    if page.trim is None or page.bleed is None:
        return
    if not is_inside(page.bleed, page.media):
        yield finding(
            rule,
            "error",
            n,
            "BleedBox runs outside MediaBox",
            f"BleedBox {in_mm(page.bleed, page)}",
            "make MediaBox large enough to hold the bleed",
        )
    if not is_inside(page.trim, page.bleed):
        yield finding(
            rule,
            "error",
            n,
            "TrimBox runs outside BleedBox",
            f"TrimBox {in_mm(page.trim, page)}",
            "BleedBox is the TrimBox plus the bleed on every side",
        )
        return
    t, b = page.trim, page.bleed
    bleed = min(t[0] - b[0], t[1] - b[1], b[2] - t[2], b[3] - t[3])
    if bleed < TOL:
        yield finding(
            rule,
            "error",
            n,
            "no bleed: BleedBox is the TrimBox on at least one side",
            f"BleedBox {in_mm(b, page)}",
            f"extend artwork and BleedBox {limits.min_bleed / mm:g} mm past the trim",
        )
    elif bleed < limits.min_bleed - TOL:
        yield finding(
            rule,
            "warning",
            n,
            f"only {bleed / mm:.1f} mm of bleed",
            f"BleedBox {in_mm(b, page)}",
            f"give {limits.min_bleed / mm:g} mm of bleed",
        )


def pieces(page: PageContext) -> list[tuple[Box, Box | None]]:
    """(trim, bleed) of every piece on the page. A page is one piece (its TrimBox and
    BleedBox) unless forms are placed whole inside its BleedBox, as on an imposed sheet:
    then each such form is a piece, its bounding box the piece's bleed (trim unknown)."""
    if page.trim is None:
        return []
    outer = page.bleed or page.trim
    placed = [
        e.bbox
        for e in page.events
        if isinstance(e, Placed) and is_inside(e.bbox, outer) and not is_inside(page.trim, e.bbox)
    ]
    if placed:
        return [(b, None) for b in placed]
    return [(page.trim, page.bleed)]


def check_marks(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule, n = "marks", page.number
    if page.trim is None:
        return
    bleed = page.bleed
    regions = pieces(page)
    for e in page.events:
        colours = colours_of(e)
        if not colours:
            continue
        if any(is_registration(c, limits) for c, _ in colours):
            parts = parts_of(e)
            inside = [b for b in parts for trim, _ in regions if intersects(b, trim)]
            bled = [b for b in parts for _, bl in regions if bl is not None and intersects(b, bl)]
            if inside:
                yield finding(
                    rule,
                    "error",
                    n,
                    f"registration colour {limits.registration} inside a trim "
                    "(it prints on every plate, die plates included)",
                    where_of(e, page, inside[0]),
                    "keep marks and slugs outside the trim and bleed",
                )
            elif bled:
                yield finding(
                    rule,
                    "warning",
                    n,
                    "a mark inside the bleed",
                    where_of(e, page, bled[0]),
                    "start marks outside the bleed (about 3 mm past the trim)",
                )
            if isinstance(e, Paint) and e.op == "stroke" and e.width > limits.max_mark + 1e-3:
                yield finding(
                    rule,
                    "warning",
                    n,
                    f"a {e.width:.2f} pt mark, heavier than {limits.max_mark:g} pt",
                    where_of(e, page, e.bbox),
                    f"draw marks {limits.min_line:g}-{limits.max_mark:g} pt",
                )
        elif (
            isinstance(e, Paint)
            and e.op == "stroke"
            and bleed is not None
            and not die_of(e.colour, limits)
            and not any(intersects(b, bleed, -TOL) for b in e.parts())
        ):
            yield finding(
                rule,
                "warning",
                n,
                f"a line outside the bleed in {e.colour.describe()}, not in "
                f"registration colour {limits.registration}",
                where_of(e, page, e.bbox),
                f"draw crop and fold marks in {limits.registration} so they print on every plate",
            )


def check_safe_margin(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    if page.trim is None:
        return
    trim = page.trim
    inner = (trim[0] + limits.safe, trim[1] + limits.safe, trim[2] - limits.safe, trim[3] - limits.safe)
    cuts: tuple[Any, ...] | None = None
    cuts_id = 0
    items: list[tuple[Event, Box, str]] = [(q.paint, q.box, "QR code") for q in qr_codes_on(page)]
    items += [
        (e, e.bbox, "text")
        for e in page.events
        if isinstance(e, Text)
        and e.visible
        and not any(is_registration(c, limits) or die_of(c, limits) for c, _ in colours_of(e))
    ]
    for e, box, what in items:
        if not intersects(box, trim):
            continue  # a slug or label outside the trim
        if not is_inside(box, trim):
            yield finding(
                "safe-margin",
                "error",
                page.number,
                f"{what} runs across the trim",
                where_of(e, page, box),
                f"keep {what} {limits.safe / mm:g} mm inside the trim",
            )
            continue
        if cuts is None:
            cuts = _cuts(page, limits)
            cuts_id = page.cache.setdefault(("cuts", cuts), len(page.cache))
        key = ("safe", cuts_id, box)
        hit = page.cache.get(key)
        if hit is None:
            hit = page.cache[key] = _nearest_cut(box, cuts, limits.safe)
        if hit == 0.0:
            yield finding(
                "safe-margin",
                "error",
                page.number,
                f"{what} crosses a cut line",
                where_of(e, page, box),
                f"keep {what} {limits.safe / mm:g} mm inside every cut",
            )
        elif hit < limits.safe - TOL or not is_inside(box, inner):
            d = min(hit, box[0] - trim[0], box[1] - trim[1], trim[2] - box[2], trim[3] - box[3])
            yield finding(
                "safe-margin",
                "warning",
                page.number,
                f"{what} {d / mm:.1f} mm from the cut, inside the {limits.safe / mm:g} mm safe margin",
                where_of(e, page, box),
                f"move it at least {limits.safe / mm:g} mm inside the cut",
            )


def _nearest_cut(box: Box, cuts: tuple[Any, ...], safe: float) -> float:
    """The distance from ``box`` to the nearest cut segment, when under ``safe`` (else ``safe``)."""
    x0, y0, x1, y1 = box[0] - safe, box[1] - safe, box[2] + safe, box[3] + safe
    best = safe
    for a, b in cuts:
        if max(a[0], b[0]) < x0 or min(a[0], b[0]) > x1 or max(a[1], b[1]) < y0 or min(a[1], b[1]) > y1:
            continue
        best = min(best, _seg_box_distance(a, b, box))
        if best == 0.0:
            break
    return best


def _cuts(page: PageContext, limits: Limits) -> tuple[tuple[tuple[float, float], tuple[float, float]], ...]:
    segs: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for e in page.events:
        if isinstance(e, Paint) and e.op == "stroke" and limits.cut_ink in e.colour.space.colorants:
            segs += page.memo("segments", e, partial(segments_of, e))
    return tuple(segs)


def _seg_box_distance(a: tuple[float, float], b: tuple[float, float], box: Box) -> float:
    """The distance between segment ab and rectangle ``box`` (0 when they meet)."""
    x0, y0, x1, y1 = box
    if _seg_hits_box(a, b, box):
        return 0.0
    best = min(_point_box(a, box), _point_box(b, box))
    for c in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        best = min(best, _point_seg(c, a, b))
    return best


def _point_box(p: tuple[float, float], box: Box) -> float:
    dx = max(box[0] - p[0], 0.0, p[0] - box[2])
    dy = max(box[1] - p[1], 0.0, p[1] - box[3])
    return math.hypot(dx, dy)


def _point_seg(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    d2 = dx * dx + dy * dy
    t = 0.0 if d2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / d2))
    return math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy)


def _seg_hits_box(a: tuple[float, float], b: tuple[float, float], box: Box) -> bool:
    """Does segment ab cross the rectangle?"""
    return segment_meets_box(a, b, box)


def check_slug(page: PageContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    if page.trim is None:
        return
    for e in page.events:
        if isinstance(e, Text) and e.visible and not intersects(e.bbox, page.trim, -TOL):
            return
    yield finding(
        "slug",
        "warning",
        page.number,
        "no slug line outside the trim",
        "page",
        "print job, sheet, side and records outside the trim, so the operator can check every sheet",
    )
