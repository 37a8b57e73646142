"""Kits: nesting arithmetic, auto-sizing, folded cards, faces mapped onto pieces, fold rules.

All pure data (no PDF): geometry is compared with the plan within 0.01 pt.
"""

from __future__ import annotations

import re

import pytest
from conftest import LAYOUTS

from envelopekit.catalog import lookup, lookup_stock
from envelopekit.content.blocks import AddressBlock, QRBlock, RuleBlock, TextBlock
from envelopekit.errors import FitError, LayoutError
from envelopekit.geometry import Point, Rect, Transform
from envelopekit.kit import (
    HAND,
    MACHINE,
    CardSpec,
    EnvelopeSpec,
    KitSpec,
    ResolvedCard,
    ResolvedEnvelope,
    card_panels,
    folded_size,
    resolve,
)
from envelopekit.layouts import load_layout
from envelopekit.units import mm

TOL = 0.01  # pt

A6 = lookup("A6", kind="card").landscape()  # 148 x 105 mm
A5 = lookup("A5", kind="card").landscape()  # 210 x 148 mm
C6 = lookup("C6", kind="envelope")
C7 = lookup("C7", kind="envelope")
CARD = lookup_stock("card-300")
PAPER = lookup_stock("envelope-100")


def card(name: str = "card", size=A6, **kw) -> CardSpec:  # type: ignore[no-untyped-def]
    return CardSpec(name, size.width, size.height, **kw)


def kit_of(*contents, style: str = "pocket", size=None, clearance=HAND, safe=4 * mm, **env) -> KitSpec:  # type: ignore[no-untyped-def]
    return KitSpec(
        "t",
        EnvelopeSpec("env", style, size=size, contents=tuple(contents), **env),
        clearance=clearance,
        safe=safe,
        source="t.toml",
    )


def shortfalls(message: str) -> dict[str, float]:
    """{"short": mm, "narrow": mm} read back from a FitError message."""
    return {what: float(v) for v, what in re.findall(r"([\d.]+) mm too (short|narrow)", message)}


def close(p: Point, q: Point) -> bool:
    return p.isclose(q, TOL)


# --- nesting and auto-size ------------------------------------------------------------------


def test_an_a6_card_auto_sizes_into_c6_by_hand() -> None:
    kit = resolve(kit_of(card()))
    env = kit.outer
    assert env.size_name == "C6"
    assert (env.width, env.height) == pytest.approx((162 * mm, 114 * mm), abs=TOL)
    # 148 + 6 + 0.35 = 154.35 <= 162 and 105 + 6 + 0.35 = 111.35 <= 114.
    assert 148 * mm + HAND[0] + CARD.caliper <= env.width
    assert 105 * mm + HAND[1] + CARD.caliper <= env.height


def test_an_a6_card_needs_a_bigger_envelope_with_machine_clearance() -> None:
    kit = resolve(kit_of(card(), clearance=MACHINE))
    env = kit.outer
    assert env.size_name != "C6"  # 148 + 15 + 0.35 = 163.35 mm > 162 mm
    assert env.width >= 148 * mm + 15 * mm + CARD.caliper - TOL
    assert env.height >= 105 * mm + 8 * mm + CARD.caliper - TOL
    # ... and it is the smallest iso-c envelope that does: C6/5 (229 x 114 mm).
    assert env.size_name == "C6/5"


def test_auto_takes_the_smallest_of_the_named_sizes_that_fits() -> None:
    kit = resolve(kit_of(card(), auto=("C5", "DL", "C6")))
    assert kit.outer.size_name == "C6"
    kit = resolve(kit_of(card(), auto=("us-a",)))
    assert kit.outer.size_name == "A6"  # 6 1/2 x 4 3/4 in holds 154.35 x 111.35 mm


def test_an_explicit_size_that_is_too_small_names_the_envelope_and_the_shortfall() -> None:
    with pytest.raises(FitError) as info:
        resolve(kit_of(card(), size=C7))
    text = str(info.value)
    assert "'env'" in text and "C7" in text
    got = shortfalls(text)
    assert got["short"] == pytest.approx(148 + 6 + 0.35 - 114, abs=0.06)
    assert got["narrow"] == pytest.approx(105 + 6 + 0.35 - 81, abs=0.06)
    assert "6 x 6 mm clearance" in text and "0.35 mm of contents" in text


def test_machine_clearance_shortfall_in_an_explicit_c6() -> None:
    with pytest.raises(FitError) as info:
        resolve(kit_of(card(), size=C6, clearance=MACHINE))
    got = shortfalls(str(info.value))
    assert got == pytest.approx({"short": 1.35}, abs=0.06)  # only the length is short


def test_auto_with_nothing_big_enough_says_what_is_needed() -> None:
    with pytest.raises(FitError) as info:
        resolve(kit_of(card(), auto=("C7",)))
    text = str(info.value)
    assert "no C7 envelope" in text and "'env'" in text
    need = [float(v) for v in re.findall(r"([\d.]+) x ([\d.]+) mm needed", text)[0]]
    assert need == pytest.approx([154.35, 111.35], abs=0.06)


def test_a_nested_envelope_that_does_not_fit_is_named_by_its_path() -> None:
    inner = EnvelopeSpec("inner", "pocket", size=C6, contents=(card(),))
    outer = EnvelopeSpec("outer", "banker", size=C6, contents=(inner,))
    with pytest.raises(FitError) as info:
        resolve(KitSpec("t", outer))
    assert "'outer'" in str(info.value)
    # The inner level is fine; a too-small inner one is named with its path.
    inner = EnvelopeSpec("inner", "pocket", size=C7, contents=(card(),))
    with pytest.raises(FitError) as info:
        resolve(KitSpec("t", EnvelopeSpec("outer", "banker", contents=(inner,))))
    assert "'outer > inner'" in str(info.value)


def test_orientation_does_not_matter_for_fit() -> None:
    portrait = CardSpec("p", A6.height, A6.width)
    assert resolve(kit_of(portrait)).outer.size_name == "C6"


def test_nesting_adds_clearance_and_the_thickness_inside() -> None:
    # An inner C6 (162 x 114 mm) holding an A6 card is 0.35 + 2 x 0.12 = 0.59 mm thick,
    # so its envelope needs 162 + 6 + 0.59 x 114 + 6 + 0.59 mm: a C5, not a C6.
    inner = EnvelopeSpec("inner", "pocket", size=C6, contents=(card(),))
    kit = resolve(KitSpec("t", EnvelopeSpec("outer", "banker", contents=(inner,))))
    inner_r = kit.outer.contents[0]
    assert isinstance(inner_r, ResolvedEnvelope)
    assert inner_r.thickness == pytest.approx(CARD.caliper + 2 * PAPER.caliper)
    assert kit.outer.size_name == "C5"


def test_thickness_and_weight_add_up_through_the_levels() -> None:
    kit = resolve(load_layout("help-me"))
    text, card_c = lookup_stock("text-120").caliper, CARD.caliper
    step3 = card_c + 2 * PAPER.caliper
    step2 = card_c + step3 + 2 * PAPER.caliper
    step1 = card_c + step2 + 2 * PAPER.caliper
    outer = text + step1 + 2 * PAPER.caliper
    assert kit.thickness == pytest.approx(outer)
    assert kit.thickness == pytest.approx(2.15 * mm)
    assert [round(e.thickness / mm, 2) for e in kit.envelopes()] == [2.15, 1.77, 1.18, 0.59]

    def own_weight(e: ResolvedEnvelope) -> float:
        return e.net.outline.flatten(0.5).area / (1000 * mm) ** 2 * PAPER.gsm

    for env in kit.envelopes():
        inside = sum(c.weight for c in env.contents)
        assert env.weight == pytest.approx(own_weight(env) + inside)
    letter = kit.outer.contents[0]
    assert isinstance(letter, ResolvedCard)
    assert letter.weight == pytest.approx(0.210 * 0.148 * 120)
    assert 20 < kit.weight < 40  # grams: a plausible letter-post weight
    summary = kit.summary()
    assert "2.15 mm thick" in summary and f"{kit.weight:.1f} g" in summary
    assert "outer: banker C5" in summary and "step3: diamond 96x66mm" in summary


def test_help_me_resolves_to_the_documented_kit() -> None:
    kit = resolve(load_layout("help-me"))
    assert [(e.spec.name, e.spec.style, e.size_name) for e in kit.envelopes()] == [
        ("outer", "banker", "C5"),
        ("step1", "wallet", "C6"),
        ("step2", "baronial", "C7"),
        ("step3", "diamond", "96x66mm"),
    ]
    assert [(p.key, p.kind, p.level) for p in kit.pieces] == [
        ("outer", "net", 1),
        ("letter", "card", 1),
        ("step1", "net", 2),
        ("card1", "card", 2),
        ("step2", "net", 3),
        ("card2", "card", 3),
        ("step3", "net", 4),
        ("card3", "card", 4),
    ]
    for piece in kit.pieces:
        if piece.net is not None:
            assert (piece.width, piece.height) == pytest.approx(piece.net.bbox.size, abs=TOL)


# --- folded cards -----------------------------------------------------------------------------


def test_folded_sizes() -> None:
    assert folded_size(card(size=A5, fold="half")) == pytest.approx((105 * mm, 148 * mm))
    # A letter fold: two outer panels of (297 + 2) / 3 mm, the tucked-in one 2 mm shorter.
    assert folded_size(CardSpec("l", 210 * mm, 297 * mm, fold="tri")) == pytest.approx(
        (210 * mm, 299 / 3 * mm)
    )
    assert folded_size(CardSpec("l", 297 * mm, 210 * mm, fold="tri")) == pytest.approx(
        (299 / 3 * mm, 210 * mm)
    )
    assert folded_size(card(size=A5)) == pytest.approx((210 * mm, 148 * mm))


def test_a_folded_card_nests_by_its_folded_size_and_is_thicker() -> None:
    assert resolve(kit_of(card(size=A5))).outer.size_name == "C5"
    folded = resolve(kit_of(card(size=A5, fold="half")))
    assert folded.outer.size_name == "C6"  # 148 x 105 folded
    (content,) = folded.outer.contents
    assert isinstance(content, ResolvedCard)
    assert content.thickness == pytest.approx(2 * CARD.caliper)
    tri = resolve(kit_of(CardSpec("letter", 210 * mm, 297 * mm, fold="tri"), auto=("iso-dl", "iso-c")))
    assert tri.outer.size_name == "DL"  # 210 x 99 mm + 6 mm + 3 x 0.35 mm fits 220 x 110 mm
    assert tri.outer.contents[0].thickness == pytest.approx(3 * CARD.caliper)


def test_card_panels_and_folds() -> None:
    half = card(size=A5, fold="half")
    flat = [v for p in card_panels(half) for v in p.as_tuple()]  # approx wants a flat list
    assert flat == pytest.approx([0, 0, 105 * mm, 148 * mm, 105 * mm, 0, 210 * mm, 148 * mm])
    tri = CardSpec("letter", 210 * mm, 297 * mm, fold="tri")
    panels = card_panels(tri)
    # Top to bottom; the bottom panel tucks in first and is 2 mm shorter (kit.FOLD_IN_SHORTER).
    assert [p.y1 for p in panels] == pytest.approx([297 * mm, (297 - 299 / 3) * mm, 293 / 3 * mm])
    kit = resolve(kit_of(tri, auto=("iso-dl",)))
    piece = kit.pieces[1]
    assert len(piece.folds) == 2
    for (a, b), y in zip(piece.folds, ((297 - 299 / 3) * mm, 293 / 3 * mm), strict=True):
        assert a.y == pytest.approx(y) and b.y == pytest.approx(y)
        assert abs(b.x - a.x) == pytest.approx(210 * mm)


# --- what must stay whole -------------------------------------------------------------------


def half_card_with(*front, **kw) -> KitSpec:  # type: ignore[no-untyped-def]
    return kit_of(card(size=A5, fold="half", front=tuple(front)), **kw)


def test_a_qr_code_across_a_fold_is_refused_by_name() -> None:
    qr = QRBlock("code", Rect.from_size(90 * mm, 40 * mm, 30 * mm, 30 * mm))  # fold at 105 mm
    with pytest.raises(LayoutError) as info:
        resolve(half_card_with(qr))
    err = info.value
    assert "QR code 'code'" in str(err) and "crosses a fold" in str(err)
    assert err.key == "card.front.code" and err.file == "t.toml"


def test_an_address_across_a_fold_is_refused() -> None:
    addr = AddressBlock("to", Rect.from_size(60 * mm, 40 * mm, 80 * mm, 30 * mm))
    with pytest.raises(LayoutError) as info:
        resolve(half_card_with(addr))
    assert "address 'to'" in str(info.value) and "crosses a fold" in str(info.value)


def test_variable_text_across_a_fold_is_refused_but_static_text_is_allowed() -> None:
    box = Rect.from_size(60 * mm, 40 * mm, 80 * mm, 30 * mm)
    with pytest.raises(LayoutError) as info:
        resolve(half_card_with(TextBlock("hello", box, "Dear {first_name}")))
    assert "'hello'" in str(info.value)
    kit = resolve(half_card_with(TextBlock("banner", box, "Happy New Year")))
    (placed,) = kit.pieces[1].side_a
    assert placed.block.name == "banner"
    assert placed.to_piece.isclose(Transform.translate(0, 0))


def test_blocks_within_the_safe_margin_are_refused() -> None:
    # 2 mm from the card's left cut.
    addr = AddressBlock("to", Rect.from_size(2 * mm, 40 * mm, 60 * mm, 30 * mm))
    with pytest.raises(LayoutError) as info:
        resolve(half_card_with(addr))
    assert "address block 'to'" in str(info.value) and "4 mm safe margin" in str(info.value)
    # 2 mm from the fold (panel 1 ends at 105 mm).
    qr = QRBlock("code", Rect.from_size(73 * mm, 40 * mm, 30 * mm, 30 * mm))
    with pytest.raises(LayoutError) as info:
        resolve(half_card_with(qr))
    assert "qr block 'code'" in str(info.value).lower() and "safe margin" in str(info.value)
    # The same block is fine with a 2 mm safe margin, and 4 mm away with the default.
    resolve(half_card_with(qr, safe=2 * mm))
    resolve(half_card_with(QRBlock("code", Rect.from_size(71 * mm, 40 * mm, 30 * mm, 30 * mm))))


def test_a_block_on_the_second_panel_is_shifted_onto_it() -> None:
    qr = QRBlock("code", Rect.from_size(40 * mm, 40 * mm, 30 * mm, 30 * mm), panel=1)
    kit = resolve(half_card_with(qr))
    (placed,) = kit.pieces[1].side_a
    assert placed.to_piece.isclose(Transform.translate(105 * mm, 0), TOL)
    assert placed.region is not None and placed.region.size == pytest.approx((105 * mm, 148 * mm))
    with pytest.raises(LayoutError) as info:
        resolve(half_card_with(QRBlock("code", qr.box, panel=2)))
    assert "panel 3" in str(info.value) and "has 2" in str(info.value)


def test_nothing_may_enter_a_qr_quiet_zone() -> None:
    qr = QRBlock("code", Rect.from_size(20 * mm, 40 * mm, 40 * mm, 40 * mm))
    rule = RuleBlock("line", Point(10 * mm, 50 * mm), Point(30 * mm, 50 * mm))
    with pytest.raises(LayoutError) as info:
        resolve(kit_of(card(front=(qr, rule))))
    assert "'line' enters the quiet zone of QR code 'code'" in str(info.value)


# --- faces mapped onto nets -----------------------------------------------------------------


def banker_c6(**faces) -> tuple:  # type: ignore[no-untyped-def]
    kit = resolve(KitSpec("t", EnvelopeSpec("env", "banker", size=C6, **faces), source="t.toml"))
    return kit, kit.pieces[0], kit.outer.net


def test_a_front_block_maps_onto_the_front_panel() -> None:
    block = TextBlock("label", Rect.from_size(20 * mm, 20 * mm, 60 * mm, 10 * mm), "Hello")
    _, piece, net = banker_c6(front=(block,))
    (placed,) = piece.side_a
    front = net.front_rect
    t = placed.to_piece
    assert t.rotation == pytest.approx(0) and not t.is_mirroring
    assert close(t.apply(Point(0, 0)), Point(front.x0, front.y0))
    assert close(t.apply(Point(162 * mm, 114 * mm)), Point(front.x1, front.y1))
    assert placed.clip is not None and placed.clip.bbox.isclose(front, TOL)


def test_a_back_block_on_a_horizontal_hinged_flap_is_turned_180_degrees() -> None:
    # The banker's seal flap hinges on the top edge of the front and folds down behind it;
    # seen on the closed back its region is the top of the face.
    w, h = 162 * mm, 114 * mm
    block = TextBlock("seal-note", Rect.from_size(40 * mm, 100 * mm, 70 * mm, 10 * mm), "Seal here")
    _, piece, net = banker_c6(back=(block,))
    seal = net.panel("seal")
    assert seal.hinge is not None and seal.hinge.p0.y == pytest.approx(seal.hinge.p1.y)  # horizontal
    placed = [p for p in piece.side_a if p.block is block]
    assert len(placed) == 1, "the block lies on the seal flap only"
    (p,) = placed
    t = p.to_piece
    assert t.rotation == pytest.approx(180.0)
    assert not t.is_mirroring
    assert (t.a, t.b, t.c, t.d) == pytest.approx((-1, 0, 0, -1))
    # Face (u, v) lands at (x1 - u, y1 + H - v) in net coordinates: turned about the hinge.
    front = net.front_rect
    for corner in block.box.corners():
        assert close(t.apply(corner), Point(front.x1 - corner.x, front.y1 + h - corner.y))
    mapped = t.apply_rect(block.box)
    assert all(seal.polygon.contains(q) for q in mapped.points)
    assert p.clip is not None and p.clip.bbox.isclose(seal.polygon.bbox, TOL)
    assert p.holes == ()  # nothing closes over the seal flap
    # The top of the block (nearest the envelope's top edge) is nearest the hinge.
    top, bottom = t.apply(Point(75 * mm, 110 * mm)), t.apply(Point(75 * mm, 100 * mm))
    assert top.y - front.y1 < bottom.y - front.y1
    assert w  # the whole face width is available on the seal flap


def test_a_back_block_on_a_vertical_hinged_flap_is_only_shifted() -> None:
    # A pocket's seal flap hinges on the right edge of the front (a vertical fold).
    block = TextBlock("side-note", Rect.from_size(5 * mm, 40 * mm, 20 * mm, 20 * mm), "Side")
    kit = resolve(KitSpec("t", EnvelopeSpec("env", "pocket", size=C6, back=(block,))))
    net = kit.outer.net
    seal = net.panel("seal")
    assert seal.hinge is not None and seal.hinge.p0.x == pytest.approx(seal.hinge.p1.x)
    placed = [p for p in kit.pieces[0].side_a if p.block is block]
    on_seal = [p for p in placed if p.clip is not None and p.clip.bbox.isclose(seal.polygon.bbox, TOL)]
    assert len(on_seal) == 1
    t = on_seal[0].to_piece
    assert (t.a, t.b, t.c, t.d) == pytest.approx((1, 0, 0, 1))  # a plain shift
    assert all(seal.polygon.contains(q) for q in t.apply_rect(block.box).points)


def test_a_back_block_across_two_flaps_is_clipped_with_holes() -> None:
    block = TextBlock("wide", Rect.from_size(10 * mm, 20 * mm, 140 * mm, 70 * mm), "Across")
    _, piece, net = banker_c6(back=(block,))
    placed = [p for p in piece.side_a if p.block is block]
    assert len(placed) >= 2
    back_flap = net.panel("back").polygon.bbox
    back = [p for p in placed if p.clip is not None and p.clip.bbox.isclose(back_flap, TOL)]
    assert back and back[0].holes, "flaps closed later cut holes into the back flap's copy"


def test_a_qr_code_hidden_under_a_flap_or_across_flaps_is_refused() -> None:
    # Straddles the seal flap's edge: the seal flap closes over part of it.
    qr = QRBlock("code", Rect.from_size(55 * mm, 60 * mm, 30 * mm, 30 * mm))
    with pytest.raises(LayoutError) as info:
        banker_c6(back=(qr,))
    assert "'code'" in str(info.value) and info.value.key == "env.back.code"
    # Wholly on the back flap, clear of every edge: fine.
    banker_c6(back=(QRBlock("code", Rect.from_size(65 * mm, 10 * mm, 30 * mm, 30 * mm)),))


def test_an_address_on_the_front_near_the_edge_is_refused() -> None:
    addr = AddressBlock("to", Rect.from_size(2 * mm, 10 * mm, 70 * mm, 30 * mm))
    with pytest.raises(LayoutError) as info:
        banker_c6(front=(addr,))
    assert "safe margin" in str(info.value) and info.value.key == "env.front.to"


def test_inside_blocks_print_on_side_b() -> None:
    block = TextBlock("note", Rect.from_size(200, 200, 100, 30), "Inside")
    _, piece, _ = banker_c6(inside=(block,))
    assert piece.duplex and [p.block.name for p in piece.side_b] == ["note"]


def test_piece_names_must_be_unique() -> None:
    with pytest.raises(LayoutError) as info:
        resolve(kit_of(card("env")))
    assert "repeated: env" in str(info.value)


# --- what a prepress operator would reject ----------------------------------------------------


def _seg_distance(p: Point, a: Point, b: Point) -> float:
    ab = b - a
    t = 0.0 if ab.dot(ab) == 0 else max(0.0, min(1.0, (p - a).dot(ab) / ab.dot(ab)))
    return p.distance(a + ab * t)


def _visible_static_lines(piece):  # type: ignore[no-untyped-def]
    """(block name, line text, line's ink box as a polygon in net coordinates) for static text."""
    from envelopekit.content.text import fit_text

    for placed in piece.side_a:
        b = placed.block
        if not isinstance(b, TextBlock) or b.variable:
            continue
        text = b.template.replace("{{", "{").replace("}}", "}")
        lay = fit_text(
            text,
            b.font,
            b.box.width,
            b.box.height,
            size=b.size,
            min_size=b.min_size or b.size,
            leading=b.leading,
            align=b.align,
            valign=b.valign,
        )
        for line in lay.lines:
            if not line.text.strip():
                continue
            ink = Rect(
                b.box.x0 + line.x,
                b.box.y0 + line.baseline - lay.descent,
                b.box.x0 + line.x + line.width,
                b.box.y0 + line.baseline + lay.ascent,
            )
            poly = placed.to_piece.apply_rect(ink)
            c = poly.bbox.center
            if placed.clip is not None and not placed.clip.contains(c):
                continue  # this copy is clipped away
            if any(h.contains(c) for h in placed.holes):
                continue
            yield b.name, line.text, poly


@pytest.mark.parametrize(
    "name",
    [
        "help-me",
        "wedding",
        "onboarding",
    ],
)
def test_static_text_on_envelopes_stays_off_glue_and_inside_the_safe_margin(name: str) -> None:
    kit = resolve(load_layout(LAYOUTS / f"{name}.toml"))
    problems = []
    for piece in kit.pieces:
        if piece.net is None:
            continue
        cut = piece.net.outline.flatten(0.1)
        glue = [g.polygon for g in piece.net.glue]
        for block, text, poly in _visible_static_lines(piece):
            d = min(_seg_distance(q, a, b) for q in poly.points for a, b in cut.edges())
            if d < kit.spec.safe - TOL:
                problems.append(f"{piece.key}.{block} {text!r}: {d / mm:.1f} mm from the cut")
            if any(g.contains(q) for g in glue for q in (*poly.points, poly.bbox.center)):
                problems.append(f"{piece.key}.{block} {text!r}: printed on a glue area")
    assert not problems, problems


def test_an_envelope_too_small_says_what_its_contents_need() -> None:
    from envelopekit.catalog import lookup
    from envelopekit.errors import FitError

    letter = CardSpec("letter", 216 * mm, 279 * mm, fold="tri")
    card = CardSpec("reply", 148 * mm, 105 * mm)
    outer = EnvelopeSpec("mailer", "wallet", size=lookup("#10", kind="envelope"), contents=(letter, card))
    with pytest.raises(FitError) as info:
        resolve(KitSpec("k", outer))
    message = info.value.message
    assert "too narrow" in message and "they need 223.4 x 112.4 mm" in message, message
    assert "216 x 105 mm at their longest and widest" in message
