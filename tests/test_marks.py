"""Marks as geometry: crop/fold marks, clipping, merging, registration, colour bar, slug."""

from __future__ import annotations

import math
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from envelopekit.geometry import Point, Rect
from envelopekit.marks import (
    PROCESS_INKS,
    MarkLine,
    clip_marks,
    colour_bar,
    crop_marks,
    fold_marks,
    mark_extent,
    merge_marks,
    registration_target,
    slug_text,
)
from envelopekit.units import mm

TRIM = Rect(100, 100, 300, 250)


def test_crop_marks_start_outside_the_bleed() -> None:
    marks = crop_marks(TRIM, bleed=3 * mm, gap=1 * mm, length=5 * mm)
    assert len(marks) == 8
    bleed = TRIM.expand(3 * mm)
    for m in marks:
        assert m.kind == "crop"
        assert math.isclose(m.p0.distance(m.p1), 5 * mm)
        for p in (m.p0, m.p1):
            assert not (bleed.x0 < p.x < bleed.x1 and bleed.y0 < p.y < bleed.y1)
    assert mark_extent(bleed=3 * mm, gap=1 * mm, length=5 * mm) == 9 * mm


def test_fold_marks_extend_the_fold_line_once() -> None:
    fold = (Point(100, 175), Point(300, 175))
    half = (Point(100, 175), Point(180, 175))  # the same crease, interrupted by a cut
    marks = fold_marks(TRIM, [fold, half], bleed=3 * mm)
    assert len(marks) == 2 and all(m.kind == "fold" and m.p0.y == 175 for m in marks)
    assert sorted(round(m.p0.x, 6) for m in marks) == [round(100 - 3 * mm, 6), round(300 + 3 * mm, 6)]


def test_registration_target_is_a_cross_in_a_circle() -> None:
    c, r = Point(50, 60), 7.0
    lines = registration_target(c, r)
    assert all(m.kind == "registration" for m in lines)
    assert all(p.distance(c) <= r + 1e-9 for m in lines for p in (m.p0, m.p1))
    cross = [m for m in lines if m.p0.lerp(m.p1, 0.5).isclose(c)]
    ring = [m for m in lines if m not in cross]
    assert len(ring) == 32 and all(math.isclose(p.distance(c), r) for m in ring for p in (m.p0, m.p1))
    assert {(m.p0.x == m.p1.x, m.p0.y == m.p1.y) for m in cross} == {(True, False), (False, True)}


def test_colour_bar_has_process_then_spot_patches_side_by_side() -> None:
    bar = colour_bar(Point(10, 20), ["CutContour", "Crease", "Black"], patch=5 * mm)
    assert [ink for _, ink in bar] == [*PROCESS_INKS, "CutContour", "Crease"]
    for (a, _), (b, _) in pairwise(bar):
        assert math.isclose(a.x1, b.x0) and a.y0 == b.y0 == 20
        assert math.isclose(a.width, 5 * mm) and math.isclose(a.height, 5 * mm)


def test_slug_text_names_job_sheet_side_records_stacks_and_date() -> None:
    text = slug_text(
        "help-me",
        sheet=3,
        sheets=12,
        side="B",
        records=(40, 59),
        stacks=((5, range(40, 50)), (6, (50,))),
        date="2025-12-31",
    )
    assert text == (
        "help-me  |  sheet 3 of 12  |  side B  |  records 40-59  |  stacks 5: 40-49, 6: 50  |  2025-12-31"
    )
    assert "record" not in slug_text("j", sheet=1, sheets=1, side="A")
    gaps = slug_text("j", sheet=1, sheets=1, side="A", ids=(501, 504), stacks=((1, (501, 502, 504)),))
    assert "records 501, 504  |  stacks 1: 501-502, 504" in gaps, "never a range with a gap"


def test_clip_marks_keeps_the_stretch_nearest_its_own_trim() -> None:
    m = MarkLine(Point(0, 0), Point(100, 0))
    wall = Rect(40, -10, 60, 10)
    (kept,) = clip_marks([m], [wall], clearance=1.0)
    assert kept.p0 == Point(0, 0) and math.isclose(kept.p1.x, 39.0)
    # beginning inside a neighbour: the free stretch after it is kept if long enough
    (later,) = clip_marks([m], [Rect(-5, -5, 10, 5)], min_length=20)
    assert math.isclose(later.p0.x, 10) and later.p1 == Point(100, 0)
    assert clip_marks([m], [Rect(-5, -5, 95, 5)], min_length=20) == ()
    # running along a box's edge is touching, and the clearance keeps it off
    assert clip_marks([m], [Rect(0, 0, 100, 10)]) == (m,)
    assert clip_marks([m], [Rect(0, 0, 100, 10)], clearance=0.5) == ()
    (inside,) = clip_marks([m], [], within=Rect(-1, -1, 50, 1))
    assert math.isclose(inside.p1.x, 50)


def test_merge_marks_joins_overlaps_and_drops_duplicates() -> None:
    a = MarkLine(Point(0, 0), Point(10, 0))
    b = MarkLine(Point(10, 0), Point(5, 0))  # reversed, overlapping
    c = MarkLine(Point(12, 0), Point(20, 0))  # same line, a gap
    d = MarkLine(Point(0, 0), Point(10, 0), "fold")  # another kind stays apart
    e = MarkLine(Point(0, 0), Point(0, 10))
    merged = merge_marks([a, b, c, d, a, e])
    assert len(merged) == 4
    assert MarkLine(Point(0, 0), Point(10, 0)) in merged
    assert merge_marks(merged) == merged
    diag = merge_marks([MarkLine(Point(0, 0), Point(3, 3)), MarkLine(Point(2, 2), Point(5, 5))])
    assert len(diag) == 1 and diag[0].p0.isclose(Point(0, 0)) and diag[0].p1.isclose(Point(5, 5))


coords = st.integers(-50, 50).map(float)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.booleans(), coords, coords, coords), min_size=1, max_size=12))
def test_merge_marks_covers_exactly_the_same_points(spec: list[tuple[bool, float, float, float]]) -> None:
    marks = []
    for vertical, at, a, b in spec:
        if a == b:
            continue
        ends = (Point(at, a), Point(at, b)) if vertical else (Point(a, at), Point(b, at))
        marks.append(MarkLine(*ends))
    merged = merge_marks(marks)

    def covered(ms: tuple[MarkLine, ...] | list[MarkLine], p: Point) -> bool:
        return any(
            abs((m.p1 - m.p0).cross(p - m.p0)) < 1e-6
            and min(m.p0.x, m.p1.x) - 1e-6 <= p.x <= max(m.p0.x, m.p1.x) + 1e-6
            and min(m.p0.y, m.p1.y) - 1e-6 <= p.y <= max(m.p0.y, m.p1.y) + 1e-6
            for m in ms
        )

    for m in marks + list(merged):
        for t in (0.0, 0.25, 0.5, 1.0):
            p = m.p0.lerp(m.p1, t)
            assert covered(marks, p) == covered(merged, p)
    assert len(merged) <= len(marks)


def test_slug_text_names_exact_one_based_record_ids_as_runs() -> None:
    text = slug_text("j", sheet=1, sheets=2, side="A", ids=(1, 6))
    assert "records 1, 6" in text and "1-6" not in text
    assert "records 1-3, 7" in slug_text("j", sheet=1, sheets=1, side="A", ids=(3, 1, 2, 7, 7))
    assert "record 5  " in slug_text("j", sheet=1, sheets=1, side="A", ids=(5,), date="d")
