"""Diamond: four triangular flaps folded to the centre, each pair overlapping past it.

The front panel sits inside a rhombus of four triangles, one on each edge. The
side flaps fold in first, the back flap folds up over them and is glued to them
along its edges, and the seal flap's gum bonds where it overlaps the back flap.
Every flap passes the centre so opposite flaps overlap by ``overlap``. The seal
and back flaps hang on the long edges. Imposes best turned 45 degrees. Panels:
front, the side flaps named after the front edge they hang from (left and right
on a landscape size; order 1), back (2), seal (3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..geometry import Point
from ._shapes import (
    GLUE_MARGIN,
    Flap,
    GlueSpec,
    Strip,
    assemble,
    caliper_run,
    fmt,
    mirrored,
    net_edge_of,
    require,
    size_scale,
    snap_caliper,
    upright,
)
from .base import Net, length, register

__all__ = ["DiamondParams", "build"]


@dataclass(frozen=True, slots=True)
class DiamondParams:
    overlap: float = length(20, "how far opposite flaps overlap each other across the centre", lo=3, hi=200)
    glue: float = length(6, "width of the glue strips on the back flap", lo=2, hi=25)
    tip_radius: float = length(5, "radius of the rounded flap tips (0 = sharp points)", lo=0, hi=60)
    caliper: float = length(
        0.12, "paper thickness: side flaps stop this short of the folds round them", lo=0, hi=1
    )


def _tip_radius_per_recess(reach: float, half_base: float) -> float:
    """Radius per unit of recess for a triangle tip ``reach`` from a base ``2 * half_base``
    long: a fillet of radius r pulls the tip in by r * (1 / sin(half angle) - 1)."""
    return 1.0 / (math.hypot(reach, half_base) / half_base - 1.0)


@register("diamond", DiamondParams, doc=__doc__, rotations=(0, 45, 90))
def build(width: float, height: float, p: DiamondParams) -> Net:
    # Drawn with the seal on a long edge (on top); a portrait size is turned a quarter.
    w, h, to_face = upright(width, height, "long")
    k = size_scale(w, h)
    o, g, m, r, c = p.overlap * k, p.glue * k, GLUE_MARGIN * k, p.tip_radius * k, snap_caliper(p.caliper)
    require(
        o >= g + 2 * m,
        "diamond",
        k,
        f"opposite flaps overlap by {fmt(o)}, less than the {fmt(g)} glue and {fmt(2 * m)} of margins",
        f"increase overlap to at least {fmt((g + 2 * m) / k)} or reduce glue",
    )
    require(
        o <= h / 2,
        "diamond",
        k,
        f"overlap {fmt(o)} is more than half the envelope's short side ({fmt(h)})",
        f"reduce overlap to at most {fmt(h / 2 / k)}",
    )
    side, end = w / 2 + o / 2, h / 2 + o / 2  # flap depths: they pass the centre by o / 2
    # A rounded tip stops short of the sharp one; keep every tip at least o / 4 past the centre.
    r_side, r_end = (
        min(r, o / 4 * _tip_radius_per_recess(reach, half)) for reach, half in ((side, h / 2), (end, w / 2))
    )
    # Side flaps stop one caliper short of the end folds; the end flaps run that far
    # along the side edges before they turn in, so the corners stay closed.
    left = ((Point(0, c), 0.0), (Point(side, h / 2), r_side), (Point(0, h - c), 0.0))
    right = tuple((Point(w - q.x, h - q.y), t) for q, t in left)
    half = ((Point(0, 0), 0.0), *caliper_run(Point(0, 0), c), (Point(w / 2, end), r_end))
    back = (*half, *mirrored(half[:-1], w))  # the tip is on the axis
    seal = tuple((Point(w - q.x, h - q.y), t) for q, t in back)  # the back flap turned half round
    names = [net_edge_of([to_face.apply(q) for q, _ in f], width, height) for f in (left, right)]
    flaps = [
        Flap.of(names[0], 1, left, to_face),
        Flap.of(names[1], 1, right, to_face),
        Flap.of("back", 2, back, to_face),
        Flap.of("seal", 3, seal, to_face),
    ]
    up, down = (Point(w / 2, 0), Point(w / 2, h)), (Point(w / 2, h), Point(w / 2, 0))
    hint = "increase overlap, reduce glue or tip_radius"
    on_sides = "the back flap's glue does not fit on the side flaps"
    (a, _), (tip, _) = half[-2:]  # the back flap's edge, from the corner to the tip
    strips = [Strip((a, tip), (up,)), Strip((Point(w - a.x, a.y), tip), (down,))]
    glue = [
        GlueSpec("back", names[0], strips[0].transform(to_face), g, m, on_sides, hint),
        GlueSpec("back", names[1], strips[1].transform(to_face), g, m, on_sides, hint),
        GlueSpec(
            "seal", "back", Strip(), g, m, "the seal flap overlaps the back flap too little for its gum", hint
        ),
    ]
    return assemble("diamond", width, height, flaps, glue, params=p, caliper=c, k=k, hole_hint=hint)
