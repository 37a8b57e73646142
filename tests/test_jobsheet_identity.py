"""job-sheet.pdf is identified like the print files (issue 10, section 7): its /ID comes
from its own content and its CreationDate is the build's, not reportlab's fixed 2000."""

from __future__ import annotations

import io

from pypdf import PdfReader

from envelopekit.job import ticket_data
from envelopekit.kit import resolve
from envelopekit.layouts import load_layout
from envelopekit.render.jobsheet import job_sheet_pdf

WHEN = 1798761600  # 2027-01-01 00:00:00 UTC


def _sheet(pages: int, created: float) -> bytes:
    kit = resolve(load_layout("onboarding"))
    files = [{"file": "kits-00001.pdf", "sha256": "0", "pages": pages, "kits": 10}]
    counts = {"records": 10, "built": 10, "rejected": 0, "pages": pages}
    ticket = ticket_data(kit, version="test", counts=counts, files=files, imposition=None, proof=False)
    return job_sheet_pdf(kit, ticket, images={}, created=created)


def test_the_job_sheet_has_the_builds_date_and_an_id_of_its_own() -> None:
    a, b = _sheet(40, WHEN), _sheet(44, WHEN)
    info = PdfReader(io.BytesIO(a)).metadata
    assert info is not None and str(info["/CreationDate"]).startswith("D:20270101000000")
    ids = [PdfReader(io.BytesIO(d)).trailer["/ID"][0] for d in (a, b)]
    assert ids[0] != ids[1], "another ticket, another /ID"
    assert _sheet(40, WHEN) == a, "the same ticket and date: the same bytes"
    later = PdfReader(io.BytesIO(_sheet(40, WHEN + 86400))).metadata
    assert later is not None and str(later["/CreationDate"]).startswith("D:20270102")


def test_preflight_passes_the_job_sheet_by_as_not_for_press() -> None:
    """A shop that preflights `out/*.pdf` gets the job sheet named for what it is, not 29
    errors: it is for people (RGB pictures, A4, no boxes), never for press."""
    from envelopekit.preflight import preflight

    report = preflight(_sheet(40, WHEN))
    assert report.exempt and "job sheet" in report.exempt and not report.errors
