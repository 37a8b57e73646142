"""Shared flap geometry for the net styles.

Styles describe each flap where it lands on the closed back (face coordinates,
(0, 0)-(W, H), seen from behind with "up" kept up), because coverage and glue are
easy to reason about there. :func:`assemble` maps every flap into the net through
``base.flap_to_net``, walks the cut round the front panel, computes the glue as
convex clips of the surfaces it joins, and refuses a net whose folded flaps leave
a hole in the back.

Conventions every style follows:

* Panels are ``front``, ``back`` (the flap glued over the side flaps), ``seal``
  (the gummed closing flap) and two side flaps named after the front edge they
  hang from in the net: ``left``/``right``, or ``top``/``bottom`` when the seal
  is on a short edge of a landscape size. A flap named ``left`` lands on the
  right of the back face (the envelope is turned over to see its back).
* Stacking order when closed: side flaps 1, ``back`` 2, ``seal`` 3.
* Side flaps stop one caliper short of the folds they tuck under; the back and
  seal flaps run straight along the side edge for that caliper before they turn
  in, so the corners stay closed.
* Glue stays ``GLUE_MARGIN`` inside both surfaces it joins.
* Flap lengths are meant for envelopes whose short side is at least 70 mm; a
  smaller envelope scales every flap length (not the caliper) by short side / 70 mm,
  so it keeps the proportions of a 70 mm one instead of failing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import NetError
from ..geometry import Cubic, Line, Path, Point, Polygon, Rect, Segment, Transform, merge_short_segments
from ..units import format_length, mm
from .base import CUT_TOLERANCE, MIN_CUT_SEGMENT, Fold, GlueArea, Net, Panel, flap_to_net

__all__ = [
    "GLUE_MARGIN",
    "SCALE_FROM",
    "Corners",
    "Flap",
    "GlueSpec",
    "Strip",
    "assemble",
    "caliper_run",
    "cot",
    "fmt",
    "mirrored",
    "net_edge_of",
    "require",
    "rounded",
    "size_scale",
    "snap_caliper",
    "turn",
    "upright",
]

SCALE_FROM = 70 * mm
"""Short side from which flap lengths apply unscaled."""

GLUE_MARGIN = 1 * mm
"""Glue stays this far inside both surfaces it joins, so it cannot squeeze out (scaled like flaps)."""

HOLE = 0.3
"""Uncovered slivers of the back thinner than this (points) are curve-flattening noise, not holes."""

_TINY = 1e-6  # points closer than this are one point (Polygon.is_simple's own tolerance)

Edge = Literal["bottom", "right", "top", "left"]
# The back face is the front turned over about its vertical axis: left and right swap.
_NET_EDGE: dict[Edge, Edge] = {"bottom": "bottom", "left": "right", "top": "top", "right": "left"}


# --- small helpers ------------------------------------------------------------------------


def size_scale(width: float, height: float) -> float:
    """Factor applied to flap lengths: 1 from a 70 mm short side up, proportionally less below."""
    return min(1.0, min(width, height) / SCALE_FROM)


def fmt(points: float) -> str:
    """A length for an error message."""
    return format_length(points, "mm", 1)


def require(ok: bool, style: str, k: float, message: str, hint: str) -> None:
    """Raise NetError(message) unless ``ok``; says when the lengths were scaled down."""
    if ok:
        return
    if k < 1.0:
        message += f" (flap lengths are scaled by {k:.2f} on an envelope this small)"
    raise NetError(f"{style}: {message}", hint=hint)


def turn(param: str) -> tuple[str, str]:
    """("increase x", "reduce x") for a parameter that deepens its flap, swapped for "-x"."""
    name = param.lstrip("-")
    up, down = f"increase {name}", f"reduce {name}"
    return (down, up) if param.startswith("-") else (up, down)


def upright(width: float, height: float, opening: Literal["long", "short"]) -> tuple[float, float, Transform]:
    """(wc, hc, to_face): the back face drawn with the opening on top, and the quarter
    turn (or identity) that puts it on the real back face when the opening belongs on
    the ``opening`` pair of edges."""
    if (opening == "long") == (width >= height):
        return width, height, Transform()
    return height, width, Transform(0.0, 1.0, -1.0, 0.0, width, 0.0)


def snap_caliper(caliper: float) -> float:
    """The caliper the geometry uses: none below 0.001 pt, where it would only make
    zero-length edges."""
    return caliper if caliper >= 1e-3 else 0.0


Corners = tuple[tuple[Point, float], ...]
"""(point, corner radius) pairs along a flap's free edge, from one hinge end to the other."""


def mirrored(half: Corners, width: float) -> Corners:
    """The right half of a flap symmetric about x = width / 2, continuing the left half."""
    return tuple((Point(width - p.x, p.y), r) for p, r in reversed(half))


def caliper_run(corner: Point, dy: float) -> Corners:
    """The run of ``dy`` (one caliper, signed) straight along the side edge at an end
    flap's hinge corner, which fills the corner the side flap stops short of."""
    return ((Point(corner.x, corner.y + dy), 0.0),) if dy else ()


def _clean(p: Point) -> Point:
    """Round away float noise so equal inputs give byte-identical nets."""
    return Point(round(p.x, 9) + 0.0, round(p.y, 9) + 0.0)


def _unit(v: Point) -> Point:
    n = v.length()
    if n < 1e-9:
        raise NetError(
            "these parameters collapse an edge of the net to nothing",
            hint="make the flaps deeper or the shoulders less steep",
        )
    return Point(v.x / n, v.y / n)


def cot(degrees: float) -> float:
    return math.cos(math.radians(degrees)) / math.sin(math.radians(degrees))


def rounded(points: Sequence[Point], radii: Sequence[float]) -> tuple[Segment, ...]:
    """An open path through ``points``; inner corner i is rounded with radius ``radii[i]``
    as one cubic arc. A corner gets at most half of each edge it touches, so radii shrink
    on short edges instead of making loops; an arc that would be shorter than
    MIN_CUT_SEGMENT stays a sharp corner (no die rule bends that tight). The end points
    stay sharp (they are hinge ends)."""
    segs: list[Segment] = []
    cur = points[0]
    for i in range(1, len(points) - 1):
        a, p, b = points[i - 1], points[i], points[i + 1]
        d1, d2 = p - a, b - p
        if d1.length() < 1e-9 or d2.length() < 1e-9:  # a repeated point: nothing to round
            if not p.isclose(cur):
                segs.append(Line(cur, p))
                cur = p
            continue
        u1, u2 = _unit(d1), _unit(d2)
        bend = math.atan2(abs(u1.cross(u2)), u1.dot(u2))
        t = min(radii[i] * math.tan(bend / 2), 0.5 * d1.length(), 0.5 * d2.length())
        if t < 1e-3 or bend < 1e-6:
            segs.append(Line(cur, p))
            cur = p
            continue
        r = t / math.tan(bend / 2)
        if r * bend < MIN_CUT_SEGMENT:
            segs.append(Line(cur, p))
            cur = p
            continue
        start, end = p - u1 * t, p + u2 * t
        if start.distance(cur) > _TINY:
            segs.append(Line(cur, start))
        else:
            start = cur
        h = 4 / 3 * math.tan(bend / 4) * r
        segs.append(Cubic(start, start + u1 * h, end - u2 * h, end))
        cur = end
    if cur.distance(points[-1]) > _TINY:
        segs.append(Line(cur, points[-1]))
    return tuple(segs)


def _end(seg: Segment) -> Point:
    return seg.p1 if isinstance(seg, Line) else seg.p3


def _reverse(segs: Sequence[Segment]) -> tuple[Segment, ...]:
    return tuple(
        Line(s.p1, s.p0) if isinstance(s, Line) else Cubic(s.p3, s.p2, s.p1, s.p0) for s in reversed(segs)
    )


def _clean_seg(seg: Segment) -> Segment:
    if isinstance(seg, Line):
        return Line(_clean(seg.p0), _clean(seg.p1))
    return Cubic(_clean(seg.p0), _clean(seg.p1), _clean(seg.p2), _clean(seg.p3))


# --- convex clipping (glue patches, holes) ------------------------------------------------

XY = tuple[float, float]
Plane = tuple[float, float, float]  # (nx, ny, c): keep points with nx * x + ny * y >= c


def _planes(poly: Polygon, inset: float) -> list[Plane]:
    """Half-planes whose intersection is ``poly`` shrunk by ``inset`` (exact for convex
    polygons, which every flap is; for others it is a subset, still safe for glue)."""
    sign = 1.0 if poly.signed_area > 0 else -1.0
    planes: list[Plane] = []
    for a, b in poly.edges():
        dx, dy = b.x - a.x, b.y - a.y
        n = math.hypot(dx, dy)
        if n > _TINY:
            nx, ny = -dy * sign / n, dx * sign / n
            planes.append((nx, ny, nx * a.x + ny * a.y + inset))
    return planes


def _left_of(a: Point, b: Point, offset: float = 0.0) -> Plane:
    """Points at least ``offset`` to the left of the directed line a -> b."""
    u = _unit(b - a)
    return (-u.y, u.x, -u.y * a.x + u.x * a.y + offset)


def _clip(pts: list[XY], plane: Plane) -> list[XY]:
    """Sutherland-Hodgman against one half-plane."""
    nx, ny, c = plane
    out: list[XY] = []
    for i, (px, py) in enumerate(pts):
        qx, qy = pts[(i + 1) % len(pts)]
        fp, fq = nx * px + ny * py - c, nx * qx + ny * qy - c
        if fp >= 0:
            out.append((px, py))
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            out.append((px + (qx - px) * t, py + (qy - py) * t))
    return out


def _area_and_breadth(pts: list[XY]) -> tuple[float, float]:
    """Area, and twice area over perimeter: about the width of a thin convex piece."""
    if len(pts) < 3:
        return 0.0, 0.0
    twice = perimeter = 0.0
    for i, (px, py) in enumerate(pts):
        qx, qy = pts[(i + 1) % len(pts)]
        twice += px * qy - qx * py
        perimeter += math.hypot(qx - px, qy - py)
    return abs(twice) / 2, (abs(twice) / perimeter if perimeter > 1e-9 else 0.0)


def _breadth(pts: list[XY]) -> float:
    return _area_and_breadth(pts)[1]


def _holes(width: float, height: float, faces: Sequence[Polygon]) -> list[list[XY]]:
    """What of the back (0, 0)-(width, height) no face covers, as convex pieces broader
    than ``HOLE``. Subtracting a convex face from a convex piece leaves, for each face
    edge, the part outside that edge and inside the ones before it."""
    pieces: list[list[XY]] = [[(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]]
    for face in sorted(faces, key=lambda f: -f.area):  # big faces first leave fewer pieces
        planes = _planes(face, 0.0)
        left: list[list[XY]] = []
        for piece in pieces:
            if all(min(nx * x + ny * y - c for x, y in piece) >= 0 for nx, ny, c in planes):
                continue  # all covered
            if any(max(nx * x + ny * y - c for x, y in piece) <= 0 for nx, ny, c in planes):
                left.append(piece)  # all outside the face
                continue
            rest = piece
            for nx, ny, c in planes:
                outside = _clip(rest, (-nx, -ny, -c))
                if _breadth(outside) > 1e-3:
                    left.append(outside)
                rest = _clip(rest, (nx, ny, c))
                if len(rest) < 3:
                    break
        pieces = left
    return [p for p in pieces if _breadth(p) >= HOLE]


def _strip_span(p: Point, u: Point, offsets: tuple[Point, Point], planes: list[Plane]) -> tuple[float, float]:
    """The longest [t0, t1] for which both p + t u + offsets[i] satisfy every half-plane,
    so a strip keeps its full width and ends square instead of thinning to a sliver."""
    lo, hi = -math.inf, math.inf
    for nx, ny, c in planes:
        slope = nx * u.x + ny * u.y
        for off in offsets:
            base = nx * (p.x + off.x) + ny * (p.y + off.y) - c + 1e-7  # the near edge may lie on a plane
            if abs(slope) < 1e-12:
                if base < 0:
                    return (0.0, 0.0)
            elif slope > 0:
                lo = max(lo, -base / slope)
            else:
                hi = min(hi, -base / slope)
    return (lo, hi)


# --- flaps and assembly -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flap:
    """A flap as it lands on the back face: ``points`` run from one end of its hinge
    (on an edge of (0, 0)-(W, H)) to the other through its free edge; ``radii``
    round the inner points."""

    name: str
    order: int
    points: tuple[Point, ...]
    radii: tuple[float, ...]

    @classmethod
    def of(cls, name: str, order: int, corners: Corners, to_face: Transform) -> Flap:
        """From (point, radius) pairs drawn in a frame that ``to_face`` maps onto the back."""
        return cls(name, order, tuple(to_face.apply(p) for p, _ in corners), tuple(r for _, r in corners))


@dataclass(frozen=True, slots=True)
class Strip:
    """Where on the overlap the glue goes: within the glue width of ``edge`` (the
    whole overlap when None), and on the left of every directed ``keep`` line."""

    edge: tuple[Point, Point] | None = None
    keep: tuple[tuple[Point, Point], ...] = ()

    def transform(self, t: Transform) -> Strip:
        edge = None if self.edge is None else (t.apply(self.edge[0]), t.apply(self.edge[1]))
        return Strip(edge, tuple((t.apply(p), t.apply(q)) for p, q in self.keep))


@dataclass(frozen=True, slots=True)
class GlueSpec:
    """Glue on ``panel`` bonding onto ``onto`` when closed; ``error``/``hint`` explain a
    net whose overlap leaves no room for it."""

    panel: str
    onto: str
    strip: Strip
    width: float
    margin: float
    error: str
    hint: str


def _face_edge(a: Point, b: Point, width: float, height: float) -> Edge:
    def on(x: float, y: float) -> bool:
        return all(abs(v) < _TINY for v in (x, y))

    if on(a.y, b.y):
        return "bottom"
    if on(a.y - height, b.y - height):
        return "top"
    if on(a.x, b.x):
        return "left"
    if on(a.x - width, b.x - width):
        return "right"
    raise ValueError(f"flap hinge {a}-{b} is not on an edge of the back")


def net_edge_of(points: Sequence[Point], width: float, height: float) -> Edge:
    """The front edge (in the net) that a flap with these face points hangs from."""
    return _NET_EDGE[_face_edge(points[0], points[-1], width, height)]


def _place(width: float, height: float, flaps: Sequence[Flap], origin: Point) -> tuple[Path, list[Panel]]:
    """The cut and the panels with the front panel's bottom-left corner at ``origin``."""
    corners = tuple(
        _clean(c) for c in Rect(origin.x, origin.y, origin.x + width, origin.y + height).corners()
    )
    front = Rect.from_points(corners)
    panels = [Panel("front", "front", 0, Path.from_points(corners), Transform.translate(front.x0, front.y0))]
    by_edge: dict[Edge, tuple[Segment, ...]] = {}
    for flap in flaps:
        # A hinge point is fixed by the fold; the turn-over only mirrors x about the centre.
        a, b = (Point(front.x1 - p.x, front.y0 + p.y) for p in (flap.points[0], flap.points[-1]))
        to_net = flap_to_net(front, a, b)
        segs = tuple(_clean_seg(s.transform(to_net)) for s in rounded(flap.points, flap.radii))
        hinge = Fold(segs[0].p0, _end(segs[-1]), "valley", flap.name)
        outline = Path((*segs, Line(hinge.p1, hinge.p0)))
        panels.append(Panel(flap.name, "back", flap.order, outline, to_net, hinge))
        edge = net_edge_of(flap.points, width, height)
        if edge in by_edge:
            raise ValueError(f"two flaps on the {edge} edge")
        by_edge[edge] = segs
    path: list[Segment] = []
    sides: tuple[Edge, ...] = ("bottom", "right", "top", "left")
    for i, edge in enumerate(sides):  # counter-clockwise round the front panel
        s, e = corners[i], corners[(i + 1) % 4]
        segs = by_edge.get(edge, ())
        if not segs:
            path.append(Line(s, e))
            continue
        if segs[0].p0.distance(s) > _end(segs[-1]).distance(s):
            segs = _reverse(segs)
        if segs[0].p0.distance(s) > _TINY:
            path.append(Line(s, segs[0].p0))
        path.extend(segs)
        if _end(segs[-1]).distance(e) > _TINY:
            path.append(Line(_end(segs[-1]), e))
    return Path(tuple(path)), panels


def _tidy(outline: Path) -> Path:
    """Where flaps meet at the front's corners, the caliper leaves steps of a fraction of
    a millimetre: merged (within CUT_TOLERANCE) so no rule of the die is that short."""
    return Path(
        tuple(_clean_seg(s) for s in merge_short_segments(outline, MIN_CUT_SEGMENT, CUT_TOLERANCE).segments)
    )


def _glue_area(spec: GlueSpec, panels: dict[str, Panel], style: str, k: float) -> GlueArea:
    carrier, onto = panels[spec.panel], panels[spec.onto]
    own = carrier.face_polygon()
    planes = _planes(own, spec.margin) + _planes(onto.face_polygon(), spec.margin)
    planes += [_left_of(a, b) for a, b in spec.strip.keep]
    if spec.strip.edge is None:  # the whole overlap
        pts = [(c.x, c.y) for c in own.bbox.corners()]
        for plane in planes:
            pts = _clip(pts, plane)
        ok = _area_and_breadth(pts)[0] >= spec.width * spec.width
        corners = [Point(x, y) for x, y in pts]
    else:
        p, q = spec.strip.edge
        u = _unit(q - p)
        n = Point(-u.y, u.x)
        inside = Point(sum(v.x for v in own) / len(own), sum(v.y for v in own) / len(own))
        if n.dot(inside - p) < 0:
            n = n * -1.0
        near, far = n * spec.margin, n * (spec.margin + spec.width)
        t0, t1 = _strip_span(p, u, (near, far), planes)
        ok = t1 - t0 >= spec.width
        corners = [p + u * t0 + near, p + u * t1 + near, p + u * t1 + far, p + u * t0 + far]
    require(ok, style, k, spec.error, spec.hint)
    net = [_clean(carrier.to_net.apply(v)) for v in corners]
    net = [v for i, v in enumerate(net) if not v.isclose(net[i - 1], 1e-4)]  # clipping leaves doubles
    return GlueArea(Polygon(tuple(net)), spec.panel, spec.onto)


def assemble(
    style: str,
    width: float,
    height: float,
    flaps: Sequence[Flap],
    glue: Sequence[GlueSpec],
    *,
    params: Any,
    caliper: float,
    k: float,
    hole_hint: str,
) -> Net:
    """The net of ``flaps`` (face coordinates) round a ``width`` x ``height`` front panel,
    placed so the cut's bounding box starts at (0, 0). Raises NetError when the folded
    flaps leave part of the back open (``hole_hint`` says what to change)."""
    flaps = sorted(flaps, key=lambda f: (f.order, f.name))
    # Place once to find the cut's extent, then the panels again at the origin that puts
    # it at (0, 0) (cheaper to read than moving every hinge and transform); the cut, once
    # its short steps are merged, is moved there.
    outline = _tidy(_place(width, height, flaps, Point(0.0, 0.0))[0])
    box = outline.bbox
    _, panels = _place(width, height, flaps, Point(-box.x0, -box.y0))
    shift = Transform.translate(-box.x0, -box.y0)
    outline = Path(tuple(_clean_seg(s.transform(shift)) for s in outline.segments))
    holes = _holes(width, height, [p.face_polygon() for p in panels[1:]])
    if holes:
        worst = Rect.from_points(Point(x, y) for x, y in max(holes, key=_breadth))
        require(
            False,
            style,
            k,
            f"the folded flaps leave the back open over {fmt(worst.width)} x {fmt(worst.height)} "
            f"near ({fmt(worst.center.x)}, {fmt(worst.center.y)}) from its bottom-left corner",
            hole_hint,
        )
    by_name = {p.name: p for p in panels}
    areas = tuple(_glue_area(spec, by_name, style, k) for spec in glue)
    folds = tuple(p.hinge for p in panels if p.hinge is not None)
    return Net(style, width, height, outline, folds, areas, tuple(panels), params, caliper)
