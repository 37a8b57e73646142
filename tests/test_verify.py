"""verify: small PDFs drawn here with reportlab, decoded back and checked against a manifest."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from envelopekit.manifest import write_csv
from envelopekit.qr import encode
from envelopekit.units import mm
from envelopekit.verify import Finding, VerifyError, format_report, read_manifest, verify
from envelopekit.verify_decode import _to_code

pytest.importorskip("pypdfium2")
pytest.importorskip("zxingcpp")
canvas = pytest.importorskip("reportlab.pdfgen.canvas")

COLUMNS = ["record_id", "row", "status", "file", "pages", "token", "url", "url_card", "url_flap", "address"]
PAGE = (105 * mm, 148 * mm)  # A6
PAGES_PER_RECORD = 3  # card code on page 1, flap code (upside down) on page 2, nothing on page 3


@dataclass(frozen=True, slots=True)
class Placed:
    """A QR code to draw: its text, its centre in mm from the page's top-left, its module size."""

    text: str
    x: float = 52.0
    y: float = 60.0
    module: float = 0.5
    rotate: float = 0.0
    damage: bool = False


def url(record: str, block: str) -> str:
    return f"HTTPS://SURVEY.EXAMPLE.ORG/{block.upper()}/{record}X7QK2M9"


def kit_pages(record: str) -> list[list[Placed]]:
    return [[Placed(url(record, "card"))], [Placed(url(record, "flap"), y=95, rotate=180)], []]


def draw(path: Path, pages: list[list[Placed]]) -> None:
    """Each code as one filled path of its merged rectangles in 100 % K, like the renderer draws it."""
    c = canvas.Canvas(str(path), pagesize=PAGE)
    for codes in pages:
        c.setFont("Helvetica", 8)
        c.drawString(10 * mm, 10 * mm, "Please scan the code and tell us how it went.")
        for code in codes:
            symbol = encode(code.text)
            m, half = code.module * mm, symbol.size * code.module * mm / 2
            c.saveState()
            c.translate(code.x * mm, PAGE[1] - code.y * mm)
            c.rotate(code.rotate)
            path_ = c.beginPath()
            for x, y, w, h in symbol.rects():
                path_.rect(-half + x * m, half - (y + h) * m, w * m, h * m)
            c.setFillColorCMYK(0, 0, 0, 1)
            c.drawPath(path_, stroke=0, fill=1)
            if code.damage:  # white out the middle of the symbol, finder patterns intact
                c.setFillColorCMYK(0, 0, 0, 0)
                c.rect(
                    -half + 9 * m,
                    -half + 9 * m,
                    symbol.size * m - 18 * m,
                    symbol.size * m - 18 * m,
                    stroke=0,
                    fill=1,
                )
            c.restoreState()
        c.showPage()
    c.save()


def manifest_rows(plan: dict[str, list[str]]) -> list[dict[str, object]]:
    """Manifest rows in the batch's layout for ``{file: [record ids]}``, plus one rejected record."""
    rows: list[dict[str, object]] = []
    line = 2
    for file, records in plan.items():
        for i, record in enumerate(records):
            first = i * PAGES_PER_RECORD + 1
            rows.append(
                {
                    "record_id": record,
                    "row": line,
                    "status": "built",
                    "file": file,
                    "pages": f"{first}-{first + PAGES_PER_RECORD - 1}",
                    "token": f"{record}X7QK2M9",
                    "url": url(record, "card"),
                    "url_card": url(record, "card"),
                    "url_flap": url(record, "flap"),
                }
            )
            line += 1
    rows.append({"record_id": "R9", "row": line, "status": "rejected"})
    return rows


def write_manifest(path: Path, rows: list[dict[str, object]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv(rows, COLUMNS, f)
    return path


PLAN = {"kits-00001.pdf": ["R1", "R2", "R3"], "kits-00002.pdf": ["R4"]}


def write_batch(out: Path, changes: dict[tuple[str, int], list[Placed]] | None = None) -> Path:
    """The batch of PLAN in ``out``; ``changes[(record, page)]`` replaces what that page shows."""
    changes = changes or {}
    for file, records in PLAN.items():
        pages = []
        for record in records:
            for n, codes in enumerate(kit_pages(record), start=1):
                pages.append(changes.get((record, n), codes))
        draw(out / file, pages)
    write_manifest(out / "manifest.csv", manifest_rows(PLAN))
    return out


def errors(findings: tuple[Finding, ...]) -> list[Finding]:
    return [f for f in findings if f.level == "error"]


def test_good_batch_passes(tmp_path: Path) -> None:
    report = verify(write_batch(tmp_path))
    assert report.ok, format_report(report)
    assert report.findings == ()
    assert (report.files, report.pages, report.codes, report.unreadable) == (2, 12, 8, 0)
    assert (report.expected, report.matched) == (8, 8)
    assert report.pages_per_second > 0
    summary = format_report(report)
    assert summary.startswith("OK: 0 errors, 0 warnings; 2 files, 12 pages, 8 codes decoded, 0 unreadable")
    assert "8 of 8 expected codes found" in summary


def test_altered_manifest_url_is_missing_and_unexpected(tmp_path: Path) -> None:
    write_batch(tmp_path)
    rows = manifest_rows(PLAN)
    rows[1]["url_flap"] = url("R2", "flap").replace("X7QK", "X7QQ")
    write_manifest(tmp_path / "manifest.csv", rows)
    report = verify(tmp_path)
    assert not report.ok
    missing, unexpected = sorted(errors(report.findings), key=lambda f: f.page or 0)
    assert (missing.file, missing.page, missing.record_id) == ("kits-00001.pdf", None, "R2")
    assert "not found on the record's pages 4-6" in missing.message and "X7QQ" in missing.message
    assert (unexpected.file, unexpected.page, unexpected.record_id) == ("kits-00001.pdf", 5, "R2")
    assert "not in the manifest" in unexpected.message and url("R2", "flap") in unexpected.message
    assert (report.expected, report.matched) == (8, 7)
    assert format_report(report).splitlines()[-1].startswith("FAILED: 2 errors")


def test_missing_code_is_reported_for_its_record(tmp_path: Path) -> None:
    report = verify(write_batch(tmp_path, {("R3", 2): []}))
    [finding] = errors(report.findings)
    assert (finding.file, finding.record_id) == ("kits-00001.pdf", "R3")
    assert url("R3", "flap") in finding.message and "7-9" in finding.message
    assert (report.codes, report.matched) == (7, 7)


def test_code_on_the_wrong_record_names_both(tmp_path: Path) -> None:
    report = verify(write_batch(tmp_path, {("R1", 1): [Placed(url("R2", "card"))]}))
    wrong, missing = sorted(errors(report.findings), key=lambda f: f.page is None)
    assert (wrong.page, wrong.record_id) == (1, "R1")
    assert "record R2 (kits-00001.pdf pages 4-6)" in wrong.message and "record R1's page" in wrong.message
    assert missing.record_id == "R1" and url("R1", "card") in missing.message


def test_code_in_the_wrong_file(tmp_path: Path) -> None:
    report = verify(write_batch(tmp_path, {("R4", 3): [Placed(url("R1", "card"))]}))
    [wrong] = errors(report.findings)
    assert (wrong.file, wrong.page, wrong.record_id) == ("kits-00002.pdf", 3, "R4")
    assert "record R1 (kits-00001.pdf pages 1-3)" in wrong.message


def test_undersized_code_is_flagged(tmp_path: Path) -> None:
    report = verify(write_batch(tmp_path, {("R2", 1): [Placed(url("R2", "card"), module=0.25)]}), dpi=300)
    [small] = errors(report.findings)
    assert (small.file, small.page, small.record_id) == ("kits-00001.pdf", 4, "R2")
    assert "0.25 mm modules, under the 0.50 mm minimum" in small.message
    assert report.matched == 8  # it still decoded: flagged for its size, not missing
    assert verify(tmp_path, dpi=300, min_module_mm=0.2).ok


def test_unreadable_code_is_reported(tmp_path: Path) -> None:
    report = verify(write_batch(tmp_path, {("R1", 2): [Placed(url("R1", "flap"), y=95, damage=True)]}))
    found = errors(report.findings)
    unreadable = [f for f in found if "unreadable" in f.message]
    assert [(f.page, f.record_id) for f in unreadable] == [(2, "R1")]
    assert "checksum error" in unreadable[0].message
    assert any(f.record_id == "R1" and url("R1", "flap") in f.message for f in found)
    assert report.unreadable == 1


def test_single_pdf_without_manifest_lists_every_code(tmp_path: Path) -> None:
    write_batch(tmp_path)
    report = verify(tmp_path / "kits-00001.pdf")
    assert report.ok and report.manifest is None
    assert all(f.level == "info" for f in report.findings)
    listed = [(f.page, f.message.split()[2]) for f in report.findings]
    assert listed == [
        (1, url("R1", "card")),
        (2, url("R1", "flap")),
        (4, url("R2", "card")),
        (5, url("R2", "flap")),
        (7, url("R3", "card")),
        (8, url("R3", "flap")),
    ]
    assert (report.pages, report.codes, report.expected) == (9, 6, 0)
    assert "no manifest" in format_report(report)


def test_single_pdf_with_manifest_checks_only_its_records(tmp_path: Path) -> None:
    write_batch(tmp_path)
    report = verify(tmp_path / "kits-00002.pdf", manifest=tmp_path / "manifest.csv")
    assert report.ok, format_report(report)
    assert (report.pages, report.expected, report.matched) == (3, 2, 2)


def test_missing_and_stray_files(tmp_path: Path) -> None:
    write_batch(tmp_path)
    (tmp_path / "kits-00002.pdf").rename(tmp_path / "kits-00003.pdf")
    report = verify(tmp_path)
    by_file = {(f.level, f.file) for f in report.findings}
    assert ("error", "kits-00002.pdf") in by_file  # listed, gone: its record cannot be checked
    assert ("warning", "kits-00003.pdf") in by_file  # not in the manifest
    assert any(
        f.file == "kits-00003.pdf" and f.record_id is None and "R4" in f.message
        for f in errors(report.findings)
    )  # R4's codes sit on a page no record owns


def test_folder_without_manifest_is_an_input_error(tmp_path: Path) -> None:
    draw(tmp_path / "kits-00001.pdf", kit_pages("R1"))
    with pytest.raises(VerifyError, match="manifest"):
        verify(tmp_path)
    with pytest.raises(VerifyError, match="no such file"):
        verify(tmp_path / "nothing.pdf")


def test_read_manifest(tmp_path: Path) -> None:
    rows = manifest_rows({"kits-00001.pdf": ["=HYPERLINK(1)", "R2", "R3"]})
    rows[1]["pages"] = "4"
    rows[2]["pages"] = "x"
    path = write_manifest(tmp_path / "m.csv", rows)
    assert "'=HYPERLINK(1)" in path.read_text()
    records, problems = read_manifest(path)
    assert [(r.record_id, r.first, r.last, r.pages) for r in records] == [
        ("=HYPERLINK(1)", 1, 3, "1-3"),
        ("R2", 4, 4, "4"),
    ]
    assert records[0].urls == (url("=HYPERLINK(1)", "card"), url("=HYPERLINK(1)", "flap"))
    [bad] = problems
    assert bad.record_id == "R3" and "'x'" in bad.message and "line 4" in bad.message


def test_read_manifest_url_column_only(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    rows = [{"record_id": "A", "status": "built", "file": "k.pdf", "pages": "1-2", "url": "HTTPS://X/A"}]
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv(rows, ["record_id", "status", "file", "pages", "url"], f)
    [record], _ = read_manifest(path)
    assert record.urls == ("HTTPS://X/A",)
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv([{"record_id": "A"}], ["record_id", "url"], f)
    with pytest.raises(VerifyError, match="status, file, pages"):
        read_manifest(path)


def test_finding_text() -> None:
    f = Finding("error", "kits-00001.pdf", 3, "R2", "boom")
    assert str(f) == "error   kits-00001.pdf, page 3, record R2: boom"
    assert str(dataclasses.replace(f, file=None, page=None, record_id=None)) == "error   boom"


def test_broken_file_and_inconsistent_manifest(tmp_path: Path) -> None:
    write_batch(tmp_path)
    (tmp_path / "kits-00002.pdf").write_bytes(b"%PDF-1.4 not really")
    rows = manifest_rows(PLAN)
    rows[0]["pages"], rows[2]["pages"] = "1-4", "7-10"  # R1 overlaps R2; R3 runs past the end
    write_manifest(tmp_path / "manifest.csv", rows)
    found = {
        (f.file, f.page, f.record_id, f.message.split(":")[0]) for f in errors(verify(tmp_path).findings)
    }
    assert ("kits-00001.pdf", 4, "R2", "manifest line 3") in found
    assert ("kits-00001.pdf", None, "R3", "manifest pages 7-10 but kits-00001.pdf has 9 pages") in found
    assert ("kits-00002.pdf", None, None, "cannot open") in found
    assert (
        "kits-00002.pdf",
        None,
        None,
        "the codes of its 1 record in the manifest could not be checked",
    ) in found


def fake_symbol(corners: list[tuple[float, float]], *, valid: bool, version: str = "3") -> SimpleNamespace:
    """A stand-in for a zxingcpp.Barcode: what _to_code reads of it."""
    point = [SimpleNamespace(x=x, y=y) for x, y in corners]
    position = SimpleNamespace(
        top_left=point[0], top_right=point[1], bottom_right=point[2], bottom_left=point[3]
    )
    error = None if valid else SimpleNamespace(type=SimpleNamespace(name="Checksum"), message="")
    return SimpleNamespace(
        position=position,
        valid=valid,
        error=error,
        extra={"Version": version},
        bytes=b"HTTPS://X/1",
        text="HTTPS://X/1",
    )


def test_failed_detections_in_artwork_are_dropped() -> None:
    square = [(100, 100), (216, 100), (216, 216), (100, 216)]  # 116 px = 29 modules of 4 px
    skewed = [(2945, 1585), (2660, 1595), (961, 1608), (1247, 1597)]  # zxing-cpp on concentric squares
    scale = 200 / 72
    code = _to_code(fake_symbol(square, valid=False), scale)
    assert code is not None and code.text is None and code.problem == "checksum error"
    assert code.module == pytest.approx(4 / scale)  # points per module
    assert _to_code(fake_symbol(skewed, valid=False), scale) is None
    assert _to_code(fake_symbol([(0, 0)] * 4, valid=False, version=""), scale) is None
    decoded = _to_code(fake_symbol(skewed, valid=True), scale)  # a decoded code is kept, whatever its shape
    assert decoded is not None and decoded.text == "HTTPS://X/1"


def test_a_proof_build_verifies_with_a_warning_about_scaled_mockups(tmp_path: Path) -> None:
    from envelopekit.batch import build
    from envelopekit.layouts import load_layout

    build(load_layout("help-me"), None, tmp_path, key=b"k" * 32, proof=True)
    report = verify(tmp_path)
    assert report.ok and report.warnings == 1
    assert any("PROOF" in f.message for f in report.findings)


def test_one_file_of_a_stock_grouped_build_says_what_it_cannot_check(tmp_path: Path) -> None:
    """A record's codes may be on any of its files (a file per stock): one file verified
    alone checks the codes it has and says that missing ones need the whole folder."""
    from envelopekit.batch import build
    from envelopekit.layouts import load_layout

    spec = load_layout("help-me")
    build(spec, None, tmp_path / "stock", key=b"k" * 32)
    cards = tmp_path / "stock" / "kits-00001-card-300.pdf"
    report = verify(cards, manifest=tmp_path / "stock" / "manifest.csv")
    assert report.ok and report.codes == 1
    (warning,) = [f for f in report.findings if f.level == "warning"]
    assert warning.file == cards.name and "1 record here also has pages in other files" in warning.message
    whole = verify(tmp_path / "stock")
    assert whole.ok and whole.warnings == 0 and whole.expected == whole.matched == 2
    build(spec, None, tmp_path / "record", key=b"k" * 32, group="record")
    one = verify(tmp_path / "record" / "kits-00001.pdf", manifest=tmp_path / "record" / "manifest.csv")
    assert one.ok and one.warnings == 0 and one.expected == one.matched == 2
