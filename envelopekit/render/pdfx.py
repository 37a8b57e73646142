"""PDF/X-1a:2003 identification for print output.

What the standard asks and the rest of the renderer already does: CMYK and spot
colours only, no transparency, every font embedded, TrimBox and BleedBox on every
page. What this module adds: the OutputIntent (``/S /GTS_PDFX`` with a
registered output condition, so no ICC profile needs embedding), the
``GTS_PDFXVersion`` key and ``/Trapped`` in the
document information. Proofs carry RGB mockups and are never marked PDF/X.

File identity, for every file the renderer writes (:func:`identify`): the ``/ID``
is a digest of the file's own content (reportlab's would be the same for every file
of a job: it hashes the title and a fixed time), and CreationDate/ModDate are a real
time, pinned by the caller (a batch passes its job's time, so a resumed build or
another worker count gives the same bytes), else ``SOURCE_DATE_EPOCH``, else now.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFInfo, PDFName, PDFString, TimeStamp
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "CONDITIONS",
    "OutputCondition",
    "content_id",
    "creation_time",
    "identify",
    "mark_pdfx",
    "mark_record",
]


@dataclass(frozen=True, slots=True)
class OutputCondition:
    """A characterised printing condition from the ICC registry."""

    identifier: str
    info: str
    registry: str = "http://www.color.org"


CONDITIONS: dict[str, OutputCondition] = {
    "FOGRA39": OutputCondition("FOGRA39", "Coated FOGRA39 (ISO 12647-2:2004)"),
    "FOGRA51": OutputCondition("FOGRA51", "PSO Coated v3 (ISO 12647-2:2013)"),
    "FOGRA52": OutputCondition("FOGRA52", "PSO Uncoated v3 FOGRA52 (ISO 12647-2:2013)"),
    # GRACoL 2013 is CGATS21_CRPC6 in the ICC registry ("CGATS TR 006" is GRACoL 2006).
    "GRACOL": OutputCondition("CGATS21_CRPC6", "GRACoL 2013 (CGATS.21-2 CRPC6)"),
    "SWOP": OutputCondition("CGATS TR 003", "SWOP coated #3 (CGATS TR 003)"),
}

VERSION = "PDF/X-1a:2003"


class _XInfo(PDFInfo):
    """The document information dictionary plus the PDF/X keys."""

    def format(self, document: Any) -> bytes:
        text = super().format(document)
        extra = PDFDictionary({"GTS_PDFXVersion": PDFString(VERSION)}).format(document)
        # Both are "<< ... >>": splice the extra keys in before the closing brackets.
        return text.rstrip()[:-2].rstrip() + b"\n" + extra.strip()[2:-2].strip() + b"\n>>"


def mark_pdfx(c: Canvas, condition: str = "FOGRA39") -> None:
    """Identify ``c``'s document as PDF/X-1a:2003 for ``condition`` (a CONDITIONS key)."""
    cond = CONDITIONS[condition.upper()]
    doc = c._doc
    info = _XInfo()
    for key, value in doc.info.__dict__.items():
        setattr(info, key, value)
    info.trapped = "False"
    doc.info = info
    intent = PDFDictionary(
        {
            "Type": PDFName("OutputIntent"),
            "S": PDFName("GTS_PDFX"),
            "OutputConditionIdentifier": PDFString(cond.identifier),
            "OutputCondition": PDFString(cond.info),
            "RegistryName": PDFString(cond.registry),
            "Info": PDFString(cond.info),
        }
    )
    catalog = doc.Catalog
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, "OutputIntents"]
    catalog.OutputIntents = PDFArray([intent])


# --- file identity ----------------------------------------------------------------------

_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def content_id(data: bytes) -> bytes:
    """``data`` (a whole PDF as reportlab writes it) with its trailer's ``/ID`` replaced
    by the first 16 bytes of the SHA-256 of everything before the trailer: the same
    content gives the same /ID, any other content another. Same length: no offset moves."""
    at = data.rfind(b"trailer")
    if at < 0:
        return data
    match = _ID.search(data, at)
    if match is None:
        return data
    digest = hashlib.sha256(data[:at]).hexdigest()[: len(match.group(1))].upper().encode("ascii")
    start, end = match.span()
    return data[:start] + b"/ID [<" + digest + b"><" + digest + b">]" + data[end:]


def creation_time(created: float | None = None) -> float:
    """Seconds since 1970 for CreationDate: ``created``, else ``SOURCE_DATE_EPOCH``, else now."""
    if created is not None:
        return float(created)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return float(int(epoch))
        except ValueError:
            pass
    return float(int(time.time()))


def identify(c: Canvas, created: float | None = None) -> None:
    """Give ``c``'s document a content-derived /ID and a real creation time (UTC)."""
    doc = c._doc
    when = creation_time(created)
    stamp = TimeStamp(invariant=1)
    stamp.t = when
    stamp.lt = time.gmtime(when)
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"
    doc._timeStamp = stamp
    produce: Callable[[Any], bytes] = doc.GetPDFData

    def data_with_id(canvas: Any) -> bytes:
        return content_id(produce(canvas))

    doc.GetPDFData = data_with_id


def mark_record(c: Canvas, record_id: str, first_index: int) -> None:
    """A bookmark and page labels for one record whose pages start with the page drawn
    next, page index ``first_index`` (0-based): the outline lists the file's records, each
    opening its first page, and a viewer shows its pages as "M-1001: 1", "M-1001: 2", ..."""
    key = f"envelopekit-record-{first_index}"
    c.bookmarkPage(key)  # the page being drawn: reportlab names it before it is added
    c.addOutlineEntry(str(record_id), key, level=0)
    c.addPageLabel(first_index, style="D", start=1, prefix=f"{record_id}: ")
