"""Units, geometry and the size catalog."""

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envelopekit.catalog import ENVELOPES, envelope_family, lookup, lookup_sheet, lookup_stock, parse_size
from envelopekit.errors import CatalogError, UnitError
from envelopekit.geometry import (
    Cubic,
    Line,
    Path,
    Point,
    Polygon,
    Rect,
    Transform,
    merge_short_segments,
    outward_bands,
)
from envelopekit.units import inch, mm, parse_length


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("3mm", 3 * mm),
        ("2.5cm", 25 * mm),
        ("0.125in", 9.0),
        ("1/8in", 9.0),
        ("12pt", 12.0),
        ("1 3/8in", 99.0),
        (".5in", 36.0),
        ("-2mm", -2 * mm),
        ('2"', 144.0),
    ],
)
def test_parse_length(text, points):
    assert parse_length(text) == pytest.approx(points, abs=1e-9)


@pytest.mark.parametrize("bad", ["3", "3 furlongs", "mm", "", "1//8in", 3, True, None])
def test_parse_length_errors_name_the_value(bad):
    with pytest.raises(UnitError) as exc:
        parse_length(bad, what="bleed")
    assert "bleed" in str(exc.value)
    assert repr(bad) in str(exc.value) or str(bad) in str(exc.value)


def test_bare_number_allowed_with_default_unit():
    assert parse_length("3", default_unit="mm") == pytest.approx(3 * mm)
    assert parse_length(2, default_unit="in") == 2 * inch


def test_transform_compose_applies_right_first():
    t = Transform.translate(10, 0) @ Transform.rotate(90)
    assert t.apply(Point(1, 0)).isclose(Point(10, 1))
    assert (Transform.rotate(90) @ Transform.translate(10, 0)).apply(Point(1, 0)).isclose(Point(0, 11))


@given(
    st.floats(-360, 360),
    st.floats(-500, 500),
    st.floats(-500, 500),
    st.floats(-100, 100),
    st.floats(-100, 100),
)
@settings(max_examples=60, deadline=None)
def test_transform_inverse_round_trips(deg, dx, dy, x, y):
    t = Transform.translate(dx, dy) @ Transform.rotate(deg) @ Transform.scale(2, 0.5)
    p = Point(x, y)
    assert t.inverse().apply(t.apply(p)).isclose(p, 1e-6)


def test_mirror_across_line_is_an_involution_and_fixes_the_line():
    m = Transform.mirror(Point(0, 0), Point(1, 1))
    assert m.apply(Point(1, 0)).isclose(Point(0, 1))
    assert m.apply(Point(3, 3)).isclose(Point(3, 3))
    assert (m @ m).isclose(Transform())
    assert m.is_mirroring


def test_two_mirrors_make_a_rotation_or_a_shift():
    rot = Transform.mirror_x(5) @ Transform.mirror_y(2)
    assert not rot.is_mirroring
    assert rot.apply(Point(5, 2)).isclose(Point(5, 2))
    assert math.isclose(rot.rotation, 180)
    shift = Transform.mirror_x(5) @ Transform.mirror_x(0)
    assert shift.isclose(Transform.translate(10, 0))


def test_rect_operations():
    r = Rect.from_size(10, 20, 30, 40)
    assert (r.width, r.height, r.area) == (30, 40, 1200)
    assert r.expand(5).contains(r)
    assert not r.intersects(Rect(40, 20, 50, 30))  # touching edges
    assert r.intersects(Rect(39, 20, 50, 30))
    with pytest.raises(ValueError):
        Rect(1, 0, 0, 1)


def test_polygon_area_contains_and_simplicity():
    square = Polygon.of((0, 0), (10, 0), (10, 10), (0, 10))
    assert square.area == 100 and square.signed_area > 0
    assert square.contains(Point(5, 5)) and square.contains(Point(10, 5))
    assert not square.contains(Point(11, 5))
    assert square.is_simple()
    bowtie = Polygon.of((0, 0), (10, 10), (10, 0), (0, 10))
    assert not bowtie.is_simple()
    spike = Polygon.of((0, 0), (10, 0), (5, 0), (0, 10))  # folds back on itself
    assert not spike.is_simple()


def test_cubic_flattening_stays_within_tolerance():
    c = Cubic(Point(0, 0), Point(0, 50), Point(100, 50), Point(100, 0))
    pts = [c.p0, *c.flatten(0.1)]
    fine = [c.point_at(i / 2000) for i in range(2001)]
    for q in fine:  # every curve point lies near the polyline
        d = min(_seg_distance(q, a, b) for a, b in itertools.pairwise(pts))
        assert d <= 0.1 + 1e-9
    path = Path((c, *Path.from_points([Point(100, 0), Point(0, 0)]).segments[:1]))
    assert path.flatten().is_simple()


def _seg_distance(p, a, b):
    ab = b - a
    t = max(0.0, min(1.0, (p - a).dot(ab) / ab.dot(ab)))
    return p.distance(a + ab * t)


@pytest.mark.parametrize("name", ["C6", "c6", "#10", "a7", "6x9", "DL", "Monarch", "c6/5"])
def test_catalog_lookup(name):
    assert lookup(name, kind="envelope").kind == "envelope"


def test_catalog_values_match_the_standards():
    assert lookup("C6").wh == pytest.approx((162 * mm, 114 * mm))
    assert lookup("#10").wh == pytest.approx((9.5 * inch, 4.125 * inch))
    assert lookup("A7").wh == pytest.approx((7.25 * inch, 5.25 * inch))
    assert lookup("A6", kind="card").wh == pytest.approx((105 * mm, 148 * mm))
    assert lookup_sheet("sra3").width == pytest.approx(320 * mm)
    assert lookup_stock("300gsm").caliper > lookup_stock("100gsm").caliper


def test_custom_sizes():
    assert parse_size("120x80mm") == pytest.approx((120 * mm, 80 * mm))
    assert parse_size("4.5 x 6 in") == pytest.approx((4.5 * inch, 6 * inch))
    assert lookup("100x70mm").wh == pytest.approx((100 * mm, 70 * mm))
    assert parse_size("C6") is None


def test_unknown_size_lists_closest_names():
    with pytest.raises(CatalogError) as exc:
        lookup("C66")
    assert "C6" in str(exc.value)


def test_envelope_families_are_sorted_smallest_first():
    fam = envelope_family("iso-c")
    assert [s.name for s in fam][:2] == ["C7", "C7/6"]
    assert all(s in ENVELOPES for s in fam)


# --- offsets and cut clean-up -------------------------------------------------------------------


def _circle(r: float, n: int) -> Polygon:
    return Polygon(
        tuple(Point(r * math.cos(2 * math.pi * k / n), r * math.sin(2 * math.pi * k / n)) for k in range(n))
    )


def _covered(poly: Polygon, bands: tuple[Polygon, ...], p: Point) -> bool:
    return poly.contains(p) or any(b.bbox.contains_point(p) and b.contains(p) for b in bands)


def _distance_to(poly: Polygon, p: Point) -> float:
    def seg(a: Point, b: Point) -> float:
        ab = b - a
        t = max(0.0, min(1.0, (p - a).dot(ab) / ab.dot(ab)))
        return p.distance(a + ab * t)

    return min(seg(a, b) for a, b in poly.edges())


@pytest.mark.parametrize("n", [3, 4, 7, 40])
@pytest.mark.parametrize("ccw", [True, False])
def test_outward_bands_grow_a_polygon_evenly_without_gaps(n: int, ccw: bool) -> None:
    """Bands and mitred or rounded joins cover every point within the width outside a
    convex polygon (a flattened curve included), and reach no further than the mitre."""
    poly = _circle(40, n)
    if not ccw:
        poly = Polygon(poly.points[::-1])
    w = 8.0
    bands = outward_bands(poly, w)
    assert all((b.signed_area > 0) == ccw for b in bands), "every band wound like the polygon"
    for k in range(240):
        a = 2 * math.pi * (k + 0.5) / 240
        u = Point(math.cos(a), math.sin(a))
        # the boundary point in this direction, then out to just short of the width
        lo, hi = 0.0, 40.0
        for _ in range(30):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if poly.contains(u * mid) else (lo, mid)
        edge = u * lo
        for d in (0.05, w / 2, w - 0.05):
            q = edge + u * d
            if _distance_to(poly, q) <= w - 0.02:
                assert _covered(poly, bands, q), (n, a, d)
    reach = max(_distance_to(poly, v) for b in bands for v in b.points)
    assert reach <= w / math.cos(math.radians(7.5)) + 1e-9


def test_outward_bands_skip_folds_and_do_not_join_across_them() -> None:
    square = Rect(0, 0, 100, 50).polygon()  # counter-clockwise from bottom-left
    fold = (Point(0, 0), Point(100, 0))  # the bottom edge is a fold
    bands = outward_bands(square, 9, skip=[fold])
    assert not any(b.contains(Point(50, -1)) or b.contains(Point(-1, -1)) for b in bands)
    assert all(any(b.contains(q) for b in bands) for q in (Point(50, 58), Point(-8, 25), Point(106, 56)))
    assert all(v.y >= -1e-9 for b in bands for v in b.points), "nothing reaches past the fold's line"
    # A fold along part of an edge leaves the rest of it banded.
    part = outward_bands(square, 9, skip=[(Point(0, 10), Point(0, 40))])
    assert any(b.contains(Point(-4, 5)) for b in part) and any(b.contains(Point(-4, 45)) for b in part)
    assert not any(b.contains(Point(-4, 25)) for b in part)


def test_clip_left_and_inset() -> None:
    square = Rect(0, 0, 10, 10).polygon()
    half = square.clip_left(Point(5, 0), Point(5, 10))  # keep x <= 5
    assert half is not None and half.area == pytest.approx(50) and half.bbox.isclose(Rect(0, 0, 5, 10))
    assert square.clip_left(Point(20, 0), Point(20, 10)) is not None
    assert square.clip_left(Point(-1, 0), Point(-1, 10)) is None
    small = square.inset(2)
    assert small is not None and small.bbox.isclose(Rect(2, 2, 8, 8), 1e-9)
    cw = Polygon(square.points[::-1]).inset(2)
    assert cw is not None and cw.bbox.isclose(Rect(2, 2, 8, 8), 1e-9)
    assert square.inset(6) is None
    disc = _circle(30, 64).inset(3)
    assert disc is not None and all(_distance_to(_circle(30, 64), v) >= 3 - 1e-9 for v in disc.points)


def test_cubic_flattening_with_a_minimum_chord() -> None:
    r = 10.0
    h = 4 / 3 * math.tan(math.pi / 8) * r
    quarter = Cubic(Point(r, 0), Point(r, h), Point(h, r), Point(0, r))
    fine = quarter.flatten(0.01)
    assert min(a.distance(b) for a, b in itertools.pairwise([quarter.p0, *fine])) < 2
    coarse = quarter.flatten(0.01, min_length=2)
    assert min(a.distance(b) for a, b in itertools.pairwise([quarter.p0, *coarse])) >= 2
    assert coarse[-1] == quarter.p3
    assert quarter.length() == pytest.approx(math.pi / 2 * r, rel=1e-3)
    path = Path((Line(Point(0, 0), Point(r, 0)), quarter, Line(Point(0, r), Point(0, 0))))
    poly = path.flatten(0.01, min_length=2)
    assert min(a.distance(b) for a, b in poly.edges()) >= 2


def _path(*xy: tuple[float, float]) -> Path:
    return Path.from_points([Point(x, y) for x, y in xy])


def test_merge_short_segments_drops_straight_corners_and_meets_or_bridges_steps() -> None:
    # Two collinear stubs of a longer edge become one line: nothing moves.
    square = _path((0, 0), (50, 0), (50, 20), (50, 20.2), (50, 50), (0, 50))
    merged = merge_short_segments(square, 1.0, 0.05)
    assert len(merged.segments) == 5 and min(s.length() for s in merged.segments) >= 1.0
    assert merged.flatten().area == pytest.approx(2500)
    # A short step between edges that meet at an angle: they are carried on to meet.
    step = _path((0, 0), (50, 0), (50, 30), (50.3, 30), (40, 50), (0, 50))
    merged = merge_short_segments(step, 1.0, 0.3)
    assert min(s.length() for s in merged.segments) >= 1.0
    # A step between parallel edges has no corner to meet at: a bridge or the middle.
    zig = _path((0, 0), (50, 0), (50, 30), (50.3, 30), (50.3, 50), (0, 50))
    merged = merge_short_segments(zig, 1.0, 0.05)
    assert min(s.length() for s in merged.segments) >= 1.0 - 1e-9
    pts = merged.flatten().points
    assert all(min(p.distance(q) for q in zig.flatten().points) <= 1.0 for p in pts)
    # Nothing short: nothing changes.
    assert merge_short_segments(zig, 0.1, 0.05) == zig


def test_segment_meets_box_is_clipping_not_its_bounding_box() -> None:
    from envelopekit.geometry import segment_meets_box

    box = (0.0, 0.0, 10.0, 10.0)
    assert segment_meets_box((-5, 5), (15, 5), box)  # straight through
    assert segment_meets_box((2, 2), (3, 3), box)  # inside
    assert segment_meets_box((10, -5), (10, 15), box)  # along an edge: the box is closed
    assert not segment_meets_box((-5, 12), (12, 25), box)  # its bounding box overlaps, it misses
    assert not segment_meets_box((11, 0), (11, 10), box)  # vertical, beside
    assert not segment_meets_box((12, 9), (9, 12), box)  # passes the corner outside
