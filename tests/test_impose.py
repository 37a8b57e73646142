"""Imposition plans: geometry invariants (property tests), cut-and-stack order, duplex register."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envelopekit.catalog import lookup_sheet
from envelopekit.errors import ImposeError
from envelopekit.geometry import Point, Polygon, Rect, Transform
from envelopekit.impose import (
    Edge,
    ImposeOptions,
    Piece,
    SheetPlan,
    back_of,
    flip,
    plan,
    printable_area,
)
from envelopekit.marks import MarkLine, registration_target
from envelopekit.units import mm

SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
KIT_MM = [(290, 250), (210, 180), (150, 130), (130, 115), (210, 148), (148, 105), (105, 74), (95, 65)]


def kit_pieces(kits: int, sizes: list[tuple[int, int]] = KIT_MM, **kw: object) -> list[Piece]:
    return [
        Piece(f"R{r:04d}/{i}", w * mm, h * mm, record=r, group=f"R{r:04d}", **kw)  # type: ignore[arg-type]
        for r in range(kits)
        for i, (w, h) in enumerate(sizes)
    ]


# --- helpers ----------------------------------------------------------------------------------


def gap(a: Rect, b: Rect) -> float:
    """Distance between two boxes along the axis that separates them (<= 0: they overlap)."""
    return max(a.x0 - b.x1, b.x0 - a.x1, a.y0 - b.y1, b.y0 - a.y1)


def length_inside(m: MarkLine, r: Rect) -> float:
    """Length of the mark inside the open box ``r`` (clipped here, independently of marks.py)."""
    t0, t1 = 0.0, 1.0
    for p, q, lo, hi in ((m.p0.x, m.p1.x, r.x0, r.x1), (m.p0.y, m.p1.y, r.y0, r.y1)):
        d = q - p
        if abs(d) < 1e-12:
            if not lo < p < hi:
                return 0.0
            continue
        a, b = sorted(((lo - p) / d, (hi - p) / d))
        t0, t1 = max(t0, a), min(t1, b)
    return max(0.0, t1 - t0) * m.p0.distance(m.p1)


def marked(m: MarkLine, corner: Point, vertical: bool, within: float) -> bool:
    """Is ``m`` a crop mark on the vertical (or horizontal) line through ``corner``, near it?"""
    along, across = (lambda p: p.y, lambda p: p.x) if vertical else (lambda p: p.x, lambda p: p.y)
    if m.kind != "crop" or not all(
        math.isclose(across(p), across(corner), abs_tol=1e-6) for p in (m.p0, m.p1)
    ):
        return False
    lo, hi = sorted((along(m.p0), along(m.p1)))
    v = along(corner)
    return max(lo - v, v - hi) <= within


def is_rigid(t: Transform) -> bool:
    return (
        math.isclose(t.a * t.a + t.b * t.b, 1.0, abs_tol=1e-9)
        and math.isclose(t.c, -t.b, abs_tol=1e-9)
        and math.isclose(t.d, t.a, abs_tol=1e-9)
    )


def fronts(plans: tuple[SheetPlan, ...]) -> list[SheetPlan]:
    return [p for p in plans if p.side == "A"]


def check_sheet(p: SheetPlan, pieces: dict[str, Piece], options: ImposeOptions) -> None:
    """Every invariant one side of a sheet must hold."""
    duplex = options.duplex if any(q.duplex for q in pieces.values()) else None
    area = printable_area(p.sheet, options.gripper_edge, duplex)
    media = p.media_box
    boxes = [q.bleed_box for q in p.placements]
    for q in p.placements:
        assert area.contains(q.bleed_box, tol=1e-6), (q.key, q.bleed_box, area)
        assert is_rigid(q.transform)
        piece = pieces[q.key]
        shape = piece.shape
        if p.side == "B":
            shape = shape.transform(Transform.mirror_x(piece.width / 2))
        assert shape.transform(q.transform).bbox.isclose(q.trim, 1e-6)
        assert q.bleed_box.isclose(q.trim.expand(piece.bleed), 1e-6)
    assert all(x.position <= y.position for x, y in pairwise(p.placements))
    for i, box in enumerate(boxes):
        assert all(gap(box, other) >= -1e-6 for other in boxes[i + 1 :]), "bleed boxes overlap"
    for m in p.marks:
        assert media.contains_point(m.p0) and media.contains_point(m.p1)
        assert area.contains_point(m.p0) and area.contains_point(m.p1)
        for box in boxes:
            assert length_inside(m, box) < 1e-6, (m, box)
    for t in p.registration:
        box = Rect(t.center.x - t.radius, t.center.y - t.radius, t.center.x + t.radius, t.center.y + t.radius)
        assert area.contains(box, 1e-6)
        assert all(gap(box, b) > 0 for b in boxes)
        assert all(area.contains_point(m.p0, 1e-6) for m in registration_target(t.center, t.radius))
    furniture = [r for r, _ink in p.colour_bar] + [
        Rect(t.center.x - t.radius, t.center.y - t.radius, t.center.x + t.radius, t.center.y + t.radius)
        for t in p.registration
    ]
    for r in furniture:
        assert area.contains(r, 1e-6)
        assert all(gap(r, b) > 0 for b in boxes)
        assert all(length_inside(m, r) == 0 for m in p.marks if m.kind != "registration")
    if options.info_strip:
        assert p.slug is not None and area.contains_point(p.slug.at)
        assert f"sheet {p.number} of {p.total}" in p.slug.text and f"side {p.side}" in p.slug.text
    trims = [q.trim for q in p.placements]
    assert p.trim_box.isclose(Rect.from_points(c for t in trims for c in t.corners()))
    assert p.bleed_box.isclose(Rect.from_points(c for b in boxes for c in b.corners()))


def check_plans(plans: tuple[SheetPlan, ...], pieces: list[Piece], options: ImposeOptions) -> None:
    by_key = {p.key: p for p in pieces}
    placed = [q.key for p in fronts(plans) for q in p.placements]
    assert sorted(placed) == sorted(by_key), "every piece exactly once"
    for p in plans:
        check_sheet(p, by_key, options)
    numbers = [p.number for p in fronts(plans)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(p.total == len(numbers) for p in plans)


# --- random piece sets ---------------------------------------------------------------------


@st.composite
def piece_sets(draw: st.DrawFn, max_pieces: int = 14, max_mm: int = 150) -> list[Piece]:
    n = draw(st.integers(1, max_pieces))
    out = []
    for i in range(n):
        w = draw(st.integers(15, max_mm)) * mm
        h = draw(st.integers(15, max_mm)) * mm
        fold = draw(st.sampled_from([None, "h", "v"]))
        folds: tuple[tuple[Point, Point], ...] = ()
        if fold == "h":
            folds = ((Point(0, h / 3), Point(w, h / 3)),)
        elif fold == "v":
            folds = ((Point(w / 2, 0), Point(w / 2, h)),)
        out.append(
            Piece(
                f"p{i}",
                w,
                h,
                bleed=draw(st.sampled_from([0.0, 2 * mm, 3 * mm])),
                rotations=draw(st.sampled_from([(0.0, 90.0), (0.0,), (90.0,), (0.0, 90.0, 180.0)])),
                folds=folds,
                record=i,
                duplex=draw(st.booleans()),
            )
        )
    return out


SHEETS = st.sampled_from(["SRA3", "12x18in", "A3", "A4", "Letter"])


@SETTINGS
@given(
    pieces=piece_sets(),
    sheet=SHEETS,
    gutter=st.sampled_from([None, 0.0, 2 * mm]),
    edge=st.sampled_from(["bottom", "left", "top"]),
)
def test_gang_invariants(pieces: list[Piece], sheet: str, gutter: float | None, edge: str) -> None:
    options = ImposeOptions(gutter=gutter, date="2025-01-01", duplex="turn", gripper_edge=edge)  # type: ignore[arg-type]
    plans = plan(pieces, lookup_sheet(sheet), options)
    check_plans(plans, pieces, options)
    if gutter is None:
        # room for full marks: every trim corner has a mark on both of its edge lines
        for p in plans:
            for q in p.placements:
                start = max(options.mark_offset, q.bleed_box.x1 - q.trim.x1)
                for c in q.trim.corners():
                    assert all(any(marked(m, c, v, start + 1) for m in p.marks) for v in (True, False))
    else:
        for p in plans:
            boxes = [q.bleed_box for q in p.placements]
            for i, a in enumerate(boxes):
                assert all(gap(a, b) >= gutter - 1e-6 for b in boxes[i + 1 :])


@SETTINGS
@given(pieces=piece_sets(max_pieces=10), sheet=SHEETS, mode=st.sampled_from(["turn", "tumble"]))
def test_duplex_backs_register(pieces: list[Piece], sheet: str, mode: str) -> None:
    options = ImposeOptions(duplex=mode)  # type: ignore[arg-type]
    s = lookup_sheet(sheet)
    plans = plan(pieces, s, options)
    check_plans(plans, pieces, options)
    f = flip(s, mode)  # type: ignore[arg-type]
    by_key = {p.key: p for p in pieces}
    for i, p in enumerate(plans):
        if p.side == "B":
            continue
        has_back = any(by_key[q.key].duplex for q in p.placements)
        nxt = plans[i + 1] if i + 1 < len(plans) else None
        assert has_back == (nxt is not None and nxt.side == "B")
        if not has_back:
            continue
        assert nxt is not None and nxt.number == p.number
        backs = {q.key: q for q in nxt.placements}
        assert set(backs) == {q.key for q in p.placements}
        for front in p.placements:
            back = backs[front.key]
            mapped = Rect.from_points(f.apply(c) for c in front.trim.corners())
            assert mapped.isclose(back.trim, 0.01)
            assert is_rigid(back.transform) and not back.transform.is_mirroring
            w = by_key[front.key].width
            for u in (Point(0, 0), Point(w, 0), Point(w / 3, by_key[front.key].height)):
                behind = f.apply(front.transform.apply(Point(w - u.x, u.y)))
                assert back.transform.apply(u).isclose(behind, 0.01)
            expected = (-front.rotation if mode == "turn" else 180 - front.rotation) % 360
            assert math.isclose(back.rotation, expected, abs_tol=1e-6)
            assert back_of(back, s, mode).transform.isclose(front.transform, 1e-6)  # type: ignore[arg-type]
        targets_b = [t.center for t in nxt.registration]
        assert len(targets_b) == len(p.registration)
        for t, tb in zip(p.registration, targets_b, strict=True):
            assert f.apply(t.center).isclose(tb, 0.01)


def test_duplex_needs_a_mode() -> None:
    with pytest.raises(ImposeError, match="duplex"):
        plan([Piece("a", 100 * mm, 50 * mm, duplex=True)], lookup_sheet("SRA3"))


# --- cut-and-stack ---------------------------------------------------------------------------


def piles(plans: tuple[SheetPlan, ...]) -> list[list[SheetPlan]]:
    """Sheets in print order, grouped into the piles that are cut together."""
    out: list[list[SheetPlan]] = []
    for p in fronts(plans):
        if out and out[-1][0].stacks == p.stacks:
            out[-1].append(p)
        else:
            out.append([p])
    return out


def cut_and_restack(pile: list[SheetPlan]) -> list[tuple[int | None, str]]:
    """Guillotine the pile: position p of every sheet, in print order; stacks 1..P in order."""
    seq = []
    positions = sorted({q.position for p in pile for q in p.placements})
    for pos in positions:
        for sheet in pile:
            seq += [(q.record, q.key) for q in sheet.placements if q.position == pos]
    return seq


def assert_in_order(seq: list[tuple[int | None, str]], group_of: dict[str, str]) -> None:
    records = [r for r, _ in seq]
    assert all(a is not None and b is not None and a <= b for a, b in pairwise(records)), records
    groups = [group_of[k] for _, k in seq]
    seen: set[str] = set()
    for a, b in pairwise(groups):
        if a != b:
            assert b not in seen, f"record {b} is split"
            seen.add(a)


@SETTINGS
@given(
    records=st.integers(1, 45),
    kit=st.lists(st.sampled_from([(105, 74), (95, 65), (148, 105), (85, 55)]), min_size=1, max_size=3),
    depth=st.sampled_from([None, 1, 2, 5]),
    sheet=st.sampled_from(["SRA3", "A4"]),
    shuffle=st.randoms(use_true_random=False),
)
def test_cut_and_stack_order(
    records: int, kit: list[tuple[int, int]], depth: int | None, sheet: str, shuffle: object
) -> None:
    pieces = kit_pieces(records, kit)
    shuffle.shuffle(pieces)  # type: ignore[attr-defined]
    options = ImposeOptions(strategy="cut-and-stack", stack_depth=depth, date="2025-01-01")
    plans = plan(pieces, lookup_sheet(sheet), options)
    check_plans(plans, pieces, options)
    group_of = {p.key: p.group for p in pieces}
    seq = [x for pile in piles(plans) for x in cut_and_restack(pile)]
    assert len(seq) == len(pieces)
    assert_in_order(seq, group_of)
    for pile in piles(plans):
        if depth is not None:
            assert len(pile) <= depth
        # one cut layout for the whole pile: a position holds the same boxes on every sheet
        cells: dict[int, list[tuple[float, ...]]] = {}
        for sheet_plan in pile:
            by_pos: dict[int, list[tuple[float, ...]]] = defaultdict(list)
            for q in sheet_plan.placements:
                by_pos[q.position].append(tuple(round(v, 6) for v in q.trim.as_tuple()))
            for pos, rects in by_pos.items():
                assert cells.setdefault(pos, sorted(rects)) == sorted(rects)
        # stack numbers and ranges agree with what the stack holds
        ranges = {s.number: s for s in pile[0].stacks}
        for sheet_plan in pile:
            for q in sheet_plan.placements:
                s = ranges[q.stack]  # type: ignore[index]
                assert s.position == q.position and s.first <= q.record <= s.last  # type: ignore[operator]
        assert pile[0].slug is not None and "stacks" in pile[0].slug.text


def test_cut_and_stack_splits_a_big_kit_into_piles_in_record_order() -> None:
    pieces = kit_pieces(7)
    options = ImposeOptions(strategy="cut-and-stack")
    plans = plan(pieces, lookup_sheet("SRA3"), options)
    check_plans(plans, pieces, options)
    group_of = {p.key: p.group for p in pieces}
    parts = piles(plans)
    assert len(parts) > 1
    for pile in parts:
        assert_in_order(cut_and_restack(pile), group_of)
    # collating the piles gives each record its whole kit
    per_record: dict[int | None, int] = defaultdict(int)
    for pile in parts:
        for r, _ in cut_and_restack(pile):
            per_record[r] += 1
    assert set(per_record.values()) == {len(KIT_MM)}


def test_cut_and_stack_rejects_a_group_with_two_records() -> None:
    pieces = [
        Piece("a", 50 * mm, 50 * mm, record=1, group="g"),
        Piece("b", 50 * mm, 50 * mm, record=2, group="g"),
    ]
    with pytest.raises(ImposeError, match="mixes records"):
        plan(pieces, lookup_sheet("A4"), ImposeOptions(strategy="cut-and-stack"))


# --- step-and-repeat -------------------------------------------------------------------------


@SETTINGS
@given(
    w=st.integers(20, 180),
    h=st.integers(20, 180),
    n=st.integers(1, 60),
    bleed=st.sampled_from([0.0, 3 * mm]),
    shared=st.booleans(),
)
def test_step_and_repeat_fills_the_best_grid(w: int, h: int, n: int, bleed: float, shared: bool) -> None:
    pieces = [Piece(f"c{i}", w * mm, h * mm, bleed=bleed) for i in range(n)]
    options = ImposeOptions(strategy="step-and-repeat", shared_cuts=shared)
    sheet = lookup_sheet("SRA3")
    plans = plan(pieces, sheet, options)
    check_plans(plans, pieces, options)
    per = len(plans[0].placements)
    assert all(len(p.placements) == per for p in plans[:-1])
    assert len(plans) == math.ceil(n / per)
    # every sheet is the same grid: the last one is a prefix of the first
    first = [q.trim for q in plans[0].placements]
    assert all(q.trim.isclose(first[i]) for i, q in enumerate(plans[-1].placements))
    if shared and bleed == 0 and per > 1:
        # butted pieces: some neighbours share a cut line, and it is marked once at most
        assert any(math.isclose(gap(a, b), 0, abs_tol=1e-6) for a in first for b in first if a != b)
        lines = [(m.p0.x, m.p0.y, m.p1.x, m.p1.y) for m in plans[0].marks]
        assert len(lines) == len(set(lines))


def test_step_and_repeat_rejects_mixed_sizes() -> None:
    pieces = [Piece("a", 100 * mm, 50 * mm), Piece("b", 90 * mm, 50 * mm)]
    with pytest.raises(ImposeError, match="one size"):
        plan(pieces, lookup_sheet("SRA3"), ImposeOptions(strategy="step-and-repeat"))


def test_step_and_repeat_picks_the_better_orientation() -> None:
    # 90 x 140 mm (+3 bleed, +5 gutter: 101 x 151) in SRA3's 305 x 423 mm: 3 x 2 = 6 upright,
    # 2 x 4 = 8 turned
    pieces = [Piece(f"c{i}", 90 * mm, 140 * mm) for i in range(8)]
    plans = plan(pieces, lookup_sheet("SRA3"), ImposeOptions(strategy="step-and-repeat"))
    assert len(plans) == 1 and {q.rotation for q in plans[0].placements} == {90.0}


# --- gang: utilisation, rotation, errors ----------------------------------------------------


def test_gang_beats_a_plain_grid_on_the_kit_mix() -> None:
    sheet = lookup_sheet("SRA3")
    pieces = kit_pieces(10)
    ganged = fronts(plan(pieces, sheet, ImposeOptions()))
    check_plans(tuple(ganged), pieces, ImposeOptions())
    # plain grid: every cell big enough for the largest piece, one piece per cell
    biggest = [Piece(f"b{i}", 290 * mm, 250 * mm) for i in range(len(pieces))]
    grid = plan(biggest, sheet, ImposeOptions(strategy="step-and-repeat"))
    # and each size on its own step-and-repeat sheets
    per_size = sum(
        len(
            plan(
                [p for p in pieces if p.key.endswith(f"/{i}")],
                sheet,
                ImposeOptions(strategy="step-and-repeat"),
            )
        )
        for i in range(len(KIT_MM))
    )
    assert len(ganged) < per_size < len(grid)
    assert len(ganged) <= 21


def test_rotation_is_rigid_and_maps_the_piece_onto_its_trim() -> None:
    pieces = [Piece(f"p{i}", 200 * mm, 60 * mm, rotations=(90.0,)) for i in range(3)]
    plans = plan(pieces, lookup_sheet("A4"), ImposeOptions())
    for q in plans[0].placements:
        assert q.rotation == 90.0 and is_rigid(q.transform)
        assert math.isclose(q.trim.width, 60 * mm) and math.isclose(q.trim.height, 200 * mm)
        corners = [q.transform.apply(c) for c in Rect(0, 0, 200 * mm, 60 * mm).corners()]
        assert Rect.from_points(corners).isclose(q.trim, 1e-6)


def test_diamond_at_45_degrees_packs_by_its_outline() -> None:
    s = 300 * mm
    diamond = Polygon.of((s / 2, 0), (s, s / 2), (s / 2, s), (0, s / 2))
    piece = Piece("diamond", s, s, rotations=(0.0, 45.0), outline=diamond)
    plans = plan([piece], lookup_sheet("A3"), ImposeOptions())  # 300 mm does not fit A3 upright
    (q,) = plans[0].placements
    assert q.rotation == 45.0 and is_rigid(q.transform)
    side = s / math.sqrt(2)
    assert math.isclose(q.trim.width, side, abs_tol=1e-6)
    assert diamond.transform(q.transform).bbox.isclose(q.trim, 1e-6)
    with pytest.raises(ImposeError):
        plan([Piece("rect", s, s, rotations=(0.0, 45.0))], lookup_sheet("A3"))


def test_an_oversized_piece_names_a_sheet_it_fits() -> None:
    with pytest.raises(ImposeError) as err:
        plan([Piece("R0000003/outer", 350 * mm, 250 * mm)], lookup_sheet("A4"))
    text = str(err.value)
    assert "R0000003/outer" in text and "350.0 x 250.0 mm" in text and "A4" in text
    assert "smallest catalog sheet it fits is Tabloid" in text
    with pytest.raises(ImposeError, match="no catalog sheet"):
        plan([Piece("huge", 900 * mm, 900 * mm)], lookup_sheet("SRA3"))


def test_plans_are_deterministic_and_carry_the_given_date() -> None:
    options = ImposeOptions(
        job="help-me", date="2025-12-31", duplex="tumble", spot_inks=("CutContour", "Crease")
    )
    pieces = kit_pieces(3, duplex=True)
    a = plan(pieces, lookup_sheet("SRA3"), options)
    b = plan(list(pieces), lookup_sheet("SRA3"), options)
    assert a == b
    assert a[0].slug is not None and a[0].slug.text.startswith("help-me")
    assert "2025-12-31" in a[0].slug.text and "records 1, 3" in a[0].slug.text
    assert [ink for _, ink in a[0].colour_bar] == [
        "Cyan",
        "Magenta",
        "Yellow",
        "Black",
        "CutContour",
        "Crease",
    ]


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ImposeError, match="twice"):
        plan([Piece("a", 50 * mm, 50 * mm)] * 2, lookup_sheet("A4"))


def test_gripper_edge_is_kept_clear() -> None:
    sheet = lookup_sheet("SRA3")  # 10 mm gripper, 5 mm margins
    pieces = [Piece(f"c{i}", 90 * mm, 50 * mm) for i in range(30)]
    edges: tuple[Edge, ...] = ("bottom", "top", "left", "right")
    for edge in edges:
        plans = plan(pieces, sheet, ImposeOptions(gripper_edge=edge))
        for p in plans:
            for q in p.placements:
                box = q.bleed_box
                clear = {
                    "bottom": box.y0,
                    "top": sheet.height - box.y1,
                    "left": box.x0,
                    "right": sheet.width - box.x1,
                }[edge]
                assert clear >= 10 * mm - 1e-6


def test_without_rotation_pieces_keep_their_first_angle() -> None:
    pieces = [Piece(f"c{i}", 90 * mm, 140 * mm) for i in range(8)]
    plans = plan(pieces, lookup_sheet("SRA3"), ImposeOptions(allow_rotation=False))
    assert {q.rotation for p in plans for q in p.placements} == {0.0}
    with pytest.raises(ImposeError, match="any allowed rotation"):
        plan(
            [Piece("long", 400 * mm, 100 * mm, rotations=(0.0, 90.0))],
            lookup_sheet("SRA3"),
            ImposeOptions(allow_rotation=False),
        )


def test_a_wide_gutter_is_kept_and_no_info_strip_means_no_slug() -> None:
    pieces = [Piece(f"c{i}", 60 * mm, 40 * mm) for i in range(12)]
    options = ImposeOptions(gutter=20 * mm, info_strip=False)
    plans = plan(pieces, lookup_sheet("A4"), options)
    check_plans(plans, pieces, options)
    for p in plans:
        assert p.slug is None and p.colour_bar == () and p.registration == ()
        boxes = [q.bleed_box for q in p.placements]
        assert all(gap(a, b) >= 20 * mm - 1e-6 for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_a_sheet_smaller_than_its_margins_fits_nothing() -> None:
    from envelopekit.catalog import Sheet

    tiny = Sheet("tiny", 20 * mm, 20 * mm, 5 * mm, 12 * mm, "custom")
    with pytest.raises(ImposeError, match="tiny"):
        plan([Piece("a", 5 * mm, 5 * mm)], tiny)
