"""The plane's value types, in points: Point, Rect, Transform and Polygon.

Coordinates are PostScript points, origin bottom-left, y up; angles are degrees
counter-clockwise. Everything here is immutable and free of any PDF library.
Curved outlines are in :mod:`.geometry_paths`; :mod:`.geometry` is the public face.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "EPS",
    "Point",
    "Polygon",
    "Rect",
    "Transform",
    "isclose",
    "segment_meets_box",
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


def segment_meets_box(
    a: tuple[float, float], b: tuple[float, float], box: tuple[float, float, float, float]
) -> bool:
    """Does segment ab meet the closed box (x0, y0, x1, y1)? (Liang-Barsky clipping.)"""
    x0, y0, x1, y1 = box
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return False
    return True


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
