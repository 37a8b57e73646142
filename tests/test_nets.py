"""Envelope nets: every style, at catalog sizes and over many sizes and parameters.

The properties are what makes a net a sound envelope: a simple closed cut, a front
panel of exactly the finished size, one valley fold per flap, flaps that close the
whole back when folded, and glue that lies on both surfaces it joins.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envelopekit.catalog import ENVELOPES, lookup
from envelopekit.errors import NetError
from envelopekit.geometry import Cubic, Point, Polygon, Rect
from envelopekit.nets import STYLES, Net, build_net, flap_to_net, load_styles
from envelopekit.nets.base import CUT_TOLERANCE, MIN_CUT_SEGMENT
from envelopekit.nets.export import net_to_dict
from envelopekit.units import mm

STYLE_NAMES = ("pocket", "banker", "baronial", "wallet", "diamond")
ORDER = {"back": 2, "seal": 3}  # side flaps (named after their front edge) are 1
TOL = 1e-6

load_styles()


def _on_segment(p: Point, a: Point, b: Point, tol: float = TOL) -> bool:
    ab = b - a
    n = ab.length()
    return abs(ab.cross(p - a)) / n <= tol and -tol <= (p - a).dot(ab) / n <= n + tol


def _covered(faces: list[Polygon]) -> Callable[[Point], bool]:
    """Point-in-any-polygon, fast (even-odd on bare floats, bounding boxes first);
    Polygon.contains settles points that land on an edge."""
    prepared = [(f.bbox, [(a.x, a.y, b.x, b.y) for a, b in f.edges()]) for f in faces]

    def inside(q: Point) -> bool:
        for box, edges in prepared:
            if box.contains_point(q, 0.0):
                odd = False
                for ax, ay, bx, by in edges:
                    if (ay > q.y) != (by > q.y) and q.x < ax + (q.y - ay) * (bx - ax) / (by - ay):
                        odd = not odd
                if odd:
                    return True
        return any(f.contains(q, 0.0) for f in faces)

    return inside


def check_net(net: Net, width: float, height: float) -> None:
    """Assert every property a sound net has (see the module docstring), except that
    the cut is simple: build_net refuses any other, and test_cut_and_panels_are_simple
    checks it again."""
    # The cut: closed, continuous, and placed with its bbox at the origin.
    segs = net.outline.segments
    ends = [s.p3 if isinstance(s, Cubic) else s.p1 for s in segs]
    for prev_end, seg in zip([ends[-1], *ends[:-1]], segs, strict=True):
        assert prev_end.isclose(seg.p0, 1e-6), "outline segments must join end to start"
    cut = net.outline.flatten(0.1)
    assert net.bbox.x0 == pytest.approx(0, abs=TOL) and net.bbox.y0 == pytest.approx(0, abs=TOL)
    assert cut.area >= 2 * width * height

    # The front panel: exactly the finished size, mapped by a translation.
    front = net.front
    assert (front.face, front.order, front.hinge) == ("front", 0, None)
    t = front.to_net
    assert (t.a, t.b, t.c, t.d) == (1.0, 0.0, 0.0, 1.0)
    fr = net.front_rect
    assert fr.width == pytest.approx(width, abs=0.01) and fr.height == pytest.approx(height, abs=0.01)
    assert fr.isclose(Rect(t.e, t.f, t.e + width, t.f + height), 0.01)

    # Flaps: names, stacking order, hinges on the front's edges, rigid face -> net maps.
    flaps = net.flaps()
    names = [p.name for p in net.panels]
    assert len(set(names)) == len(names) == 5 and names[0] == "front"
    sides = [p.name for p in flaps if p.name not in ORDER]
    assert len(sides) == 2 and set(sides) <= {"left", "right", "top", "bottom"}
    edges = list(fr.polygon().edges())
    for p in flaps:
        assert p.face == "back" and p.order == ORDER.get(p.name, 1)
        assert p.hinge is not None and p.hinge.kind == "valley" and p.hinge.panel == p.name
        assert p.to_net.isclose(flap_to_net(fr, p.hinge.p0, p.hinge.p1), TOL)
        assert p.to_net.determinant == pytest.approx(1.0, abs=1e-9)
        assert any(_on_segment(p.hinge.p0, a, b) and _on_segment(p.hinge.p1, a, b) for a, b in edges)
        assert p.polygon.area > 0

    # Folds: one valley fold per flap, each the flap's hinge, lying within the cut.
    assert sorted(net.folds, key=lambda f: f.panel) == sorted(
        (p.hinge for p in flaps if p.hinge), key=lambda f: f.panel
    )
    # (A fold's ends are where the cut's short steps were merged: within what that moves.)
    for fold in net.folds:
        for s in (0.0, 0.25, 0.5, 0.75, 1.0):
            tol = max(CUT_TOLERANCE, net.caliper) if s in (0.0, 1.0) else 1e-6
            assert cut.contains(fold.p0.lerp(fold.p1, s), tol)

    # No rule of the die shorter than 0.5 mm: the drawn cut's lines and Béziers, and the
    # cut flattened for export.
    for seg in segs:
        assert seg.length() >= MIN_CUT_SEGMENT - 1e-6, f"{type(seg).__name__} of {seg.length() / mm:.3f} mm"
    flat = net.cut()
    assert all(a.distance(b) >= MIN_CUT_SEGMENT - 1e-6 for a, b in flat.edges())

    # Folded onto the back, the flaps cover all of it.
    net_polys = {p.name: p.polygon for p in net.panels}  # each a flattening: compute once
    face_polys = {p.name: p.face_polygon() for p in flaps}
    covered = _covered(list(face_polys.values()))
    n = 25
    for i in range(n):
        for j in range(n):
            q = Point(0.5 + (width - 1) * i / (n - 1), 0.5 + (height - 1) * j / (n - 1))
            assert covered(q), f"back not covered at {q}"

    # Glue: on its own panel in the net, and on the panel it bonds to once folded.
    panels = {p.name: p for p in net.panels}
    bonds = set()
    for g in net.glue:
        assert g.polygon.area > 0
        assert all(net_polys[g.panel].contains(q, TOL) for q in g.polygon)
        folded = g.polygon.transform(panels[g.panel].to_net.inverse())
        assert all(face_polys[g.onto].contains(q, TOL) for q in folded)
        bonds.add((g.panel, g.onto))
    assert bonds == {("back", sides[0]), ("back", sides[1]), ("seal", "back")}


def _build(style: str, width: float, height: float, params: Any = None) -> Net:
    net = build_net(style, width, height, params)
    check_net(net, width, height)
    return net


# --- fixed cases ------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLE_NAMES)
@pytest.mark.parametrize("size", [s.name for s in ENVELOPES])
def test_defaults_build_at_every_catalog_size(style: str, size: str) -> None:
    s = lookup(size, kind="envelope")
    _build(style, s.width, s.height)


@pytest.mark.parametrize("style", STYLE_NAMES)
@pytest.mark.parametrize("size", ["C6", "#10"])
def test_cut_and_panels_are_simple(style: str, size: str) -> None:
    s = lookup(size, kind="envelope")
    net = _build(style, s.width, s.height)
    assert net.outline.flatten(0.1).is_simple()
    assert all(p.polygon.is_simple() for p in net.panels)
    assert all(g.polygon.is_simple() for g in net.glue)


@pytest.mark.parametrize("style", STYLE_NAMES)
@pytest.mark.parametrize("size", ["C6", "#10"])
def test_portrait_sizes_build_too(style: str, size: str) -> None:
    s = lookup(size, kind="envelope")
    _build(style, s.height, s.width)


def test_registry() -> None:
    assert set(STYLE_NAMES) <= set(STYLES)
    for name in STYLE_NAMES:
        style = STYLES[name]
        assert style.summary.lower().startswith(name)
        assert dataclasses.is_dataclass(style.params_type)
        assert style.params_type.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert hasattr(style.params_type, "__slots__")
    assert STYLES["diamond"].rotations == (0.0, 45.0, 90.0)


def test_template_builds_a_sound_net_but_is_not_registered() -> None:
    from envelopekit.nets import _template

    s = lookup("C6", kind="envelope")
    net = _template.build(s.width, s.height, _template.TemplateParams())
    check_net(net, s.width, s.height)
    assert net.outline.flatten(0.1).is_simple()
    assert "template" not in STYLES and "_template" not in load_styles()


def test_openings() -> None:
    """Banker-type styles open on a long edge, pocket on a short one."""
    s = lookup("C5", kind="envelope")
    for style in ("banker", "baronial", "wallet", "diamond"):
        net = build_net(style, s.width, s.height)
        seal = net.panel("seal").hinge
        assert seal is not None and seal.length == pytest.approx(s.width)
    pocket = build_net("pocket", s.width, s.height)
    assert pocket.panel("seal").hinge.length == pytest.approx(s.height)  # type: ignore[union-attr]
    assert {p.name for p in pocket.flaps()} == {"top", "bottom", "back", "seal"}
    # the back flap is the envelope's length less the throat
    back = pocket.panel("back").face_polygon().bbox
    assert back.width == pytest.approx(s.width - 16 * mm, abs=0.01)
    # a portrait pocket opens at the top, like a banker stood on end
    upright = build_net("pocket", s.height, s.width)
    top = upright.panel("seal")
    assert top.hinge is not None and top.hinge.length == pytest.approx(s.height)
    assert top.face_polygon().bbox.y1 == pytest.approx(s.width)
    assert {p.name for p in upright.flaps()} == {"left", "right", "back", "seal"}


def test_wallet_seal_covers_most_of_the_back() -> None:
    s = lookup("C5", kind="envelope")
    net = build_net("wallet", s.width, s.height)
    seal, back = net.panel("seal").face_polygon().bbox, net.panel("back").face_polygon().bbox
    assert seal.height > 0.8 * s.height and back.height < 0.5 * s.height


def test_diamond_flaps_pass_the_centre() -> None:
    s = lookup("C6", kind="envelope")
    net = build_net("diamond", s.width, s.height)
    depth = {p.name: p.face_polygon().bbox for p in net.flaps()}
    assert depth["left"].width + depth["right"].width >= s.width + 6 * mm
    assert depth["back"].height + depth["seal"].height >= s.height + 6 * mm


def test_caliper_keeps_side_flaps_off_the_folds() -> None:
    s = lookup("C6", kind="envelope")
    thick = build_net("banker", s.width, s.height, {"caliper": "0.5mm"})
    hinge = thick.panel("left").hinge
    assert hinge is not None and hinge.length == pytest.approx(s.height - 1.0 * mm)
    check_net(build_net("banker", s.width, s.height, {"caliper": "0mm"}), s.width, s.height)
    check_net(build_net("diamond", s.width, s.height, {"caliper": 0}), s.width, s.height)


def test_params_from_strings_and_numbers() -> None:
    s = lookup("DL", kind="envelope")
    a = build_net("banker", s.width, s.height, {"side-flap": "15mm", "shoulder": "60deg"})
    b = build_net("banker", s.width, s.height, {"side_flap": 15 * mm, "shoulder": 60})
    assert a == b
    assert a.params.side_flap == pytest.approx(15 * mm)


def test_deterministic() -> None:
    s = lookup("#10", kind="envelope")
    for style in STYLE_NAMES:
        a, b = build_net(style, s.width, s.height), build_net(style, s.width, s.height)
        assert a == b
        assert json.dumps(net_to_dict(a)) == json.dumps(net_to_dict(b))


def test_small_envelopes_scale_their_flaps() -> None:
    """Under a 70 mm short side every flap length shrinks in proportion."""
    big = build_net("banker", 140 * mm, 70 * mm)
    small = build_net("banker", 70 * mm, 35 * mm)
    big_box, small_box = big.bbox, small.bbox
    assert small_box.width == pytest.approx(big_box.width / 2, abs=0.01)
    assert small_box.height == pytest.approx(big_box.height / 2, abs=0.01)


def _seg_distance(p: Point, a: Point, b: Point) -> float:
    ab = b - a
    n2 = ab.dot(ab)
    t = 0.0 if n2 == 0 else max(0.0, min(1.0, (p - a).dot(ab) / n2))
    return p.distance(a + ab * t)


def _moved(raw: Polygon, tidy: Polygon) -> float:
    """How far apart two flattenings of a cut are, both ways, where they differ: along
    the first 2 mm of every edge from a vertex the other does not share."""
    worst = 0.0
    for a_poly, b_poly in ((raw, tidy), (tidy, raw)):
        shared = set(b_poly.points)
        for u, v in a_poly.edges():
            for end, other in ((u, v), (v, u)):
                if end in shared:
                    continue
                box = Rect.from_points([end]).expand(3 * mm)
                near = [(a, b) for a, b in b_poly.edges() if Rect.from_points([a, b]).intersects(box)]
                reach = min(1.0, 2 * mm / max(end.distance(other), 1e-9))
                for k in range(21):
                    x = end.lerp(other, reach * k / 20)
                    worst = max(worst, min((_seg_distance(x, a, b) for a, b in near), default=math.inf))
    return worst


@pytest.mark.parametrize("style", STYLE_NAMES)
def test_short_steps_in_the_cut_are_merged_without_moving_it(
    style: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At every catalog size, merging the caliper's steps at the front's corners moves the
    cut at most CUT_TOLERANCE (0.05 mm); the diamond's flap edges run on nearly parallel
    past its corners, so no merge comes closer than about 0.08 mm there, and the cut may
    move up to half the step it removes (one caliper)."""
    from envelopekit.nets import _shapes

    limit = CUT_TOLERANCE if style != "diamond" else 0.12 * mm
    worst = 0.0
    for size in ENVELOPES:
        tidy = build_net(style, size.width, size.height)
        with monkeypatch.context() as m:
            m.setattr(_shapes, "_tidy", lambda outline: outline)
            raw = build_net(style, size.width, size.height)
        assert min(s.length() for s in raw.outline.segments) < MIN_CUT_SEGMENT  # there was a step
        assert min(s.length() for s in tidy.outline.segments) >= MIN_CUT_SEGMENT - 1e-6
        assert raw.panels == tidy.panels and raw.folds == tidy.folds, "only the cut changes"
        worst = max(worst, _moved(raw.outline.flatten(0.01), tidy.outline.flatten(0.01)))
    assert worst <= limit, f"{style}: the cut moved {worst / mm:.3f} mm"


def test_corners_too_tight_to_cut_as_an_arc_are_sharp() -> None:
    s = lookup("C6", kind="envelope")
    for radius, arcs in (("0.1mm", 0), ("3mm", 8)):
        net = build_net("banker", s.width, s.height, {"corner_radius": radius})
        assert sum(isinstance(seg, Cubic) for seg in net.outline.segments) == arcs
        check_net(net, s.width, s.height)


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "params", "words"),
    [
        (
            "banker",
            {"seal_flap": "20mm"},
            ["seal flap", "cannot close", "increase seal_flap", "reduce throat"],
        ),
        ("banker", {"throat": "30mm", "seal_flap": "35mm"}, ["overlaps the back flap"]),
        ("pocket", {"seal_flap": "200mm"}, ["deeper than the envelope", "reduce seal_flap"]),
        ("banker", {"side_flap": "6mm"}, ["side_flap", "too narrow", "glue"]),
        ("banker", {"side_flap": "10mm", "glue": "12mm"}, ["side_flap", "reduce glue"]),
        ("banker", {"side_flap": "70mm"}, ["side_flap", "40%"]),
        ("wallet", {"seal_gap": "60mm"}, ["cannot close", "reduce seal_gap", "increase back_flap"]),
        ("wallet", {"back_flap": "150mm"}, ["back flap", "back_flap"]),
        ("wallet", {"seal_shoulder": "60"}, ["shoulder", "top corners open", "seal_shoulder"]),
        ("baronial", {"seal_flap": "15mm"}, ["seal flap", "increase seal_flap"]),
        ("diamond", {"overlap": "5mm"}, ["overlap", "glue"]),
        ("diamond", {"overlap": "100mm"}, ["overlap", "more than half"]),
    ],
)
def test_unsound_parameters_are_refused(style: str, params: dict[str, str], words: list[str]) -> None:
    s = lookup("C6", kind="envelope")
    with pytest.raises(NetError) as exc:
        build_net(style, s.width, s.height, params)
    text = str(exc.value)
    assert text.startswith(style)
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"seal_flap": "5mm"}, ["seal_flap", "below 10mm"]),
        ({"shoulder": "95"}, ["shoulder", "above 90deg"]),
        ({"side_flap": "ten"}, ["side_flap"]),
        ({"side_flap": 3}, ["side_flap", "below"]),
        ({"sideflap": "10mm"}, ["no parameter", "side_flap"]),
    ],
)
def test_bad_values_name_the_parameter(params: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(NetError) as exc:
        build_net("banker", 400, 300, params)
    for w in words:
        assert w in str(exc.value)


def test_a_params_object_is_range_checked_too() -> None:
    from envelopekit.nets.banker import BankerParams

    with pytest.raises(NetError, match="shoulder"):
        build_net("banker", 400, 300, BankerParams(shoulder=10.0))


def test_small_envelope_errors_say_they_scaled() -> None:
    with pytest.raises(NetError, match=r"scaled by 0\.50"):
        build_net("banker", 70 * mm, 35 * mm, {"seal_flap": "20mm"})


# --- properties -------------------------------------------------------------------------------

# A net takes ~20 ms to build (most of it build_net's own simplicity check), so these
# stay at 40 and 25 examples per style to keep the file under 20 s.
SIZES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
PARAMS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@st.composite
def sizes(draw: st.DrawFn) -> tuple[float, float]:
    """Landscape finished sizes: widths 60-460 mm, aspect 1-2.5."""
    width = draw(st.floats(60, 460)) * mm
    return (width, width / draw(st.floats(1.0, 2.5)))


@pytest.mark.parametrize("style", STYLE_NAMES)
@SIZES
@given(size=sizes(), portrait=st.booleans())
def test_defaults_make_sound_nets_at_any_size(style: str, size: tuple[float, float], portrait: bool) -> None:
    w, h = size
    if portrait:
        w, h = h, w
    _build(style, w, h)


@st.composite
def params_for(draw: st.DrawFn, style: str) -> dict[str, float]:
    """Any parameter values the style accepts, in points / degrees."""
    out: dict[str, float] = {}
    for f in dataclasses.fields(STYLES[style].params_type):
        if draw(st.booleans()):
            continue  # keep the default
        meta = f.metadata
        scale = mm if meta["kind"] == "length" else 1.0
        out[f.name] = draw(st.floats(meta["lo"], meta["hi"])) * scale
    return out


@pytest.mark.parametrize("style", STYLE_NAMES)
@PARAMS
@given(data=st.data(), size=sizes())
def test_any_parameters_give_a_sound_net_or_a_net_error(
    style: str, data: st.DataObject, size: tuple[float, float]
) -> None:
    params = data.draw(params_for(style))
    try:
        net = build_net(style, *size, params)
    except NetError as exc:
        assert str(exc).startswith(style)
        return
    check_net(net, *size)


# --- export -----------------------------------------------------------------------------------


def test_export_schema_and_round_trip() -> None:
    s = lookup("C6", kind="envelope")
    for style in STYLE_NAMES:
        net = build_net(style, s.width, s.height)
        d = net_to_dict(net)
        assert list(d) == ["style", "size", "outline", "folds", "glue", "panels"]
        assert d["style"] == style and d["size"] == [round(s.width, 3), round(s.height, 3)]
        assert json.loads(json.dumps(d)) == d
        assert len(d["folds"]) == len(net.folds) == 4
        assert len(d["glue"]) == len(net.glue)
        assert len(d["panels"]) == len(net.panels) == 5
        assert all(set(f) == {"from", "to", "kind"} and f["kind"] == "valley" for f in d["folds"])
        assert all(set(p) == {"name", "face", "order", "polygon"} for p in d["panels"])
        assert [p["name"] for p in d["panels"]] == [p.name for p in net.panels]
        polygons = [d["outline"], *d["glue"], *(p["polygon"] for p in d["panels"])]
        points = [pt for poly in polygons for pt in poly] + [
            pt for f in d["folds"] for pt in (f["from"], f["to"])
        ]
        assert all(len(pt) == 2 for pt in points)
        assert all(isinstance(v, float) and round(v, 3) == v for pt in points for v in pt)
        assert [len(g) for g in d["glue"]] == [len(g.polygon) for g in net.glue]
        outline = Polygon.of(*(tuple(pt) for pt in d["outline"]))
        assert outline.is_simple()
        assert all(a.distance(b) >= MIN_CUT_SEGMENT - 0.002 for a, b in outline.edges()), (
            "a die rule < 0.5 mm"
        )
        assert math.isclose(outline.area, net.outline.flatten(0.1).area, rel_tol=1e-3)
        front = d["panels"][0]
        assert front["name"] == "front" and front["face"] == "front" and front["order"] == 0


# --- interior cuts (windows) -----------------------------------------------------------------------


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_window_is_an_interior_cut_of_every_style(style: str) -> None:
    """Without a window a net has no holes and exports none (the JSON stays as it was); with
    one, the hole lies strictly inside the front panel and the outline is unchanged."""
    size = lookup("C5", kind="envelope")
    plain = build_net(style, size.width, size.height)
    assert plain.holes == () and "holes" not in net_to_dict(plain)
    windowed = build_net(style, size.width, size.height, {"window": "c5"})
    assert windowed.outline == plain.outline and windowed.folds == plain.folds
    (hole,) = windowed.holes
    ring = hole.flatten(0.1)
    assert ring.is_simple() and plain.front.polygon.bbox.inset(5 * mm - 1e-6).contains(ring.bbox)
    assert net_to_dict(windowed)["holes"] == [[[round(p.x, 3) + 0.0, round(p.y, 3) + 0.0] for p in ring]]


def test_a_window_parameter_is_checked_like_the_others() -> None:
    size = lookup("DL", kind="envelope")
    with pytest.raises(NetError, match="neither a preset"):
        build_net("banker", size.width, size.height, {"window": "dll"})
    with pytest.raises(NetError, match="does not fit"):
        build_net("banker", size.width, size.height, {"window": "100mm,100mm,10mm,10mm"})
    with pytest.raises(NetError, match="side_flapp"):
        build_net("banker", size.width, size.height, {"window": "dl", "side_flapp": "10mm"})
