"""Window envelopes: exact preset sizes, the window cut on the net (read back from the PDF),
the letter's address checked through the window wherever it slides (with the block and the
numbers when it is not), and the folded mockup showing the address through the window."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import LAYOUTS, SAMPLES
from PIL import Image

from envelopekit.catalog import lookup
from envelopekit.compose import personalise
from envelopekit.errors import LayoutError, NetError
from envelopekit.geometry import Point, Rect, Transform
from envelopekit.kit import CardSpec, ResolvedKit, card_panels, resolve
from envelopekit.layouts import load_layout, parse_layout
from envelopekit.nets import build_net
from envelopekit.nets.export import net_to_dict
from envelopekit.render.mockup import Mockup, card_faces, show_through, with_windows
from envelopekit.render.proofs import record_mockups
from envelopekit.units import inch, mm
from envelopekit.window import PRESETS, WindowSpec, carrier_views, parse_window

LAYOUT = LAYOUTS / "window-letter.toml"
TEXT = LAYOUT.read_text(encoding="utf-8")
NO_WINDOW = TEXT.replace('window = { preset = "us10", carrier = "letter" }\n', "").replace(
    '[postal]\nauthority = "usps"\n', ""
)
ADDRESS_BOX = 'box = ["1.05in", "0.64in", "3.1in", "0.42in"]'
DPI = 150.0
URL = "https://example.org/renew?t=TOKEN7"


def _kit(text: str = TEXT) -> ResolvedKit:
    return resolve(parse_layout(text, file="window-letter.toml", base=LAYOUTS))


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


# --- presets and the cut -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "size", "at"),
    [
        ("us10", (4.5 * 72, 1.125 * 72), (0.875 * 72, 0.5 * 72)),
        ("dl", (90 * 72 / 25.4, 45 * 72 / 25.4), (20 * 72 / 25.4, 15 * 72 / 25.4)),
        ("c6-5", (90 * 72 / 25.4, 45 * 72 / 25.4), (20 * 72 / 25.4, 15 * 72 / 25.4)),
        ("c5", (90 * 72 / 25.4, 45 * 72 / 25.4), (20 * 72 / 25.4, 58 * 72 / 25.4)),
    ],
)
def test_presets_are_exact(name: str, size: tuple[float, float], at: tuple[float, float]) -> None:
    spec = PRESETS[name]
    assert (spec.width, spec.height) == pytest.approx(size, abs=0.01)
    assert (spec.left, spec.bottom) == pytest.approx(at, abs=0.01)
    assert parse_window(name) == spec


@pytest.mark.parametrize(
    ("preset", "envelope"), [("us10", "#10"), ("dl", "DL"), ("c5", "C5"), ("c6-5", "C6/5")]
)
@pytest.mark.parametrize("style", ["banker", "wallet", "pocket"])
def test_the_window_is_cut_exactly_on_the_front(preset: str, envelope: str, style: str) -> None:
    size = lookup(envelope, kind="envelope")
    w, h = sorted(size.wh, reverse=True)
    net = build_net(style, w, h, {"window": preset})
    (hole,) = net.holes
    got = hole.flatten(0.01).bbox
    spec = PRESETS[preset]
    want = net.front.to_net.apply_rect(spec.rect).bbox
    assert got.as_tuple() == pytest.approx(want.as_tuple(), abs=0.01)
    assert (got.width, got.height) == pytest.approx((spec.width, spec.height), abs=0.01)
    assert net.front_rect.inset(5 * mm).contains(got)
    exported = net_to_dict(net)["holes"]
    assert len(exported) == 1 and len(exported[0]) == 4


def test_a_window_given_by_numbers_and_a_bad_one() -> None:
    spec = parse_window("4.5in,1.125in,0.875in,0.5in")
    assert spec.rect.as_tuple() == pytest.approx(PRESETS["us10"].rect.as_tuple(), abs=1e-9)
    with pytest.raises(NetError, match="neither a preset"):
        parse_window("us11")
    size = lookup("C6", kind="envelope")
    with pytest.raises(NetError, match="does not fit"):
        build_net("banker", *sorted(size.wh, reverse=True), {"window": "150mm,30mm,10mm,10mm"})


def test_net_json_from_the_command_line_has_the_window(capsys: pytest.CaptureFixture[str]) -> None:
    from envelopekit.cli import main

    assert main(["net", "banker", "#10", "--json", "--param", "window=us10"]) == 0
    data = json.loads(capsys.readouterr().out)
    (hole,) = data["holes"]
    xs, ys = [p[0] for p in hole], [p[1] for p in hole]
    assert (max(xs) - min(xs), max(ys) - min(ys)) == pytest.approx((4.5 * inch, 1.125 * inch), abs=0.01)


def _cut_rectangles(pdf: Path | bytes, page_index: int = 0) -> list[tuple[float, float, float, float]]:
    """The bounding boxes of the closed subpaths stroked in CutContour on a page."""
    import io

    from pypdf import PdfReader

    from envelopekit.preflight.events import Paint, Walker

    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    out = []
    for e in Walker(reader).page(reader.pages[page_index]):
        if isinstance(e, Paint) and e.op == "stroke" and "CutContour" in e.colour.space.colorants:
            assert e.overprint
            for sp in e.subpaths:
                xs, ys = [p[0] for p in sp], [p[1] for p in sp]
                out.append((min(xs), min(ys), max(xs), max(ys)))
    return out


def test_the_window_die_line_is_a_cut_path_in_the_built_pdf(tmp_path: Path) -> None:
    """Built through the command line; the window is read back from the first page (the
    envelope's net) as a CutContour path, where the front panel puts it."""
    from envelopekit.cli import main
    from envelopekit.pages import piece_page

    out = tmp_path / "out"
    argv = ["build", str(LAYOUT), "-o", str(out), "--key-file", str(SAMPLES / "demo-token.key")]
    assert main(argv) == 0
    pdf = sorted(out.glob("kits-*.pdf"))[0]
    kit = resolve(load_layout(LAYOUT))
    piece = kit.pieces[0]
    assert piece.net is not None
    _, place = piece_page(piece, kit.spec.bleed)
    want = (place @ piece.net.front.to_net).apply_rect(PRESETS["us10"].rect).bbox
    boxes = _cut_rectangles(pdf)
    assert any(b == pytest.approx(want.as_tuple(), abs=0.01) for b in boxes), (want, boxes)
    outline = (place.apply_rect(piece.net.bbox)).bbox
    assert any(b == pytest.approx(outline.as_tuple(), abs=0.05) for b in boxes)


def test_preflight_passes_the_window_net() -> None:
    from envelopekit.render.pdf import net_pdf

    size = lookup("#10", kind="envelope")
    net = build_net("wallet", size.width, size.height, {"window": "us10"})
    pdf = net_pdf(net)
    boxes = _cut_rectangles(pdf)
    assert len(boxes) == 2  # the outline and the window, each once


# --- the carrier ---------------------------------------------------------------------------------


def test_the_bundled_layout_resolves_with_the_letter_as_carrier() -> None:
    kit = _kit()
    window = kit.outer.window
    assert window is not None and window.carrier == "letter" and window.view == "front"
    assert window.rect.as_tuple() == pytest.approx(PRESETS["us10"].rect.as_tuple())
    letter = lookup("Letter", kind="paper")
    assert window.size[0] == pytest.approx(letter.width)
    # The play: the #10's inside (less a caliper each side) less the folded letter.
    assert window.slide.width == pytest.approx(9.5 * inch - 8.5 * inch - 2 * 0.11 * mm, abs=0.1)
    (address,) = window.addresses
    swept = window.swept(address)
    assert window.rect.inset(window.spec.margin - 1e-6).contains(swept)


def test_the_window_makes_the_envelope_lighter() -> None:
    with_window = _kit()
    without = _kit(NO_WINDOW)
    paper = with_window.outer.spec.stock or with_window.spec.envelope_stock
    hole = 4.5 * 1.125 * (25.4e-3) ** 2 * paper.gsm
    assert without.weight - with_window.weight == pytest.approx(hole, rel=1e-3)


def test_a_misplaced_address_block_is_reported_with_the_numbers() -> None:
    text = TEXT.replace(ADDRESS_BOX, 'box = ["1.05in", "0.45in", "3.6in", "0.42in"]')
    with pytest.raises(LayoutError) as info:
        _kit(text)
    err = info.value
    message = str(err)
    assert "address block 'recipient' of 'letter'" in message
    assert "4.500 x 1.125 in at 0.875, 0.500 in" in message  # the window
    assert "0.125 in clearance" in message  # the margin
    assert "past its bottom edge" in message and "past its right edge" in message
    assert "of play" in message
    assert err.line == _line_of(text, 'box = ["1.05in", "0.45in", "3.6in", "0.42in"]') - 4
    assert err.key == "envelope[0].cards[0].back[0]"


def test_an_address_folded_inside_is_reported() -> None:
    text = TEXT.replace(
        '[[envelope.cards.back]]\ntype = "address"', '[[envelope.cards.front]]\ntype = "address"'
    )
    with pytest.raises(
        LayoutError, match=r"'recipient' is on the front side, panel 2, of 'letter', which is folded"
    ):
        _kit(text)


def test_an_address_on_the_outer_panel_goes_in_turned_over() -> None:
    """On side B's panel 1 the address shows on the folded letter's back, upside down (the
    fold turns it): the letter goes in that face forward, turned 180 degrees."""
    text = TEXT.replace('panel = 2\nbox = ["1.05in"', 'panel = 1\nbox = ["1.05in"')
    kit = _kit(text)
    window = kit.outer.window
    assert window is not None and window.view == "back"
    assert round(window.turn.rotation) % 360 == 180
    (address,) = window.addresses
    box = address.block.box  # turned twice (by the fold, then on insertion): upright, in place
    assert address.box.as_tuple() == pytest.approx(box.as_tuple(), abs=1e-6)


@pytest.mark.parametrize("fold", ["flat", "half", "tri"])
@pytest.mark.parametrize("size", [(8.5 * inch, 11 * inch), (297 * mm, 210 * mm)])
def test_carrier_views_fold_like_the_mockup(fold: str, size: tuple[float, float]) -> None:
    from envelopekit.kit import EnvelopeSpec, KitSpec, _card, _card_piece

    card = CardSpec("c", *size, fold=fold)  # type: ignore[arg-type]
    kit = KitSpec("k", EnvelopeSpec("e", "banker"))
    piece = _card_piece(kit, _card(card, kit.card_stock), 1)
    faces = card_faces(piece)
    front, back = carrier_views(card)
    panels = card_panels(card)
    top = faces.back[-1]
    panel = panels[back.panel]
    assert (front.to_view @ Transform.translate(0, 0)).isclose(
        faces.front[0].to_piece.inverse()
        @ Transform.translate(panels[front.panel].x0, panels[front.panel].y0)
    )
    assert back.to_view.isclose(top.to_piece.inverse() @ Transform.translate(panel.x0, panel.y0), 1e-6)
    assert front.size == pytest.approx((faces.width, faces.height))


def test_front_blocks_over_the_window_are_refused() -> None:
    text = TEXT.replace(
        'box = ["0.375in", "3.0in", "3.2in", "0.75in"]', 'box = ["0.375in", "1.0in", "3.2in", "0.75in"]'
    )
    with pytest.raises(LayoutError, match=r"block 'return-address' .* lies over the window 'us10'") as info:
        _kit(text)
    assert info.value.key == "envelope[0].front[0]"


def test_a_carrier_that_does_not_fit_upright_is_refused() -> None:
    text = TEXT.replace('size = "#10"', 'size = "#10"\nauto = ["us-number"]').replace(
        'size = "Letter"', 'size = "215.9x279.4mm"\norientation = "landscape"'
    )
    with pytest.raises(LayoutError, match="does not fit envelope 'mailer'"):
        _kit(text)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ('window = "us11"', "window = 'us11' is not one of"),
        ('window = { width = "4in", left = "1in", bottom = "1in" }', "window has no 'height'"),
        ('window = { preset = "us10", carrier = "note" }', "window carrier 'note' is not a card"),
        ('window = { preset = "us10", margn = "3mm" }', "unknown key 'margn'"),
        ('window = { preset = "us10", height = "9in" }', "does not fit"),
    ],
)
def test_bad_windows_name_the_file_line_and_key(window: str, message: str) -> None:
    old = 'window = { preset = "us10", carrier = "letter" }'
    text = TEXT.replace(old, window)
    with pytest.raises(LayoutError) as info:
        _kit(text)
    assert message in str(info.value)
    assert info.value.file == "window-letter.toml"
    assert info.value.line == _line_of(text, window)
    assert info.value.key is not None and info.value.key.startswith("envelope[0].window")


# --- the mockup ----------------------------------------------------------------------------------


def _mockups(kit: ResolvedKit) -> dict[str, Mockup]:
    personal = personalise(kit, dict(kit.spec.sample), record_id="M-1001", link=lambda *_: (URL, "TOKEN7"))
    # with_windows is what fold_kit applies; applying it again changes nothing (the window is
    # replaced whole), so this holds with or without it
    return {m.key: m for m in with_windows(record_mockups(kit, personal, dpi=DPI), kit)}


def _dark_box(
    image: Image.Image, box: tuple[int, int, int, int] | None = None
) -> tuple[tuple[int, int, int, int] | None, int]:
    """The bounding box of the text-dark pixels (of ``box``, in image pixels) and their count."""
    gray = image.convert("L") if box is None else image.convert("L").crop(box)
    mask = gray.point(lambda v: 255 if v < 110 else 0)
    found = mask.getbbox()
    count = mask.histogram()[255]
    if found is None or box is None:
        return found, count
    return (found[0] + box[0], found[1] + box[1], found[2] + box[0], found[3] + box[1]), count


def _px(r: Rect, height: float) -> tuple[int, int, int, int]:
    k = DPI / 72
    return (round(r.x0 * k), round((height - r.y1) * k), round(r.x1 * k), round((height - r.y0) * k))


def test_the_mockup_shows_the_address_through_the_window(tmp_path: Path) -> None:
    """From the pictures alone: the folded letter's address is whole inside the window with
    the clearance, in the middle of the letter's play and at each of its four extremes."""
    kit = _kit()
    window = kit.outer.window
    assert window is not None
    views = _mockups(kit)
    envelope, letter = views["mailer"], views["letter"]
    w, h = kit.outer.width, kit.outer.height
    _, on_letter = _dark_box(letter.front)
    assert on_letter > 200  # the letter's front face is its address, nothing else
    hole = _px(window.rect, h)
    inner = _px(window.rect.inset(window.spec.margin), h)
    fronts = {"nominal": envelope.front}
    plain = _mockups(_kit(NO_WINDOW))["mailer"].front
    s = window.slide
    for name, at in (("low-left", Point(s.x0, s.y0)), ("high-right", Point(s.x1, s.y1)),
                     ("low-right", Point(s.x1, s.y0)), ("high-left", Point(s.x0, s.y1))):  # fmt: skip
        fronts[name] = show_through(plain, letter.front, window, (w, h), at=at)
    for name, front in fronts.items():
        front.save(tmp_path / f"front-{name}.png")
        found, count = _dark_box(front, hole)
        assert found is not None, name
        assert inner[0] - 1 <= found[0] and found[2] <= inner[2] + 1, (name, found, inner)
        assert inner[1] - 1 <= found[1] and found[3] <= inner[3] + 1, (name, found, inner)
        assert count == pytest.approx(on_letter, rel=0.03), name  # all of it, nothing cut off
    # Outside the window the front is the envelope's own: the return address, nothing else.
    assert envelope.front.crop((0, 0, envelope.front.width, hole[1] - 2)) == plain.crop(
        (0, 0, plain.width, hole[1] - 2)
    )


def test_a_misplaced_address_is_cut_off_in_the_mockup() -> None:
    """The picture shows what the check refuses: an address too low is clipped by the window."""
    kit = _kit()
    window = kit.outer.window
    assert window is not None
    views = _mockups(kit)
    letter = views["letter"].front
    shifted = Image.new("RGB", letter.size, (255, 255, 255))
    shifted.paste(letter, (0, round(0.3 * inch * DPI / 72)))  # the address 0.3 in lower on the letter
    front = show_through(views["mailer"].front, shifted, window, (kit.outer.width, kit.outer.height),
                         at=Point(window.slide.x0, window.slide.y0))  # fmt: skip
    _, shown = _dark_box(front, _px(window.rect, kit.outer.height))
    _, whole = _dark_box(shifted)
    assert shown < 0.8 * whole


def test_window_spec_is_plain_data() -> None:
    spec = WindowSpec(1.0, 2.0, 3.0, 4.0)
    assert spec.rect == Rect(3.0, 4.0, 4.0, 6.0)
    assert dataclasses.replace(spec, preset="x").label == "window 'x'"


def test_the_carrier_is_inferred_or_must_be_named() -> None:
    text = TEXT.replace('window = { preset = "us10", carrier = "letter" }', 'window = "us10"')
    window = _kit(text).outer.window
    assert window is not None and window.carrier == "letter"
    second = text + (
        '\n[[envelope.cards]]\nname = "slip"\nsize = "A7"\n\n[[envelope.cards.front]]\ntype = "address"\n'
        'name = "to"\nbox = ["10mm", "10mm", "60mm", "20mm"]\n'
    )
    with pytest.raises(LayoutError, match=r"several cards in 'mailer' have address blocks \(letter, slip\)"):
        _kit(second)
    none = text.replace(
        'type = "address"\nname = "recipient"', 'type = "text"\nname = "recipient"\ntext = "x"'
    )
    none = none.replace(
        'lines = ["{first_name} {last_name}", "{street}", "{city} {region} {postal_code}"]\n', ""
    )
    with pytest.raises(LayoutError, match="no card inside it has an address block"):
        _kit(none)


def test_address_blocks_on_both_faces_are_refused() -> None:
    both = TEXT + (
        '\n[[envelope.cards.back]]\ntype = "address"\nname = "again"\npanel = 1\n'
        'box = ["1.05in", "0.64in", "3.1in", "0.42in"]\n'
    )
    with pytest.raises(LayoutError, match="address blocks on both its folded faces") as info:
        _kit(both)
    assert info.value.key == "envelope[0].cards[0].back[1]"


def test_record_mockups_show_the_window_by_themselves() -> None:
    """fold_kit applies the window: the plain record mockups already show the address there."""
    kit = _kit()
    window = kit.outer.window
    assert window is not None
    personal = personalise(kit, dict(kit.spec.sample), record_id="M-1001", link=lambda *_: (URL, "TOKEN7"))
    by_key = {m.key: m for m in record_mockups(kit, personal, dpi=DPI)}
    found, count = _dark_box(by_key["mailer"].front, _px(window.rect, kit.outer.height))
    _, on_letter = _dark_box(by_key["letter"].front)
    assert found is not None and count == pytest.approx(on_letter, rel=0.03)
