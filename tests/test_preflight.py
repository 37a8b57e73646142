"""Preflight: envelopekit's own output passes; each rule catches a PDF broken its way.

The broken PDFs are written by hand here (:func:`make_pdf`: a one-page PDF/X-1a file
with a die line, crop marks, a slug, text and a QR code, every part of which a test
can change), so each one breaks exactly one rule and nothing else.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import LAYOUTS, RECIPIENTS, SAMPLES, Built

from envelopekit.preflight import PROFILES, RULES, Limits, PreflightError, Report, check_files, preflight
from envelopekit.units import mm

# --- a hand-written PDF ---------------------------------------------------------------------------

SEP = "<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [{}] /N 1 >>"
QR_AT = (100.0, 60.0)  # the QR symbol's top-left corner (y is its bottom: the cm flips y)
MODULE = 0.6 * mm


def qr_ops(module: float = MODULE, colour: str = "0 0 0 1 k", at: tuple[float, float] = QR_AT) -> str:
    """A real QR symbol (21 modules) as one filled path of rectangles under a flipping cm."""
    from envelopekit import qr

    symbol = qr.encode("HTTPS://EXAMPLE.ORG/A", "M")
    rects = " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in symbol.rects())
    top = at[1] + symbol.size * module
    return f"q {module:.4f} 0 0 {-module:.4f} {at[0]} {top:.4f} cm {colour} {rects} f Q"


DIE = "q /GS0 gs 0.25 w /CS0 CS 1 SCN 50 50 m 250 50 l 250 250 l 50 250 l h S Q"
MARKS = "q 0.25 w /CS1 CS 1 SCN 40 0 m 40 28 l 0 40 m 28 40 l 260 272 m 260 300 l 272 260 m 300 260 l S Q"
SLUG = "q /CS1 cs 1 scn BT /F1 6 Tf 40 10 Td (job 1 sheet 1) Tj ET Q"
TEXT = "q 0 0 0 1 k BT /F1 10 Tf 70 200 Td (Hello) Tj ET Q"


def make_pdf(
    *,
    header: str = "%PDF-1.4",
    content: str | None = None,
    extra: str = "",
    info: dict[str, str] | None = None,
    intent: str | None = "<< /Type /OutputIntent /S /GTS_PDFX /OutputConditionIdentifier (FOGRA39) "
    "/RegistryName (http://www.color.org) /Info (Coated FOGRA39) >>",
    trailer_id: bool = True,
    boxes: str = "/TrimBox [40 40 260 260] /BleedBox [31.4961 31.4961 268.5039 268.5039]",
    spaces: str = "",
    states: str = "",
    xobjects: str = "",
    embedded: bool = True,
    cut: str = "CutContour",
    catalog: str = "",
) -> bytes:
    """One 300 x 300 pt page identified as PDF/X-1a:2003 that passes every rule; each
    keyword changes one part (``content`` replaces the drawing, ``extra`` adds to it).
    Objects 1-9 are fixed; ``xobjects`` may refer to streams given as ``obj10=...``
    through ``extra_objects`` (see :func:`with_objects`)."""
    info = {
        "Title": "(t)",
        "CreationDate": "(D:20000101000000Z)",
        "ModDate": "(D:20000101000000Z)",
        "Trapped": "/False",
        "GTS_PDFXVersion": "(PDF/X-1a:2003)",
        **(info or {}),
    }
    body = content if content is not None else " ".join((DIE, MARKS, SLUG, TEXT, qr_ops()))
    body += " " + extra
    font_file = "/FontFile2 8 0 R" if embedded else ""
    data = zlib.compress(body.encode("latin-1"))
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {'/OutputIntents [' + intent + ']' if intent else ''} {catalog} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] {boxes} /Contents 4 0 R "
        f"/Resources << /Font << /F1 5 0 R >> "
        f"/ColorSpace << /CS0 [/Separation /{cut} /DeviceCMYK {SEP.format('0 1 0 0')}] "
        f"/CS1 [/Separation /All /DeviceCMYK {SEP.format('1 1 1 1')}] {spaces} >> "
        f"/ExtGState << /GS0 << /OP true /OPM 1 >> {states} >> /XObject << {xobjects} >> >> >>",
        (f"<< /Length {len(data)} /Filter /FlateDecode >>", data),
        "<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Test /FirstChar 32 /LastChar 126 "
        f"/Widths [{' '.join(['500'] * 95)}] /FontDescriptor 6 0 R >>",
        f"<< /Type /FontDescriptor /FontName /ABCDEF+Test /Flags 32 /FontBBox [0 -200 1000 800] "
        f"/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 {font_file} >>",
        "<< " + " ".join(f"/{k} {v}" for k, v in info.items()) + " >>",
        ("<< /Length 4 >>", b"font"),
        "<< >>",
    ]
    return write_pdf(header, objects + _EXTRA.pop("objects", []), info_obj=7, trailer_id=trailer_id)


_EXTRA: dict[str, Any] = {}


def with_objects(*objs: Any) -> None:
    """Objects 10, 11, ... for the next make_pdf call (images, ICC profiles, metadata)."""
    _EXTRA["objects"] = list(objs)


def write_pdf(header: str, objects: list[Any], *, info_obj: int, trailer_id: bool) -> bytes:
    out = io.BytesIO()
    out.write(header.encode() + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode())
        if isinstance(obj, tuple):
            head, data = obj
            out.write(head.encode("latin-1") + b"\nstream\n" + data + b"\nendstream")
        else:
            out.write(obj.encode("latin-1"))
        out.write(b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    ident = (
        "/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]" if trailer_id else ""
    )
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_obj} 0 R {ident} >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def image(w: int, h: int, space: str, data: bytes, extra: str = "") -> tuple[str, bytes]:
    packed = zlib.compress(data)
    head = (
        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace {space} "
        f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(packed)} {extra} >>"
    )
    return (head, packed)


def rules_hit(report: Report, severity: str = "error") -> set[str]:
    return {f.rule for f in report.findings if f.severity == severity}


# --- the clean baseline --------------------------------------------------------------------------


def test_the_hand_written_baseline_passes_every_rule() -> None:
    report = preflight(make_pdf(), name="baseline.pdf")
    assert report.ok and not report.warnings, report.format()
    assert set(report.rules) == {r.id for r in RULES}
    assert report.pages == 1


def test_every_rule_has_a_print_md_item_and_applies_to_both_profiles_or_says_which() -> None:
    for rule in RULES:
        assert 0 <= rule.item <= 10 and rule.title
        assert set(rule.profiles) <= set(PROFILES)


# --- one broken PDF per rule -----------------------------------------------------------------------

QR_NEAR = f"q 0 0 0 1 k {QR_AT[0] - 2} {QR_AT[1]} 1 10 re f Q"  # a bar 1 pt left of the code


def _qr_image() -> tuple[str, bytes]:
    """A QR code rasterised: 4 px modules, a 4-module quiet zone (8-bit grey)."""
    from envelopekit import qr

    symbol = qr.encode("HTTPS://EXAMPLE.ORG/A", "M")
    side = (symbol.size + 8) * 4
    px = bytearray([255]) * (side * side)
    for x, y, w, h in symbol.rects():
        for yy in range((y + 4) * 4, (y + 4 + h) * 4):
            for xx in range((x + 4) * 4, (x + 4 + w) * 4):
                px[yy * side + xx] = 0
    return image(side, side, "/DeviceGray", bytes(px))


BROKEN: dict[str, tuple[str, Callable[[], bytes]]] = {
    # rule id -> (severity, a PDF breaking it)
    "pdf-syntax": ("error", lambda: make_pdf(extra="q /Missing Do Q")),
    "pdfx-version": ("error", lambda: make_pdf(header="%PDF-1.6")),
    "output-intent": ("error", lambda: make_pdf(intent=None)),
    "document-id": ("error", lambda: make_pdf(trailer_id=False)),
    "trapped": ("error", lambda: make_pdf(info={"Trapped": "/Unknown"})),
    "boxes": ("error", lambda: make_pdf(boxes="/TrimBox [40 40 260 260]")),
    "fonts-embedded": ("error", lambda: make_pdf(embedded=False)),
    "colour-space": ("error", lambda: make_pdf(extra="q 1 0 0 rg 150 150 10 10 re f Q")),
    "transparency": (
        "error",
        lambda: make_pdf(states="/GS9 << /ca 0.5 >>", extra="q /GS9 gs 0 0 0 .5 k 150 150 10 10 re f Q"),
    ),
    "die-spot-name": ("error", lambda: make_pdf(cut="cutcontour")),
    "die-overprint": (
        "error",
        lambda: make_pdf(content=" ".join((DIE.replace("/GS0 gs ", ""), MARKS, SLUG, TEXT))),
    ),
    "die-separation": ("error", lambda: make_pdf(extra="q /CS0 cs 1 scn 150 150 10 10 re f Q")),
    "die-duplicate": ("error", lambda: make_pdf(extra=DIE)),
    "marks": ("error", lambda: make_pdf(extra="q 0.25 w /CS1 CS 1 SCN 150 40 m 150 60 l S Q")),
    "hairlines": ("error", lambda: make_pdf(extra="q 0.1 w 0 0 0 1 K 150 150 m 200 150 l S Q")),
    "rich-black-text": ("error", lambda: make_pdf(extra="q .6 .5 .4 1 k BT /F1 9 Tf 70 180 Td (Hi) Tj ET Q")),
    "total-ink": ("error", lambda: make_pdf(extra="q 1 1 1 1 k 150 150 10 10 re f Q")),
    "image-resolution": (
        "error",
        lambda: (
            with_objects(image(8, 8, "/DeviceCMYK", bytes(8 * 8 * 4))),
            make_pdf(xobjects="/Im1 10 0 R", extra="q 100 0 0 100 140 140 cm /Im1 Do Q"),
        )[1],
    ),
    "safe-margin": ("warning", lambda: make_pdf(extra="q 0 0 0 1 k BT /F1 10 Tf 55 150 Td (near) Tj ET Q")),
    "slug": ("warning", lambda: make_pdf(content=" ".join((DIE, MARKS, TEXT)))),
    "qr-quiet-zone": ("error", lambda: make_pdf(extra=QR_NEAR)),
    "qr-module-size": (
        "error",
        lambda: make_pdf(content=" ".join((DIE, MARKS, SLUG, TEXT, qr_ops(0.3 * mm)))),
    ),
    "qr-colour": (
        "error",
        lambda: make_pdf(content=" ".join((DIE, MARKS, SLUG, TEXT, qr_ops(colour="0 0 0 .8 k")))),
    ),
    "qr-vector": (
        "error",
        lambda: (
            with_objects(_qr_image()),
            make_pdf(xobjects="/Im1 10 0 R", extra="q 46.08 0 0 46.08 140 140 cm /Im1 Do Q"),
        )[1],
    ),
}


def test_the_broken_set_covers_every_rule() -> None:
    assert set(BROKEN) == {r.id for r in RULES}


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_each_broken_pdf_is_caught_by_its_rule_alone(rule: str) -> None:
    severity, make = BROKEN[rule]
    report = preflight(make(), name=f"{rule}.pdf")
    found = [f for f in report.findings if f.rule == rule and f.severity == severity]
    assert found, report.format()
    others = rules_hit(report) - {rule}
    assert not others, f"{rule} also tripped {others}:\n{report.format()}"
    assert report.ok == (severity != "error")
    f = found[0]
    assert f.what and f.fix
    assert f.page == 1 or rule in {"pdfx-version", "output-intent", "document-id", "trapped"}


@pytest.mark.parametrize(
    ("make", "rule", "words"),
    [
        (lambda: make_pdf(info={"GTS_PDFXVersion": "(PDF/X-3:2002)"}), "pdfx-version", "not PDF/X-1a"),
        (lambda: make_pdf(info={"Title": "()"}), "pdfx-version", "Title"),
        (lambda: make_pdf(boxes="/TrimBox [40 40 260 260] /BleedBox [40 40 260 260]"), "boxes", "no bleed"),
        (
            lambda: make_pdf(boxes="/TrimBox [20 20 280 280] /BleedBox [31 31 269 269]"),
            "boxes",
            "outside BleedBox",
        ),
        (lambda: make_pdf(boxes="/BleedBox [31 31 269 269]"), "boxes", "no TrimBox"),
        (
            lambda: make_pdf(boxes="/TrimBox [2 2 298 298] /BleedBox [-5 -5 305 305]", content=TEXT),
            "boxes",
            "outside MediaBox",
        ),
        (lambda: make_pdf(extra="q 0 1 0 0 SC 0 w 150 150 m 200 150 l S Q"), "hairlines", "0-width"),
        (
            lambda: make_pdf(
                spaces="/L [/Lab << /WhitePoint [0.95 1 1.09] >>]",
                extra="q /L cs 50 0 0 sc 150 150 5 5 re f Q",
            ),
            "colour-space",
            "Lab",
        ),
        (
            lambda: make_pdf(
                spaces="/R [/Separation /Gold /DeviceRGB "
                "<< /FunctionType 2 /Domain [0 1] /C0 [1 1 1] /C1 [1 .8 0] /N 1 >>]",
                extra="q /R cs 1 scn 150 150 5 5 re f Q",
            ),
            "colour-space",
            "DeviceRGB alternate",
        ),
        (
            lambda: make_pdf(extra="q /CS0 cs 1 scn BT /F1 10 Tf 70 120 Td (cut) Tj ET Q"),
            "die-separation",
            "text on the CutContour",
        ),
        (
            lambda: make_pdf(extra="q /CS1 cs 1 scn BT /F1 6 Tf 70 120 Td (reg) Tj ET Q"),
            "marks",
            "inside a trim",
        ),
        (
            lambda: make_pdf(extra="q 0 0 0 1 k BT /F1 10 Tf 45 120 Td (across the cut) Tj ET Q"),
            "safe-margin",
            "crosses a cut",
        ),
        (
            lambda: make_pdf(extra="q 0 0 0 1 k BT /F1 10 Tf 30 120 Td (across the trim) Tj ET Q"),
            "safe-margin",
            "across the trim",
        ),
        (lambda: make_pdf(extra="q 0 0 0 1 k 95 70 3 3 re f Q"), "qr-quiet-zone", "quiet zone"),
        (lambda: make_pdf(extra="q 0 0 0 1 k 110 70 3 3 re f Q"), "qr-quiet-zone", "behind or over"),
        (
            lambda: make_pdf(content=" ".join((DIE, MARKS, SLUG, TEXT, qr_ops(0.3 * mm)))),
            "qr-module-size",
            "0.30 mm",
        ),
    ],
)
def test_more_ways_to_break_a_rule(make: Callable[[], bytes], rule: str, words: str) -> None:
    report = preflight(make())
    assert any(f.rule == rule and words in f.what and f.severity == "error" for f in report.findings), (
        report.format()
    )


@pytest.mark.parametrize(
    ("make", "rule", "words"),
    [
        (
            lambda: make_pdf(boxes="/TrimBox [40 40 260 260] /BleedBox [35 35 265 265]"),
            "boxes",
            "1.8 mm of bleed",
        ),
        (lambda: make_pdf(extra="q 0.25 w /CS1 CS 1 SCN 150 33 m 150 38 l S Q"), "marks", "inside the bleed"),
        (lambda: make_pdf(extra="q 1 w /CS1 CS 1 SCN 150 0 m 150 20 l S Q"), "marks", "heavier"),
        (lambda: make_pdf(extra="q 0.25 w 0 0 0 1 K 150 0 m 150 20 l S Q"), "marks", "not in registration"),
        (
            lambda: make_pdf(extra="q .6 .5 .4 1 k BT /F1 14 Tf 70 180 Td (Big) Tj ET Q"),
            "rich-black-text",
            "14.0 pt",
        ),
        (
            lambda: make_pdf(
                spaces="/D [/Separation /Die /DeviceCMYK " + SEP.format("0 1 0 0") + "]",
                extra="q /GS0 gs /D CS 1 SCN 60 60 m 70 60 l S Q",
            ),
            "die-spot-name",
            "looks like a die line",
        ),
        (
            lambda: make_pdf(content=" ".join((DIE, MARKS, SLUG, TEXT, qr_ops(0.45 * mm)))),
            "qr-module-size",
            "0.45 mm",
        ),
        (
            lambda: (
                with_objects(image(100, 100, "/DeviceCMYK", bytes(100 * 100 * 4))),
                make_pdf(xobjects="/Im1 10 0 R", extra="q 36 0 0 36 140 140 cm /Im1 Do Q"),
            )[1],
            "image-resolution",
            "200 ppi",
        ),
    ],
)
def test_warnings_do_not_fail_a_file(make: Callable[[], bytes], rule: str, words: str) -> None:
    report = preflight(make())
    assert any(f.rule == rule and words in f.what and f.severity == "warning" for f in report.findings), (
        report.format()
    )
    assert report.ok, report.format()


def test_image_ink_is_read_from_its_pixels() -> None:
    with_objects(image(4, 4, "/DeviceCMYK", bytes([255, 255, 255, 200]) * 16))
    pdf = make_pdf(xobjects="/Im1 10 0 R", extra="q 1 0 0 1 140 140 cm /Im1 Do Q")
    report = preflight(pdf, rules=["total-ink"])
    assert rules_hit(report) == {"total-ink"} and "378 %" in report.errors[0].what


def test_an_unreadable_file_is_one_error_not_a_crash() -> None:
    for data in (b"", b"%PDF-1.4\ngarbage", make_pdf()[:200]):
        report = preflight(data, name="bad.pdf")
        assert not report.ok and report.errors[0].rule == "pdf-syntax"


def test_a_form_that_draws_itself_is_reported_not_followed() -> None:
    with_objects(
        (
            "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Me 10 0 R >> >> "
            "/Length 8 >>",
            b"/Me Do  ",
        )
    )
    report = preflight(make_pdf(xobjects="/Fm 10 0 R", extra="/Fm Do"))
    assert any("draws itself" in f.what for f in report.errors), report.format()


def test_the_same_problem_on_many_pages_is_summarised() -> None:
    from envelopekit.preflight import MAX_PAGES_PER_RULE, _Collector
    from envelopekit.preflight.report import Finding

    c = _Collector()
    for page in range(1, 31):
        for _ in range(3):
            c.add(Finding("hairlines", "error", page, "thin", "page", "thicker"))
    found = c.findings()
    assert len(found) == MAX_PAGES_PER_RULE + 1
    assert found[0].count == 3 and found[-1].page is None and "20 more page" in found[-1].what


# --- the X-4 profile -------------------------------------------------------------------------------

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/" pdfxid:GTS_PDFXVersion="PDF/X-4"/></rdf:RDF>'
    b'</x:xmpmeta><?xpacket end="w"?>'
)


def _x4(extra: str = "", spaces: str = "", icc_image: bool = False) -> bytes:
    """An X-4 page: XMP identification, an output intent with an (empty) CMYK profile."""
    objects: list[Any] = [
        ("<< /N 4 /Length 4 >>", b"icc4"),  # 10: the output profile
        (f"<< /Type /Metadata /Subtype /XML /Length {len(XMP)} >>", XMP),  # 11
        ("<< /N 3 /Length 4 >>", b"icc3"),  # 12: an RGB profile
    ]
    if icc_image:
        objects.append(image(300, 300, "[/ICCBased 12 0 R]", bytes(300 * 300 * 3)))  # 13
    with_objects(*objects)
    return make_pdf(
        header="%PDF-1.6",
        info={"GTS_PDFXVersion": "(PDF/X-4)"},
        intent="<< /Type /OutputIntent /S /GTS_PDFX /OutputConditionIdentifier (FOGRA39) "
        "/DestOutputProfile 10 0 R >>",
        catalog="/Metadata 11 0 R",
        spaces=spaces,
        xobjects="/Im1 13 0 R" if icc_image else "",
        extra=extra,
    )


def test_x4_allows_icc_rgb_and_transparency_that_x1a_refuses() -> None:
    pdf = _x4(extra="q /GS9 gs 72 0 0 72 150 150 cm /Im1 Do Q", icc_image=True)
    pdf = pdf.replace(b"/GS0 << /OP true /OPM 1 >>", b"/GS0 << /OP true /OPM 1 >> /GS9 << /ca 0.5 >>")
    x4 = preflight(pdf, "x4")
    assert x4.ok, x4.format()
    assert "transparency" in rules_hit(x4, "info")
    x1a = preflight(pdf, "x1a")
    assert {"colour-space", "transparency", "pdfx-version"} <= rules_hit(x1a)


def test_x4_refuses_device_rgb_without_a_profile_and_an_intent_without_one() -> None:
    assert "colour-space" in rules_hit(preflight(_x4(extra="q 1 0 0 rg 150 150 5 5 re f Q"), "x4"))
    managed = _x4(extra="q 1 0 0 rg 150 150 5 5 re f Q", spaces="/DefaultRGB [/ICCBased 12 0 R]")
    assert "colour-space" not in rules_hit(preflight(managed, "x4"))
    # the X-1a baseline has no output profile and no XMP identification
    assert {"output-intent", "pdfx-version"} <= rules_hit(preflight(make_pdf(), "x4"))


# --- envelopekit's own output ----------------------------------------------------------------------

LAYOUT_DATA = {
    "help-me": RECIPIENTS,
    "wedding": SAMPLES / "wedding.csv",
    "onboarding": SAMPLES / "onboarding.csv",
}
MODES: dict[str, dict[str, Any]] = {
    "single-up": {},
    "gang": {"impose": ("SRA3", "gang", None)},
    "cut-and-stack": {"impose": ("SRA3", "cut-and-stack", "turn")},
}


def _build(build_kit: Callable[..., Built], layout: str, mode: str, **extra: Any) -> Built:
    from envelopekit.batch import Imposition
    from envelopekit.catalog import lookup_sheet
    from envelopekit.records import read_records

    options = dict(extra)
    if "impose" in MODES[mode]:
        sheet, strategy, duplex = MODES[mode]["impose"]
        options["impose"] = Imposition(lookup_sheet(sheet), strategy, duplex, None, "2026-12-01")
    from envelopekit.layouts import load_layout

    spec = load_layout(layout)
    with read_records(LAYOUT_DATA[layout], id_field=spec.id_field) as records:
        return build_kit(spec, records, name=f"{layout}-{mode}", **options)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("layout", sorted(LAYOUT_DATA))
def test_every_bundled_layout_passes_preflight_in_every_mode(
    build_kit: Callable[..., Built], layout: str, mode: str
) -> None:
    built = _build(build_kit, layout, mode)
    assert built.result.files
    for path in built.result.files:
        report = preflight(path)
        assert report.ok and not report.warnings, report.format()
        assert report.pages > 0 and not report.exempt


def test_a_proof_is_exempt_and_says_so(build_kit: Callable[..., Built]) -> None:
    built = build_kit("help-me", proof=True)
    report = preflight(built.pdf)
    assert report.ok and report.exempt and "proof" in report.exempt.lower()
    assert [f.rule for f in report.findings] == ["proof"]


def test_a_hand_written_reportlab_pdf_without_boxes_or_intent_is_rejected() -> None:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf)
    c.setFillColorRGB(1, 0, 0)
    c.drawString(72, 720, "Hello from Helvetica")
    c.showPage()
    c.save()
    report = preflight(buf.getvalue(), name="reportlab.pdf")
    assert not report.ok
    assert {"boxes", "output-intent", "pdfx-version", "fonts-embedded", "colour-space"} <= rules_hit(report)


def _edit(pdf: Path, change: Callable[[Any], None]) -> bytes:
    """The file rewritten by pypdf after ``change(writer)``."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    change(writer)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_envelopekit_output_edited_to_break_a_rule_is_caught(help_me: Built) -> None:
    from pypdf.generic import BooleanObject, NameObject

    def no_intent(w: Any) -> None:
        del w._root_object[NameObject("/OutputIntents")]

    def no_overprint(w: Any) -> None:
        for page in w.pages[:1]:
            for form in page["/Resources"]["/XObject"].values():
                states = form.get_object()["/Resources"].get("/ExtGState", {})
                for gs in states.values():
                    gs = gs.get_object()
                    if "/OP" in gs:
                        gs[NameObject("/OP")] = BooleanObject(False)

    first = help_me.result.files[0]  # kit by kit, or the envelopes' file: page 1 is an outer envelope
    assert "output-intent" in rules_hit(preflight(_edit(first, no_intent)))
    report = preflight(_edit(first, no_overprint))
    assert {f.page for f in report.errors if f.rule == "die-overprint"} >= {1}


def test_a_net_pdf_is_print_ready(tmp_path: Path) -> None:
    """`envelopekit net` says it writes a print-ready PDF."""
    from envelopekit.nets import build_net
    from envelopekit.render.pdf import net_pdf

    net = build_net("banker", 162 * mm, 114 * mm, {})
    report = preflight(net_pdf(net), name="banker-C6.pdf")
    if not report.ok:
        pytest.xfail(
            "envelopekit net writes no PDF/X identification: "
            + "; ".join(f"{f.rule}: {f.what}" for f in report.errors)
        )


# --- build --preflight ------------------------------------------------------------------------------


def test_build_with_preflight_passes_and_notes_nothing(build_kit: Callable[..., Built]) -> None:
    built = build_kit("help-me", preflight=True)
    assert built.result.built == 1 and not [n for n in built.result.notes if n.startswith("preflight")]


def test_a_build_failing_preflight_keeps_the_previous_build(
    tmp_path: Path, demo_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from envelopekit.batch import build
    from envelopekit.layouts import load_layout

    spec = load_layout("help-me")
    out = tmp_path / "out"
    build(spec, None, out, key=demo_key, preflight=True)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    monkeypatch.setattr("envelopekit.render.pdf.MARK_WIDTH", 0.1)  # hairline marks
    with pytest.raises(PreflightError) as info:
        build(spec, None, out, key=demo_key, chunk=1, preflight="x1a")
    message = str(info.value)
    assert "kits-00001-envelope-100.pdf page 1: hairlines" in message and "0.100 pt" in message
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before


def test_check_files_names_file_page_and_rule() -> None:
    with pytest.raises(PreflightError, match=r"bad\.pdf page 1: die-overprint"):
        check_files([("good.pdf", make_pdf()), ("bad.pdf", BROKEN["die-overprint"][1]())])
    assert [r.file for r in check_files([("good.pdf", make_pdf())])] == ["good.pdf"]


# --- the command -------------------------------------------------------------------------------------


def test_cli_preflight_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from envelopekit.cli import main

    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(make_pdf())
    bad.write_bytes(BROKEN["total-ink"][1]())
    assert main(["preflight", str(good), str(bad)]) == 1
    text = capsys.readouterr().out
    assert "good.pdf: PASS" in text and "bad.pdf: FAIL" in text and "\\x0a" not in text
    assert "\n  error   page 1    total-ink: " in text
    assert main(["preflight", str(good)]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["preflight", str(good), str(bad), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and [f["ok"] for f in data["files"]] == [True, False]
    (finding,) = data["files"][1]["findings"]
    assert finding["rule"] == "total-ink" and finding["page"] == 1 and finding["severity"] == "error"
    assert {"what", "where", "fix"} <= set(finding)
    assert main(["preflight", str(good), "--profile", "x4"]) == 1
    assert main(["preflight", "--rules"]) == 0
    assert "qr-quiet-zone" in capsys.readouterr().out


def test_cli_build_preflight_option(
    tmp_path: Path, demo_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from envelopekit.cli import main

    code = main(
        [
            "build",
            "help-me",
            "-o",
            str(tmp_path / "o"),
            "--preflight",
            "--workers",
            "1",
            "--token-key-file",
            str(demo_key_file),
            "-q",
        ]
    )
    assert code == 0, capsys.readouterr().err


def test_limits_are_parameters() -> None:
    strict = Limits(min_line=0.3)
    report = preflight(make_pdf(), limits=strict)
    assert "hairlines" in rules_hit(report)  # the 0.25 pt marks are now too thin
    assert LAYOUTS.is_dir()


def test_a_chunk_is_preflighted_where_it_is_made(demo_key: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """build_chunk (what every worker runs) checks its own PDFs: the parent only collects."""
    import pickle

    from envelopekit.batch.chunk import Chunk, Job, build_chunk, sample_records
    from envelopekit.layouts import load_layout

    spec = load_layout("help-me")
    chunk = Chunk(1, tuple(sample_records(spec)))
    job = Job(spec, "preflight-in-worker", demo_key, preflight="x1a")
    assert build_chunk(job, chunk).notes == ()
    monkeypatch.setattr("envelopekit.render.pdf.MARK_WIDTH", 0.1)  # hairline marks
    with pytest.raises(PreflightError) as info:
        build_chunk(job, chunk)
    again = pickle.loads(pickle.dumps(info.value))  # as a pool worker sends it back
    assert "hairlines" in str(again) and again.where == info.value.where


def test_a_resumed_build_preflights_the_chunks_it_keeps(
    tmp_path: Path, demo_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks made by an interrupted build without --preflight are checked on --resume."""
    from envelopekit.batch import build
    from envelopekit.layouts import load_layout

    spec = load_layout("wedding")
    records = list(sample_records_of(spec, 3))
    out = tmp_path / "out"
    monkeypatch.setattr("envelopekit.render.pdf.MARK_WIDTH", 0.1)  # hairlines in every chunk

    def stop_after_one(p: Any) -> None:
        if p.chunks == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(spec, iter(records), out, key=demo_key, chunk=1, progress=stop_after_one)
    monkeypatch.setattr("envelopekit.render.pdf.MARK_WIDTH", 0.5)  # what is built now is fine
    with pytest.raises(PreflightError, match="hairlines"):
        build(spec, iter(records), out, key=demo_key, chunk=1, resume=True, preflight="x1a")


def sample_records_of(spec: Any, n: int) -> Any:
    from envelopekit.records import FieldMap, Record

    for i in range(n):
        fields = dict(spec.sample, id=f"S-{i + 1}")
        yield Record(row=i + 2, id=fields["id"], fields=FieldMap(fields))
