"""Units, geometry and the size catalog."""

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envelopekit.catalog import ENVELOPES, envelope_family, lookup, lookup_sheet, lookup_stock, parse_size
from envelopekit.errors import CatalogError, UnitError
from envelopekit.geometry import Cubic, Path, Point, Polygon, Rect, Transform
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
