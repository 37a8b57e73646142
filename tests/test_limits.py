"""Bounded resources: small hostile inputs are refused with a message, never gigabytes.

Every input here is a few kilobytes at most: the limits are shown with files that
*claim* to be huge (a zip header, a MediaBox, a page range) or with a limit lowered
through its environment variable.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
import zipfile
from pathlib import Path

import pytest

from envelopekit.errors import EnvelopekitError, RecordsError
from envelopekit.limits import PAGE_PIXELS, PREVIEW_PIXELS, XLSX_BYTES, Limit, LimitError
from envelopekit.records import MAX_LINE, read_records

DEV_ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not DEV_ZERO.exists(), reason="no /dev/zero")


# --- the Limit helper ---------------------------------------------------------------------


def test_limit_default_env_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = Limit("widgets", 10, "ENVELOPEKIT_TEST_LIMIT", "--max-widgets")
    monkeypatch.delenv("ENVELOPEKIT_TEST_LIMIT", raising=False)
    assert limit.get() == 10 and limit.get(3) == 3
    monkeypatch.setenv("ENVELOPEKIT_TEST_LIMIT", "1_000")
    assert limit.get() == 1000
    for bad in ("abc", "0", "-5", "1e9"):
        monkeypatch.setenv("ENVELOPEKIT_TEST_LIMIT", bad)
        with pytest.raises(LimitError, match="ENVELOPEKIT_TEST_LIMIT"):
            limit.get()
    with pytest.raises(LimitError, match="--max-widgets"):
        limit.get(0)
    text = str(limit.error("5,000 widgets asked", limit=10))
    assert "over the limit of 10 widgets" in text
    assert "--max-widgets N" in text and "ENVELOPEKIT_TEST_LIMIT=N" in text


# --- records files ------------------------------------------------------------------------


@needs_dev_zero
def test_dev_zero_as_records_file() -> None:
    with pytest.raises(RecordsError, match="device, not a file"):
        read_records(DEV_ZERO)


def test_a_folder_as_records_file(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="is a folder"):
        read_records(tmp_path)


def test_a_line_without_end_stops_at_the_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe of zeros (no size to check) stops once a line passes MAX_LINE characters."""
    monkeypatch.setattr("envelopekit.records.MAX_LINE", 1000)
    path = tmp_path / "people.csv"
    path.write_bytes(b"id,first_name\n" + b"x" * 5000 + b"\n")
    with pytest.raises(RecordsError, match="without a line break") as info:
        list(read_records(path))
    assert ":2" in str(info.value)
    assert MAX_LINE == 16 * 1024 * 1024


def test_a_fifo_is_read_with_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envelopekit.records.MAX_LINE", 4096)
    fifo = tmp_path / "people.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as f, contextlib.suppress(BrokenPipeError):
            f.write(b"\0" * 100_000)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        with pytest.raises(RecordsError):
            list(read_records(fifo))
    finally:
        writer.join(5)


def test_deeply_nested_json(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text("[" * 100_000)
    with pytest.raises(RecordsError, match="nested too deeply"):
        list(read_records(path))


def test_a_json_record_without_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envelopekit.records.MAX_JSON_RECORD", 50_000)
    path = tmp_path / "people.json"
    path.write_text('[{"id": "1"' + ', "a": 1' * 20_000 + "}]")
    with pytest.raises(RecordsError, match="runs on past"):
        list(read_records(path))


# --- XLSX ---------------------------------------------------------------------------------


def _workbook(tmp_path: Path, sheet_xml: str | None = None) -> Path:
    """A small real workbook; ``sheet_xml`` replaces its first sheet's XML."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["id", "first_name"])
    book.active.append(["R1", "Ada"])
    buf = io.BytesIO()
    book.save(buf)
    path = tmp_path / "people.xlsx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if sheet_xml is not None and info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            dst.writestr(info.filename, data)
    return path


def _sheet(rows: str) -> str:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>{rows}</sheetData></worksheet>'


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_xlsx_declaring_a_huge_unpacked_size(tmp_path: Path) -> None:
    """The zip bomb's signature: a member that says it unpacks to 2 GB."""
    path = _workbook(tmp_path)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")  # first central directory entry: its size at +24
    data[central + 24 : central + 28] = (0x7FFF_FFFF).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(LimitError, match="unpacks to 2,147,") as info:
        read_records(path)
    text = str(info.value)
    assert "over the limit of 268,435,456 bytes" in text
    assert "ENVELOPEKIT_MAX_XLSX_BYTES" in text and "CSV" in text


def test_xlsx_limit_is_raised_by_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path)
    monkeypatch.setenv(XLSX_BYTES.env, "1000")
    with pytest.raises(LimitError, match="over the limit of 1,000 bytes"):
        read_records(path)
    monkeypatch.setenv(XLSX_BYTES.env, str(10 * 1024 * 1024))
    assert [r.id for r in read_records(path)] == ["R1"]


def test_xlsx_member_that_lies_about_its_size(tmp_path: Path) -> None:
    """zipfile unpacks no more than a member declares: a lie fails, it does not expand."""
    path = _workbook(tmp_path)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    central = data.index(b"PK\x01\x02" + data[data.index(b"PK\x01\x02") + 4 : 0])  # first entry
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(RecordsError):
        list(read_records(path))


def test_xlsx_row_with_too_many_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envelopekit.xlsx.MAX_COLUMNS", 5)
    cells = "".join(f'<c r="{c}1"/>' for c in "ABCDEF")
    path = _workbook(tmp_path, _sheet(f'<row r="1">{cells}</row>'))
    with pytest.raises(RecordsError, match="row 1 of the sheet has more than 5 cells"):
        read_records(path)


def test_xlsx_cell_claiming_a_far_column(tmp_path: Path) -> None:
    """A cell at column ZZZ makes openpyxl pad its row to 18,278 cells, every row to the
    widest: rows are read only as wide as the header. ZZZZZZ is refused."""
    rows = f'<row r="1">{_inline("A1", "id")}{_inline("B1", "first_name")}</row>'
    rows += f'<row r="2">{_inline("A2", "R1")}{_inline("B2", "Ada")}{_inline("ZZZ2", "x")}</row>'
    path = _workbook(tmp_path, _sheet(rows))
    (record,) = list(read_records(path))
    assert record.id == "R1" and record.fields["first_name"] == "Ada"
    path = _workbook(tmp_path, _sheet(rows.replace("ZZZ2", "ZZZZZZ2")))
    with pytest.raises(RecordsError, match="beyond column XFD"):
        read_records(path)


def test_xlsx_rows_past_excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envelopekit.xlsx.MAX_ROWS", 3)
    rows = f'<row r="1">{_inline("A1", "id")}</row><row r="2">{_inline("A2", "R1")}</row>'
    rows += f'<row r="999999999">{_inline("A999999999", "R9")}</row>'
    path = _workbook(tmp_path, _sheet(rows))
    with pytest.raises(RecordsError, match="rows past 3"):
        list(read_records(path))


# --- verify -------------------------------------------------------------------------------


def _pdf(width: int, height: int) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        + f"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 {width} {height}]>>endobj\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def test_verify_refuses_a_page_too_big_to_render(tmp_path: Path) -> None:
    """A 200-byte PDF with a 14,400 pt page: 1.6 billion pixels at 200 dpi."""
    from envelopekit.verify import format_report, verify

    pdf = tmp_path / "huge.pdf"
    pdf.write_bytes(_pdf(14_400, 14_400))
    report = verify(pdf)
    assert not report.ok and report.pages == 1
    text = format_report(report)
    assert "page not rendered" in text and "1,600,000,000 pixels" in text
    assert "--max-pixels" in text and PAGE_PIXELS.env in text
    small = tmp_path / "small.pdf"
    small.write_bytes(_pdf(200, 200))
    assert verify(small).ok
    assert not verify(small, max_pixels=1000).ok


def test_verify_bounds_manifest_page_ranges(tmp_path: Path) -> None:
    """A row claiming pages 1-99999999 costs the pages the PDF has, and is reported."""
    from envelopekit.verify import verify

    (tmp_path / "kits-00001.pdf").write_bytes(_pdf(200, 200))
    (tmp_path / "manifest.csv").write_text(
        "record_id,status,file,pages,url\n"
        "R1,built,kits-00001.pdf,1-99999999,https://x.org/a\n"
        f"R2,built,kits-00001.pdf,1-{'9' * 5000},https://x.org/b\n"
    )
    report = verify(tmp_path)
    messages = [f.message for f in report.findings]
    assert any("manifest pages 1-99999999 but kits-00001.pdf has 1 page" in m for m in messages)
    assert any("needs a file and a page range" in m for m in messages)


@needs_dev_zero
def test_verify_refuses_dev_zero_as_manifest(tmp_path: Path) -> None:
    from envelopekit.verify import VerifyError, verify

    (tmp_path / "kits-00001.pdf").write_bytes(_pdf(200, 200))
    with pytest.raises(VerifyError, match="device, not a file"):
        verify(tmp_path, manifest=DEV_ZERO)


def test_verify_bounds_manifest_size_and_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from envelopekit.verify import VerifyError, read_manifest

    path = tmp_path / "manifest.csv"
    path.write_text("record_id,status,file,pages\n" + "R1,built,kits-00001.pdf,1\n" * 100)
    monkeypatch.setenv("ENVELOPEKIT_MAX_MANIFEST_BYTES", "500")
    with pytest.raises(LimitError, match="ENVELOPEKIT_MAX_MANIFEST_BYTES"):
        read_manifest(path)
    monkeypatch.delenv("ENVELOPEKIT_MAX_MANIFEST_BYTES")
    monkeypatch.setattr("envelopekit.verify.MAX_MANIFEST_LINE", 100)
    path.write_text("record_id,status,file,pages\n" + "x" * 500 + "\n")
    with pytest.raises(VerifyError, match="runs past 100 characters"):
        read_manifest(path)


@pytest.mark.parametrize("dpi", [0, 35, 1201, -1, 200.5, True])
def test_verify_dpi_out_of_range(tmp_path: Path, dpi: object) -> None:
    from envelopekit.verify import VerifyError, verify

    with pytest.raises(VerifyError, match="dpi"):
        verify(tmp_path, dpi=dpi)  # type: ignore[arg-type]


# --- preview ------------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [0, -3, float("nan"), float("inf"), 5, 2000, "100"])
def test_preview_dpi_is_checked(tmp_path: Path, dpi: object) -> None:
    from envelopekit.layouts import load_layout
    from envelopekit.preview import write_previews

    with pytest.raises(EnvelopekitError, match="dpi"):
        write_previews(load_layout("help-me"), None, tmp_path, dpi=dpi, key=b"k" * 32)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


def test_preview_pixel_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from envelopekit.layouts import load_layout
    from envelopekit.preview import write_previews

    spec = load_layout("help-me")
    with pytest.raises(LimitError) as info:
        write_previews(spec, None, tmp_path, dpi=100, key=b"k" * 32, max_pixels=1_000_000)
    text = str(info.value)
    assert re.search(r"at 100 dpi one kit's pages take [\d,]+ pixels \(at most \d+ dpi fits\)", text)
    assert "--max-pixels" in text and PREVIEW_PIXELS.env in text
    monkeypatch.setenv(PREVIEW_PIXELS.env, "1000000")
    with pytest.raises(LimitError):
        write_previews(spec, None, tmp_path, dpi=100, key=b"k" * 32)


def test_preview_cli_dpi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from envelopekit.cli import main

    for dpi in ("0", "nan", "inf", "2000"):
        assert main(["preview", "help-me", "--dpi", dpi, "-o", str(tmp_path / "p")]) == 1
        assert "dpi" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
