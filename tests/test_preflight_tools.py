"""Independent checks of envelopekit's print output with other people's tools.

qpdf (structure), poppler's pdffonts and pdfinfo (fonts, boxes, PDF/X subtype) and
Ghostscript's tiffsep device (one image per separation) read every bundled layout's
output, single-up and imposed. Each test is skipped when its tool is missing
(CI installs poppler-utils, qpdf and ghostscript; see .ci/run).

The separations show what a platemaker would get: the die plates (CutContour,
Crease, Glue) hold nothing but their die lines, and the C, M and Y plates are empty
where the address and the QR codes are printed (they are 100 % K).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import RECIPIENTS, SAMPLES, Built

from envelopekit.units import mm

LAYOUT_DATA = {
    "help-me": RECIPIENTS,
    "wedding": SAMPLES / "wedding.csv",
    "onboarding": SAMPLES / "onboarding.csv",
}
MODES = ("single-up", "gang", "cut-and-stack")
DIE_INKS = ("CutContour", "Crease", "Glue")
DPI = 100
SLACK = 3  # px: a die plate's ink may lie this far from its die line (rasterisation)


def needs(tool: str) -> Any:
    return pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} is not installed")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, demo_key: bytes) -> dict[tuple[str, str], Built]:
    """Every bundled layout for its sample records, single-up, gang and cut-and-stack on SRA3."""
    from conftest import _build

    from envelopekit.batch import Imposition
    from envelopekit.catalog import lookup_sheet
    from envelopekit.layouts import load_layout
    from envelopekit.records import read_records

    built = {}
    for layout, data in LAYOUT_DATA.items():
        spec = load_layout(layout)
        for mode in MODES:
            options: dict[str, Any] = {"group": "record"}  # single-up kit by kit: one file
            if mode != "single-up":
                del options["group"]
                duplex = "turn" if mode == "cut-and-stack" else None
                options["impose"] = Imposition(lookup_sheet("SRA3"), mode, duplex, None, "2026-12-01")
            with read_records(data, id_field=spec.id_field) as records:
                out = tmp_path_factory.mktemp(f"{layout}-{mode}")
                built[layout, mode] = _build(spec, records, out, demo_key, **options)
    return built


def _pdfs(outputs: dict[tuple[str, str], Built]) -> list[Path]:
    return [f for b in outputs.values() for f in b.result.files]


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


# --- structure, fonts, boxes -----------------------------------------------------------------------


@needs("qpdf")
def test_qpdf_finds_no_structural_errors(outputs: dict[tuple[str, str], Built]) -> None:
    for pdf in _pdfs(outputs):
        out = _run("qpdf", "--check", str(pdf))
        assert "No syntax or stream encoding errors found" in out, f"{pdf}:\n{out}"


@needs("pdffonts")
def test_pdffonts_lists_every_font_embedded(outputs: dict[tuple[str, str], Built]) -> None:
    for pdf in _pdfs(outputs):
        lines = _run("pdffonts", str(pdf)).splitlines()
        header = lines[0]
        emb = header.index("emb")
        fonts = lines[2:]
        assert fonts, f"{pdf}: no fonts"
        for line in fonts:
            assert line[emb : emb + 3] == "yes", f"{pdf}: not embedded: {line}"


@needs("pdfinfo")
def test_pdfinfo_boxes_nest_and_the_subtype_is_pdfx_1a(outputs: dict[tuple[str, str], Built]) -> None:
    for pdf in _pdfs(outputs):
        n = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf)))[1])  # type: ignore[index]
        for page in sorted({1, n}):
            out = _run("pdfinfo", "-box", "-f", str(page), "-l", str(page), str(pdf))
            boxes = {
                name: tuple(float(v) for v in m.split())
                for name, m in re.findall(r"Page\s+\d+\s+(MediaBox|TrimBox|BleedBox):\s+([-\d. ]+)", out)
            }
            assert set(boxes) == {"MediaBox", "TrimBox", "BleedBox"}, out
            media, trim, bleed = boxes["MediaBox"], boxes["TrimBox"], boxes["BleedBox"]
            assert _within(trim, bleed) and _within(bleed, media), f"{pdf} page {page}: {boxes}"
            assert (
                min(trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
                >= 3 * mm - 0.02
            )
        info = _run("pdfinfo", str(pdf))
        assert re.search(r"PDF subtype:\s+PDF/X-1a:2003", info), info
        assert re.search(r"PDF version:\s+1\.4", info), info


def _within(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    tol = 0.02
    return (
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[2] <= outer[2] + tol
        and inner[3] <= outer[3] + tol
    )


# --- separations (Ghostscript tiffsep) -------------------------------------------------------------


def separations(pdf: Path, page: int, out: Path) -> dict[str, Any]:
    """One page's plates: separation name -> PIL image ('L', 0 = full ink)."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    gs = shutil.which("gs") or "gs"
    _run(
        gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{DPI}",
        f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={out}/p%d.tif", str(pdf),
    )  # fmt: skip
    plates = {}
    for path in out.glob("p1(*).tif"):
        name = path.name[3:-5]
        with Image.open(path) as im:
            plates[name] = im.convert("L").copy()
        path.unlink()
    (out / "p1.tif").unlink(missing_ok=True)
    return plates


def _to_px(x: float, y: float, height: float) -> tuple[float, float]:
    return (x * DPI / 72.0, (height - y) * DPI / 72.0)


def _ink_mask(plate: Any) -> Any:
    return plate.point(lambda v: 255 if v < 128 else 0)


def _page_strokes(pdf: Path, page_index: int) -> tuple[dict[str, list[Any]], list[Any], tuple[float, ...]]:
    """A page's die strokes by ink and its registration-colour objects (segments of
    strokes, boxes of text), in page space; and its MediaBox."""
    from pypdf import PdfReader

    from envelopekit.preflight.events import Paint, Text, Walker
    from envelopekit.preflight.measure import segments_of as _segments

    reader = PdfReader(pdf)
    page = reader.pages[page_index]
    strokes: dict[str, list[Any]] = {ink: [] for ink in DIE_INKS}
    registration: list[Any] = []
    for e in Walker(reader).page(page):
        if isinstance(e, Paint) and e.op == "stroke":
            for ink in DIE_INKS:
                if ink in e.colour.space.colorants:
                    strokes[ink] += _segments(e)
            if "All" in e.colour.space.colorants:
                registration += _segments(e)
        elif isinstance(e, Text) and "All" in e.fill.space.colorants:
            x0, y0, x1, y1 = e.bbox
            registration.append(((x0, y0), (x1, y1), "box"))
    return strokes, registration, tuple(float(v) for v in page["/MediaBox"])


def _thick_line(draw: Any, a: tuple[float, float], b: tuple[float, float]) -> None:
    """A line SLACK px wide on each side and past each end (a rasteriser marks any pixel
    a stroke touches)."""
    draw.line([a, b], fill=255, width=2 * SLACK + 1)
    for x, y in (a, b):
        draw.ellipse([x - SLACK, y - SLACK, x + SLACK, y + SLACK], fill=255)


def _check_die_plates(pdf: Path, page_index: int, work: Path) -> int:
    """Each die plate holds its die lines and nothing else: every inked pixel lies within
    SLACK px of one. The registration colour All (crop, fold and gutter marks, targets, the
    slug) prints on every plate, die plates included, by definition; preflight's marks rule
    keeps it outside every piece, so it is allowed here too. Returns the plates with ink."""
    from PIL import Image, ImageChops, ImageDraw

    strokes, registration, media = _page_strokes(pdf, page_index)
    plates = separations(pdf, page_index + 1, work)
    height = media[3] - media[1]
    inked = 0
    for ink in DIE_INKS:
        plate = plates.get(ink)
        if plate is None:
            assert not strokes[ink], f"{pdf} page {page_index + 1}: no {ink} plate, yet {ink} strokes"
            continue
        ink_px = _ink_mask(plate)
        allowed = Image.new("L", plate.size, 0)
        draw = ImageDraw.Draw(allowed)
        for a, b in strokes[ink]:
            _thick_line(draw, _to_px(*a, height), _to_px(*b, height))
        for item in registration:
            a, b = _to_px(*item[0], height), _to_px(*item[1], height)
            if len(item) == 3:  # a text box
                box = [
                    min(a[0], b[0]) - SLACK,
                    min(a[1], b[1]) - SLACK,
                    max(a[0], b[0]) + SLACK,
                    max(a[1], b[1]) + SLACK,
                ]
                draw.rectangle(box, fill=255)
            else:
                _thick_line(draw, a, b)
        stray = ImageChops.subtract(ink_px, allowed)
        bbox = stray.getbbox()
        assert bbox is None, (
            f"{pdf.name} page {page_index + 1}: ink on the {ink} plate away from its die lines, "
            f"around px {bbox} (artwork on a die separation)"
        )
        if strokes[ink]:
            inked += 1
            assert ink_px.getbbox() is not None, (
                f"{pdf.name} page {page_index + 1}: {ink} strokes, empty plate"
            )
    return inked


@needs("gs")
@pytest.mark.parametrize("layout", sorted(LAYOUT_DATA))
def test_die_plates_hold_only_die_lines_single_up(
    outputs: dict[tuple[str, str], Built], layout: str, tmp_path: Path
) -> None:
    from envelopekit.pages import page_sides

    built = outputs[layout, "single-up"]
    n_pages = len(page_sides(built.kit))  # the first kit: every piece side once
    inked = sum(_check_die_plates(built.pdf, i, tmp_path) for i in range(n_pages))
    assert inked >= 1, "the die plates were empty: the check would pass anything"


@needs("gs")
@pytest.mark.parametrize("mode", ["gang", "cut-and-stack"])
def test_die_plates_hold_only_die_lines_on_press_sheets(
    outputs: dict[tuple[str, str], Built], mode: str, tmp_path: Path
) -> None:
    for layout in sorted(LAYOUT_DATA):
        pdf = outputs[layout, mode].result.files[0]
        assert _check_die_plates(pdf, 0, tmp_path) >= 1


def _plan_boxes(kit: Any) -> dict[int, list[tuple[str, Any]]]:
    """Page index (first kit, single-up) -> [(block, page-space Rect)] of every address and QR block."""
    from envelopekit.content.blocks import AddressBlock, QRBlock
    from envelopekit.pages import page_sides, piece_page

    out: dict[int, list[tuple[str, Any]]] = {}
    for index, (piece, side) in enumerate(page_sides(kit)):
        _, place = piece_page(piece, kit.spec.bleed)
        for placed in piece.side_a if side == 0 else piece.side_b:
            if isinstance(placed.block, AddressBlock | QRBlock):
                rect = placed.to_piece.apply_rect(placed.block.box).bbox
                out.setdefault(index, []).append((placed.block.name, place.apply_rect(rect).bbox))
    return out


@needs("gs")
@pytest.mark.parametrize("layout", sorted(LAYOUT_DATA))
def test_addresses_and_qr_codes_print_on_black_alone(
    outputs: dict[tuple[str, str], Built], layout: str, tmp_path: Path
) -> None:
    built = outputs[layout, "single-up"]
    boxes = _plan_boxes(built.kit)
    assert boxes, f"{layout} has no address or QR block"
    from pypdf import PdfReader

    reader = PdfReader(built.pdf)
    checked = 0
    for index, blocks in boxes.items():
        height = float(reader.pages[index]["/MediaBox"][3])
        plates = separations(built.pdf, index + 1, tmp_path)
        for name, rect in blocks:
            x0, y1 = _to_px(rect.x0, rect.y0, height)
            x1, y0 = _to_px(rect.x1, rect.y1, height)
            crop = (round(x0), round(y0), round(x1), round(y1))
            black = _ink_mask(plates["Black"]).crop(crop)
            assert black.getbbox() is not None, f"{layout} {name}: nothing on the black plate"
            for colour in ("Cyan", "Magenta", "Yellow"):
                ink = _ink_mask(plates[colour]).crop(crop)
                assert ink.getbbox() is None, (
                    f"{layout} page {index + 1} {name}: {colour} ink at {ink.getbbox()}"
                )
            checked += 1
    assert checked


# --- an independent PDF/X validator ------------------------------------------------------------------

# pdf-oxide (PyPI) validates PDF/X-1a against the 2001 edition only: it asks for the
# GTS_PDFXConformance key and an XMP stream, which PDF/X-1a:2003 does not have or need.
# Those two findings are where it and the standard envelopekit follows disagree.
OXIDE_2001_ONLY = ("XMETA-005", "XMETA-008")


def _oxide() -> Any:
    return pytest.importorskip("pdf_oxide", reason="pdf-oxide is not installed (pip install pdf-oxide)")


def test_pdf_oxide_finds_nothing_but_its_2001_rules_in_every_layout(
    outputs: dict[tuple[str, str], Built],
) -> None:
    oxide = _oxide()
    for pdf in _pdfs(outputs):
        result = oxide.PdfDocument(str(pdf)).validate_pdf_x("1a_2001")
        errors = [e for e in result["errors"] if not e.startswith(tuple(f"[{c}]" for c in OXIDE_2001_ONLY))]
        assert not errors, f"{pdf}: {errors}"


@pytest.mark.parametrize(
    ("rule", "code"),
    [("fonts-embedded", "XFONT-001"), ("output-intent", "XMETA-001"), ("transparency", "XTRANS-001")],
)
def test_pdf_oxide_agrees_with_preflight_where_it_checks(rule: str, code: str, tmp_path: Path) -> None:
    """The rules pdf-oxide checks too; where it does not (RGB, /ID, Trapped, the version
    header, die lines, marks, ink, QR codes) it passes the broken files (see the report)."""
    oxide = _oxide()
    from test_preflight import BROKEN

    path = tmp_path / f"{rule}.pdf"
    path.write_bytes(BROKEN[rule][1]())
    result = oxide.PdfDocument(str(path)).validate_pdf_x("1a_2001")
    assert any(f"[{code}]" in e for e in result["errors"]), result


@needs("gs")
def test_the_separation_check_sees_artwork_on_a_die_plate(tmp_path: Path) -> None:
    """A hand-written page with a filled square on CutContour fails the die-plate check."""
    from test_preflight import BROKEN

    pdf = tmp_path / "fill-on-cutcontour.pdf"
    pdf.write_bytes(BROKEN["die-separation"][1]())
    with pytest.raises(AssertionError, match="ink on the CutContour plate away from its die lines"):
        _check_die_plates(pdf, 0, tmp_path / "sep")
