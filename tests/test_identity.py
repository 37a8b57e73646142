"""File identity: an /ID from each file's own content, real creation dates pinned by
SOURCE_DATE_EPOCH or the batch journal, 100 % K text overprinting, output conditions
named as registered, and single nets identified as PDF/X like the kits."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest
from conftest import RECIPIENTS, Built
from pypdf import PdfReader

from envelopekit.batch import build
from envelopekit.layouts import load_layout
from envelopekit.records import read_records
from envelopekit.render.pdfx import CONDITIONS, content_id, creation_time

EPOCH = 1767225600  # 2026-01-01 00:00:00 UTC


def _id(path: Path | bytes) -> bytes:
    reader = PdfReader(io.BytesIO(path) if isinstance(path, bytes) else path)
    first, second = reader.trailer["/ID"]
    assert first == second
    return bytes(first.original_bytes)


def _build(out: Path, demo_key: bytes, **options: object) -> list[Path]:
    spec = load_layout("help-me")
    records = read_records(RECIPIENTS, id_field=spec.id_field)
    try:
        build(spec, records, out, key=demo_key, **options)  # type: ignore[arg-type]
    finally:
        records.close()
    return sorted(out.glob("kits-*.pdf"))


def test_content_id_follows_the_content() -> None:
    from reportlab.pdfgen.canvas import Canvas

    from envelopekit.render.pdfx import identify

    def pdf(text: str) -> bytes:
        buf = io.BytesIO()
        c = Canvas(buf, invariant=1)
        identify(c, EPOCH)
        c.drawString(10, 10, text)
        c.showPage()
        c.save()
        return buf.getvalue()

    a, b, again = pdf("a"), pdf("b"), pdf("a")
    assert _id(a) != _id(b) and _id(a) == _id(again) and a == again
    assert content_id(a) == a  # idempotent: the trailer is not part of the digest
    assert content_id(b"no trailer here") == b"no trailer here"


def test_each_file_of_a_job_has_its_own_id_and_the_pinned_date(
    tmp_path: Path, demo_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    files = _build(tmp_path / "a", demo_key, chunk=4)
    assert len(files) == 9  # three chunks, a file per stock in each
    ids = {_id(f) for f in files}
    assert len(ids) == 9, "every file of a job has its own /ID"
    for f in files:
        meta = PdfReader(f).metadata
        assert meta is not None and meta["/CreationDate"].startswith("D:20260101000000")
    again = _build(tmp_path / "b", demo_key, chunk=4)
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in again]


def test_without_source_date_epoch_the_date_is_real_and_kept_in_the_journal(
    tmp_path: Path, demo_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import envelopekit.render.pdfx as pdfx

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(pdfx.time, "time", lambda: 1_801_234_567.8)  # the build's clock, pinned
    files = _build(tmp_path / "out", demo_key, chunk=4)
    journal = json.loads((tmp_path / "out" / ".envelopekit" / "journal.json").read_text(encoding="utf-8"))
    created = journal["extra"]["created"]
    assert created == 1_801_234_567  # whole seconds, read once when the build started
    stamp = time.strftime("D:%Y%m%d%H%M%S", time.gmtime(created))
    for f in files:
        meta = PdfReader(f).metadata
        assert meta is not None and meta["/CreationDate"].startswith(stamp)
        assert meta["/ModDate"] == meta["/CreationDate"]


def test_creation_time_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000")
    assert creation_time(5) == 5.0 and creation_time() == 1000.0
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    import envelopekit.render.pdfx as pdfx

    monkeypatch.setattr(pdfx.time, "time", lambda: 1_801_234_567.8)
    assert creation_time() == 1_801_234_567.0


def test_black_text_overprints_and_other_fills_knock_out(tmp_path: Path, demo_key: bytes) -> None:
    (pdf,) = [p for p in _build(tmp_path / "out", demo_key, chunk=100) if p.name.endswith("-text-120.pdf")]
    page = PdfReader(pdf).pages[0]  # the first letter
    found = 0
    for form in page["/Resources"]["/XObject"].values():
        form = form.get_object()
        if form.get("/Subtype") != "/Form":
            continue
        states = {str(k): dict(v) for k, v in (form["/Resources"].get("/ExtGState") or {}).items()}
        code = form.get_data().decode("latin-1")
        # The state at each text object: op on (with OPM 1) when its fill is 0 0 0 1 k.
        for m in re.finditer(r"((?:/\w+ gs\s*)+)([\d. ]+) k\s+BT", code):
            names = re.findall(r"/(\w+) gs", m.group(1))
            keys = {k: v for n in names for k, v in states["/" + n].items()}
            if m.group(2).split() == ["0", "0", "0", "1"]:
                assert bool(keys.get("/op")) and keys.get("/OPM") == 1
                found += 1
    assert found, "the letter's black text overprints"


def test_gracol_is_named_as_registered() -> None:
    assert CONDITIONS["GRACOL"].identifier == "CGATS21_CRPC6"
    assert "GRACoL 2013" in CONDITIONS["GRACOL"].info
    assert CONDITIONS["FOGRA39"].identifier == "FOGRA39"


def test_a_single_net_is_identified_as_pdfx_like_the_kits() -> None:
    from envelopekit.nets import build_net
    from envelopekit.render.pdf import net_pdf
    from envelopekit.units import mm

    net = build_net("pocket", 162 * mm, 114 * mm, {})
    data = net_pdf(net)
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata["/GTS_PDFXVersion"] == "PDF/X-1a:2003"
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFX" and intent["/OutputConditionIdentifier"] == "FOGRA39"
    assert reader.metadata["/Trapped"] == "/False"


def test_each_record_has_a_bookmark_and_page_labels(help_me: Built) -> None:
    """In every file (one per stock, or one kit by kit): a bookmark per record at its first
    page there, and page labels numbering its pages in that file."""
    from kitpages import record_pages

    rows = [r for r in help_me.manifest if r["status"] == "built"]
    assert rows
    for pdf in help_me.result.files:
        reader = PdfReader(pdf)
        outline = [(o.title, reader.get_destination_page_number(o)) for o in reader.outline]
        spans = [
            (r["record_id"], first, last)
            for r in rows
            for name, first, last in record_pages(r)
            if name == pdf.name
        ]
        assert outline == [(record_id, first - 1) for record_id, first, _ in spans]
        labels = reader.page_labels
        for record_id, first, last in spans:
            assert labels[first - 1] == f"{record_id}: 1"
            assert labels[last - 1] == f"{record_id}: {last - first + 1}"
