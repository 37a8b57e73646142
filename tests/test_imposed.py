"""Imposed output end to end: every code verifies, duplex backs land behind their fronts,
and a rotated net still carries its back-face content where the model puts it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from envelopekit.batch import Imposition, build
from envelopekit.catalog import lookup_sheet
from envelopekit.geometry import Point, Transform
from envelopekit.layouts import load_layout, parse_layout
from envelopekit.records import read_records
from envelopekit.units import mm
from envelopekit.verify import verify

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("strategy", ["gang", "cut-and-stack"])
def test_every_code_verifies_on_imposed_output(tmp_path: Path, demo_key: bytes, strategy: str) -> None:
    with read_records(ROOT / "samples" / "recipients.csv") as records:
        result = build(
            load_layout("help-me"),
            records,
            tmp_path,
            key=demo_key,
            impose=Imposition(lookup_sheet("SRA3"), strategy),
        )
    assert result.built == 10
    assert [f.name for f in result.files] == [  # one file per stock, never mixed on a sheet
        "sheets-00001-envelope-100.pdf",
        "sheets-00001-text-120.pdf",
        "sheets-00001-card-300.pdf",
    ]
    report = verify(tmp_path)
    assert report.ok, [str(f) for f in report.findings]
    assert report.matched == report.expected == 20
    rows = list(csv.DictReader((tmp_path / "manifest.csv").open(encoding="utf-8")))
    assert all(r["sheets"] and "@" in r["placements"] for r in rows)
    if strategy == "cut-and-stack":
        assert all("/stack " in r["placements"] for r in rows)


LAYOUT = """
[kit]
name = "marker"
[links.survey]
url = "https://example.org/s"
token = "random"
[[envelope]]
name = "env"
style = "pocket"
size = "C6"
[[envelope.back]]
type = "qr"
name = "marker"
box = ["7mm", "44mm", "26mm", "26mm"]
"""


def test_a_rotated_net_keeps_its_back_face_marker_where_the_model_puts_it(tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    spec = parse_layout(LAYOUT, file="marker.toml")
    # A sheet too narrow for the C6 pocket blank (348 x 154 mm) lying down: it must be turned.
    sheet = lookup_sheet("200x400mm")
    result = build(spec, None, tmp_path, impose=Imposition(sheet, "gang"))
    from envelopekit.impose import ImposeOptions, plan
    from envelopekit.impose.adapter import impose_piece
    from envelopekit.kit import resolve

    kit = resolve(spec)
    piece = kit.pieces[0]
    (sheet_plan,) = plan([impose_piece(piece, f"SAMPLE/{piece.key}", spec.bleed)], sheet, ImposeOptions())
    placement = sheet_plan.placements[0]
    assert placement.rotation % 180 == 90, "the test needs a rotated net"
    seal = piece.net.flaps()[-1]
    box = spec.outer.back[0].box
    to_sheet = placement.transform @ Transform.translate(-piece.net.bbox.x0, -piece.net.bbox.y0) @ seal.to_net
    expected = to_sheet.apply(Point(box.center.x, box.center.y))

    dpi = 150
    doc = pdfium.PdfDocument(str(result.files[0]))
    image = doc[0].render(scale=dpi / 72).to_pil()
    doc.close()
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    corners = code.position
    pts = [corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left]
    cx = sum(p.x for p in pts) / 4 * 72 / dpi
    cy = sheet.height - sum(p.y for p in pts) / 4 * 72 / dpi
    assert abs(cx - expected.x) < 1 * mm and abs(cy - expected.y) < 1 * mm
    assert code.text.startswith("https://example.org/s")


def test_a_later_chunks_sheets_number_its_records_as_the_batch_does(tmp_path: Path, demo_key: bytes) -> None:
    """Chunks of 2: the second file's slugs say records 3 and 4, not 1 and 2."""
    from pypdf import PdfReader

    import envelopekit

    spec = load_layout("wedding")
    records = [dict(spec.sample, id=f"G-{n}") for n in range(1, 5)]
    imposition = Imposition(lookup_sheet("SRA3"), "gang", None, None, "2026-12-01")
    out = tmp_path / "out"
    envelopekit.build(spec, records, out, key=demo_key, chunk=2, impose=imposition, workers=1)
    second = sorted(out.glob("sheets-00002-*.pdf"))
    assert second, sorted(p.name for p in out.iterdir())
    text = " ".join(page.extract_text() for f in second for page in PdfReader(f).pages)
    assert "records 3-4" in text or ("record 3" in text and "record 4" in text), text[:300]
    assert "record 1 " not in text and "records 1-2" not in text
