"""Plane geometry in points: value types that every other module builds on.

Coordinates are PostScript points, origin bottom-left, y up; angles are degrees
counter-clockwise. Everything here is immutable and free of any PDF library.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = [
    "EPS",
    "Cubic",
    "Line",
    "Path",
    "Point",
    "Polygon",
    "Rect",
    "Segment",
    "Transform",
    "isclose",
    "merge_short_segments",
    "outward_bands",
    "segments_intersect",
]

EPS = 1e-6
"""Tolerance for geometric equality, in points (far below anything a press can hold)."""


def isclose(a: float, b: float, tol: float = EPS) -> bool:
    """Absolute comparison: lengths in points need an absolute tolerance, not a relative one."""
    return abs(a - b) <= tol


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float

    def __add__(self, other: Point) -> Point:
        return Point(self.x + other.x, self.y + other.y)

    def __sub__(self, other: Point) -> Point:
        return Point(self.x - other.x, self.y - other.y)

    def __mul__(self, k: float) -> Point:
        return Point(self.x * k, self.y * k)

    __rmul__ = __mul__

    def __iter__(self) -> Iterator[float]:
        yield self.x
        yield self.y

    def dot(self, other: Point) -> float:
        return self.x * other.x + self.y * other.y

    def cross(self, other: Point) -> float:
        return self.x * other.y - self.y * other.x

    def length(self) -> float:
        return math.hypot(self.x, self.y)

    def distance(self, other: Point) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)

    def lerp(self, other: Point, t: float) -> Point:
        return Point(self.x + (other.x - self.x) * t, self.y + (other.y - self.y) * t)

    def isclose(self, other: Point, tol: float = EPS) -> bool:
        return isclose(self.x, other.x, tol) and isclose(self.y, other.y, tol)


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned rectangle; always normalised (x0 <= x1, y0 <= y1)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        if self.x0 > self.x1 or self.y0 > self.y1:
            raise ValueError(f"Rect corners out of order: {self}; use Rect.from_points")

    @classmethod
    def from_size(cls, x: float, y: float, width: float, height: float) -> Rect:
        return cls(x, y, x + width, y + height)

    @classmethod
    def from_points(cls, points: Iterable[Point]) -> Rect:
        xs, ys = [], []
        for p in points:
            xs.append(p.x)
            ys.append(p.y)
        if not xs:
            raise ValueError("Rect.from_points needs at least one point")
        return cls(min(xs), min(ys), max(xs), max(ys))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def size(self) -> tuple[float, float]:
        return (self.width, self.height)

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> Point:
        return Point((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    @property
    def origin(self) -> Point:
        return Point(self.x0, self.y0)

    def corners(self) -> tuple[Point, Point, Point, Point]:
        """Counter-clockwise from bottom-left."""
        return (
            Point(self.x0, self.y0),
            Point(self.x1, self.y0),
            Point(self.x1, self.y1),
            Point(self.x0, self.y1),
        )

    def expand(self, d: float) -> Rect:
        """Grow (or, with d < 0, shrink) by d on every side."""
        return Rect(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d)

    def inset(self, d: float) -> Rect:
        return self.expand(-d)

    def translate(self, dx: float, dy: float) -> Rect:
        return Rect(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def contains_point(self, p: Point, tol: float = EPS) -> bool:
        return self.x0 - tol <= p.x <= self.x1 + tol and self.y0 - tol <= p.y <= self.y1 + tol

    def contains(self, other: Rect, tol: float = EPS) -> bool:
        return (
            self.x0 - tol <= other.x0
            and self.y0 - tol <= other.y0
            and other.x1 <= self.x1 + tol
            and other.y1 <= self.y1 + tol
        )

    def intersects(self, other: Rect, tol: float = EPS) -> bool:
        """True when the interiors overlap (touching edges do not count)."""
        return (
            self.x0 < other.x1 - tol
            and other.x0 < self.x1 - tol
            and self.y0 < other.y1 - tol
            and other.y0 < self.y1 - tol
        )

    def union(self, other: Rect) -> Rect:
        return Rect(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def polygon(self) -> Polygon:
        return Polygon(self.corners())

    def isclose(self, other: Rect, tol: float = EPS) -> bool:
        return all(isclose(a, b, tol) for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True))

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True, slots=True)
class Transform:
    """An affine map in PDF's convention: x' = a*x + c*y + e, y' = b*x + d*y + f.

    ``t1 @ t2`` is the map that applies ``t2`` first, then ``t1`` (matrix product).
    """

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 1.0
    e: float = 0.0
    f: float = 0.0

    @classmethod
    def identity(cls) -> Transform:
        return cls()

    @classmethod
    def translate(cls, dx: float, dy: float) -> Transform:
        return cls(1.0, 0.0, 0.0, 1.0, dx, dy)

    @classmethod
    def scale(cls, sx: float, sy: float | None = None) -> Transform:
        return cls(sx, 0.0, 0.0, sx if sy is None else sy, 0.0, 0.0)

    @classmethod
    def rotate(cls, degrees: float, about: Point | None = None) -> Transform:
        """Counter-clockwise rotation; exact for multiples of 90 degrees."""
        quarter = degrees / 90.0
        if quarter.is_integer():
            cos, sin = ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))[int(quarter) % 4]
        else:
            r = math.radians(degrees)
            cos, sin = math.cos(r), math.sin(r)
        t = cls(cos, sin, -sin, cos, 0.0, 0.0)
        if about is not None:
            t = cls.translate(about.x, about.y) @ t @ cls.translate(-about.x, -about.y)
        return t

    @classmethod
    def mirror(cls, p: Point, q: Point) -> Transform:
        """Reflection across the line through p and q (a fold, seen flat)."""
        dx, dy = q.x - p.x, q.y - p.y
        n = dx * dx + dy * dy
        if n == 0:
            raise ValueError("mirror needs two distinct points")
        a = (dx * dx - dy * dy) / n
        b = 2 * dx * dy / n
        t = cls(a, b, b, -a, 0.0, 0.0)
        return cls.translate(p.x, p.y) @ t @ cls.translate(-p.x, -p.y)

    @classmethod
    def mirror_x(cls, x: float) -> Transform:
        """Reflection across the vertical line at x (left and right swap)."""
        return cls(-1.0, 0.0, 0.0, 1.0, 2 * x, 0.0)

    @classmethod
    def mirror_y(cls, y: float) -> Transform:
        """Reflection across the horizontal line at y (top and bottom swap)."""
        return cls(1.0, 0.0, 0.0, -1.0, 0.0, 2 * y)

    def __matmul__(self, o: Transform) -> Transform:
        return Transform(
            self.a * o.a + self.c * o.b,
            self.b * o.a + self.d * o.b,
            self.a * o.c + self.c * o.d,
            self.b * o.c + self.d * o.d,
            self.a * o.e + self.c * o.f + self.e,
            self.b * o.e + self.d * o.f + self.f,
        )

    @property
    def determinant(self) -> float:
        return self.a * self.d - self.b * self.c

    @property
    def is_mirroring(self) -> bool:
        return self.determinant < 0

    @property
    def rotation(self) -> float:
        """The rotation part in degrees (meaningful for rigid maps)."""
        return math.degrees(math.atan2(self.b, self.a)) % 360.0

    def inverse(self) -> Transform:
        det = self.determinant
        if det == 0:
            raise ValueError("transform is not invertible")
        a, b, c, d = self.d / det, -self.b / det, -self.c / det, self.a / det
        return Transform(a, b, c, d, -(a * self.e + c * self.f), -(b * self.e + d * self.f))

    def apply(self, p: Point) -> Point:
        return Point(self.a * p.x + self.c * p.y + self.e, self.b * p.x + self.d * p.y + self.f)

    __call__ = apply

    def apply_rect(self, r: Rect) -> Polygon:
        return Polygon(tuple(self.apply(p) for p in r.corners()))

    def as_tuple(self) -> tuple[float, float, float, float, float, float]:
        return (self.a, self.b, self.c, self.d, self.e, self.f)

    def isclose(self, other: Transform, tol: float = EPS) -> bool:
        return all(isclose(x, y, tol) for x, y in zip(self.as_tuple(), other.as_tuple(), strict=True))

    def clean(self, digits: int = 9) -> Transform:
        """Round away float noise so output stays byte-identical across platforms."""
        return Transform(*(round(v, digits) + 0.0 for v in self.as_tuple()))


def segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point, tol: float = EPS) -> bool:
    """Do closed segments p1p2 and q1q2 share a point (including touching and overlap)?"""

    def orient(a: Point, b: Point, c: Point) -> int:
        v = (b - a).cross(c - a)
        return 0 if abs(v) <= tol else (1 if v > 0 else -1)

    def on_segment(a: Point, b: Point, c: Point) -> bool:
        return (
            min(a.x, b.x) - tol <= c.x <= max(a.x, b.x) + tol
            and min(a.y, b.y) - tol <= c.y <= max(a.y, b.y) + tol
        )

    o1, o2 = orient(p1, p2, q1), orient(p1, p2, q2)
    o3, o4 = orient(q1, q2, p1), orient(q1, q2, p2)
    if o1 * o2 < 0 and o3 * o4 < 0:  # a proper crossing
        return True
    if o1 == 0 and on_segment(p1, p2, q1):
        return True
    if o2 == 0 and on_segment(p1, p2, q2):
        return True
    if o3 == 0 and on_segment(q1, q2, p1):
        return True
    return o4 == 0 and on_segment(q1, q2, p2)


@dataclass(frozen=True, slots=True)
class Polygon:
    """A closed polygon: the last point joins the first (do not repeat it)."""

    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.points, tuple):
            object.__setattr__(self, "points", tuple(self.points))

    @classmethod
    def of(cls, *xy: tuple[float, float]) -> Polygon:
        return cls(tuple(Point(x, y) for x, y in xy))

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[Point]:
        return iter(self.points)

    def edges(self) -> Iterator[tuple[Point, Point]]:
        pts = self.points
        for i, p in enumerate(pts):
            yield p, pts[(i + 1) % len(pts)]

    @property
    def signed_area(self) -> float:
        """Positive when the points run counter-clockwise."""
        return 0.5 * sum(p.cross(q) for p, q in self.edges())

    @property
    def area(self) -> float:
        return abs(self.signed_area)

    @property
    def bbox(self) -> Rect:
        return Rect.from_points(self.points)

    def transform(self, t: Transform) -> Polygon:
        return Polygon(tuple(t.apply(p) for p in self.points))

    def translate(self, dx: float, dy: float) -> Polygon:
        return Polygon(tuple(Point(p.x + dx, p.y + dy) for p in self.points))

    def contains(self, p: Point, tol: float = EPS) -> bool:
        """Inside or on the boundary (within tol)."""
        for a, b in self.edges():
            ab = b - a
            n = ab.length()
            if n and abs(ab.cross(p - a)) / n <= tol and -tol <= (p - a).dot(ab) / n <= n + tol:
                return True
        inside = False
        for a, b in self.edges():
            if (a.y > p.y) != (b.y > p.y):
                x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y)
                if x > p.x:
                    inside = not inside
        return inside

    def is_simple(self) -> bool:
        """No two non-adjacent edges meet, and no edge has zero length."""
        edges = list(self.edges())
        n = len(edges)
        if n < 3:
            return False
        if any(a.isclose(b) for a, b in edges):
            return False
        boxes = [
            (min(a.x, b.x) - EPS, min(a.y, b.y) - EPS, max(a.x, b.x) + EPS, max(a.y, b.y) + EPS)
            for a, b in edges
        ]
        for i in range(n):
            bi = boxes[i]
            for j in range(i + 1, n):
                bj = boxes[j]
                adjacent = j == i + 1 or (i == 0 and j == n - 1)
                if not adjacent and (bj[0] > bi[2] or bi[0] > bj[2] or bj[1] > bi[3] or bi[1] > bj[3]):
                    continue  # far apart: no need for the exact test
                if adjacent:
                    # neighbours share a vertex; they must not fold back onto each other
                    a1, a2 = edges[i]
                    b1, b2 = edges[j]
                    shared = a2 if j == i + 1 else a1
                    u = (a1 if shared is a2 else a2) - shared
                    v = (b2 if shared is b1 else b1) - shared
                    if abs(u.cross(v)) <= EPS * max(u.length(), v.length()) and u.dot(v) > 0:
                        return False
                    continue
                if segments_intersect(*edges[i], *edges[j]):
                    return False
        return True

    def is_closed_ring(self) -> bool:
        return len(self.points) >= 3 and not self.points[0].isclose(self.points[-1])

    def isclose(self, other: Polygon, tol: float = EPS) -> bool:
        return len(self) == len(other) and all(
            p.isclose(q, tol) for p, q in zip(self.points, other.points, strict=True)
        )

    def clip_left(self, p: Point, q: Point) -> Polygon | None:
        """The part of this polygon on the left of the directed line p -> q (its points
        on the line included), or None when nothing of it is. Exact for convex polygons;
        a concave one may keep zero-width bridges along the line, which fill nothing."""
        d = q - p
        n = d.length()
        if n == 0:
            raise ValueError("clip_left needs two distinct points")
        side = [d.cross(v - p) / n for v in self.points]
        out: list[Point] = []
        for i, v in enumerate(self.points):
            j = (i + 1) % len(self.points)
            if side[i] >= -EPS:
                out.append(v)
            if (side[i] < -EPS < side[j]) or (side[j] < -EPS < side[i]):
                t = side[i] / (side[i] - side[j])
                out.append(v.lerp(self.points[j], t))
        out = [v for i, v in enumerate(out) if not v.isclose(out[i - 1])]
        if len(out) < 3 or Polygon(tuple(out)).area <= EPS:
            return None
        return Polygon(tuple(out))

    def inset(self, d: float) -> Polygon | None:
        """This polygon shrunk by ``d`` on every side (None when nothing is left): the
        intersection of its edges' half-planes each moved ``d`` inward. Exact for a
        convex polygon, whose corners stay sharp as an inward offset's do; a concave
        one comes out smaller than its true inset."""
        ccw = self.signed_area > 0
        out: Polygon | None = self
        for a, b in self.edges():
            e = b - a
            n = e.length()
            if n <= EPS:
                continue
            inward = Point(-e.y / n, e.x / n) * (d if ccw else -d)
            p, q = (a + inward, b + inward) if ccw else (b + inward, a + inward)
            out = out.clip_left(p, q) if out is not None else None
            if out is None:
                return None
        return out


@dataclass(frozen=True, slots=True)
class Line:
    p0: Point
    p1: Point

    def transform(self, t: Transform) -> Line:
        return Line(t.apply(self.p0), t.apply(self.p1))

    def flatten(self, tolerance: float = 0.1, min_length: float = 0.0) -> list[Point]:
        return [self.p1]

    def length(self, tolerance: float = 0.001) -> float:
        return self.p0.distance(self.p1)


@dataclass(frozen=True, slots=True)
class Cubic:
    """A cubic Bézier from p0 to p3 (used for rounded flap tips)."""

    p0: Point
    p1: Point
    p2: Point
    p3: Point

    def transform(self, t: Transform) -> Cubic:
        return Cubic(t.apply(self.p0), t.apply(self.p1), t.apply(self.p2), t.apply(self.p3))

    def point_at(self, t: float) -> Point:
        u = 1 - t
        return (
            self.p0 * (u * u * u)
            + self.p1 * (3 * u * u * t)
            + self.p2 * (3 * u * t * t)
            + self.p3 * (t * t * t)
        )

    def flatten(self, tolerance: float = 0.1, min_length: float = 0.0) -> list[Point]:
        """Points after p0, within ``tolerance`` of the curve (uniform steps, bound from
        the control polygon's second differences). With ``min_length``, no chord is
        shorter than that: a curve too tight for both gets fewer, longer chords (a
        curve shorter than ``min_length`` becomes one chord)."""
        dd = max(
            (self.p0 - self.p1 * 2 + self.p2).length(),
            (self.p1 - self.p2 * 2 + self.p3).length(),
        )
        # Max deviation of n uniform chords is <= 3/4 * dd / n^2 (standard bound).
        n = max(1, math.ceil(math.sqrt(0.75 * dd / tolerance))) if dd > 0 else 1
        while True:
            pts = [self.point_at(i / n) for i in range(1, n + 1)]
            if n == 1 or min_length <= 0:
                return pts
            if min(a.distance(b) for a, b in pairwise([self.p0, *pts])) >= min_length:
                return pts
            n -= 1

    def length(self, tolerance: float = 0.001) -> float:
        """Arc length, from a flattening within ``tolerance``."""
        pts = [self.p0, *self.flatten(tolerance)]
        return sum(a.distance(b) for a, b in pairwise(pts))


Segment = Line | Cubic


@dataclass(frozen=True, slots=True)
class Path:
    """A closed outline of line and Bézier segments, each starting where the last ended."""

    segments: tuple[Segment, ...]

    @classmethod
    def from_points(cls, points: Sequence[Point]) -> Path:
        n = len(points)
        return cls(tuple(Line(points[i], points[(i + 1) % n]) for i in range(n)))

    @property
    def start(self) -> Point:
        return self.segments[0].p0

    def transform(self, t: Transform) -> Path:
        return Path(tuple(s.transform(t) for s in self.segments))

    def flatten(self, tolerance: float = 0.1, min_length: float = 0.0) -> Polygon:
        """A polygon within ``tolerance`` points of the path; with ``min_length``, no
        curve is cut into chords shorter than that (see Cubic.flatten)."""
        pts: list[Point] = [self.start]
        for s in self.segments:
            pts.extend(s.flatten(tolerance, min_length))
        if pts[-1].isclose(pts[0]):
            pts.pop()
        return Polygon(tuple(pts))

    @property
    def bbox(self) -> Rect:
        """Bounding box of the flattened path (control points would overestimate)."""
        return self.flatten(0.01).bbox


# --- offsets and cut clean-up ----------------------------------------------------------------


def _seg_distance(p: Point, a: Point, b: Point) -> float:
    ab = b - a
    n2 = ab.dot(ab)
    t = 0.0 if n2 == 0 else max(0.0, min(1.0, (p - a).dot(ab) / n2))
    return p.distance(a + ab * t)


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
    # Corner i joins edge i - 1 (arriving) and edge i (leaving) at pts[i].
    offsets_in = list(normals)  # offset used at the start of edge i
    offsets_out = list(normals)  # offset used at the end of edge i
    fans: list[Polygon] = []
    for i in range(n):
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
    bands: list[Polygon] = []
    for i, (a, b) in enumerate(edges):
        for t0, t1 in spans[i]:
            p, q = a.lerp(b, t0), a.lerp(b, t1)
            op = offsets_in[i] if t0 <= 1e-9 else normals[i]
            oq = offsets_out[i] if t1 >= 1.0 - 1e-9 else normals[i]
            bands.append(Polygon((p, q, q + oq, p + op)))
    return tuple(b if (b.signed_area > 0) == ccw else Polygon(b.points[::-1]) for b in (*bands, *fans))


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
