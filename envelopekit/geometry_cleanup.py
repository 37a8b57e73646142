"""Cut-path clean-up: merging segments too short for a cutting die or plotter.

:func:`merge_short_segments` replaces each short segment, with its neighbours, by
whichever chain of lines moves the outline least (a dropped corner, lines carried
on to meet, a bridge, a shrink to the middle), within a tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from .geometry_paths import Cubic, Line, Path, Segment
from .geometry_plane import EPS, Point

__all__ = ["merge_short_segments"]


def merge_short_segments(path: Path, min_length: float, tolerance: float) -> Path:
    """``path`` with no segment shorter than ``min_length``, moving the outline as
    little as it can. A short line between two lines is merged into one of them (its
    corner dropped), or they are carried on to meet in its place, or joined by a bridge
    ``min_length`` long, or it shrinks to its middle: whichever moves the outline
    least, if that is within ``tolerance`` (or within half the short line, which
    shrinking to its middle always is, when nothing else comes closer). A short curve
    within ``tolerance`` of its chord becomes a line first; a short line beside a curve
    shrinks to its middle if that is within ``tolerance``. Anything else stays."""
    segs: list[Segment] = list(path.segments)
    done: set[tuple[Point, Point]] = set()  # short segments already found unmergeable
    while len(segs) > 3:
        short = [i for i, s in enumerate(segs) if _shorter(s, min_length) and _ends(s) not in done]
        if not short:
            break
        i = min(short, key=lambda k: (segs[k].length(), k))
        m = len(segs)
        new = _merge([segs[i - 1], segs[i], segs[(i + 1) % m]], min_length, tolerance)
        if new is None:
            done.add(_ends(segs[i]))
            continue
        if i == 0:  # the window wraps round the path's start: start the path at it
            segs = [*new, *segs[2 : m - 1]]
        elif i == m - 1:
            segs = [*new, *segs[1 : m - 2]]
        else:
            segs = [*segs[: i - 1], *new, *segs[i + 2 :]]
    return Path(tuple(segs))


def _shorter(s: Segment, length: float) -> bool:
    """Is ``s`` shorter than ``length``? (A curve is no shorter than its chord.)"""
    a, b = _ends(s)
    return a.distance(b) < length and s.length() < length


def _ends(s: Segment) -> tuple[Point, Point]:
    return (s.p0, s.p1 if isinstance(s, Line) else s.p3)


def _merge(window: list[Segment], min_length: float, tolerance: float) -> list[Segment] | None:
    """Segments to put in place of ``window`` (before, short, after), or None."""
    prev, s, nxt = window
    if isinstance(s, Cubic):
        if max(_seg_distance(q, s.p0, s.p3) for q in s.flatten(tolerance / 10)) <= tolerance:
            return [prev, Line(s.p0, s.p3), nxt]
        return None
    p, q = s.p0, s.p1
    if not (isinstance(prev, Line) and isinstance(nxt, Line)):
        if s.length() / 2 <= tolerance:  # a curve on either side: shrink to the middle
            mid = p.lerp(q, 0.5)
            return [_with_end(prev, mid), _with_start(nxt, mid)]
        return None
    a, b = prev.p0, nxt.p1
    for u, v, w in ((a, p, q), (p, q, b)):  # straight on through a corner: drop it
        if abs((w - u).cross(v - u)) <= EPS * (w - u).length() and (v - u).dot(w - v) > 0:
            return [Line(a, q), nxt] if v == p else [prev, Line(p, b)]
    old = [a, p, q, b]
    centre, radius = p.lerp(q, 0.5), 1.5 * min_length
    chains: list[list[Point]] = [[a, q, b], [a, p, b]]
    x = _line_meet(a, p, q, b)
    if x is not None and x.distance(centre) <= 2 * min_length:
        chains.append([a, x, b])
    for k in range(5):
        bridge = _bridge(a, p, q, b, min_length * (1 + 1e-9), k / 4)
        if bridge is not None:
            chains.append([a, *bridge, b])
    chains.append([a, p.lerp(q, 0.5), b])
    scored = [
        (dev, n)
        for n, c in enumerate(chains)
        for dev in (_chain_deviation(old, c, centre, radius),)
        # a neighbour left short in turn would move the outline again: only when this moved nothing
        if dev <= EPS or min(c[0].distance(c[1]), c[-2].distance(c[-1])) >= min_length
    ]
    if not scored:
        return None
    dev, best = min(scored)
    if dev > tolerance and dev > s.length() / 2:
        return None
    return [Line(u, v) for u, v in pairwise(chains[best])]


def _bridge(
    a: Point, p: Point, q: Point, b: Point, length: float, share: float
) -> tuple[Point, Point] | None:
    """Points u on a-p and v on q-b that leave u-v ``length`` long, ``share`` of the
    way along taken back from p and the rest on from q, as close to p and q as that
    allows; None if the lines are too short for it."""
    d1, d2 = p - a, b - q
    n1, n2 = d1.length(), d2.length()
    if n1 <= EPS or n2 <= EPS:
        return None
    u1, u2 = d1 * (share / n1), d2 * ((1 - share) / n2)
    # |(q - p) + (u1 + u2) t| = length: the smallest t >= 0 that solves it
    w, v = q - p, u1 + u2
    vv, wv, ww = v.dot(v), w.dot(v), w.dot(w)
    disc = wv * wv - vv * (ww - length * length)
    if vv <= EPS or disc < 0:
        return None
    t = (-wv + math.sqrt(disc)) / vv
    if t < 0 or share * t > n1 - length or (1 - share) * t > n2 - length:
        return None
    return p - u1 * t, q + u2 * t


def _chain_deviation(old: Sequence[Point], new: Sequence[Point], centre: Point, radius: float) -> float:
    """How far apart two polylines with the same ends are (both ways), judged from
    points sampled on them within ``radius`` of ``centre``, where they differ."""
    cx, cy = centre.x, centre.y
    o = [(v.x, v.y) for v in old]
    n = [(v.x, v.y) for v in new]

    def samples(chain: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out = []
        for (ax, ay), (bx, by) in pairwise(chain):
            ex, ey = bx - ax, by - ay
            ee = ex * ex + ey * ey
            if ee <= EPS * EPS:
                out.append((ax, ay))
                continue
            # the part of a-b within radius of centre: |a + t e - c|^2 <= r^2
            fx, fy = ax - cx, ay - cy
            half = (fx * ex + fy * ey) / ee
            disc = half * half - (fx * fx + fy * fy - radius * radius) / ee
            if disc < 0:
                continue
            r = math.sqrt(disc)
            t0, t1 = max(0.0, -half - r), min(1.0, -half + r)
            for k in range(9):
                t = t0 + (t1 - t0) * k / 8
                out.append((ax + ex * t, ay + ey * t))
        return out

    def far(points: list[tuple[float, float]], chain: list[tuple[float, float]]) -> float:
        segs = [
            (ax, ay, bx - ax, by - ay, (bx - ax) ** 2 + (by - ay) ** 2)
            for (ax, ay), (bx, by) in pairwise(chain)
        ]
        worst = 0.0
        for px, py in points:
            near = math.inf
            for ax, ay, ex, ey, ee in segs:
                t = ((px - ax) * ex + (py - ay) * ey) / ee if ee else 0.0
                t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
                dx, dy = px - ax - ex * t, py - ay - ey * t
                d = dx * dx + dy * dy
                if d < near:
                    near = d
            if near > worst:
                worst = near
        return math.sqrt(worst)

    return max(far(samples(o), n), far(samples(n), o))


def _with_start(s: Segment, p: Point) -> Segment:
    """``s`` starting at ``p`` instead (a curve's first control point moves with it)."""
    if isinstance(s, Line):
        return Line(p, s.p1)
    return Cubic(p, s.p1 + (p - s.p0), s.p2, s.p3)


def _with_end(s: Segment, p: Point) -> Segment:
    if isinstance(s, Line):
        return Line(s.p0, p)
    return Cubic(s.p0, s.p1, s.p2 + (p - s.p3), p)


def _line_meet(a: Point, b: Point, c: Point, d: Point) -> Point | None:
    """Where the ray a -> b carried on meets the line through c and d, if they meet
    ahead of a and behind d (so neither line turns back)."""
    u, v = b - a, d - c
    den = u.cross(v)
    if abs(den) <= EPS * u.length() * v.length():
        return None
    t = (c - a).cross(v) / den
    x = a + u * t
    if t <= 0 or (d - x).dot(v) <= 0:
        return None
    return x


def _seg_distance(p: Point, a: Point, b: Point) -> float:
    ab = b - a
    n2 = ab.dot(ab)
    t = 0.0 if n2 == 0 else max(0.0, min(1.0, (p - a).dot(ab) / n2))
    return p.distance(a + ab * t)
