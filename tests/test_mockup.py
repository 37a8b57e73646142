"""Folded mockups: the front is the front panel, back-face content lands where it was
placed (found again by decoding a QR code), and flaps stack in closing order."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw

from envelopekit.catalog import lookup
from envelopekit.compose import PersonalKit, personalise
from envelopekit.content.blocks import QRBlock, TextBlock
from envelopekit.geometry import Point, Polygon, Rect, Transform
from envelopekit.kit import CardSpec, EnvelopeSpec, KitSpec, Piece, ResolvedKit, resolve
from envelopekit.nets import build_net, load_styles
from envelopekit.nets.base import Net
from envelopekit.pages import page_sides, piece_page
from envelopekit.render.mockup import (
    INSIDE,
    Raster,
    card_faces,
    envelope_faces,
    fold_card,
    fold_envelope,
    kit_mockups,
    open_card,
    render_pages,
)
from envelopekit.render.painter import single_up_pdf
from envelopekit.render.proofs import record_mockups
from envelopekit.units import mm

STYLES = sorted(load_styles())
URL = "https://example.org/s?t=MOCKUP7"
QR_DPI = 150.0


def _link(name: str, piece: str, block: str) -> tuple[str, str]:
    return URL, "MOCKUP7"


def _personal(kit: ResolvedKit, record_id: str = "T-1") -> PersonalKit:
    return personalise(kit, {}, record_id=record_id, link=_link)


def _print_pdf(kit: ResolvedKit, personal: PersonalKit) -> bytes:
    from envelopekit.compose import static_drawing

    return single_up_pdf(kit, static_drawing(kit), [personal])


def _c5(style: str) -> tuple[float, float, Net]:
    size = lookup("C5", kind="envelope")
    w, h = sorted(size.wh, reverse=True)
    return w, h, build_net(style, w, h)


def _box_inside(poly: Polygon, side: float, aim: Point) -> Rect:
    """A ``side`` square inside ``poly`` (convex) as near ``aim`` as a 1 mm grid allows."""
    bb = poly.bbox
    centres = [
        Point(bb.x0 + i * mm, bb.y0 + j * mm)
        for i in range(int(bb.width / mm) + 1)
        for j in range(int(bb.height / mm) + 1)
    ]
    for c in sorted(centres, key=lambda c: c.distance(aim)):
        r = Rect(c.x - side / 2, c.y - side / 2, c.x + side / 2, c.y + side / 2)
        if all(poly.contains(p) for p in r.corners()):
            return r
    raise AssertionError("no room for the test code")


def _decode(image: Image.Image) -> list:  # type: ignore[type-arg]
    zxingcpp = pytest.importorskip("zxingcpp")
    return [r for r in zxingcpp.read_barcodes(image) if r.valid]


def _upright(degrees: int) -> bool:
    """zxing estimates the angle from the finder patterns: a degree or two is noise."""
    return min(degrees % 360, 360 - degrees % 360) <= 3


def _face_point(image: Image.Image, x: float, y: float, face: tuple[float, float]) -> Point:
    """Pixel (y down) -> face coordinates (points, y up) on a face image."""
    sx, sy = image.width / face[0], image.height / face[1]
    return Point(x / sx, face[1] - y / sy)


# --- the front is the front panel -------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_closed_front_is_the_front_panel(style: str) -> None:
    """Same size and the very same pixels as the front panel on the rendered page."""
    size = lookup("C6", kind="envelope")
    env = EnvelopeSpec(
        "env",
        style,
        size,
        front=(TextBlock("t", Rect(20 * mm, 20 * mm, 100 * mm, 40 * mm), "Front text", size=14),),
    )
    kit = resolve(KitSpec("t", env))
    (page,) = render_pages(_print_pdf(kit, _personal(kit)), dpi=100)
    piece = kit.pieces[0]
    _, place = piece_page(piece, kit.spec.bleed)
    front, _ = fold_envelope(page, piece, place)
    assert piece.net is not None
    fr = piece.net.front_rect
    to_px = page.to_pixels @ place
    top_left = to_px.apply(Point(fr.x0, fr.y1))
    sx, sy = page.image.width / page.width, page.image.height / page.height
    assert front.size == (round(fr.width * sx), round(fr.height * sy))
    x0, y0 = round(top_left.x), round(top_left.y)
    expected = page.image.crop((x0, y0, x0 + front.width, y0 + front.height))
    assert front.tobytes() == expected.tobytes()
    assert min(front.convert("L").getextrema()) < 100  # and something was printed there


# --- a code placed on the back face is found where it was placed --------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_back_face_code_lands_where_placed(style: str) -> None:
    w, h, net = _c5(style)
    seal = net.panel("seal").face_polygon(1.0)  # chords inside the curves: a fit here fits the flap
    # Off-centre on purpose: a mirrored or turned mapping would move it.
    aim = Point(seal.bbox.x0 + 0.3 * seal.bbox.width, seal.bbox.center.y)
    box = _box_inside(seal, 31 * mm, aim).inset(4.5 * mm)  # the kit's 4 mm safe margin, and a little
    size = lookup("C5", kind="envelope")
    kit = resolve(KitSpec("t", EnvelopeSpec("env", style, size, back=(QRBlock("code", box),))))
    (mock,) = record_mockups(kit, _personal(kit), dpi=QR_DPI)
    found = _decode(mock.back)
    assert [r.text for r in found] == [URL]
    code = found[0]
    assert _upright(code.orientation), f"{style}: the code is turned {code.orientation} degrees on the back"
    corners = [
        code.position.top_left,
        code.position.top_right,
        code.position.bottom_right,
        code.position.bottom_left,
    ]
    cx = sum(p.x for p in corners) / 4
    cy = sum(p.y for p in corners) / 4
    centre = _face_point(mock.back, cx, cy, (w, h))
    assert centre.distance(box.center) < 1 * mm, f"{style}: placed at {box.center}, found at {centre}"
    # Upright and not mirrored: the top-left finder pattern is at the top left.
    tl = _face_point(mock.back, code.position.top_left.x, code.position.top_left.y, (w, h))
    assert tl.x < centre.x and tl.y > centre.y
    assert not _decode(mock.front), "the back's code shows through on the front"


# --- stacking order ---------------------------------------------------------------------------


def _synthetic_page(
    net: Net, paint: Callable[[ImageDraw.ImageDraw, Transform], None], dpi: float = 100.0
) -> tuple[Raster, Transform]:
    """A white page exactly the net's bounding box, with ``paint`` drawing in page pixels."""
    box = net.bbox
    s = dpi / 72.0
    image = Image.new("RGB", (round(box.width * s), round(box.height * s)), "white")
    raster = Raster(image, image.width / s, image.height / s)
    place = Transform.translate(-box.x0, -box.y0)
    paint(ImageDraw.Draw(image), raster.to_pixels @ place)
    return raster, place


def _piece(net: Net) -> Piece:
    return Piece("env", "net", "env", net.bbox.width, net.bbox.height, 1, net=net)


def _square(centre: Point, half: float) -> Polygon:
    return Rect(centre.x - half, centre.y - half, centre.x + half, centre.y + half).polygon()


def _fill(draw: ImageDraw.ImageDraw, poly: Polygon, t: Transform, colour: tuple[int, int, int]) -> None:
    draw.polygon([tuple(t.apply(p)) for p in poly.points], fill=colour)


def _inside_by(poly: Polygon, p: Point, margin: float) -> bool:
    """``p`` inside ``poly`` and at least ``margin`` from its edges."""
    if not poly.contains(p):
        return False
    return all(_segment_distance(p, a, b) >= margin for a, b in poly.edges())


def _outside_by(poly: Polygon, p: Point, margin: float) -> bool:
    return not poly.contains(p) and all(_segment_distance(p, a, b) >= margin for a, b in poly.edges())


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    ab = b - a
    n = ab.dot(ab)
    t = 0.0 if n == 0 else max(0.0, min(1.0, (p - a).dot(ab) / n))
    return p.distance(a + ab * t)


def _pixel(image: Image.Image, p: Point, face: tuple[float, float]) -> tuple[int, int, int]:
    sx, sy = image.width / face[0], image.height / face[1]
    return image.getpixel((int(p.x * sx), int((face[1] - p.y) * sy)))  # type: ignore[return-value]


@pytest.mark.parametrize("style", STYLES)
def test_seal_flap_covers_the_flap_under_it(style: str) -> None:
    """A mark on the seal flap shows; the same spot marked on the back flap does not,
    while a mark on the back flap where the seal does not reach does."""
    w, h, net = _c5(style)
    seal, back = net.panel("seal"), net.panel("back")
    seal_face, back_face = seal.face_polygon(0.5), back.face_polygon(0.5)
    spots = [Point(x * mm, y * mm) for x in range(5, int(w / mm), 2) for y in range(5, int(h / mm), 2)]
    both = next(p for p in spots if _inside_by(seal_face, p, 6 * mm) and _inside_by(back_face, p, 6 * mm))
    alone = next(p for p in spots if _inside_by(back_face, p, 6 * mm) and _outside_by(seal_face, p, 6 * mm))
    red, blue, green = (220, 0, 0), (0, 0, 220), (0, 160, 0)

    def paint(draw: ImageDraw.ImageDraw, t: Transform) -> None:
        _fill(draw, _square(both, 3 * mm).transform(seal.to_net), t, red)
        _fill(draw, _square(both, 3 * mm).transform(back.to_net), t, blue)
        _fill(draw, _square(alone, 3 * mm).transform(back.to_net), t, green)

    page, place = _synthetic_page(net, paint)
    _, folded = fold_envelope(page, _piece(net), place)
    assert _pixel(folded, both, (w, h)) == red
    assert _pixel(folded, alone, (w, h)) == green
    assert blue not in {c for _, c in folded.getcolors(1 << 20) or ()}


@pytest.mark.parametrize("style", STYLES)
def test_every_spot_of_the_back_shows_its_topmost_flap(style: str) -> None:
    """Paint each panel of the net its own colour; each spot of the folded back (away from
    edges, where shadows fall) has the colour of the last-closed flap covering it."""
    w, h, net = _c5(style)
    colours = [(230, 40, 40), (40, 200, 40), (40, 40, 230), (200, 160, 0), (160, 0, 160)]
    flaps = net.flaps()

    def paint(draw: ImageDraw.ImageDraw, t: Transform) -> None:
        for flap, colour in zip(flaps, colours, strict=False):
            _fill(draw, flap.polygon, t, colour)

    page, place = _synthetic_page(net, paint)
    _, folded = fold_envelope(page, _piece(net), place)
    faces = [f.face_polygon(0.5) for f in flaps]  # coarse is enough 5 mm from every edge
    checked = 0
    for x in range(3, int(w / mm), 6):
        for y in range(3, int(h / mm), 6):
            p = Point(x * mm, y * mm)
            if any(min(_segment_distance(p, a, b) for a, b in f.edges()) < 5 * mm for f in faces):
                continue
            on = [i for i, f in enumerate(faces) if f.contains(p)]
            expected = colours[on[-1]] if on else INSIDE
            assert _pixel(folded, p, (w, h)) == expected, f"{style}: wrong layer at {p}"
            checked += 1
    assert checked > 25


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("size", ["C6", "C7"])
@pytest.mark.parametrize("portrait", [False, True])
def test_flap_transforms_are_the_physical_fold(style: str, size: str, portrait: bool) -> None:
    """What the mockups (and kit.py) rely on, checked from first principles: a flap
    keeps its hinge where the front panel has it (seen from behind, left and right
    swap), shows its outside unmirrored, and lands inside the closed envelope."""
    w, h = sorted(lookup(size, kind="envelope").wh, reverse=True)
    if portrait:
        w, h = h, w
    net = build_net(style, w, h)
    front = net.front_rect
    for flap in net.flaps():
        t = flap.to_net
        assert math.isclose(t.determinant, 1.0, abs_tol=1e-9), f"{flap.name} is mirrored or scaled"
        assert flap.hinge is not None
        for q in (flap.hinge.p0, flap.hinge.p1):
            assert front.contains_point(q, 1e-6) and not front.inset(1e-3).contains_point(q)
            behind = Point(front.x1 - q.x, q.y - front.y0)  # the same point of paper, seen from the back
            assert t.apply(behind).isclose(q, 1e-6), f"{style} {flap.name}: hinge moves when folded"
        face = flap.face_polygon(0.5)
        assert Rect(0, 0, w, h).expand(1e-3).contains(face.bbox), f"{flap.name} sticks out when closed"


def test_faces_stack_flaps_in_closing_order() -> None:
    for style in STYLES:
        _, _, net = _c5(style)
        faces = envelope_faces(net)
        assert [layer.name for layer in faces.front] == ["front"]
        assert [layer.name for layer in faces.back][-1] == "seal"
        orders = [net.panel(layer.name).order for layer in faces.back]
        assert orders == sorted(orders)


# --- cards -----------------------------------------------------------------------------------


def _card_kit(fold: str, *, width: float, height: float, back: tuple = ()) -> ResolvedKit:  # type: ignore[type-arg]
    card = CardSpec(
        "card",
        width,
        height,
        fold=fold,  # type: ignore[arg-type]
        front=(TextBlock("a", Rect(10 * mm, 10 * mm, 60 * mm, 30 * mm), "Side A", size=20),),
        back=back,
    )
    outer = EnvelopeSpec("env", "wallet", contents=(card,), auto=("iso-c", "iso-b"))
    return resolve(KitSpec("t", outer))


def _card_pages(kit: ResolvedKit) -> tuple[Piece, list[Raster], Transform]:
    pages = render_pages(_print_pdf(kit, _personal(kit)), dpi=QR_DPI)
    sides = page_sides(kit)
    card = next(p for p in kit.pieces if p.kind == "card")
    mine = [r for (piece, _), r in zip(sides, pages, strict=True) if piece.key == card.key]
    _, place = piece_page(card, kit.spec.bleed)
    return card, mine, place


def test_flat_card_front_is_side_a_and_back_is_side_b() -> None:
    back = (QRBlock("code", Rect(60 * mm, 30 * mm, 90 * mm, 60 * mm)),)
    kit = _card_kit("flat", width=148 * mm, height=105 * mm, back=back)
    card, (a, b), place = _card_pages(kit)
    front, rear = fold_card(a, b, card, place, QR_DPI)
    assert (
        front.size
        == rear.size
        == (round(card.width * a.image.width / a.width), round(card.height * a.image.height / a.height))
    )
    assert not _decode(front)
    (code,) = _decode(rear)
    assert code.text == URL and _upright(code.orientation)
    assert open_card(a, card, place, QR_DPI) is None


def test_half_fold_card_shows_side_b_outside_and_opens_to_side_a() -> None:
    """Folded like a letter, side A inside: the back of the closed card is side B's first
    panel, upright and where it was placed on that panel."""
    box = Rect(25 * mm, 30 * mm, 55 * mm, 60 * mm)
    kit = _card_kit("half", width=210 * mm, height=100 * mm, back=(QRBlock("code", box, panel=0),))
    card, (a, b), place = _card_pages(kit)
    faces = card_faces(card)
    assert (faces.width, faces.height) == (105 * mm, 100 * mm)
    front, rear = fold_card(a, b, card, place, QR_DPI)
    assert not _decode(front)
    (code,) = _decode(rear)
    assert _upright(code.orientation)
    pos = code.position
    cx = (pos.top_left.x + pos.bottom_right.x) / 2
    cy = (pos.top_left.y + pos.bottom_right.y) / 2
    assert _face_point(rear, cx, cy, (faces.width, faces.height)).distance(box.center) < 1 * mm
    inside = open_card(a, card, place, QR_DPI)
    assert inside is not None and inside.width > rear.width * 1.9


def test_kit_mockups_cover_every_piece_in_opening_order(help_me) -> None:  # type: ignore[no-untyped-def]
    first = help_me.first_page("R0004")
    mockups = kit_mockups(str(help_me.pdf), help_me.kit, first_page=first, dpi=40)
    assert [m.key for m in mockups] == [p.key for p in help_me.kit.pieces]
    for m, piece in zip(mockups, help_me.kit.pieces, strict=True):
        assert m.front.size == m.back.size
        if piece.net is not None:
            ratio = m.front.width / m.front.height
            assert math.isclose(ratio, piece.net.width / piece.net.height, rel_tol=0.02)
