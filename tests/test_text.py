"""Bundled fonts, glyph coverage, runs, measuring, fitting and templates (envelopekit.content.text)."""

from __future__ import annotations

import io
import re
import struct
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFile

from envelopekit.content import text as T
from envelopekit.errors import (
    CatalogError,
    EnvelopekitError,
    FitError,
    GlyphError,
    LayoutError,
    RecordError,
)
from envelopekit.units import mm

NOTO = "EK-NotoSans-Regular"
DROID = "EK-DroidSansFallbackFull"

NAMES = {
    "latin": "Zoë Ångström-Façade",
    "vietnamese": "Nguyễn Thị Ánh",
    "greek": "Παπαδόπουλος",
    "cyrillic": "Иванова",
    "cjk": "山田太郎",
}


def _tables(path: Path) -> set[bytes]:
    data = path.read_bytes()[: 12 + 16 * 64]
    count = struct.unpack(">H", data[4:6])[0]
    return {data[12 + 16 * i : 16 + 16 * i] for i in range(count)}


# --- bundled files -----------------------------------------------------------------


def test_bundled_fonts_are_truetype_and_licensed() -> None:
    files = {f for chain in T.FAMILIES.values() for f in chain}
    assert T.CJK_FALLBACK in files
    total = 0
    for name in files:
        path = T.FONTS_DIR / name
        tables = _tables(path)
        assert b"glyf" in tables and b"CFF " not in tables, name
        total += path.stat().st_size
    assert total < 12_000_000
    for doc in ("README.md", "OFL-1.1.txt", "Apache-2.0.txt"):
        assert (T.FONTS_DIR / doc).stat().st_size > 500
    assert "Open Font License" in (T.FONTS_DIR / "OFL-1.1.txt").read_text()


# --- registry ----------------------------------------------------------------------


def test_families_are_fallback_chains_registered_once() -> None:
    for name, files in T.FAMILIES.items():
        family = T.get_family(name)
        assert family is T.get_family(name)
        assert [f.path.name for f in family.fonts] == list(files)
        assert family.fonts[-1].name == DROID
        for font in family.fonts:
            assert font.path.parent == T.FONTS_DIR  # never a font of the machine
            assert font.name in pdfmetrics.getRegisteredFontNames()
    assert T.get_family("sans").fonts[0].name == NOTO
    # One Droid face serves every family, so a PDF embeds it once.
    assert T.get_family("sans").fonts[-1] is T.get_family("serif-italic").fonts[-1]
    assert set(T.register_fonts()) >= {NOTO, DROID, "EK-NotoSerif-Italic"}


def test_unknown_family() -> None:
    with pytest.raises(CatalogError, match="unknown font family 'comic'"):
        T.get_family("comic")


def test_fonts_folder_from_argument_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in T.FAMILIES["sans"]:  # the Latin face, the script faces, the CJK fallback
        (tmp_path / name).symlink_to(T.FONTS_DIR / name)
    explicit = T.get_family("sans", fonts_dir=tmp_path)
    assert explicit.fonts[0].path.parent == tmp_path.resolve()
    assert explicit.fonts[0].name.startswith(NOTO + "-")  # never clashes with the default
    assert T.split_runs("Ab", explicit) == [(explicit.fonts[0].name, "Ab")]

    monkeypatch.setenv(T.FONTS_ENV, str(tmp_path))
    assert T.resolve_fonts_dir() == tmp_path
    assert T.get_family("sans").fonts[0].name == explicit.fonts[0].name
    with pytest.raises(EnvelopekitError, match=r"NotoSerif-Regular\.ttf is missing"):
        T.get_family("serif")
    monkeypatch.delenv(T.FONTS_ENV)
    assert T.get_family("sans").fonts[0].name == NOTO


# --- coverage and runs -------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(T.FAMILIES))
@pytest.mark.parametrize("script", sorted(NAMES))
def test_scripts_are_covered(family: str, script: str) -> None:
    assert T.missing_glyphs(NAMES[script], family) == []
    T.check_glyphs(NAMES[script], family, field="name")


@pytest.mark.parametrize("script", ["latin", "vietnamese", "greek", "cyrillic"])
def test_alphabetic_scripts_take_noto(script: str) -> None:
    assert T.split_runs(NAMES[script], "sans") == [(NOTO, NAMES[script])]


def test_cjk_takes_droid_and_mixed_text_splits() -> None:
    assert T.split_runs("山田太郎", "sans") == [(DROID, "山田太郎")]
    assert T.split_runs("Dear 山田さん, Иванова", "serif-bold") == [
        ("EK-NotoSerif-Bold", "Dear "),
        (DROID, "山田さん"),
        ("EK-NotoSerif-Bold", ", Иванова"),
    ]
    with pytest.raises(ValueError, match="one line"):
        T.split_runs("a\nb", "sans")


def test_decomposed_text_is_composed_first() -> None:
    nfd = unicodedata.normalize("NFD", NAMES["vietnamese"])
    assert nfd != NAMES["vietnamese"]
    assert T.split_runs(nfd, "sans") == [(NOTO, NAMES["vietnamese"])]
    assert T.text_width(nfd, "sans", 10) == T.text_width(NAMES["vietnamese"], "sans", 10)


@pytest.mark.parametrize(
    ("text", "code"),
    [("Party 🎉", "U+1F389"), ("Ab\ue000", "U+E000"), ("bell\x07", "U+0007"), ("♥\U0010fffd", "U+10FFFD")],
)
def test_undrawable_characters_are_rejected(text: str, code: str) -> None:
    ch = next(c for c in text if f"U+{ord(c):04X}" == code)
    assert ch in T.missing_glyphs(text, "sans")
    with pytest.raises(GlyphError) as info:
        T.check_glyphs(text, "sans", field="first_name")
    message = str(info.value)
    assert code in message and repr(ch) in message and "first_name" in message
    assert info.value.field == "first_name"
    for call in (lambda: T.split_runs(text, "sans"), lambda: T.text_width(text, "sans", 9)):
        with pytest.raises(GlyphError, match=re.escape(code)):
            call()
    with pytest.raises(GlyphError, match=re.escape(code)):
        T.fit_text(text, "sans", 500, 100, size=10, field="first_name")


def test_missing_glyphs_lists_each_once_and_ignores_line_breaks() -> None:
    assert T.missing_glyphs("🎉a🎉\r\nb\u2028c\td", "sans") == ["🎉"]
    assert T.missing_glyphs("", "serif") == []
    assert T.missing_glyphs("a\u00a0b\u3000c", "sans") == []  # no-break and ideographic spaces


# --- widths and metrics ------------------------------------------------------------


def test_widths_add_up_and_scale() -> None:
    w = T.text_width
    assert w("AB", "sans", 10) == pytest.approx(w("A", "sans", 10) + w("B", "sans", 10))
    assert w("Παπα", "serif", 24) == pytest.approx(2 * w("Παπα", "serif", 12))
    assert w("山", "sans", 10) == pytest.approx(10.0)  # a full-width ideograph is one em
    assert w("", "sans", 10) == 0.0
    assert w("short\nmuch longer line", "sans", 10) == w("much longer line", "sans", 10)
    mixed = "Zoë 山田 Иванова"
    assert w(mixed, "sans", 11) == pytest.approx(
        sum(pdfmetrics.stringWidth(chunk, font, 11) for font, chunk in T.split_runs(mixed, "sans"))
    )


def test_ascent_and_descent_are_the_fonts_own() -> None:
    noto = TTFontFile(str(T.FONTS_DIR / "NotoSans-Regular.ttf"))
    droid = TTFontFile(str(T.FONTS_DIR / T.CJK_FALLBACK))
    assert noto.ascent > droid.ascent and -noto.descent > -droid.descent  # Noto bounds the chain
    assert T.ascent("sans", 10) == pytest.approx(noto.ascent / 100)
    assert T.descent("sans", 10) == pytest.approx(-noto.descent / 100)
    assert 10 < T.ascent("sans", 10) < 11 and 2.5 < T.descent("sans", 10) < 3.5


# --- fitting -----------------------------------------------------------------------


def test_text_that_fits_keeps_size_and_lines() -> None:
    layout = T.fit_text("Anna Berg\n12 High St", "sans", 200, 100, size=11, min_size=8)
    assert layout.size == 11 and layout.leading == pytest.approx(13.2)
    assert [line.text for line in layout.lines] == ["Anna Berg", "12 High St"]
    assert layout.ascent == pytest.approx(T.ascent("sans", 11))
    assert layout.height == pytest.approx(layout.ascent + layout.descent + layout.leading)


def test_shrinks_before_wrapping() -> None:
    text = "Maximilian Alexander Papadopoulos"
    full = T.text_width(text, "sans", 12)
    box_w = full * 0.9  # fits unwrapped at about 10.8 pt, or wrapped at 12 pt
    layout = T.fit_text(text, "sans", box_w, 100, size=12, min_size=8)
    assert len(layout.lines) == 1
    assert layout.size == 10.75  # largest 0.25 pt step that fits
    assert layout.lines[0].width <= box_w


def test_wraps_when_shrinking_is_not_enough() -> None:
    text = "Maximilian Alexander Papadopoulos"
    box_w = T.text_width("Maximilian Alexander", "sans", 12) + 1
    layout = T.fit_text(text, "sans", box_w, 100, size=12, min_size=11)
    assert layout.size == 12
    assert [line.text for line in layout.lines] == ["Maximilian Alexander", "Papadopoulos"]
    # Height-limited: three lines do not fit at 12 pt, so the largest size that fits is chosen.
    narrow = T.text_width("Papadopoulos", "sans", 12) + 1
    height = T.ascent("sans", 10) + T.descent("sans", 10) + 2 * 1.2 * 10
    layout = T.fit_text(text, "sans", narrow, height, size=12, min_size=6)
    assert layout.size == 10 and len(layout.lines) == 3
    assert layout.height == pytest.approx(height)
    with pytest.raises(FitError):
        T.fit_text(text, "sans", narrow, height, size=12, min_size=10.25)


def test_explicit_newlines_are_kept_when_wrapping() -> None:
    box_w = T.text_width("one two", "sans", 10) + 0.5
    layout = T.fit_text("one two three\nfour", "sans", box_w, 200, size=10)
    assert [line.text for line in layout.lines] == ["one two", "three", "four"]


def test_no_wrap_raises_instead() -> None:
    with pytest.raises(FitError, match="unwrapped"):
        T.fit_text("one two three", "sans", 30, 200, size=10, min_size=9, wrap=False)


def test_impossible_text_says_by_how_much() -> None:
    word = "Supercalifragilistic"
    box_w = 20 * mm
    with pytest.raises(T.TextOverflowError) as info:
        T.fit_text(word, "sans", box_w, 100, size=12, min_size=8)
    error = info.value
    assert isinstance(error, FitError)
    expected = T.text_width(word, "sans", 8) - box_w
    assert error.overflow_width == pytest.approx(expected)
    assert error.overflow_height == 0
    assert f"{expected / mm:.1f}mm too wide" in str(error) and "at 8 pt" in str(error)

    lines = "\n".join(["line"] * 10)
    with pytest.raises(T.TextOverflowError, match="too tall") as info:
        T.fit_text(lines, "sans", 100, 30, size=10, min_size=9, field="message")
    assert info.value.overflow_height == pytest.approx(
        T.ascent("sans", 9) + T.descent("sans", 9) + 9 * 1.2 * 9 - 30
    )
    assert "field 'message'" in str(info.value)


@pytest.mark.parametrize(("align", "expected_x"), [("left", 0.0), ("center", 0.5), ("right", 1.0)])
def test_alignment_offsets(align: str, expected_x: float) -> None:
    box_w, box_h = 150.0, 80.0
    layout = T.fit_text("Anna\nBerglund   ", "sans", box_w, box_h, size=10, align=align)  # type: ignore[arg-type]
    for line in layout.lines:
        assert line.width == pytest.approx(T.text_width(line.text, "sans", 10))
        assert line.x == pytest.approx(expected_x * (box_w - line.width))
    assert layout.lines[1].text == "Berglund"  # trailing spaces would shift aligned text


@pytest.mark.parametrize("valign", ["top", "middle", "bottom"])
def test_vertical_placement_uses_real_extents(valign: str) -> None:
    box_h = 100.0
    layout = T.fit_text("a\nb", "sans", 50, box_h, size=10, valign=valign)  # type: ignore[arg-type]
    first, last = layout.lines
    assert first.baseline - last.baseline == pytest.approx(12.0)
    top_gap = box_h - (first.baseline + layout.ascent)
    bottom_gap = last.baseline - layout.descent
    if valign == "top":
        assert top_gap == pytest.approx(0)
    elif valign == "bottom":
        assert bottom_gap == pytest.approx(0)
    else:
        assert top_gap == pytest.approx(bottom_gap)


def test_run_offsets_within_a_line() -> None:
    layout = T.fit_text("Dear 山田 Taro", "sans", 300, 50, size=12, align="center")
    (line,) = layout.lines
    assert [(f, s) for f, s, _ in line.runs] == [(NOTO, "Dear "), (DROID, "山田"), (NOTO, " Taro")]
    for font, chunk, x in line.runs:
        assert x == pytest.approx(T.text_width(line.text[: line.text.index(chunk)], "sans", 12))
        assert pdfmetrics.getFont(font)  # registered, so the renderer can setFont
    assert line.width == pytest.approx(T.text_width(line.text, "sans", 12))


def test_cjk_wraps_between_characters_but_not_before_closing_marks() -> None:
    text = "日本語の文章は、スペースなしで書かれます。"
    box_w = T.text_width("日本語の文章", "sans", 10) + 0.1
    layout = T.fit_text(text, "sans", box_w, 500, size=10)
    lines = [line.text for line in layout.lines]
    assert "".join(lines) == text and len(lines) > 2
    assert all(line.width <= box_w for line in layout.lines)
    assert not any(line[0] in "、。" for line in lines)


def test_hyphenated_names_may_break_after_the_hyphen() -> None:
    box_w = T.text_width("Smith-", "sans", 10) + 0.5
    layout = T.fit_text("Smith-Jones", "sans", box_w, 100, size=10)
    assert [line.text for line in layout.lines] == ["Smith-", "Jones"]


def test_empty_text_and_bad_arguments() -> None:
    assert T.fit_text("", "sans", 10, 10, size=10).lines == ()
    assert len(T.fit_text("a\n\n", "sans", 100, 100, size=10).lines) == 1
    with pytest.raises(ValueError):
        T.fit_text("a", "sans", 100, 100, size=10, min_size=12)
    with pytest.raises(ValueError):
        T.fit_text("a", "sans", 0, 100, size=10)
    with pytest.raises(ValueError):
        T.fit_text("a", "sans", 100, 100, size=10, align="justify")  # type: ignore[arg-type]


_WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzÀÉÖñđΣωЖя山田", min_size=1, max_size=14),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(words=_WORDS, box_w=st.floats(40, 300), box_h=st.floats(20, 200))
def test_fitted_lines_stay_inside_the_box(words: list[str], box_w: float, box_h: float) -> None:
    text = " ".join(words)
    try:
        layout = T.fit_text(text, "sans", box_w, box_h, size=12, min_size=6, align="right")
    except FitError:
        return
    assert 6 <= layout.size <= 12
    # Nothing lost or reordered (a line may break between Latin and CJK without a space).
    assert "".join("".join(line.text for line in layout.lines).split()) == "".join(words)
    for line in layout.lines:
        assert line.x >= -1e-6 and line.x + line.width <= box_w + 1e-6
    assert layout.lines[0].baseline + layout.ascent <= box_h + 1e-6
    assert layout.lines[-1].baseline - layout.descent >= -1e-6


# --- templates ---------------------------------------------------------------------


def test_render_template() -> None:
    fields = {"first": "Zoë", "last": "山田"}
    assert T.render_template("Dear {first} {last},", fields) == "Dear Zoë 山田,"
    assert T.render_template("{{first}} {{{first}}}", fields) == "{first} {Zoë}"
    assert T.render_template("no fields", {}) == "no fields"
    assert T.template_fields("{a} {b} {a} {{c}}") == ("a", "b")


def test_unknown_field_is_a_record_error_and_a_key_error() -> None:
    with pytest.raises(KeyError):
        T.render_template("Hi {nickname}", {"first": "Zoë"})
    with pytest.raises(RecordError, match="nickname") as info:
        T.render_template("Hi {nickname}", {"first": "Zoë"})
    assert info.value.field == "nickname"
    assert "first" in str(info.value)


@pytest.mark.parametrize("template", ["Hi {first", "Hi first}", "{a.b}", "{0}", "{}", "{a:>3}", "{a!r}"])
def test_malformed_templates(template: str) -> None:
    with pytest.raises(LayoutError, match="column"):
        T.render_template(template, {"a": "x", "first": "y"})


# --- end to end: draw the runs, read them back -------------------------------------


@pytest.mark.parametrize("how", ["text object per line", "drawString per run"])
def test_runs_survive_a_pdf_round_trip(how: str) -> None:
    from pypdf import PdfReader
    from reportlab.pdfgen import canvas  # only the test draws

    texts = [NAMES["greek"], NAMES["cyrillic"], NAMES["cjk"], "Nguyễn 山田 Иванова"]
    layout = T.fit_text("\n".join(texts), "serif", 300, 300, size=14)
    buffer = io.BytesIO()
    # initialFontName: otherwise reportlab adds an unembedded Helvetica to every page.
    pdf = canvas.Canvas(buffer, pagesize=(400, 400), invariant=1, initialFontName=layout.lines[0].runs[0][0])
    box_left, box_bottom = 20.0, 20.0
    for line in layout.lines:
        if how == "drawString per run":
            for font, chunk, x in line.runs:
                pdf.setFont(font, layout.size)
                pdf.drawString(box_left + line.x + x, box_bottom + line.baseline, chunk)
        else:
            obj = pdf.beginText()
            for font, chunk, x in line.runs:
                obj.setTextOrigin(box_left + line.x + x, box_bottom + line.baseline)
                obj.setFont(font, layout.size)
                obj.textOut(chunk)
            pdf.drawText(obj)
    pdf.showPage()
    pdf.save()

    page = PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
    # drawString ends each run with a line move (T*), which plain extraction reads as a new
    # line; layout extraction goes by position instead.
    text = page.extract_text(extraction_mode="layout" if how == "drawString per run" else "plain")
    extracted = [line.strip() for line in text.splitlines()]
    assert [line for line in extracted if line] == texts
    resources: Any = page["/Resources"]
    fonts = resources["/Font"]
    assert len(fonts) == 2  # Noto Serif and Droid, nothing else
    for ref in fonts.values():
        font = ref.get_object()
        if font["/Subtype"] == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]


def test_an_empty_field_leaves_no_double_space() -> None:
    from envelopekit.content.templates import render_template

    assert render_template("{city} {region} {zip}", {"city": "Cairo", "region": "", "zip": "11511"}) == (
        "Cairo 11511"
    )
    assert render_template("Dear {title} {name},", {"title": "", "name": "Ada"}) == "Dear Ada,"
    assert render_template("{a} {b}", {"a": "x", "b": ""}) == "x"
    assert render_template("{a}  {b}", {"a": "x", "b": "y"}) == "x  y"  # the layout's own spaces stay
