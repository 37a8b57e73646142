"""Closed outlines of lines and cubic Béziers, and their flattening into polygons.

Die lines and rounded flap tips are paths; what is measured or compared as an area
is the :class:`~.geometry_plane.Polygon` flattened from one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from .geometry_plane import Point, Polygon, Rect, Transform

__all__ = ["Cubic", "Line", "Path", "Segment"]


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
