"""Print output read back: boxes, separations, overprint, fonts, colours, QR codes.

Every PDF here is parsed back with pypdf (content streams walked with a small
graphics-state interpreter below) and, for QR codes, rendered with pypdfium2 and
decoded with zxing-cpp. Geometry is compared with the plan within 0.01 pt.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from conftest import Built
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject

from envelopekit.units import mm

TOL = 0.01  # pt
BLEED = 3 * mm
DIE_INKS = {"CutContour", "Crease", "Glue"}
SPOTS = DIE_INKS | {"All"}
STANDARD_14 = {
    "Helvetica",
    "Helvetica-Bold",
    "Helvetica-Oblique",
    "Helvetica-BoldOblique",
    "Times-Roman",
    "Times-Bold",
    "Times-Italic",
    "Times-BoldItalic",
    "Courier",
    "Courier-Bold",
    "Courier-Oblique",
    "Courier-BoldOblique",
    "Symbol",
    "ZapfDingbats",
}


# --- a small content-stream interpreter ----------------------------------------------------------


@dataclass(frozen=True)
class Colour:
    space: str  # "DeviceCMYK", "DeviceRGB", "DeviceGray" or a separation's name
    values: tuple[float, ...]


@dataclass(frozen=True)
class State:
    fill: Colour = Colour("DeviceGray", (0.0,))
    stroke: Colour = Colour("DeviceGray", (0.0,))
    fill_space: str = "DeviceGray"
    stroke_space: str = "DeviceGray"
    overprint_stroke: bool = False
    overprint_fill: bool = False
    width: float = 1.0
    dash: tuple[float, ...] = ()
    ctm: tuple[float, float, float, float, float, float] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.ctm
        return (a * x + c * y + e, b * x + d * y + f)


def _concat(m: tuple[float, ...], ctm: tuple[float, ...]) -> tuple[float, float, float, float, float, float]:
    """``m`` applied first, then ``ctm`` (PDF's ``cm``: CTM' = m x CTM)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = ctm
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


@dataclass
class Event:
    kind: str  # "text", "stroke", "fill", "colour-op"
    state: State
    where: str  # "page" or the form's name
    text: str = ""
    rects: int = 0  # rectangles in the path being filled (a QR code is hundreds)
    op: str = ""
    points: list[tuple[float, float]] = field(default_factory=list)  # the path, in page coordinates
    anchors: list[tuple[float, float]] = field(default_factory=list)  # on-curve points only
    lines: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)

    def bbox(self) -> tuple[float, float, float, float]:
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        return (min(xs), min(ys), max(xs), max(ys))


@dataclass
class Walk:
    events: list[Event] = field(default_factory=list)
    colour_spaces: dict[str, Any] = field(default_factory=dict)  # name -> resolved array
    forms: list[str] = field(default_factory=list)
    operators: set[str] = field(default_factory=set)


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _space_name(resources: DictionaryObject, name: str) -> str:
    if name in ("/DeviceCMYK", "/DeviceRGB", "/DeviceGray"):
        return name[1:]
    spaces = _resolve(resources.get("/ColorSpace", {}))
    value = _resolve(spaces.get(name)) if spaces else None
    if value is None:
        return f"undefined:{name}"
    if isinstance(value, list) and value and value[0] == "/Separation":
        return str(value[1])[1:]
    return str(value)


def _text_of(operands: list[Any], op: str) -> str:
    if op == "TJ":
        return "".join(str(x) for x in operands[0] if isinstance(x, str))
    return str(operands[-1])


def walk(reader: PdfReader, page: Any) -> Walk:
    """Every text, stroke and fill on a page, with the graphics state it was painted in."""
    result = Walk()

    def run(stream: Any, resources: DictionaryObject, state: State, where: str) -> None:
        for name, value in _resolve(resources.get("/ColorSpace", {}) or {}).items():
            result.colour_spaces[str(name)[1:]] = _resolve(value)
        stack: list[State] = []
        rects = 0
        points: list[tuple[float, float]] = []
        anchors: list[tuple[float, float]] = []
        lines: list[tuple[tuple[float, float], tuple[float, float]]] = []
        last: tuple[float, float] = (0.0, 0.0)
        for operands, raw in ContentStream(stream, reader).operations:
            op = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
            result.operators.add(op)
            if op == "q":
                stack.append(state)
            elif op == "Q":
                state = stack.pop()
            elif op in ("k", "K", "rg", "RG", "g", "G"):
                space = {"k": "DeviceCMYK", "rg": "DeviceRGB", "g": "DeviceGray"}[op.lower()]
                colour = Colour(space, tuple(float(v) for v in operands))
                state = replace(state, fill=colour) if op.islower() else replace(state, stroke=colour)
                result.events.append(Event("colour-op", state, where, op=op))
            elif op in ("cs", "CS"):
                space = _space_name(resources, str(operands[0]))
                key = "fill_space" if op == "cs" else "stroke_space"
                state = replace(state, **{key: space})
            elif op in ("sc", "scn", "SC", "SCN"):
                values = tuple(float(v) for v in operands if not isinstance(v, str))
                if op.islower():
                    state = replace(state, fill=Colour(state.fill_space, values))
                else:
                    state = replace(state, stroke=Colour(state.stroke_space, values))
            elif op == "gs":
                gs = _resolve(_resolve(resources["/ExtGState"])[str(operands[0])])
                if "/OP" in gs:
                    state = replace(
                        state,
                        overprint_stroke=_flag(gs["/OP"]),
                        overprint_fill=_flag(gs.get("/op", gs["/OP"])),
                    )
                elif "/op" in gs:
                    state = replace(state, overprint_fill=_flag(gs["/op"]))
                if "/LW" in gs:
                    state = replace(state, width=float(gs["/LW"]))
            elif op == "w":
                state = replace(state, width=float(operands[0]))
            elif op == "d":
                state = replace(state, dash=tuple(float(v) for v in operands[0]))
            elif op == "cm":
                state = replace(state, ctm=_concat(tuple(float(v) for v in operands), state.ctm))
            elif op == "m":
                last = state.to_page(float(operands[0]), float(operands[1]))
                points.append(last)
                anchors.append(last)
            elif op == "l":
                here = state.to_page(float(operands[0]), float(operands[1]))
                lines.append((last, here))
                points.append(here)
                anchors.append(here)
                last = here
            elif op == "c":
                xy = [float(v) for v in operands]
                points.extend(state.to_page(xy[i], xy[i + 1]) for i in (0, 2, 4))
                last = points[-1]
                anchors.append(last)
            elif op == "re":
                rects += 1
                x, y, w, h = (float(v) for v in operands)
                corners = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
                points.extend(state.to_page(px, py) for px, py in corners)
            elif op in ("Tj", "TJ", "'", '"'):
                result.events.append(Event("text", state, where, text=_text_of(operands, op)))
            elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
                if op in ("f", "F", "f*", "B", "B*", "b", "b*"):
                    result.events.append(
                        Event("fill", state, where, rects=rects, points=points, anchors=anchors, lines=lines)
                    )
                if op in ("S", "s", "B", "B*", "b", "b*"):
                    result.events.append(
                        Event("stroke", state, where, points=points, anchors=anchors, lines=lines)
                    )
                rects, points, anchors, lines = 0, [], [], []
            elif op == "Do":
                xobjects = _resolve(resources.get("/XObject", {}))
                xobj = _resolve(xobjects[str(operands[0])])
                if xobj.get("/Subtype") == "/Form":
                    result.forms.append(str(operands[0]))
                    run(xobj, _resolve(xobj.get("/Resources", DictionaryObject())), state, str(operands[0]))

    run(page.get_contents(), _resolve(page["/Resources"]), State(), "page")
    return result


def page_walks(built: Built) -> Iterator[tuple[int, Walk]]:
    reader = built.reader()
    for i, page in enumerate(reader.pages):
        yield i, walk(reader, page)


@pytest.fixture(scope="module")
def help_me_walks(help_me: Built) -> list[Walk]:
    """The first kit's eight pages, walked (every kit draws from the same forms)."""
    reader = help_me.reader()
    return [walk(reader, reader.pages[i]) for i in range(8)]


def box(page: Any, name: str) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in page[name])  # type: ignore[return-value]


# --- boxes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["help_me", "minimal"])
def test_every_page_has_trim_inside_bleed_inside_media(which: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(which)
    for i, page in enumerate(built.reader().pages):
        assert "/TrimBox" in page and "/BleedBox" in page, f"page {i + 1}"
        media, trim, bleed = box(page, "/MediaBox"), box(page, "/TrimBox"), box(page, "/BleedBox")
        assert media[:2] == (0, 0)
        assert bleed[0] >= media[0] and bleed[1] >= media[1] and bleed[2] <= media[2] and bleed[3] <= media[3]
        assert trim[0] > bleed[0] and trim[1] > bleed[1] and trim[2] < bleed[2] and trim[3] < bleed[3]
        expect = (trim[0] - BLEED, trim[1] - BLEED, trim[2] + BLEED, trim[3] + BLEED)
        assert bleed == pytest.approx(expect, abs=TOL), f"page {i + 1}: BleedBox is TrimBox + 3 mm"


def test_trim_box_is_the_piece_size(help_me: Built) -> None:
    pieces = help_me.kit.pieces
    reader = help_me.reader()
    assert len(pieces) == 8
    for i, page in enumerate(reader.pages):
        piece = pieces[i % 8]
        x0, y0, x1, y1 = box(page, "/TrimBox")
        if piece.net is not None:
            want = (piece.net.bbox.width, piece.net.bbox.height)
        else:
            want = (piece.width, piece.height)
        assert (x1 - x0, y1 - y0) == pytest.approx(want, abs=TOL), f"page {i + 1} ({piece.key})"
    # Cards are their catalog sizes: the letter is A5 landscape.
    x0, y0, x1, y1 = box(reader.pages[1], "/TrimBox")
    assert (x1 - x0, y1 - y0) == pytest.approx((210 * mm, 148 * mm), abs=TOL)


def test_page_count_is_pieces_times_kits_plus_side_b_pages(help_me: Built, minimal: Built) -> None:
    kit = help_me.kit
    sides = sum(2 if p.duplex else 1 for p in kit.pieces)
    assert sides == len(kit.pieces) == 8  # help-me prints one side of everything
    assert len(help_me.reader().pages) == sides * help_me.result.built == 80
    mini = minimal.kit
    assert [p.duplex for p in mini.pieces] == [True, True]
    reader = minimal.reader()
    assert len(reader.pages) == 2 * len(mini.pieces) == 4
    slugs = [page.extract_text().strip().splitlines()[-1] for page in reader.pages]
    assert [s.split("side ")[1][0] for s in slugs] == ["A", "B", "A", "B"]
    # Side B of the envelope carries the inside block, side B of the card the "For {first_name}".
    assert "Printed on the inside" in reader.pages[1].extract_text()
    assert "For Ada" in reader.pages[3].extract_text()
    for a, b in ((0, 1), (2, 3)):
        assert box(reader.pages[a], "/TrimBox") == pytest.approx(box(reader.pages[b], "/TrimBox"), abs=TOL)


# --- separations and overprint ---------------------------------------------------------------


def test_net_pages_define_the_four_spot_colours_by_exact_name(
    help_me: Built, help_me_walks: list[Walk]
) -> None:
    for i, w in enumerate(help_me_walks):
        piece = help_me.kit.pieces[i]
        want = SPOTS if piece.net is not None else {"All"}
        for name in want:
            cs = w.colour_spaces.get(name)
            assert cs is not None, f"page {i + 1} ({piece.key}) has no {name} colour space"
            assert cs[0] == "/Separation" and cs[1] == f"/{name}" and cs[2] == "/DeviceCMYK"
        near_misses = [
            n
            for n in w.colour_spaces
            if n.lower().replace(" ", "") in {s.lower() for s in SPOTS} and n not in SPOTS
        ]
        assert not near_misses, "RIPs match the swatch name exactly"
        assert all(not e.where.startswith("undefined") for e in w.events)
        undefined = [e for e in w.events if "undefined:" in e.state.stroke.space + e.state.fill.space]
        assert not undefined, "every colour space used is defined in the resources"


def test_die_lines_are_overprinting_spot_strokes(help_me: Built, help_me_walks: list[Walk]) -> None:
    for i, w in enumerate(help_me_walks):
        piece = help_me.kit.pieces[i]
        die = [e for e in w.events if e.kind == "stroke" and e.state.stroke.space in DIE_INKS]
        if piece.net is None:
            assert not die, f"{piece.key}: a flat card has no die lines"
            continue
        inks = {e.state.stroke.space for e in die}
        assert {"CutContour", "Crease"} <= inks
        assert inks == DIE_INKS if piece.net.glue else inks == {"CutContour", "Crease"}
        for e in die:
            assert e.state.overprint_stroke, f"{piece.key}: {e.state.stroke.space} does not overprint"
            assert e.state.stroke.values == (1.0,), "solid tint of the spot"
            assert e.state.width >= 0.25
        cut = [e for e in die if e.state.stroke.space == "CutContour"]
        crease = [e for e in die if e.state.stroke.space == "Crease"]
        assert len(cut) == 1, "one cut path, not duplicated"
        assert all(e.state.dash == () for e in cut), "the cut is solid"
        assert all(e.state.dash for e in crease), "creases are dashed"
        # Die inks are strokes only: never a fill or text on their separations.
        assert not [e for e in w.events if e.kind in ("fill", "text") and e.state.fill.space in DIE_INKS]


def test_die_lines_match_the_plan(help_me: Built, help_me_walks: list[Walk]) -> None:
    """The cut is the net's outline (inside the TrimBox, which is its bbox); creases are the folds."""
    reader = help_me.reader()
    for i, w in enumerate(help_me_walks):
        piece = help_me.kit.pieces[i]
        if piece.net is None:
            continue
        net = piece.net
        trim = box(reader.pages[i], "/TrimBox")
        (cut,) = [e for e in w.events if e.kind == "stroke" and e.state.stroke.space == "CutContour"]
        dx, dy = trim[0] - net.bbox.x0, trim[1] - net.bbox.y0
        outline = net.outline
        want = [(outline.start.x + dx, outline.start.y + dy)]
        want += [
            (seg.p3.x + dx, seg.p3.y + dy) if hasattr(seg, "p3") else (seg.p1.x + dx, seg.p1.y + dy)
            for seg in outline.segments
        ]
        assert len(cut.anchors) == len(want), f"{piece.key}: one path segment per planned segment"
        for got, exp in zip(cut.anchors, want, strict=True):
            assert got == pytest.approx(exp, abs=TOL), piece.key
        ax0, ay0, ax1, ay1 = trim
        assert all(ax0 - TOL <= x <= ax1 + TOL and ay0 - TOL <= y <= ay1 + TOL for x, y in cut.anchors)
        flat = outline.flatten(0.01).bbox
        assert (flat.x0 + dx, flat.y0 + dy, flat.x1 + dx, flat.y1 + dy) == pytest.approx(trim, abs=TOL)
        creases = [
            seg
            for e in w.events
            if e.kind == "stroke" and e.state.stroke.space == "Crease"
            for seg in e.lines
        ]
        planned = [((f.p0.x + dx, f.p0.y + dy), (f.p1.x + dx, f.p1.y + dy)) for f in net.folds]
        assert len(creases) == len(planned)
        for got, want in zip(creases, planned, strict=True):
            assert [*got[0], *got[1]] == pytest.approx([*want[0], *want[1]], abs=TOL)
        glue = [e for e in w.events if e.kind == "stroke" and e.state.stroke.space == "Glue"]
        if net.glue:
            (g,) = glue
            assert len(g.points) == sum(len(a.polygon.points) for a in net.glue)


def test_marks_stay_outside_the_bleed(help_me: Built, help_me_walks: list[Walk]) -> None:
    reader = help_me.reader()
    for i, w in enumerate(help_me_walks):
        x0, y0, x1, y1 = box(reader.pages[i], "/BleedBox")
        marks = [
            seg for e in w.events if e.kind == "stroke" and e.state.stroke.space == "All" for seg in e.lines
        ]
        assert len(marks) >= 8, "two crop marks at each corner"
        for (ax, ay), (bx, by) in marks:
            inside_x = max(ax, bx) > x0 + TOL and min(ax, bx) < x1 - TOL
            inside_y = max(ay, by) > y0 + TOL and min(ay, by) < y1 - TOL
            assert not (inside_x and inside_y), f"page {i + 1}: mark {(ax, ay)}-{(bx, by)} enters the bleed"


def test_marks_are_in_the_registration_colour(help_me_walks: list[Walk]) -> None:
    for w in help_me_walks:
        marks = [e for e in w.events if e.kind == "stroke" and e.state.stroke.space == "All"]
        assert marks, "crop marks"
        for e in marks:
            assert 0.25 - 1e-6 <= e.state.width <= 0.5
        assert any(e.state.dash == () for e in marks), "crop marks are solid"
        slug = [e for e in w.events if e.kind == "text" and e.state.fill.space == "All"]
        assert len(slug) == 1 and "HELPME-2027" in slug[0].text


# --- fonts ---------------------------------------------------------------------------------


def _all_objects(reader: PdfReader) -> Iterator[Any]:
    for num in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(num)
        except Exception:
            continue
        if obj is not None:
            yield obj


def _fonts_in_resources(reader: PdfReader, resources: Any, seen: set[int]) -> Iterator[Any]:
    resources = _resolve(resources)
    for ref in _resolve(resources.get("/Font", {})).values():
        yield _resolve(ref)
    for ref in _resolve(resources.get("/XObject", {})).values():
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
        xobj = _resolve(ref)
        if xobj.get("/Subtype") == "/Form" and "/Resources" in xobj:
            yield from _fonts_in_resources(reader, xobj["/Resources"], seen)


def _check_font(font: Any) -> None:
    base = str(font.get("/BaseFont", ""))[1:]
    assert base.split("+")[-1] not in STANDARD_14, f"standard-14 font {base}"
    assert "Helvetica" not in base
    if font.get("/Subtype") == "/Type0":
        font = _resolve(font["/DescendantFonts"][0])
    descriptor = _resolve(font.get("/FontDescriptor"))
    assert descriptor is not None, f"{base} has no FontDescriptor (not embedded)"
    assert "/FontFile2" in descriptor, f"{base} is not embedded as TrueType (FontFile2)"
    assert len(_resolve(descriptor["/FontFile2"]).get_data()) > 1000


@pytest.mark.parametrize("which", ["help_me", "minimal"])
def test_every_font_is_embedded_and_none_is_standard_14(which: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(which)
    reader = built.reader()
    seen: set[int] = set()
    used = 0
    for page in reader.pages:
        for font in _fonts_in_resources(reader, page["/Resources"], seen):
            _check_font(font)
            used += 1
    assert used
    # ... and no font object anywhere in the file, used or not, is unembedded.
    fonts = [o for o in _all_objects(reader) if isinstance(o, DictionaryObject) and o.get("/Type") == "/Font"]
    assert fonts
    for font in fonts:
        _check_font(font)


def test_cjk_text_uses_the_embedded_fallback_font(help_me: Built) -> None:
    reader = help_me.reader()
    page = reader.pages[help_me.first_page("R0005")]
    names = {str(_resolve(f).get("/BaseFont")) for f in _resolve(page["/Resources"]["/Font"]).values()}
    assert any("DroidSansFallback" in n for n in names)


# --- colour ----------------------------------------------------------------------------------


def test_text_and_qr_codes_are_100_percent_black(help_me: Built) -> None:
    reader = help_me.reader()
    for i in range(16):  # two kits: variable text differs, forms are shared
        w = walk(reader, reader.pages[i])
        for e in w.events:
            if e.kind == "text" and e.state.fill.space == "All":
                continue  # the slug, outside the trim, on every plate
            if e.kind == "text" and e.where == "page":  # variable text: names, addresses
                assert e.state.fill == Colour("DeviceCMYK", (0, 0, 0, 1)), f"page {i + 1}: {e.text!r}"
            if e.kind == "text":
                c, m, y, k = e.state.fill.values
                assert e.state.fill.space == "DeviceCMYK"
                assert not (k >= 0.5 and (c or m or y)), f"rich black text {e.text!r}: {e.state.fill}"
    for i in (1, 7):  # the letter and the step 3 card carry the QR codes
        w = walk(reader, reader.pages[i])
        qr = [e for e in w.events if e.kind == "fill" and e.rects >= 50]
        assert len(qr) == 1, f"page {i + 1}: one QR path"
        assert qr[0].state.fill == Colour("DeviceCMYK", (0, 0, 0, 1))
        assert not qr[0].state.overprint_fill


def test_no_rgb_or_gray_anywhere(help_me_walks: list[Walk]) -> None:
    for w in help_me_walks:
        assert not (w.operators & {"rg", "RG", "g", "G"}), "CMYK and spot only"
        for cs in w.colour_spaces.values():
            assert "DeviceRGB" not in str(cs) and "ICCBased" not in str(cs)
    # Text is set in DeviceCMYK `0 0 0 1 k` in the stream itself.
    assert any(
        e.kind == "colour-op" and e.op == "k" and e.state.fill.values == (0, 0, 0, 1)
        for e in help_me_walks[0].events
    )


def _forms(page: Any) -> dict[str, int]:
    """The page's Form XObjects: name -> object number."""
    return {str(k): v.idnum for k, v in page["/Resources"].get("/XObject", {}).items()}


def test_static_artwork_is_one_form_per_piece_side_reused_by_every_kit(help_me: Built) -> None:
    """A page draws two static forms (the piece side's artwork and die lines, its marks),
    the same two on that page of every kit."""
    reader = help_me.reader()
    for i in range(8):
        refs = []
        for k in (0, 5, 9):
            static = frozenset(
                n for name, n in _forms(reader.pages[8 * k + i]).items() if not name.startswith("/FormXob.qr")
            )
            assert len(static) == 2, f"piece {i}: artwork and marks"
            refs.append(static)
        assert len(set(refs)) == 1, f"piece {i}: the same forms for all kits"


def test_a_kits_qr_symbol_is_one_form_drawn_wherever_its_url_repeats(help_me: Built) -> None:
    """The letter and the step 3 card show the same survey link: one symbol, two uses."""
    reader = help_me.reader()
    seen = set()
    for k in range(3):
        qr = [
            {n for name, n in _forms(reader.pages[8 * k + i]).items() if name.startswith("/FormXob.qr")}
            for i in range(8)
        ]
        assert [len(q) for q in qr] == [0, 1, 0, 0, 0, 0, 0, 1], f"kit {k + 1}: QR forms on letter and card 3"
        assert qr[1] == qr[7], f"kit {k + 1}: both blocks draw the same form"
        assert not qr[1] & seen, "every kit has its own symbol"
        seen |= qr[1]
        for i in (1, 7):
            (fill,) = [
                e for e in walk(reader, reader.pages[8 * k + i]).events if e.kind == "fill" and e.rects >= 50
            ]
            assert fill.where.startswith("/FormXob.qr")


def test_pages_of_one_piece_side_share_one_resource_dictionary(help_me: Built) -> None:
    """Pages without a QR code name one indirect resource dictionary per piece side; no page
    carries an empty /Trans or a /Rotate 0."""
    reader = help_me.reader()
    for i in (0, 2, 3, 4, 5, 6):
        refs = {reader.pages[8 * k + i].get_object().get("/Resources").idnum for k in range(3)}  # type: ignore[union-attr]
        assert len(refs) == 1, f"piece {i}: one shared dictionary"
    for page in reader.pages:
        assert "/Trans" not in page and "/Rotate" not in page


def test_document_identification(help_me: Built) -> None:
    reader = help_me.reader()
    assert reader.trailer.get("/ID"), "a file /ID"
    info = reader.metadata
    assert info is not None and info.get("/Trapped") in ("/False", "/True")
    assert info.get("/Title") == "Help me: a New Year's gift in four envelopes"


def test_an_output_intent_identifies_the_print_condition(help_me: Built) -> None:
    root = help_me.reader().trailer["/Root"]
    intents = _resolve(root.get("/OutputIntents", []))
    assert intents and _resolve(intents[0])["/S"] == "/GTS_PDFX"
    assert _resolve(intents[0])["/OutputConditionIdentifier"] == "FOGRA39"
    info = help_me.reader().metadata
    assert info["/GTS_PDFXVersion"] == "PDF/X-1a:2003"
    assert info["/Trapped"] == "/False"
    assert help_me.reader().pdf_header in ("%PDF-1.3", "%PDF-1.4")


# --- QR codes --------------------------------------------------------------------------------


def test_qr_codes_decode_to_the_manifest_urls(help_me: Built) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    doc = pdfium.PdfDocument(str(help_me.pdf))
    try:
        for row in help_me.manifest:
            first = int(row["pages"].split("-")[0]) - 1
            for offset, column in ((1, "url_letter-qr"), (7, "url_card-qr")):
                image = doc[first + offset].render(scale=200 / 72).to_pil()
                found = [
                    r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
                ]
                assert found == [row[column]], f"{row['record_id']} page {first + offset + 1}"
    finally:
        doc.close()


def test_qr_codes_keep_their_quiet_zone_and_module_size(help_me: Built) -> None:
    """The QR ink fills its block's box minus exactly 4 modules on every side; modules >= 0.5 mm."""
    reader = help_me.reader()
    kit = help_me.kit
    for index, piece_key, block_name in ((1, "letter", "letter-qr"), (7, "card3", "card-qr")):
        piece = kit.pieces[index]
        assert piece.key == piece_key
        (placed,) = [p for p in piece.side_a if p.block.name == block_name]
        page = reader.pages[index]
        tx, ty = box(page, "/TrimBox")[:2]
        qbox = placed.to_piece.apply_rect(placed.block.box).bbox.translate(tx, ty)
        (qr,) = [e for e in walk(reader, page).events if e.kind == "fill" and e.rects >= 50]
        a, b, c, d, _, _ = qr.state.ctm
        module = abs(a)
        assert (b, c) == (0, 0) and abs(d) == pytest.approx(module), "square modules, not rotated"
        assert module >= 0.5 * mm
        quiet = 4 * module
        want = (qbox.x0 + quiet, qbox.y0 + quiet, qbox.x1 - quiet, qbox.y1 - quiet)
        assert qr.bbox() == pytest.approx(want, abs=TOL), f"{block_name}: 4-module quiet zone"
        n = round((qbox.width - 2 * quiet) / module)
        assert (n - 17) % 4 == 0, f"{n} modules is a QR version's size"


def test_a_clip_with_bleed_bands_is_their_union_even_where_bands_overlap() -> None:
    """Bands are wound like the clip and the clip is nonzero, so two bands that overlap (at
    a reflex corner) both keep their fill; even-odd would leave a hole where they cross."""
    import io

    import pypdfium2 as pdfium

    from envelopekit.compose import FillOp, Group
    from envelopekit.geometry import Point, Polygon, Rect, Transform
    from envelopekit.kit import resolve
    from envelopekit.layouts import load_layout
    from envelopekit.pages import PageGeometry
    from envelopekit.render.painter import PagePainter

    def square(x0: float, y0: float, x1: float, y1: float) -> Polygon:
        return Polygon((Point(x0, y0), Point(x1, y0), Point(x1, y1), Point(x0, y1)))  # ccw

    clip = square(20, 20, 60, 60)
    bands = (square(60, 20, 90, 80), square(20, 60, 90, 90))  # they overlap in (60..90, 60..80)
    out = io.BytesIO()
    pdf = PagePainter(out, resolve(load_layout("help-me")), {}, proof=True)
    media = Rect(0, 0, 100, 100)
    pdf.begin_page(PageGeometry(media, media, media, Transform(), media.origin))
    pdf.groups([Group(Transform(), clip, (), (FillOp(media, (0, 0, 0, 1)),), bands)], Transform())
    pdf.end_page()
    pdf.save()
    doc = pdfium.PdfDocument(out.getvalue())
    image = doc[0].render(scale=1).to_pil().convert("L")
    doc.close()
    for x, y in ((40, 40), (75, 40), (40, 75), (75, 70)):  # clip, band 1, band 2, both bands
        assert image.getpixel((x, 100 - y)) < 64, f"({x}, {y}) filled"
    assert image.getpixel((10, 100 - 10)) > 192, "outside the clip: paper"


def _flag(value: object) -> bool:
    """A PDF boolean as a bool: pypdf's BooleanObject(False) is truthy, so compare its value."""
    return bool(getattr(value, "value", value))
