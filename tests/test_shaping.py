"""Complex scripts: Arabic, Hebrew, Devanagari, Thai and mixed names shaped by HarfBuzz,
ordered by python-bidi, drawn glyph by glyph and read back from the PDF.

The glyphs are compared with HarfBuzz's own output for the same string and font; the
PDF's text is extracted with pypdf, pdfium and poppler (what each reads back is pinned);
a rendered crop of every name was looked at (Arabic joined right to left, Devanagari
conjuncts and matras in place, Thai marks stacked) and the checks here pin what was
seen: ink on the side the alignment says.
"""

from __future__ import annotations

import struct
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import uharfbuzz as hb
from conftest import MINIMAL

from envelopekit.content import text as T
from envelopekit.content.shaping import ShapedText, needs_shaping, shape_run
from envelopekit.errors import EnvelopekitError
from envelopekit.layouts import load_layout
from envelopekit.records import FieldMap, Record

NAMES = {
    "arabic": ("فاطمة الزهراء", "NotoSansArabic-Regular.ttf", True),
    "hebrew": ("שרה כהן", "NotoSansHebrew-Regular.ttf", True),
    "devanagari": ("किरण क्षमा शर्मा", "NotoSansDevanagari-Regular.ttf", False),
    "thai": ("สมชาย น้ำใจ", "NotoSansThai-Regular.ttf", False),
}
MIXED = "Fatima الزهراء, Flat 2"


def _harfbuzz(font_file: str, text: str, rtl: bool) -> list[tuple[int, int, int, int]]:
    """HarfBuzz's own (glyph id, x advance, x offset, y offset) for the whole string."""
    blob = hb.Blob.from_file_path(str(T.FONTS_DIR / font_file))
    font = hb.Font(hb.Face(blob))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    hb.shape(font, buf)
    return [
        (i.codepoint, p.x_advance, p.x_offset, p.y_offset)
        for i, p in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
    ]


# --- layout -------------------------------------------------------------------------------


@pytest.mark.parametrize("script", list(NAMES))
def test_a_name_is_laid_out_as_harfbuzz_shapes_it(script: str) -> None:
    text, font_file, rtl = NAMES[script]
    layout = T.fit_text(text, "sans", 300, 40, size=12)
    (line,) = layout.lines
    reference = _harfbuzz(font_file, text, rtl)
    # The whole name is one run in the script's face (spaces included) ...
    (run,) = line.runs
    name, shaped, dx = run
    assert name == "EK-" + font_file.removesuffix(".ttf") and dx == 0.0
    assert isinstance(shaped, ShapedText) and str(shaped) == text
    # ... whose glyphs and positions are HarfBuzz's (the font's upem is 1000).
    assert [g.gid for g in shaped.glyphs] == [r[0] for r in reference]
    pen = 0
    for glyph, (_, advance, x_off, y_off) in zip(shaped.glyphs, reference, strict=True):
        assert glyph.x == pytest.approx(pen + x_off) and glyph.y == pytest.approx(y_off)
        pen += advance
    assert line.width == pytest.approx(pen * 12 / 1000)
    # Shaping changed something: joined forms, conjuncts, reordering or marks.
    cmap = hb.Font(hb.Face(hb.Blob.from_file_path(str(T.FONTS_DIR / font_file))))
    nominal = [cmap.get_nominal_glyph(ord(c)) for c in (text[::-1] if rtl else text)]
    if script != "hebrew":
        assert [g.gid for g in shaped.glyphs] != nominal
    else:  # Hebrew without points: the letters themselves, right to left
        assert [g.gid for g in shaped.glyphs] == nominal


def test_the_extracted_text_of_every_glyph_is_the_runs_text() -> None:
    for text, font_file, rtl in NAMES.values():
        shaped = shape_run(str(T.FONTS_DIR / font_file), text, rtl)
        stream = "".join(g.text for g in shaped.glyphs)
        assert (stream[::-1] if rtl else stream) == text


def test_a_mixed_line_comes_out_in_visual_order() -> None:
    (line,) = T.fit_text(MIXED, "sans", 300, 40, size=12).lines
    texts = [str(run[1]) for run in line.runs]
    assert texts[0] == "Fatima " and texts[1] == "الزهراء" and "".join(texts[2:]) == ", Flat 2"
    assert line.runs[1][0] == "EK-NotoSansArabic-Regular"
    xs = [run[2] for run in line.runs]
    assert xs == sorted(xs)  # left to right
    # A right-to-left line: its Latin word goes to the left of the Arabic one.
    (rtl_line,) = T.fit_text("الزهراء Fatima", "sans", 300, 40, size=12).lines
    assert [str(r[1]) for r in rtl_line.runs] == ["Fatima", " ", "الزهراء"] or [
        str(r[1]).strip() for r in rtl_line.runs if str(r[1]).strip()
    ] == ["Fatima", "الزهراء"]


@pytest.mark.parametrize(
    ("text", "align", "side"),
    [
        ("שרה כהן", "start", "right"),
        ("שרה כהן", "end", "left"),
        ("Sarah Cohen", "start", "left"),
        ("Sarah Cohen", "end", "right"),
        ("الزهراء Fatima", "start", "right"),
        (MIXED, "start", "left"),  # its first strong character is Latin
    ],
)
def test_start_and_end_follow_the_lines_direction(text: str, align: Any, side: str) -> None:
    (line,) = T.fit_text(text, "sans", 300, 40, size=12, align=align).lines
    if side == "left":
        assert line.x == 0.0
    else:
        assert line.x + line.width == pytest.approx(300.0)


def test_latin_text_is_never_shaped(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("shaped")

    monkeypatch.setattr(T, "shape_run", refuse)
    for text in ("Zoë Ångström-Façade", "Nguyễn Thị Ánh", "Иванова", "山田太郎"):
        assert not needs_shaping(text)
        layout = T.fit_text(text, "sans", 300, 40, size=12, align="start")
        assert all(type(run[1]) is str for line in layout.lines for run in line.runs)


def test_a_long_arabic_address_wraps_and_every_line_is_shaped() -> None:
    text = " ".join(["شارع الملك فهد"] * 8)
    layout = T.fit_text(text, "sans", 120, 200, size=12, min_size=12, align="start")
    assert len(layout.lines) > 1
    for line in layout.lines:
        assert all(isinstance(run[1], ShapedText) for run in line.runs)
        assert line.x + line.width == pytest.approx(120.0)
        assert line.width <= 120.0 + 1e-6


# --- fitting and fonts --------------------------------------------------------------------


def _linear(text: str, width: float, height: float, size: float, low: float) -> float:
    """The size the former linear search picked: the largest that fits unwrapped, else
    the largest that fits wrapped, 0.25 pt apart."""
    for wrap in (False, True):
        for s in T._sizes(size, low):
            try:
                T.fit_text(text, "sans", width, height, size=s, min_size=s, wrap=wrap)
            except T.TextOverflowError:
                continue
            return s
    return -1.0


@pytest.mark.parametrize(
    ("text", "width", "height"),
    [
        ("Ada Lovelace", 40, 20),
        ("Bartholomew-Maximilian Wolfeschlegelsteinhausen of Somewhere", 90, 30),
        ("one two three four five six seven eight nine ten", 60, 60),
        ("فاطمة الزهراء بنت محمد", 50, 30),
    ],
)
def test_bisected_fitting_picks_the_size_the_linear_search_picked(
    text: str, width: float, height: float
) -> None:
    expected = _linear(text, width, height, 14, 4)
    assert T.fit_text(text, "sans", width, height, size=14, min_size=4).size == expected


def test_fitting_a_long_text_takes_no_time() -> None:
    text = " ".join(["word"] * 1000)  # 5,000 characters
    started = time.process_time()
    T._fit.cache_clear()
    layout = T.fit_text(text, "sans", 400, 600, size=72, min_size=1)
    assert layout.lines and time.process_time() - started < 2.0


def test_a_truncated_font_is_reported_cleanly(tmp_path: Path) -> None:
    for name in T.FAMILIES["sans"]:
        data = (T.FONTS_DIR / name).read_bytes()
        (tmp_path / name).write_bytes(data if name != "NotoSans-Regular.ttf" else data[:5000])
    with pytest.raises(EnvelopekitError, match="damaged or not a usable TrueType font") as info:
        T.get_family("sans", fonts_dir=tmp_path)
    assert not isinstance(info.value.__cause__, AssertionError)
    assert isinstance(info.value.__cause__, (struct.error, ValueError, IndexError, KeyError, T.TTFError))


def test_the_script_faces_are_bundled_with_their_licence() -> None:
    for script in T.SCRIPTS:
        for weight in ("Regular", "Bold"):
            path = T.FONTS_DIR / f"NotoSans{script}-{weight}.ttf"
            assert path.is_file()
    readme = (T.FONTS_DIR / "README.md").read_text(encoding="utf-8")
    assert all(f"NotoSans{s}-Regular.ttf" in readme for s in T.SCRIPTS)


# --- built and read back ------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from conftest import _build

    from envelopekit.batch import build  # noqa: F401 - the fixture's build needs it importable

    spec = load_layout(MINIMAL)
    names = {**{k: v[0] for k, v in NAMES.items()}, "mixed": MIXED}
    records = [
        Record(i + 2, key, FieldMap({**spec.sample, "id": key, "first_name": name, "last_name": ""}))
        for i, (key, name) in enumerate(names.items())
    ]
    key = (Path(__file__).resolve().parent.parent / "samples" / "demo-token.key").read_bytes().strip()
    return _build(spec, records, tmp_path_factory.mktemp("scripts"), key, group="record"), names


def _card_back(built: Any, record_id: str) -> int:
    """0-based page of the card's back ("For {first_name}") of the record."""
    b, _ = built
    first = b.first_page(record_id)
    reader = b.reader()
    for page in range(first, first + 4):
        if "For" in reader.pages[page].extract_text():
            return page
    raise AssertionError(record_id)


def test_every_complex_name_is_built(built: Any) -> None:
    b, names = built
    assert {r["record_id"]: r["status"] for r in b.manifest} == dict.fromkeys(names, "built")


def test_the_extracted_text_reads_in_logical_order(built: Any) -> None:
    import pypdfium2 as pdfium

    b, names = built
    reader = b.reader()
    document = pdfium.PdfDocument(str(b.pdf))
    try:
        for key, name in names.items():
            page = _card_back(built, key)
            # The name reads in logical order. (Where "For" goes is the tools' guess of the
            # line's direction: pdfium takes the direction most characters have.)
            by_pdfium = document[page].get_textpage().get_text_range()
            assert unicodedata.normalize("NFC", name) in by_pdfium, (key, by_pdfium)
            if key != "mixed":  # pypdf's own bidi guesses move the comma of a mixed line
                by_pypdf = reader.pages[page].extract_text()
                assert name in by_pypdf, (key, by_pypdf)
    finally:
        document.close()


# Lines as drawn by text_code, and what pdfium reads back: in logical order, except
# a right-to-left line whose left-to-right runs are as many as its right-to-left ones.
LINES = {
    "Fatima الزهراء, Flat 2": True,
    "شارع الملك فهد 12 Building": True,
    "שרה כהן": True,
    "किरण क्षमा": True,
    "สมชาย น้ำใจ": True,  # SARA AM: a cluster in an /ActualText span
    "الزهراء Fatima": False,
    "רחוב הרצל 12, Tel Aviv": False,
}


def _lines_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    from envelopekit.render.lean import text_code

    c = canvas.Canvas(str(path), pagesize=(440, 40 + 30 * len(LINES)))
    for k, text in enumerate(LINES):
        (line,) = T.fit_text(text, "sans", 400, 40, size=14, align="start").lines
        c._code.append(text_code(c._doc, 20 + line.x, 20 + 30 * (len(LINES) - k), 14, line.runs))
    c.showPage()
    c.save()


def test_what_each_extractor_reads_back(tmp_path: Path) -> None:
    """Measured: every extractor reads each line's characters, and guesses their order
    with bidi heuristics of its own (so verify compares right-to-left lines unordered).
    An ``/ActualText`` span of the logical line was tried and made it worse: pdfium and
    poppler reorder its text again as if it were in visual order, pypdf ignores it."""
    import shutil
    import subprocess

    import pypdfium2 as pdfium
    from pypdf import PdfReader

    from envelopekit.verify_addresses import comparable
    from envelopekit.verify_addresses import normalise as norm

    pdf = tmp_path / "lines.pdf"
    _lines_pdf(pdf)
    document = pdfium.PdfDocument(str(pdf))
    try:
        read = {"pdfium": document[0].get_textpage().get_text_range().split("\r\n")}
    finally:
        document.close()
    read["pypdf"] = PdfReader(pdf).pages[0].extract_text().split("\n")
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True)
        read["poppler"] = out.stdout.split("\n")
    for tool, lines in read.items():
        assert len(lines) >= len(LINES), (tool, lines)
        for (text, _), got in zip(LINES.items(), lines, strict=False):
            assert comparable(norm(got)) == comparable(norm(text)), (tool, text, got)
    for (text, in_order), got in zip(LINES.items(), read["pdfium"], strict=False):
        # A change here is pdfium's, not ours: update LINES and the shaping docstring.
        assert (unicodedata.normalize("NFC", got) == text) is in_order, (text, got)


def test_a_rendered_name_shows_ink_where_it_is_laid_out(built: Any, tmp_path: Path) -> None:
    """The crops were looked at (see the module docstring); this keeps them from going blank."""
    import pypdfium2 as pdfium

    b, names = built
    document = pdfium.PdfDocument(str(b.pdf))
    try:
        for key in names:
            page = document[_card_back(built, key)]
            image = page.render(scale=2).to_pil().convert("L")
            box = image.point(lambda v: 255 if v < 128 else 0).getbbox()
            assert box is not None, key
            image.save(tmp_path / f"{key}.png")
    finally:
        document.close()


# --- emoji ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept", "dropped"),
    [
        ("Ann 😀 Lee", "Ann Lee", ("😀",)),
        ("Party 🎉", "Party", ("🎉",)),
        ("👍🏽 Bob", "Bob", ("👍",)),  # with its skin tone
        ("👨\u200d👩\u200d👧 Family", "Family", ("👨", "👩", "👧")),  # and its joiners
        ("❤\ufe0f Zoë", "Zoë", ("❤",)),  # and its variation selector
        ("فاطمة 🌹", "فاطمة", ("🌹",)),
        ("Plain", "Plain", ()),
        ("bell\x07", "bell\x07", ()),  # not an emoji: left for check_glyphs to reject
    ],
)
def test_drop_emoji_removes_whole_sequences_and_lists_them(
    text: str, kept: str, dropped: tuple[str, ...]
) -> None:
    assert T.drop_emoji(text) == (kept, dropped)
    if dropped:
        T.check_glyphs(kept, "sans")  # what is left prints: no tofu box
        warning = T.emoji_warning("first_name", dropped)
        assert warning.startswith("first_name: emoji dropped") and f"U+{ord(dropped[0]):04X}" in warning
