"""Plane geometry in points: value types that every other module builds on.

Coordinates are PostScript points, origin bottom-left, y up; angles are degrees
counter-clockwise. Everything here is immutable and free of any PDF library.

This module is the public face; the code lives in:

- :mod:`.geometry_plane`: Point, Rect, Transform, Polygon (and ``EPS``, ``isclose``);
- :mod:`.geometry_paths`: Line, Cubic, Path: outlines with curves, and flattening;
- :mod:`.geometry_offset`: ``outward_bands``, an outline grown outward;
- :mod:`.geometry_cleanup`: ``merge_short_segments``, a cut path's clean-up.
"""

from __future__ import annotations

from .geometry_cleanup import merge_short_segments
from .geometry_offset import outward_bands
from .geometry_paths import Cubic, Line, Path, Segment
from .geometry_plane import (
    EPS,
    Point,
    Polygon,
    Rect,
    Transform,
    isclose,
    segment_meets_box,
    segments_intersect,
)

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
    "segment_meets_box",
    "segments_intersect",
]
