"""Document rules: the PDF/X identification, output intent, file /ID and Trapped key.

PRINT.md item 5: the version header and GTS_PDFXVersion (in Info, or in XMP for X-4),
no encryption, Title and dates; one /GTS_PDFX output intent naming a characterised
printing condition (or embedding its CMYK profile); the trailer /ID; /Trapped set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .context import DocContext, Limits, Profile, finding
from .report import Finding


def _resolved(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = value.get_object() if hasattr(value, "get_object") else value
    return str(value)


_XMP_VERSION = re.compile(rb"GTS_PDFXVersion\s*(?:=\s*[\"']([^\"']*)[\"']|>\s*([^<]*)<)")


def check_pdfx_version(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule = "pdfx-version"
    m = re.match(r"%PDF-(\d+)\.(\d+)", doc.header or "")
    if m is None:
        yield finding(
            rule,
            "error",
            None,
            f"no PDF version header ({doc.header!r})",
            "file header",
            "write a %PDF-1.x header",
        )
    elif (int(m[1]), int(m[2])) > profile.max_pdf:
        yield finding(
            rule,
            "error",
            None,
            f"the header says PDF {m[1]}.{m[2]}; {profile.label} is PDF "
            f"{profile.max_pdf[0]}.{profile.max_pdf[1]} at most",
            "file header",
            f"write PDF {profile.max_pdf[0]}.{profile.max_pdf[1]} or lower",
        )
    if doc.encrypted:
        yield finding(
            rule,
            "error",
            None,
            "the file is encrypted",
            "trailer /Encrypt",
            "PDF/X files are never encrypted: save without a password or permissions",
        )
    if profile.xmp_version:
        found = None
        if doc.xmp:
            hit = _XMP_VERSION.search(doc.xmp)
            if hit:
                found = (hit[1] or hit[2] or b"").decode("utf-8", "replace").strip()
        where = "XMP metadata pdfxid:GTS_PDFXVersion"
    else:
        found = _text(doc.info.get("/GTS_PDFXVersion"))
        where = "Info /GTS_PDFXVersion"
    if not found:
        yield finding(
            rule,
            "error",
            None,
            f"not identified as {profile.label}",
            where,
            f"set {where.split()[-1]} to ({profile.versions[0]})",
        )
    elif not any(found.startswith(v) for v in profile.versions):
        yield finding(
            rule,
            "error",
            None,
            f"identified as {found!r}, not {profile.label}",
            where,
            f"check it against the {profile.name} profile it claims, or preflight with its own profile",
        )
    for key in ("/Title", "/CreationDate", "/ModDate"):
        if not _text(doc.info.get(key)) and not (profile.xmp_version and doc.xmp):
            yield finding(
                rule,
                "error",
                None,
                f"the document information has no {key[1:]}",
                f"Info {key}",
                f"PDF/X requires {key[1:]}: set it",
            )


_REGISTERED = re.compile(
    r"^(FOGRA\d+|CGATS[ _]?TR[ _]?\d+|CGATS21[_-]CRPC\d|GRACoL.*|SWOP.*|JC200103|JCW2003|"
    r"JapanColor.*|IFRA\d+|IDEAlliance.*|SNAP.*)$",
    re.IGNORECASE,
)


def check_output_intent(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    rule = "output-intent"
    intents = doc.catalog.get("/OutputIntents")
    intents = _resolved(intents)
    pdfx = []
    for item in intents or []:
        item = item.get_object()
        if hasattr(item, "get") and item.get("/S") == "/GTS_PDFX":
            pdfx.append(item)
    where = "Catalog /OutputIntents"
    if not pdfx:
        yield finding(
            rule,
            "error",
            None,
            "no PDF/X output intent (/S /GTS_PDFX)",
            where,
            "add an output intent naming the printing condition (e.g. FOGRA39)",
        )
        return
    if len(pdfx) > 1:
        yield finding(
            rule,
            "error",
            None,
            f"{len(pdfx)} PDF/X output intents; PDF/X allows one",
            where,
            "keep one /GTS_PDFX output intent",
        )
    yield from _check_condition(pdfx[0], profile, where)


def _check_condition(intent: Any, profile: Profile, where: str) -> Iterator[Finding]:
    """The output intent's printing condition: named, and characterised (an embedded CMYK
    profile, or a registered condition where the profile allows a reference)."""
    rule = "output-intent"
    ident = _text(intent.get("/OutputConditionIdentifier")) or ""
    dest = intent.get("/DestOutputProfile")
    dest = dest.get_object() if dest is not None else None
    if not ident.strip():
        yield finding(
            rule,
            "error",
            None,
            "the output intent has no OutputConditionIdentifier",
            where,
            "name the printing condition (FOGRA39, CGATS TR 006, ...)",
        )
    if dest is None:
        if profile.output_profile:
            yield finding(
                rule,
                "error",
                None,
                f"{profile.label} needs the output profile embedded",
                where,
                "embed the printer's CMYK ICC profile as DestOutputProfile",
            )
        elif not _text(intent.get("/RegistryName")):
            yield finding(
                rule,
                "error",
                None,
                f"condition {ident!r} has neither an embedded profile nor a registry",
                where,
                "add RegistryName (http://www.color.org) for a registered condition, or embed its profile",
            )
        elif ident and not _REGISTERED.match(ident.strip()):
            yield finding(
                rule,
                "warning",
                None,
                f"{ident!r} is not a characterised condition this preflight knows",
                where,
                "check it is in the ICC registry, or embed the output profile",
            )
    else:
        n = dest.get("/N") if hasattr(dest, "get") else None
        if n is not None and int(n) != 4:
            yield finding(
                rule,
                "error",
                None,
                f"the output profile has {int(n)} components, not CMYK",
                where,
                "embed the printing condition's CMYK profile",
            )


def check_document_id(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    ident = doc.trailer.get("/ID")
    ident = _resolved(ident)
    if not ident or len(ident) != 2:
        yield finding(
            "document-id",
            "error",
            None,
            "the trailer has no /ID (two file identifiers)",
            "trailer /ID",
            "write an /ID array of two strings",
        )


def check_trapped(doc: DocContext, profile: Profile, limits: Limits) -> Iterator[Finding]:
    trapped = _text(doc.info.get("/Trapped"))
    if trapped not in ("/True", "/False"):
        shown = "missing" if trapped is None else trapped
        yield finding(
            "trapped",
            "error",
            None,
            f"Trapped is {shown}; PDF/X needs True or False",
            "Info /Trapped",
            "set /Trapped /False (or /True when the file has been trapped)",
        )
