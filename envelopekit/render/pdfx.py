"""PDF/X-1a:2003 identification for print output.

What the standard asks and the rest of the renderer already does: CMYK and spot
colours only, no transparency, every font embedded, TrimBox and BleedBox on every
page, an /ID. What this module adds: the OutputIntent (``/S /GTS_PDFX`` with a
registered output condition, so no ICC profile needs embedding), the
``GTS_PDFXVersion`` key and ``/Trapped`` in the
document information. Proofs carry RGB mockups and are never marked PDF/X.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas

__all__ = ["CONDITIONS", "OutputCondition", "mark_pdfx"]


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
    "GRACOL": OutputCondition("CGATS TR 006", "GRACoL 2013 (CGATS.21-2 CRPC6)"),
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
