"""Offsetting a polygon outward: the bands that grow an outline (bleed, glue margins).

The bands are convex polygons beside the outline's edges, with mitred or rounded
joins, so that a nonzero clip of the outline and all of them is the grown outline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .geometry_plane import EPS, Point, Polygon, Transform

__all__ = ["outward_bands"]


def _cut_spans(
    a: Point, b: Point, skip: Sequence[tuple[Point, Point]], tol: float
) -> list[tuple[float, float]]:
    """The parts [t0, t1] of edge ab (t from 0 at a to 1 at b) that no ``skip`` segment
    covers: a skip segment covers what of ab lies on it, within ``tol``."""
    e = b - a
    n2 = e.dot(e)
    spans = [(0.0, 1.0)]
    for p, q in skip:
        d = q - p
        dn = d.length()
        if dn <= EPS or abs(d.cross(a - p)) / dn > tol or abs(d.cross(b - p)) / dn > tol:
            continue  # not on this edge's line
        s0, s1 = sorted(((p - a).dot(e) / n2, (q - a).dot(e) / n2))
        pad = tol / math.sqrt(n2)
        s0, s1 = s0 - pad, s1 + pad
        spans = [
            piece
            for t0, t1 in spans
            for piece in ((t0, min(t1, s0)), (max(t0, s1), t1))
            if piece[1] - piece[0] > pad
        ]
    return spans


def outward_bands(
    poly: Polygon,
    width: float,
    *,
    skip: Sequence[tuple[Point, Point]] = (),
    miter_limit: float = 15.0,
    step: float = 7.5,
    tol: float = 0.01,
) -> tuple[Polygon, ...]:
    """Convex polygons that cover every point within ``width`` outside the edges of
    ``poly``, except the parts of its edges lying on a ``skip`` segment (within ``tol``):
    together with ``poly`` they make the outline grown by ``width`` along those edges.

    One band per edge part; where two banded edges meet at a convex corner the join is
    mitred (turns up to ``miter_limit`` degrees, so the band reaches at most
    ``width / cos(miter_limit / 2)``) or rounded (a fan of chords at most ``step``
    degrees apart, never beyond ``width``), so a flattened curve's bands leave no wedge
    between them. A corner next to a skipped part gets no join: nothing reaches past
    the skipped edge's line from there. Every band is wound like ``poly``, so a
    nonzero clip of ``poly`` and all of them is their union."""
    pts = [p for i, p in enumerate(poly.points) if not p.isclose(poly.points[i - 1])]
    n = len(pts)
    if n < 3 or width <= 0:
        return ()
    ccw = Polygon(tuple(pts)).signed_area > 0
    edges = [(pts[i], pts[(i + 1) % n]) for i in range(n)]
    normals = []
    for a, b in edges:
        e = b - a
        k = width / e.length()
        normals.append(Point(e.y * k, -e.x * k) if ccw else Point(-e.y * k, e.x * k))
    spans = [_cut_spans(a, b, skip, tol) for a, b in edges]
    offsets_in, offsets_out, fans = _joins(pts, normals, spans, ccw, width, miter_limit, step)
    bands: list[Polygon] = []
    for i, (a, b) in enumerate(edges):
        for t0, t1 in spans[i]:
            p, q = a.lerp(b, t0), a.lerp(b, t1)
            op = offsets_in[i] if t0 <= 1e-9 else normals[i]
            oq = offsets_out[i] if t1 >= 1.0 - 1e-9 else normals[i]
            bands.append(Polygon((p, q, q + oq, p + op)))
    return tuple(b if (b.signed_area > 0) == ccw else Polygon(b.points[::-1]) for b in (*bands, *fans))


def _joins(
    pts: Sequence[Point],
    normals: Sequence[Point],
    spans: Sequence[list[tuple[float, float]]],
    ccw: bool,
    width: float,
    miter_limit: float,
    step: float,
) -> tuple[list[Point], list[Point], list[Polygon]]:
    """outward_bands' convex corners: the offsets each edge's band takes at its start
    and at its end (mitred at a corner that turns up to ``miter_limit``, else the
    edge's own normal) and the fans that round the sharper corners."""
    # Corner i joins edge i - 1 (arriving) and edge i (leaving) at pts[i].
    offsets_in = list(normals)  # offset used at the start of edge i
    offsets_out = list(normals)  # offset used at the end of edge i
    fans: list[Polygon] = []
    for i in range(len(pts)):
        j = i - 1
        if not (spans[j] and spans[j][-1][1] >= 1.0 - 1e-9 and spans[i] and spans[i][0][0] <= 1e-9):
            continue
        n1, n2 = normals[j], normals[i]
        turn = math.degrees(math.atan2(n1.cross(n2), n1.dot(n2)))
        if not ccw:
            turn = -turn
        if turn <= 1e-9:
            continue  # straight on, or a reflex corner: the two bands overlap there
        v = pts[i]
        if turn <= miter_limit:
            bis = n1 + n2
            miter = bis * (width / bis.length() / math.cos(math.radians(turn / 2)))
            offsets_out[j] = offsets_in[i] = miter
            continue
        k = math.ceil(turn / step)
        sign = 1.0 if ccw else -1.0
        fan = [v]
        for s in range(k + 1):
            fan.append(v + Transform.rotate(sign * turn * s / k).apply(n1))
        fans.append(Polygon(tuple(fan)))
    return offsets_in, offsets_out, fans
