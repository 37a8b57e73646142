"""Nets as plain JSON-ready data, for die makers' tools and golden tests.

The schema is stable: ``style``, ``size`` [w, h], ``outline`` (the cut as points),
``folds`` [{from, to, kind}], ``glue`` (polygons) and ``panels`` [{name, face,
order, polygon}]; a net with interior cuts (a window) also has ``holes`` (each cut
as points, like the outline). Lengths are points rounded to 3 decimals; curves are flattened
to within ``tolerance`` points, the outline in chords no shorter than 0.5 mm
(``Net.cut``), which may take a corner tighter than about 0.9 mm in radius a
little further from the curve.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..geometry import Point
from .base import MIN_CUT_SEGMENT, Net

__all__ = ["net_to_dict"]


def _num(v: float) -> float:
    return round(v, 3) + 0.0  # + 0.0 turns -0.0 into 0.0


def _pt(p: Point) -> list[float]:
    return [_num(p.x), _num(p.y)]


def _pts(points: Iterable[Point]) -> list[list[float]]:
    return [_pt(p) for p in points]


def net_to_dict(net: Net, tolerance: float = 0.1) -> dict[str, Any]:
    """``net`` as a dict of lists, numbers and strings (``json.dumps`` takes it as is)."""
    out: dict[str, Any] = {
        "style": net.style,
        "size": [_num(net.width), _num(net.height)],
        "outline": _pts(net.cut(tolerance)),
        "folds": [{"from": _pt(f.p0), "to": _pt(f.p1), "kind": f.kind} for f in net.folds],
        "glue": [_pts(g.polygon) for g in net.glue],
        "panels": [
            {"name": p.name, "face": p.face, "order": p.order, "polygon": _pts(p.outline.flatten(tolerance))}
            for p in net.panels
        ],
    }
    if net.holes:
        out["holes"] = [_pts(h.flatten(tolerance, MIN_CUT_SEGMENT)) for h in net.holes]
    return out
