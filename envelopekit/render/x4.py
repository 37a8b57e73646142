"""PDF/X-4 (and plain PDF) from a finished PDF/X-1a file: one pikepdf (qpdf) pass, bytes in, bytes out.

The renderer writes PDF/X-1a:2003; with ``--pdfx x4`` this pass turns it into PDF/X-4:

- the OutputIntent gets the CMYK output profile embedded (``/DestOutputProfile``);
- XMP metadata with ``pdfxid:GTS_PDFXVersion (PDF/X-4)`` (and the document IDs, dates,
  title and ``pdf:Trapped`` PDF/X-4 asks for), the information dictionary saying the same;
- the die lines on ISO 19593-1 processing-step layers: the renderer has already wrapped
  each die-line stroke in marked content (``/OC /Cutting BDC ... EMC``, see
  :data:`envelopekit.render.pdf.DIE_LAYERS`); here the optional content groups carrying
  ``GTS_Metadata`` are made, named in the ``/Properties`` of every page and Form XObject,
  and listed in ``/OCProperties``;
- PDF/VT record parts: a ``/DPartRoot`` with one ``/DPart`` per record (its id and row as
  ``/DPM``) and its pages, which point back with ``/DPart``;
- written as PDF 1.6 with object streams, with a deterministic ``/ID``: the same input
  gives the same bytes.

``--pdfx none`` (:func:`to_plain`) drops the PDF/X identification for desktop printers.

Layers and printing: PDF/X-4 forbids ``/AS`` (automatic state by usage) in optional
content configurations, so the default configuration decides what a RIP outputs. The
die-line layers are ON in it, as the die lines are in PDF/X-1a: they stay visible on
screen and go, as before, to their own technical separations (CutContour, Crease, Glue),
which no plate is made for. Each group's ``/Usage`` says "view, do not print", and an
alternate configuration ("Artwork only") switches them off for a composite proof.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from ..errors import EnvelopekitError

__all__ = [
    "MODES",
    "STEPS",
    "Part",
    "bundled_profile",
    "parts_from_rows",
    "read_profile",
    "to_plain",
    "to_x4",
]

MODES = ("x1a", "x4", "none")
"""``--pdfx``: PDF/X-1a:2003 (the default), PDF/X-4, or plain PDF."""

VERSION = "PDF/X-4"
VT_VERSION = "PDF/VT-1"


@dataclass(frozen=True, slots=True)
class Step:
    """One ISO 19593-1 processing step: its marked-content tag (the /Properties name the
    renderer writes), its GTS_ProcStepsType and the ink (colorant) its strokes are in."""

    tag: str
    type: str
    ink: str  # a key of render.pdf.Inks


STEPS: tuple[Step, ...] = (
    Step("Cutting", "Cutting", "cut"),
    Step("Creasing", "Creasing", "crease"),
    Step("Gluing", "Gluing", "glue"),
)
"""The die-line layers, in layer-panel order. ISO 19593-1 requires GTS_ProcStepsColorants
for Cutting (and Bleed, NoMark); every step here names its ink, which is allowed."""


@dataclass(frozen=True, slots=True)
class Part:
    """A record's pages in a file (1-based, inclusive) for its PDF/VT document part."""

    record_id: str
    row: int | None
    first: int
    last: int


# --- the output profile -------------------------------------------------------------------


def bundled_profile() -> bytes | None:
    """The CMYK output profile shipped in ``envelopekit/icc`` (None when none is bundled)."""
    try:
        folder = resources.files("envelopekit").joinpath("icc")
        names = sorted(p.name for p in folder.iterdir() if p.name.lower().endswith((".icc", ".icm")))
    except (FileNotFoundError, NotADirectoryError, ModuleNotFoundError):
        return None
    return folder.joinpath(names[0]).read_bytes() if names else None


def read_profile(path: str | os.PathLike[str] | None) -> bytes:
    """The output profile for PDF/X-4: ``path``'s, or the bundled one. It must be an ICC
    output (printer) profile for CMYK."""
    if path is None:
        data = bundled_profile()
        if data is None:
            raise EnvelopekitError(
                "--pdfx x4 needs an output profile: no CMYK profile is bundled",
                hint="pass --output-profile FILE.icc (ask the print shop for theirs)",
            )
        return _checked_profile(data, "the bundled profile")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EnvelopekitError(f"cannot read the output profile {path}: {exc.strerror}") from exc
    return _checked_profile(data, str(path))


def _checked_profile(data: bytes, where: str) -> bytes:
    if len(data) < 128 or data[36:40] != b"acsp":
        raise EnvelopekitError(f"{where} is not an ICC profile")
    if data[16:20] != b"CMYK" or data[12:16] != b"prtr":
        raise EnvelopekitError(
            f"{where} is a {data[12:16].decode('latin-1')} profile for "
            f"{data[16:20].decode('latin-1').strip()}: PDF/X-4 needs a CMYK output (prtr) profile"
        )
    return data


def _description(profile: bytes) -> str:
    from PIL import ImageCms

    try:
        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
    except (OSError, ImageCms.PyCMSError):  # pragma: no cover - checked profiles open
        desc = ""
    return desc.strip() or "Custom CMYK"


# --- record parts from the manifest ---------------------------------------------------------


def parts_from_rows(rows: Sequence[Mapping[str, Any]], file: str) -> list[Part]:
    """The built records of ``file`` and their page ranges, from the manifest rows
    (``file`` and ``pages``, space-separated when a record spans several files).
    Records whose pages are not one range (imposed sheets) give no parts."""
    parts: list[Part] = []
    for row in rows:
        if row.get("status") != "built":
            continue
        for name, pages in zip(
            str(row.get("file", "")).split(), str(row.get("pages", "")).split(), strict=False
        ):
            m = re.fullmatch(r"(\d+)-(\d+)", pages)
            if name == file and m:
                parts.append(Part(str(row["record_id"]), row.get("row"), int(m[1]), int(m[2])))
    return parts


# --- the passes ------------------------------------------------------------------------------


def to_x4(
    data: bytes,
    profile: bytes,
    *,
    parts: Sequence[Part] = (),
    inks: Mapping[str, str] | None = None,
) -> bytes:
    """``data`` (a PDF/X-1a file from the renderer) as PDF/X-4 with ``profile`` embedded,
    die-line layers, and a record part per item of ``parts`` (none: no ``/DPartRoot``)."""
    if inks is None:
        from .pdf import Inks

        default = Inks()
        inks = {"cut": default.cut, "crease": default.crease, "glue": default.glue}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _output_intent(pdf, profile)
        _layers(pdf, inks)
        vt = _record_parts(pdf, parts) if parts else False
        pdf.docinfo[Name.GTS_PDFXVersion] = String(VERSION)
        pdf.docinfo[Name.Trapped] = Name("/False")
        _xmp(pdf, hashlib.sha256(data).hexdigest(), vt)
        return _save(pdf, "1.6")


def to_plain(data: bytes) -> bytes:
    """``data`` without PDF/X identification (no OutputIntent, no GTS_PDFXVersion): a
    plain PDF for desktop printers. Everything drawn stays as it is."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if Name.OutputIntents in pdf.Root:
            del pdf.Root[Name.OutputIntents]
        for key in (Name.GTS_PDFXVersion, Name.GTS_PDFXConformance):
            if key in pdf.docinfo:
                del pdf.docinfo[key]
        return _save(pdf, "1.5")


def _save(pdf: pikepdf.Pdf, version: str) -> bytes:
    out = io.BytesIO()
    pdf.save(
        out,
        min_version=version,
        force_version=version,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        compress_streams=True,
        deterministic_id=True,  # the /ID from the content: same input, same bytes
    )
    return out.getvalue()


def _output_intent(pdf: pikepdf.Pdf, profile: bytes) -> None:
    desc = _description(profile)
    icc = pikepdf.Stream(pdf, profile)
    icc[Name.N] = 4
    intents = pdf.Root.get(Name.OutputIntents)
    if not intents:
        intents = pdf.Root[Name.OutputIntents] = Array(
            [Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFX, RegistryName=String("http://www.color.org"))]
        )
    intent = intents[0]
    ident = str(intent.get(Name.OutputConditionIdentifier, ""))
    if not ident or ident.lower() not in desc.lower().replace(" ", ""):
        # The layout's registered condition is not what the profile characterises: name
        # the profile itself (a custom condition, described by the embedded profile).
        intent[Name.OutputConditionIdentifier] = String("Custom")
        intent[Name.OutputCondition] = String(desc)
        intent[Name.Info] = String(desc)
    intent[Name.DestOutputProfile] = icc


def _layers(pdf: pikepdf.Pdf, inks: Mapping[str, str]) -> None:
    groups = {}
    for step in STEPS:
        meta = Dictionary(
            GTS_ProcStepsGroup=Name.Structural,
            GTS_ProcStepsType=Name("/" + step.type),
            GTS_ProcStepsColorants=Array([Name("/" + inks[step.ink])]),
        )
        ocg = Dictionary(
            Type=Name.OCG,
            Name=String(step.tag),
            Intent=Name.View,
            Usage=Dictionary(
                Print=Dictionary(PrintState=Name.OFF),
                View=Dictionary(ViewState=Name.ON),
            ),
            GTS_Metadata=meta,
        )
        groups[step.tag] = pdf.make_indirect(ocg)
    refs = Array(list(groups.values()))
    properties = pdf.make_indirect(Dictionary({"/" + tag: ref for tag, ref in groups.items()}))
    pdf.Root[Name.OCProperties] = Dictionary(
        OCGs=refs,
        D=Dictionary(Name=String("Die lines shown"), BaseState=Name.ON, ON=refs, OFF=Array(), Order=refs),
        Configs=Array(
            [Dictionary(Name=String("Artwork only"), BaseState=Name.ON, ON=Array(), OFF=refs, Order=refs)]
        ),
    )
    seen: set[tuple[int, int]] = set()

    def mark(resources: Any) -> None:
        if not isinstance(resources, Dictionary):
            return
        if resources.is_indirect:
            if resources.objgen in seen:
                return
            seen.add(resources.objgen)
        resources[Name.Properties] = properties
        for xobj in resources.get(Name.XObject, Dictionary()).values():
            if xobj.get(Name.Subtype) == Name.Form:
                if xobj.objgen in seen:
                    continue
                seen.add(xobj.objgen)
                if Name.Resources not in xobj:
                    xobj[Name.Resources] = Dictionary()
                mark(xobj.Resources)

    for page in pdf.pages:
        if Name.Resources not in page.obj:
            page.obj[Name.Resources] = Dictionary()
        mark(page.obj.Resources)


def _record_parts(pdf: pikepdf.Pdf, parts: Sequence[Part]) -> bool:
    """The PDF/VT document part tree: root, then one leaf per record. Only when the parts
    cover every page once, in order (a PDF/VT page belongs to exactly one part)."""
    n = len(pdf.pages)
    expect = 1
    for p in parts:
        if p.first != expect or p.last < p.first:
            return False
        expect = p.last + 1
    if expect != n + 1:
        return False
    root = pdf.make_indirect(Dictionary(Type=Name.DPart))
    leaves = []
    for p in parts:
        dpm = Dictionary(RecordID=String(p.record_id))
        if p.row is not None:
            dpm[Name.Row] = int(p.row)
        leaf = pdf.make_indirect(
            Dictionary(
                Type=Name.DPart,
                Parent=root,
                Start=pdf.pages[p.first - 1].obj,
                End=pdf.pages[p.last - 1].obj,
                DPM=dpm,
            )
        )
        for i in range(p.first - 1, p.last):
            pdf.pages[i].obj[Name.DPart] = leaf
        leaves.append(leaf)
    root[Name.DParts] = Array([Array(leaves)])  # an array of arrays of DParts (ISO 16612-2)
    pdf.Root[Name.DPartRoot] = Dictionary(
        Type=Name.DPartRoot,
        DPartRootNode=root,
        RecordLevel=1,
        NodeNameList=Array([Name.Job, Name.Record]),
    )
    return True


def _xmp_date(value: Any) -> str | None:
    m = re.match(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(Z|[+-]\d\d'?\d\d)?", str(value or ""))
    if not m:
        return None
    zone = (m[7] or "Z").replace("'", "")
    if zone != "Z":
        zone = f"{zone[:3]}:{zone[3:]}"
    return f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:{m[5]}:{m[6]}{zone}"


def _xmp(pdf: pikepdf.Pdf, digest: str, vt: bool) -> None:
    info = pdf.docinfo

    def text(key: str) -> str:
        return escape(str(info.get("/" + key, "")))

    uid = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    created = _xmp_date(info.get(Name.CreationDate))
    modified = _xmp_date(info.get(Name.ModDate)) or created
    dates = "".join(
        f"<xmp:{k}>{v}</xmp:{k}>"
        for k, v in (("CreateDate", created), ("ModifyDate", modified), ("MetadataDate", modified))
        if v
    )
    vt_ns = ' xmlns:pdfvtid="http://www.npes.org/pdfvt/ns/id/"' if vt else ""
    vt_key = f"<pdfvtid:GTS_PDFVTVersion>{VT_VERSION}</pdfvtid:GTS_PDFVTVersion>" if vt else ""
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"'
        f' xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/"{vt_ns}>\n'
        "<dc:format>application/pdf</dc:format>"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text("Title")}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:creator><rdf:Seq><rdf:li>{text('Author')}</rdf:li></rdf:Seq></dc:creator>"
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text("Subject")}</rdf:li>'
        "</rdf:Alt></dc:description>\n"
        f"{dates}<xmp:CreatorTool>{text('Creator')}</xmp:CreatorTool>\n"
        f"<pdf:Producer>{text('Producer')}</pdf:Producer><pdf:Trapped>False</pdf:Trapped>\n"
        f"<xmpMM:DocumentID>{uid}</xmpMM:DocumentID><xmpMM:InstanceID>{uid}</xmpMM:InstanceID>"
        "<xmpMM:VersionID>1</xmpMM:VersionID><xmpMM:RenditionClass>default</xmpMM:RenditionClass>\n"
        f"<pdfxid:GTS_PDFXVersion>{VERSION}</pdfxid:GTS_PDFXVersion>{vt_key}\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    meta = pikepdf.Stream(pdf, packet.encode("utf-8"))
    meta[Name.Type] = Name.Metadata
    meta[Name.Subtype] = Name.XML
    pdf.Root[Name.Metadata] = meta
