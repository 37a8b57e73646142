"""Backgrounds on envelope nets keep their bleed (issue 10, section 6).

A whole-face fill on the front or the back keeps the full bleed all along every cut
edge of every panel it lands on, rounded corners and flap tips included, and runs
under a flap closed over it by the bleed width, so neither a die nor a fold a little
off shows white; it never crosses a fold onto the panel on the other side. Measured
on the placements (clip, bands, holes) for every style at several sizes, and once on
a rendered page.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from envelopekit.catalog import lookup
from envelopekit.content.blocks import FillBlock
from envelopekit.geometry import Cubic, Line, Point, Polygon, Segment, Transform
from envelopekit.kit import EnvelopeSpec, KitSpec, Piece, Placed, resolve
from envelopekit.nets import Net, Panel
from envelopekit.units import mm

STYLES = ("pocket", "banker", "baronial", "wallet", "diamond")
SIZES = ("C7", "C6", "DL", "#10", "C4")
BLEED = 3 * mm
SHORT = 0.1 * mm  # how far short of the full bleed the probes stop
COLOUR = (0.6, 0.1, 0.0, 0.0)


def _kit(style: str, size: str) -> tuple[Piece, Net]:
    spec = KitSpec(
        "t",
        EnvelopeSpec(
            "env",
            style,
            size=lookup(size, kind="envelope"),
            front=(FillBlock("front-bg", COLOUR),),
            back=(FillBlock("back-bg", COLOUR),),
        ),
        bleed=BLEED,
    )
    piece = resolve(spec).pieces[0]
    assert piece.net is not None
    return piece, piece.net


def _placed(piece: Piece, panel: Panel) -> Placed:
    (placed,) = [p for p in piece.side_a if p.clip == panel.polygon]
    return placed


def _distance(p: Point, a: Point, b: Point) -> float:
    ab = b - a
    n2 = ab.dot(ab)
    t = 0.0 if n2 == 0 else max(0.0, min(1.0, (p - a).dot(ab) / n2))
    return p.distance(a + ab * t)


def _depth(p: Point, poly: Polygon) -> float:
    """How far inside ``poly`` ``p`` lies (negative outside)."""
    d = min(_distance(p, a, b) for a, b in poly.edges())
    return d if poly.contains(p, tol=-1e-9) else -d


def _painted(placed: Placed, p: Point) -> bool:
    """Inside the fill's clip or one of its bleed bands, and in none of its holes."""
    assert placed.clip is not None
    inside = placed.clip.contains(p) or any(b.bbox.contains_point(p) and b.contains(p) for b in placed.bleed)
    return inside and not any(h.contains(p, tol=-1e-9) for h in placed.holes)


def _in_bands(placed: Placed, p: Point) -> bool:
    return any(b.bbox.contains_point(p, 0.0) and b.contains(p, tol=-1e-9) for b in placed.bleed)


def _tangent(seg: Segment, t: float) -> Point:
    if isinstance(seg, Line):
        return seg.p1 - seg.p0
    u = 1 - t
    return (seg.p1 - seg.p0) * (3 * u * u) + (seg.p2 - seg.p1) * (6 * u * t) + (seg.p3 - seg.p2) * (3 * t * t)


def _on_fold(p: Point, net: Net) -> bool:
    return any(_distance(p, f.p0, f.p1) < 0.01 for f in net.folds)


def _cut_probes(panel: Panel, net: Net, offset: float) -> Iterator[tuple[Point, Point, str]]:
    """(point on a cut edge of ``panel``, that point pushed ``offset`` outward, where)
    along its true outline (Béziers, not their flattening), with a fan of directions
    round every sharp corner between two cut edges."""
    ccw = panel.polygon.signed_area > 0
    segs = panel.outline.segments

    def outward(d: Point) -> Point:
        n = d.length()
        return Point(d.y / n, -d.x / n) if ccw else Point(-d.y / n, d.x / n)

    def at(seg: Segment, t: float) -> Point:
        return seg.point_at(t) if isinstance(seg, Cubic) else seg.p0.lerp(seg.p1, t)

    def cut(seg: Segment, t: float) -> bool:
        """Is the outline a cut (not a fold) at t, judged just inside the segment?"""
        eps = min(1e-3, 0.01 / max(seg.length(), 1e-9))
        return not _on_fold(at(seg, min(max(t, eps), 1 - eps)), net)

    for k, seg in enumerate(segs):
        steps = 24 if isinstance(seg, Cubic) else max(2, math.ceil(seg.length() / (2 * mm)))
        where = f"{panel.name} {type(seg).__name__.lower()} {k}"
        for i in range(steps + 1):
            t = i / steps
            if cut(seg, t):
                p = at(seg, t)
                yield p, p + outward(_tangent(seg, t)) * offset, where
        # the corner at this segment's end, if the next one leaves it at an angle
        nxt = segs[(k + 1) % len(segs)]
        if not (cut(seg, 1.0) and cut(nxt, 0.0)):
            continue
        end = at(seg, 1.0)
        n1, n2 = outward(_tangent(seg, 1.0)), outward(_tangent(nxt, 0.0))
        turn = math.atan2(n1.cross(n2), n1.dot(n2))
        for j in range(1, 8):
            n = Transform.rotate(math.degrees(turn) * j / 8).apply(n1)
            yield end, end + n * offset, f"{panel.name} corner {k}"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("style", STYLES)
def test_backgrounds_keep_the_full_bleed_along_every_cut_edge(style: str, size: str) -> None:
    """Every point (bleed - 0.1 mm) outside a cut edge of a panel, measured from the true
    curve, lies in that panel's background clip or its bleed bands."""
    piece, net = _kit(style, size)
    gaps = []
    for panel in net.panels:
        placed = _placed(piece, panel)
        assert placed.clip is not None
        for edge, probe, where in _cut_probes(panel, net, BLEED - SHORT):
            inside = placed.clip.contains(probe) or any(
                b.bbox.contains_point(probe) and b.contains(probe) for b in placed.bleed
            )
            if not inside:
                gaps.append(f"{where} at ({edge.x / mm:.2f}, {edge.y / mm:.2f}) mm")
    assert not gaps, f"{len(gaps)} gaps in the bleed, e.g. {gaps[:5]}"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("style", STYLES)
def test_bleed_never_crosses_a_fold_onto_another_panel(style: str, size: str) -> None:
    """No flap's band reaches into the front panel across its fold, no band of the
    front's into a flap, and no band reaches further than the bleed."""
    piece, net = _kit(style, size)
    front = net.front
    for panel in net.panels:
        placed = _placed(piece, panel)
        poly = panel.polygon
        for band in placed.bleed:
            for v in band.points:
                reach = min(_distance(v, a, b) for a, b in poly.edges())
                assert reach <= BLEED * 1.01, f"{panel.name} band reaches {reach / mm:.3f} mm"
        others = [front] if panel is not front else list(net.flaps())
        for other in others:
            hinge = other.hinge if other is not front else panel.hinge
            assert hinge is not None
            target = other.polygon
            centre = Point(
                sum(q.x for q in target.points) / len(target), sum(q.y for q in target.points) / len(target)
            )
            for s in range(41):
                x = hinge.p0.lerp(hinge.p1, s / 40)
                into = centre - x
                into = into * (1 / into.length())
                for d in (0.05 * mm, 1 * mm, BLEED - SHORT):
                    q = x + into * d
                    if target.contains(q, tol=-1e-9) and _depth(q, target) > 0.01 * mm:
                        assert not _in_bands(placed, q), (
                            f"{panel.name}'s bleed crosses a fold onto {other.name} at "
                            f"({q.x / mm:.2f}, {q.y / mm:.2f}) mm"
                        )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("style", STYLES)
def test_a_background_runs_under_an_overlapping_flap_by_the_bleed(style: str, size: str) -> None:
    """Within (bleed - 0.1 mm) of the edge of a flap closed over it, a flap's background
    is painted (a fold a little off shows no white line); well under the flaps
    (bleed + 0.5 mm in) it stays hidden."""
    piece, net = _kit(style, size)
    flaps = net.flaps()
    covered = 0
    for i, lower in enumerate(flaps):
        placed = _placed(piece, lower)
        clip = lower.polygon
        above = [f.face_polygon().transform(lower.to_net) for f in flaps[i + 1 :]]
        for j, over in enumerate(above):
            ccw = over.signed_area > 0
            for a, b in over.edges():
                e = b - a
                n = e.length()
                if n < 0.5 * mm:
                    continue
                inward = Point(-e.y / n, e.x / n) if ccw else Point(e.y / n, -e.x / n)
                for s in range(1, 20):
                    x = a.lerp(b, s / 20)
                    for d in (0.1 * mm, BLEED / 2, BLEED - SHORT, BLEED + 0.5 * mm):
                        q = x + inward * d
                        if _depth(q, clip) < 0.05 * mm:
                            continue  # off this flap (or on its edge)
                        depths = [_depth(q, o) for o in above]
                        if max(depths) <= 0:
                            continue  # not under any flap
                        if max(depths) <= BLEED - SHORT:
                            covered += 1
                            assert _painted(placed, q), (
                                f"{lower.name}'s background stops short under {flaps[i + 1 + j].name} "
                                f"at ({q.x / mm:.2f}, {q.y / mm:.2f}) mm, {depths[j] / mm:.2f} mm in"
                            )
                        elif max(depths) >= BLEED + 0.1 * mm:
                            assert not _painted(placed, q), f"{lower.name} painted deep under a flap"
    assert covered, "some of a flap's background runs under another"


def test_rounded_flap_corners_bleed_in_the_rendered_pdf(tmp_path: Path) -> None:
    """Rendered at 300 dpi, the background reaches at least 2.8 mm past the cut all
    round the seal flap's rounded corners (before: white wedges to 0.15 mm)."""
    pdfium = pytest.importorskip("pypdfium2")
    from envelopekit.batch import build
    from envelopekit.layouts import parse_layout
    from envelopekit.pages import piece_page

    spec = parse_layout(
        '[kit]\nname = "t"\n[[envelope]]\nname = "env"\nstyle = "banker"\nsize = "C6"\n'
        '[[envelope.back]]\ntype = "fill"\ncolour = [0.6, 0.1, 0, 0]\n'
    )
    build(spec, None, tmp_path / "out", group="record")  # kit by kit: one file
    pdf = pdfium.PdfDocument(str(tmp_path / "out" / "kits-00001.pdf"))
    page = pdf[0]
    scale = 300 / 72
    image = page.render(scale=scale).to_pil().convert("RGB")
    _, height = page.get_size()
    piece = resolve(spec).pieces[0]
    assert piece.net is not None
    _, place = piece_page(piece, spec.bleed)
    seal = piece.net.panel("seal")
    arcs = [s for s in seal.outline.segments if isinstance(s, Cubic)]
    assert arcs
    ccw = seal.polygon.signed_area > 0
    worst = math.inf
    for arc in arcs:
        for i in range(21):
            t = i / 20
            p = arc.point_at(t)
            d = _tangent(arc, t)
            n = Point(d.y, -d.x) if ccw else Point(-d.y, d.x)
            n = n * (1 / n.length())
            reach = 0.0
            while reach < 3.5 * mm:
                q = place.apply(p + n * (reach + 0.05 * mm))
                rgb = image.getpixel((int(q.x * scale), int((height - q.y) * scale)))
                if min(rgb) >= 235:  # white: the background stops here
                    break
                reach += 0.05 * mm
            worst = min(worst, reach)
    assert worst >= 2.8 * mm, f"the background stops {worst / mm:.2f} mm past a rounded corner"
